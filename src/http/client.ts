/**
 * kubox's one HTTP client, for registries, apt repositories, package indexes
 * and downloads alike:
 * - one retry policy (retry.ts): dropped connections, time-outs, 408, 429
 *   and 5xx are tried again with backoff and jitter, Retry-After honoured
 *   (a wait longer than the cap is not made: the answer is final then);
 * - time-outs of its own: connecting until the response headers, and an
 *   idle time-out on bodies (a stalled upload, a download that stops or
 *   trickles);
 * - a bound on bodies (`limit`): a declared size or a cap, enforced while
 *   they stream;
 * - redirects followed here, Authorization only ever sent to the origin it
 *   was given for;
 * - `user:password@` in a URL becomes Basic authorization and appears in no
 *   message. Bodies stream: nothing is buffered that the caller does not read.
 */
import type { ErrorKind } from '../errors.js';
import { addCredentials } from '../redact.js';
import { causeOf, HttpError, networkError } from './error.js';
import {
  DEFAULT_RETRY,
  delayMs,
  isRetryableStatus,
  maxRetryAfterMs,
  realSleep,
  retryAfterMs,
  type RetryPolicy,
  type Sleep,
} from './retry.js';

export type RequestBody = string | Uint8Array | ReadableStream<Uint8Array>;

export interface HttpRequest {
  /** Default GET. */
  method?: string;
  url: string;
  headers?: Record<string, string>;
  /** Called for every attempt (and 307/308 redirect), so a stream body can be made again. */
  body?: () => RequestBody | undefined;
  /** False for requests that must not be sent twice (an upload chunk): the caller retries at its level. */
  retry?: boolean;
  /**
   * The most body bytes to take: a response that announces more (Content-Length)
   * or sends more fails at once, without another attempt. Unset: no bound (the
   * caller streams, and must bound what it keeps).
   */
  limit?: BodyLimit;
}

export interface BodyLimit {
  bytes: number;
  /** What the bound is, for the message: "its declared size", "the cap on manifests". */
  what: string;
  /** Default 'network'; 'integrity' when the bound is a size the content was declared with. */
  kind?: ErrorKind;
}

export interface Timeouts {
  /** From sending a request (its body included) to its response headers, connecting included. */
  headersMs: number;
  /** Longest wait for the next bytes of a body, either way, while the other side is to send or take them. */
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { headersMs: 30_000, idleMs: 60_000 };

/**
 * What a body must bring per `idleMs` to count as moving. A server trickling a
 * byte every few seconds never trips a plain idle timer and holds kubox
 * forever (slowloris); 1 KiB a minute is far below any real link.
 */
export const PROGRESS_BYTES = 1024;

/**
 * Time-outs and attempts from the environment, for tests and for users behind
 * slow links: KUBOX_HTTP_HEADERS_TIMEOUT_MS, KUBOX_HTTP_IDLE_TIMEOUT_MS,
 * KUBOX_HTTP_ATTEMPTS (positive integers; anything else is ignored, as the
 * default client is made when this module loads and cannot fail then).
 */
export function policyFromEnv(env: NodeJS.ProcessEnv = process.env): {
  timeouts: Partial<Timeouts>;
  retry: Partial<RetryPolicy>;
} {
  const num = (name: string) => {
    const v = env[name]?.trim();
    return v && /^[1-9]\d{0,8}$/.test(v) ? Number(v) : undefined;
  };
  const headersMs = num('KUBOX_HTTP_HEADERS_TIMEOUT_MS');
  const idleMs = num('KUBOX_HTTP_IDLE_TIMEOUT_MS');
  const attempts = num('KUBOX_HTTP_ATTEMPTS');
  return {
    timeouts: {
      ...(headersMs !== undefined ? { headersMs } : {}),
      ...(idleMs !== undefined ? { idleMs } : {}),
    },
    retry: attempts !== undefined ? { attempts } : {},
  };
}

export interface HttpOptions {
  /** What sends one request; global fetch by default. */
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
  timeouts?: Partial<Timeouts>;
  sleep?: Sleep;
  /** Told of every retry, by method and path: never a header, a query or a credential. */
  log?: (msg: string) => void;
}

export interface Http {
  /**
   * The response, of whatever status, after retrying what is worth it; a status
   * worth retrying (503) is returned as it is when no attempt is left.
   */
  send(req: HttpRequest): Promise<Response>;
  /**
   * `consume(response)`, with reading the body part of the attempt: a body that
   * breaks off or stalls is tried again from the start, within the same bounds.
   * `consume` gets the last response of a status worth retrying when no attempt is left.
   */
  read<T>(req: HttpRequest, consume: (res: Response) => Promise<T> | T): Promise<T>;
}

/** A fetch function (the client's policy is put on top of it) or a client. */
export type Fetcher = typeof fetch | Http;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

interface Target {
  method: string;
  url: URL;
  headers: Headers;
  body: (() => RequestBody | undefined) | undefined;
  limit: BodyLimit | undefined;
}

interface Exchange {
  response: Response;
  /** The error the body failed with, once it did. */
  broke(): HttpError | undefined;
}

/** Another attempt, or when none is left, `settle()`. */
interface Retry<T> {
  why: string;
  retryAfterMs?: number;
  settle(): Promise<T> | T;
  discard?(): Promise<void>;
}

function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

async function discard(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => {});
}

