/**
 * The one retry policy of kubox's HTTP: a bounded number of attempts, waits
 * that grow exponentially with jitter, a server's Retry-After honoured but
 * capped (a longer one is not waited for: the answer stands), and a bound on
 * the total time spent waiting.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  /** Cap of one backoff wait; a Retry-After may ask for up to four times this. */
  maxDelayMs: number;
  /** Upper bound on the time spent waiting between attempts, all waits together. */
  maxTotalWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxTotalWaitMs: 60_000,
};

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Seconds or an HTTP date, as Retry-After may say. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number.parseInt(header, 10) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function backoffMs(attempt: number, policy: RetryPolicy): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  // Jitter in [exp/2, exp] spreads clients that failed together.
  return Math.round(exp / 2 + (Math.random() * exp) / 2);
}

/** The longest Retry-After kubox waits for; a server asking for more gets no other attempt. */
export function maxRetryAfterMs(policy: RetryPolicy): number {
  return policy.maxDelayMs * 4;
}

/** The wait before attempt `attempt + 1`: the server's Retry-After (capped) when it gave one, else backoff. */
export function delayMs(attempt: number, policy: RetryPolicy, retryAfter?: number): number {
  return retryAfter === undefined
    ? backoffMs(attempt, policy)
    : Math.min(maxRetryAfterMs(policy), retryAfter);
}

/** 408, 429 and 5xx but 501 (not implemented) and 505 (version not supported): another try may work. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505);
}
