/**
 * HttpError: an HTTP exchange that failed, with its method, its URL (never
 * with credentials) and, when the server answered, its status, so callers
 * test `e.status === 404` instead of reading the message.
 */
import { KuboxError, type ErrorKind } from '../errors.js';
import { redact } from '../redact.js';
import { isRetryableStatus } from './retry.js';

/** `text` with the `user:password@` of every URL and every known secret removed (src/redact.ts). */
export { redact } from '../redact.js';

export interface HttpErrorInit {
  method: string;
  url: string;
  /** The status the server answered with; unset when no response came. */
  status?: number;
  statusText?: string;
  /** Default `METHOD URL: HTTP STATUS TEXT`. */
  message?: string;
  /** What went wrong in a few words, without the URL, for logs; default `HTTP STATUS`, or the message. */
  reason?: string;
  /** Default 'network'. */
  kind?: ErrorKind;
  hint?: string;
  cause?: unknown;
  /** Whether another attempt may succeed; by default, whether the status is one worth retrying. */
  transient?: boolean;
}

export class HttpError extends KuboxError {
  readonly method: string;
  /** The URL asked for, without credentials. */
  readonly url: string;
  readonly status: number | undefined;
  readonly transient: boolean;
  /** What went wrong in a few words, without the URL: `HTTP 503`, `connection failed (ECONNRESET)`. */
  readonly reason: string;

  constructor(init: HttpErrorInit) {
    const url = redact(init.url);
    const status = init.status === undefined ? '' : `HTTP ${init.status}`;
    super(
      init.kind ?? 'network',
      redact(init.message ?? `${init.method} ${url}: ${status} ${init.statusText ?? ''}`.trim()),
      {
        ...(init.hint !== undefined ? { hint: redact(init.hint) } : {}),
        ...(init.cause !== undefined ? { cause: init.cause } : {}),
      },
    );
    this.name = 'HttpError';
    this.method = init.method;
    this.url = url;
    this.status = init.status;
    this.reason = redact(init.reason ?? (status || this.message));
    this.transient =
      init.transient ?? (init.status !== undefined && isRetryableStatus(init.status));
  }
}

/** A response that is not what the caller wanted as an HttpError, its body dropped. */
export async function statusError(
  res: Response,
  init: Omit<HttpErrorInit, 'status' | 'statusText'>,
): Promise<HttpError> {
  await res.body?.cancel().catch(() => {});
  return new HttpError({ ...init, status: res.status, statusText: res.statusText });
}

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

/** The first `code` along an error's cause chain, and the innermost message. */
export function causeOf(e: unknown): { code?: string; message: string } {
  let code: string | undefined;
  let message = e instanceof Error ? e.message : String(e);
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 5; depth++) {
    const c = (cur as { code?: unknown }).code;
    if (code === undefined && typeof c === 'string') code = c;
    if (cur instanceof Error && cur.message) message = cur.message;
    cur = (cur as { cause?: unknown }).cause;
  }
  return { ...(code !== undefined ? { code } : {}), message };
}

/** A failure of fetch itself (no response) as an HttpError: DNS and TLS are final, a dropped connection transient. */
export function networkError(e: unknown, method: string, url: string): HttpError {
  const { code, message } = causeOf(e);
  const host = new URL(url).host;
  if (code === 'ENOTFOUND')
    return new HttpError({
      method,
      url,
      message: `cannot resolve the host ${host} (DNS)`,
      reason: 'DNS lookup failed',
      hint: 'check the host name (the registry of an image reference, or the URL), your DNS, or proxy settings',
      cause: e,
      transient: false,
    });
  if (code !== undefined && TLS.test(code))
    return new HttpError({
      method,
      url,
      message: `TLS to ${host} failed: ${code}`,
      reason: `TLS failed (${code})`,
      hint: "the server's certificate is not trusted here: add its CA to the system store (or NODE_EXTRA_CA_CERTS), or fix the certificate",
      cause: e,
      transient: false,
    });
  const transient = code === undefined || TRANSIENT.has(code);
  return new HttpError({
    method,
    url,
    message: `cannot reach ${url}: ${code ?? message}`,
    reason: `connection failed (${code ?? message})`,
    hint: transient
      ? 'check the network connection and that the server is up and reachable; kubox retried with backoff before giving up'
      : 'check the URL and that this machine can reach it',
    cause: e,
    transient,
  });
}