function causedBy(e: unknown, cause: unknown): boolean {
  for (let cur = e, depth = 0; cur && depth < 5; depth++) {
    if (cur === cause) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/** The request's method and URL checked; credentials in the URL moved into an Authorization header. */
function target(req: HttpRequest): Target {
  const method = (req.method ?? 'GET').toUpperCase();
  const refuse = (why: string, cause?: unknown) =>
    new HttpError({
      method,
      url: req.url,
      message: `${method} ${req.url}: ${why}`,
      cause,
      transient: false,
    });
  let url: URL;
  try {
    url = new URL(req.url);
  } catch (e) {
    throw refuse('not a URL', e);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('not an http(s) URL');
  const headers = new Headers(req.headers);
  if (url.username || url.password) {
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    };
    const user = `${decode(url.username)}:${decode(url.password)}`;
    addCredentials(decode(url.username), decode(url.password));
    if (!headers.has('authorization'))
      headers.set('authorization', `Basic ${Buffer.from(user).toString('base64')}`);
    url.username = '';
    url.password = '';
  }
  return { method, url, headers, body: req.body, limit: req.limit };
}

/** One timer for a request: when it runs out, `expired` rejects and the request is aborted. */
class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private reject!: (e: HttpError) => void;
  readonly expired = new Promise<never>((_, reject) => {
    this.reject = reject;
  });

  constructor(private readonly abort: AbortController) {
    this.expired.catch(() => {});
  }

  arm(ms: number, error: () => HttpError): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const e = error();
      this.reject(e);
      this.abort.abort(e);
    }, ms);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}

