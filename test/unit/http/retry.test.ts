/**
 * The pieces of the HTTP layer's policy that need no socket: Retry-After,
 * backoff, which statuses are retried, how a fetch failure is classified,
 * and HttpError itself.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import { HttpError, networkError, redact } from '../../../src/http/error.js';
import {
  backoffMs,
  DEFAULT_RETRY,
  delayMs,
  isRetryableStatus,
  retryAfterMs,
} from '../../../src/http/retry.js';

afterEach(() => vi.restoreAllMocks());

describe('networkError', () => {
  const withCause = (code: string, message = `boom ${code}`) =>
    new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });
  const url = 'https://reg.example:5000/v2/';

  it('does not retry DNS failures and says so', () => {
    const error = networkError(withCause('ENOTFOUND'), 'GET', url);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toBeInstanceOf(KuboxError);
    expect(error.transient).toBe(false);
    expect(error.kind).toBe('network');
    expect(error.status).toBeUndefined();
    expect(error.message).toBe('cannot resolve the host reg.example:5000 (DNS)');
    expect(error.hint).toMatch(/DNS/);
  });

  it.each(['CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'])(
    'does not retry TLS failure %s and names it',
    (code) => {
      const error = networkError(withCause(code), 'GET', url);
      expect(error.transient).toBe(false);
      expect(error.kind).toBe('network');
      expect(error.message).toBe(`TLS to reg.example:5000 failed: ${code}`);
      expect(error.hint).toMatch(/certificate/);
    },
  );

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'EAI_AGAIN'])(
    'retries %s',
    (code) => {
      const error = networkError(withCause(code), 'PUT', url);
      expect(error.transient).toBe(true);
      expect(error.kind).toBe('network');
      expect(error.method).toBe('PUT');
      expect(error.url).toBe(url);
      expect(error.message).toBe(`cannot reach ${url}: ${code}`);
      expect(error.reason).toBe(`connection failed (${code})`);
    },
  );

  it('finds the code several causes deep, and retries an error without one', () => {
    const deep = new TypeError('fetch failed', {
      cause: new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ENOTFOUND' }) }),
    });
    expect(networkError(deep, 'GET', url).transient).toBe(false);
    const bare = networkError(new Error('socket hang up'), 'GET', url);
    expect(bare.transient).toBe(true);
    expect(bare.message).toBe(`cannot reach ${url}: socket hang up`);
  });

  it('does not retry a failure it has no reason to think passes', () => {
    expect(networkError(withCause('ERR_INVALID_ARG_VALUE'), 'GET', url).transient).toBe(false);
  });
});

describe('HttpError', () => {
  it('carries method, status and the URL without credentials', () => {
    const e = new HttpError({
      method: 'GET',
      url: 'https://alice:s3cret@pkgs.example/simple/x/',
      status: 404,
      statusText: 'Not Found',
    });
    expect(e.status).toBe(404);
    expect(e.method).toBe('GET');
    expect(e.url).toBe('https://pkgs.example/simple/x/');
    expect(e.message).toBe('GET https://pkgs.example/simple/x/: HTTP 404 Not Found');
    expect(e.reason).toBe('HTTP 404');
    expect(e.kind).toBe('network');
    expect(e.exitCode).toBe(1);
    expect(e.transient).toBe(false);
    expect(new HttpError({ method: 'GET', url: 'http://x/', status: 503 }).transient).toBe(true);
  });

  it('takes a kind and message of its own, and strips credentials from them and the hint', () => {
    const e = new HttpError({
      method: 'GET',
      url: 'https://alice:s3cret@pkgs.example/simple/',
      status: 404,
      kind: 'not-found',
      message: 'no project on https://alice:s3cret@pkgs.example/simple/',
      hint: 'check https://alice:s3cret@pkgs.example/simple/',
    });
    expect(e.kind).toBe('not-found');
    expect(e.message).toBe('no project on https://pkgs.example/simple/');
    expect(e.hint).toBe('check https://pkgs.example/simple/');
  });

  it('redact removes userinfo from every URL in a text and leaves the rest', () => {
    expect(redact('a https://u:p@h/x and http://tok@h2:80/y?q=1#f, mailto:me@h')).toBe(
      'a https://h/x and http://h2:80/y?q=1#f, mailto:me@h',
    );
  });
});

describe('retryAfterMs, backoffMs, delayMs, isRetryableStatus', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('1')).toBe(1000);
    expect(retryAfterMs(' 30 ')).toBe(30_000);
    expect(retryAfterMs('0')).toBe(0);
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('')).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('backs off exponentially with jitter in [exp/2, exp], capped', () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffMs(a, policy))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffMs(a, policy))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('waits what Retry-After says, at most four times maxDelayMs (32 s by default)', () => {
    expect(delayMs(0, DEFAULT_RETRY, 2000)).toBe(2000);
    expect(delayMs(0, DEFAULT_RETRY, 3_600_000)).toBe(32_000);
    expect(delayMs(3, DEFAULT_RETRY, 0)).toBe(0);
  });

  it('retries 408, 429 and 5xx except 501 and 505', () => {
    for (const s of [408, 429, 500, 502, 503, 504, 599]) expect(isRetryableStatus(s)).toBe(true);
    for (const s of [200, 201, 202, 301, 400, 401, 403, 404, 501, 505])
      expect(isRetryableStatus(s)).toBe(false);
  });
});
