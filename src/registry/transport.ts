/**
 * HTTP for registries: retries with backoff on 429 (honouring Retry-After),
 * 5xx and dropped connections, bounded in attempts and in total waiting time;
 * clear errors for DNS and TLS failures. No request or header is ever logged
 * with its Authorization value.
 */
import { KuboxError } from '../errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Upper bound on the time spent waiting between attempts. */
  maxTotalWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxTotalWaitMs: 60_000,
};

export type RequestBody = string | Uint8Array | ReadableStream<Uint8Array>;

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** Called for every attempt, so a stream body can be made again after a failure. */
  body?: () => RequestBody | undefined;
  /** False for requests that must not be sent twice (an upload chunk): the caller retries at its level. */
  retry?: boolean;
}

export type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Network failure codes worth another attempt: the server or a proxy dropped us. */
const TRANSIENT = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'EAI_AGAIN',
]);
const TLS = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

function causeCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Turns a fetch failure into a KuboxError, or undefined when it is worth retrying. */
export function classifyNetworkError(
  e: unknown,
  url: string,
): { retry: boolean; error: KuboxError } {
  const code = causeCode(e) ?? '';
  const host = new URL(url).host;
  if (code === 'ENOTFOUND') {
    return {
      retry: false,
      error: new KuboxError('network', `cannot resolve the registry host ${host} (DNS)`, {
        hint: 'check the registry name in the reference, your DNS, or proxy settings',
      }),
    };
  }
  if (TLS.test(code)) {
    return {
      retry: false,
      error: new KuboxError('network', `TLS to ${host} failed: ${code}`, {
        hint: "the registry's certificate is not trusted here: add its CA to the system store (or NODE_EXTRA_CA_CERTS), or fix the certificate",
      }),
    };
  }
  return {
    retry: TRANSIENT.has(code) || code === '',
    error: new KuboxError(
      'network',
      `connection to ${host} failed${code ? ` (${code})` : ''}: ${(e as Error).message}`,
      {
        hint: 'check that the registry is up and reachable; kubox retried with backoff before giving up',
      },
    ),
  };
}

/** Seconds or an HTTP date, as Retry-After may say. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number.parseInt(header, 10) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function backoffMs(attempt: number, policy: RetryPolicy): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  // Full jitter spreads clients that failed together.
  return Math.round(exp / 2 + (Math.random() * exp) / 2);
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505);
}

export interface Transport {
  send(req: HttpRequest): Promise<Response>;
}

export function createTransport(
  opts: { retry?: Partial<RetryPolicy>; sleep?: Sleep; log?: (msg: string) => void } = {},
): Transport {
  const policy = { ...DEFAULT_RETRY, ...opts.retry };
  const sleep = opts.sleep ?? realSleep;
  return {
    async send(req) {
      let waited = 0;
      for (let attempt = 0; ; attempt++) {
        const last = req.retry === false || attempt + 1 >= policy.attempts;
        let res: Response;
        try {
          const body = req.body?.();
          res = await fetch(req.url, {
            method: req.method,
            headers: req.headers ?? {},
            redirect: 'follow',
            ...(body !== undefined ? { body, duplex: 'half' } : {}),
          } as RequestInit);
        } catch (e) {
          const { retry, error } = classifyNetworkError(e, req.url);
          const delay = backoffMs(attempt, policy);
          if (!retry || last || waited + delay > policy.maxTotalWaitMs) throw error;
          opts.log?.(
            `${req.method} ${new URL(req.url).pathname}: ${error.message}; retrying in ${delay} ms`,
          );
          waited += delay;
          await sleep(delay);
          continue;
        }
        if (!isRetryableStatus(res.status) || last) return res;
        const delay = Math.min(
          policy.maxDelayMs * 4,
          retryAfterMs(res.headers.get('retry-after')) ?? backoffMs(attempt, policy),
        );
        if (waited + delay > policy.maxTotalWaitMs) return res;
        opts.log?.(
          `${req.method} ${new URL(req.url).pathname}: HTTP ${res.status}; retrying in ${delay} ms`,
        );
        await res.body?.cancel().catch(() => {});
        waited += delay;
        await sleep(delay);
      }
    },
  };
}