/** `body` passed through, calling `onPull` whenever more is asked for and `onEnd` once it is all sent. */
function tap(
  body: ReadableStream<Uint8Array>,
  onPull: () => void,
  onEnd: () => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        onPull();
        const r = await reader.read();
        if (r.done) {
          onEnd();
          c.close();
        } else c.enqueue(r.value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/**
 * The response with its body under the idle time-out and the request's limit:
 * each read waits at most what is left of `idleMs` for bytes, and a window of
 * `idleMs` spent waiting must bring PROGRESS_BYTES (or the end). A read that
 * fails aborts the request and errors the body with an HttpError, remembered
 * as what broke the exchange. A body over the limit is refused as soon as it
 * says so (Content-Length) or its bytes pass it: memory and disk stay bounded.
 */
function guard(
  res: Response,
  abort: AbortController,
  failure: (reason: string, cause?: unknown, final?: { kind?: ErrorKind }) => HttpError,
  idleMs: number,
  limit: BodyLimit | undefined,
): Exchange {
  if (res.body === null || NULL_BODY.has(res.status))
    return { response: res, broke: () => undefined };
  // The limit is on the content asked for: an error page or a 401 is not it (its readers
  // quote a bounded part, http/body.ts), and must not turn into "too large".
  if (!res.ok) limit = undefined;
  const tooLarge = (more: string) =>
    failure(`the response is ${more} ${limit!.bytes} bytes (${limit!.what})`, undefined, {
      kind: limit!.kind ?? 'network',
    });
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (limit && Number.isFinite(declared) && declared > limit.bytes) {
    const e = tooLarge(`announced (Content-Length ${declared}) as larger than`);
    abort.abort(e);
    void res.body.cancel(e).catch(() => {});
    throw e;
  }
  const reader = res.body.getReader();
  let broke: HttpError | undefined;
  let total = 0;
  // Time spent waiting in reads, and bytes got, since the body last made progress.
  let waited = 0;
  let got = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        let timer: NodeJS.Timeout | undefined;
        const started = Date.now();
        const idle = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                failure(
                  got === 0
                    ? `no data for ${duration(idleMs)}`
                    : `only ${got} bytes in ${duration(idleMs)}`,
                ),
              ),
            Math.max(1, idleMs - waited),
          );
        });
        try {
          const r = await Promise.race([reader.read(), idle]);
          waited += Date.now() - started;
          if (r.done) return c.close();
          total += r.value.length;
          got += r.value.length;
          if (got >= PROGRESS_BYTES) waited = got = 0;
          if (limit && total > limit.bytes) throw tooLarge('larger than');
          c.enqueue(r.value);
        } catch (e) {
          const { code, message } = causeOf(e);
          broke = e instanceof HttpError ? e : failure(`the body broke off: ${code ?? message}`, e);
          abort.abort(broke);
          void reader.cancel(broke).catch(() => {});
          throw broke;
        } finally {
          clearTimeout(timer);
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  const response = new Response(body, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
  Object.defineProperty(response, 'url', { value: res.url });
  return { response, broke: () => broke };
}

/** One request to one URL, under the time-outs; a fetch failure becomes an HttpError naming `where`. */
async function once(
  t: Target,
  url: URL,
  where: string,
  fetchFn: typeof fetch,
  timeouts: Timeouts,
): Promise<Exchange> {
  const abort = new AbortController();
  const deadline = new Deadline(abort);
  // Failures are transient (worth another attempt) but for `final` ones: a body over its limit.
  const failure = (reason: string, cause?: unknown, final?: { kind?: ErrorKind }) =>
    new HttpError({
      method: t.method,
      url: where,
      message: `${t.method} ${where}: ${reason}`,
      reason,
      cause,
      transient: final === undefined,
      ...(final?.kind ? { kind: final.kind } : {}),
      ...(final
        ? {
            hint: 'the server sent more than kubox accepts there; it is broken, or not what the URL should point at',
          }
        : {}),
    });
  const noHeaders = () => failure(`no response within ${duration(timeouts.headersMs)}`);
  deadline.arm(timeouts.headersMs, noHeaders);
  let body = t.body?.();
  if (body instanceof ReadableStream)
    body = tap(
      body,
      () =>
        deadline.arm(timeouts.idleMs, () =>
          failure(`the upload stalled for ${duration(timeouts.idleMs)}`),
        ),
      () => deadline.arm(timeouts.headersMs, noHeaders),
    );
  let res: Response;
  try {
    res = await Promise.race([
      fetchFn(url.href, {
        method: t.method,
        headers: t.headers,
        redirect: 'manual',
        signal: abort.signal,
        ...(body !== undefined ? { body, duplex: 'half' } : {}),
      } as RequestInit),
      deadline.expired,
    ]);
  } catch (e) {
    throw e instanceof HttpError ? e : networkError(e, t.method, where);
  } finally {
    deadline.close();
  }
  return guard(res, abort, failure, timeouts.idleMs, t.limit);
}

/**
 * One attempt: the request and every redirect it meets. Authorization is
 * dropped when a redirect leaves the origin; 303 (and 301/302 after a POST)
 * go on as a GET without the body, 307/308 resend the body.
 */
async function exchange(t: Target, fetchFn: typeof fetch, timeouts: Timeouts): Promise<Exchange> {
  const hop: Target = { ...t, headers: new Headers(t.headers) };
  let url = t.url;
  for (let hops = 0; ; hops++) {
    // Errors on a redirect's target name its origin and path: its query may hold a signature.
    const where = hops === 0 ? url.href : `${url.origin}${url.pathname}`;
    const ex = await once(hop, url, where, fetchFn, timeouts);
    const res = ex.response;
    const location = REDIRECTS.has(res.status) ? res.headers.get('location') : null;
    if (location === null) return ex;
    await discard(res);
    if (hops >= MAX_REDIRECTS)
      throw new HttpError({
        method: t.method,
        url: t.url.href,
        message: `${t.method} ${t.url.href}: more than ${MAX_REDIRECTS} redirects`,
        transient: false,
      });
    const next = new URL(location, url);
    next.username = '';
    next.password = '';
    if (next.origin !== url.origin) hop.headers.delete('authorization');
    const toGet =
      res.status === 303
        ? hop.method !== 'HEAD'
        : res.status !== 307 && res.status !== 308 && hop.method === 'POST';
    if (toGet) {
      hop.method = 'GET';
      hop.body = undefined;
      for (const h of ['content-type', 'content-length', 'content-encoding']) hop.headers.delete(h);
    }
    url = next;
  }
}

async function attempt<T>(
  t: Target,
  consume: (res: Response) => Promise<T> | T,
  fetchFn: typeof fetch,
  timeouts: Timeouts,
): Promise<{ value: T } | Retry<T>> {
  let ex: Exchange;
  try {
    ex = await exchange(t, fetchFn, timeouts);
  } catch (e) {
    if (!(e instanceof HttpError) || !e.transient) throw e;
    return {
      why: e.reason,
      settle: () => {
        throw e;
      },
    };
  }
  const res = ex.response;
  if (isRetryableStatus(res.status)) {
    const after = retryAfterMs(res.headers.get('retry-after'));
    return {
      why: `HTTP ${res.status}`,
      ...(after !== undefined ? { retryAfterMs: after } : {}),
      settle: () => consume(res),
      discard: () => discard(res),
    };
  }
  try {
    return { value: await consume(res) };
  } catch (e) {
    const broke = ex.broke();
    if (!broke || !broke.transient || !causedBy(e, broke)) throw e;
    return {
      why: broke.reason,
      settle: () => {
        throw e;
      },
    };
  }
}

export function createHttp(opts: HttpOptions = {}): Http {
  const env = policyFromEnv();
  const policy = { ...DEFAULT_RETRY, ...env.retry, ...opts.retry };
  const timeouts = { ...DEFAULT_TIMEOUTS, ...env.timeouts, ...opts.timeouts };
  const sleep = opts.sleep ?? realSleep;
  const client: Http = {
    send: (req) => client.read(req, (res) => res),
    async read(req, consume) {
      const t = target(req);
      const fetchFn = opts.fetch ?? globalThis.fetch;
      let waited = 0;
      for (let n = 0; ; n++) {
        const out = await attempt(t, consume, fetchFn, timeouts);
        if ('value' in out) return out.value;
        const delay = delayMs(n, policy, out.retryAfterMs);
        const last = req.retry === false || n + 1 >= policy.attempts;
        // A server asking for a longer wait than kubox would make is answered now, not slept on.
        const tooLong =
          out.retryAfterMs !== undefined && out.retryAfterMs > maxRetryAfterMs(policy);
        if (tooLong)
          opts.log?.(
            `${t.method} ${t.url.pathname}: ${out.why} asks to wait ${Math.round(out.retryAfterMs! / 1000)} s, longer than kubox waits; giving up`,
          );
        if (last || tooLong || waited + delay > policy.maxTotalWaitMs) return out.settle();
        await out.discard?.();
        opts.log?.(`${t.method} ${t.url.pathname}: ${out.why}; retrying in ${delay} ms`);
        waited += delay;
        await sleep(delay);
      }
    },
  };
  return client;
}

/** The client with the default policy. */
export const http = createHttp();

/** A client for what a caller passed: itself, the default policy over a fetch function, or the default. */
export function httpOf(f?: Fetcher): Http {
  if (f === undefined) return http;
  return typeof f === 'function' ? createHttp({ fetch: f }) : f;
}
