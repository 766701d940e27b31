/**
 * The retrying transport against real sockets: a node:http server on
 * 127.0.0.1 port 0 answers with scripted statuses, drops connections, or is
 * gone. Sleeps are injected and recorded so no test waits for real.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import {
  backoffMs,
  classifyNetworkError,
  createTransport,
  DEFAULT_RETRY,
  isRetryableStatus,
  retryAfterMs,
  type Sleep,
} from '../../../src/registry/transport.js';
import { closedPort, startServer, type TestServer } from './http-server.js';

const servers: TestServer[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server answering the n-th request (0-based) with script[n], the last entry thereafter. */
async function scripted(
  script: ({ status: number; headers?: Record<string, string> } | 'reset')[],
): Promise<TestServer> {
  const s = await startServer((rec, res, req) => {
    const step = script[Math.min(s.requests.length - 1, script.length - 1)]!;
    if (step === 'reset') {
      req.socket.destroy();
      return;
    }
    res.writeHead(step.status, step.headers ?? {});
    res.end(`status ${step.status} for ${rec.method}`);
  });
  servers.push(s);
  return s;
}

function recorder(): { sleep: Sleep; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

describe('classifyNetworkError', () => {
  const withCause = (code: string, message = `boom ${code}`) =>
    new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });
  const url = 'https://reg.example:5000/v2/';

  it('does not retry DNS failures and says so', () => {
    const { retry, error } = classifyNetworkError(withCause('ENOTFOUND'), url);
    expect(retry).toBe(false);
    expect(error).toBeInstanceOf(KuboxError);
    expect(error.kind).toBe('network');
    expect(error.message).toBe('cannot resolve the registry host reg.example:5000 (DNS)');
    expect(error.hint).toMatch(/DNS/);
  });

  it.each(['CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'])(
    'does not retry TLS failure %s and names it',
    (code) => {
      const { retry, error } = classifyNetworkError(withCause(code), url);
      expect(retry).toBe(false);
      expect(error.kind).toBe('network');
      expect(error.message).toBe(`TLS to reg.example:5000 failed: ${code}`);
      expect(error.hint).toMatch(/certificate/);
    },
  );

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'EAI_AGAIN'])(
    'retries %s',
    (code) => {
      const { retry, error } = classifyNetworkError(withCause(code), url);
      expect(retry).toBe(true);
      expect(error.kind).toBe('network');
      expect(error.message).toBe(`connection to reg.example:5000 failed (${code}): fetch failed`);
    },
  );

  it('finds the code several causes deep, and retries an error without one', () => {
    const deep = new TypeError('fetch failed', {
      cause: new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ENOTFOUND' }) }),
    });
    expect(classifyNetworkError(deep, url).retry).toBe(false);
    const bare = classifyNetworkError(new Error('socket hang up'), url);
    expect(bare.retry).toBe(true);
    expect(bare.error.message).toBe('connection to reg.example:5000 failed: socket hang up');
  });
});

describe('retryAfterMs, backoffMs, isRetryableStatus', () => {
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

  it('retries 408, 429 and 5xx except 501 and 505', () => {
    for (const s of [408, 429, 500, 502, 503, 504, 599]) expect(isRetryableStatus(s)).toBe(true);
    for (const s of [200, 201, 202, 301, 400, 401, 403, 404, 501, 505])
      expect(isRetryableStatus(s)).toBe(false);
  });
});

describe('createTransport', () => {
  it('honours Retry-After: 1 on a 429, then returns the 200', async () => {
    const s = await scripted([{ status: 429, headers: { 'retry-after': '1' } }, { status: 200 }]);
    const { sleep, delays } = recorder();
    const log: string[] = [];
    const t = createTransport({ sleep, log: (m) => log.push(m) });
    const res = await t.send({ method: 'GET', url: `${s.base}/v2/a/manifests/latest` });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('status 200 for GET');
    expect(delays).toEqual([1000]);
    expect(s.requests).toHaveLength(2);
    expect(log).toEqual(['GET /v2/a/manifests/latest: HTTP 429; retrying in 1000 ms']);
  });

  it('waits for real when no sleep is injected', async () => {
    const s = await scripted([{ status: 429, headers: { 'retry-after': '1' } }, { status: 200 }]);
    const start = Date.now();
    const res = await createTransport().send({ method: 'GET', url: `${s.base}/v2/` });
    expect(res.status).toBe(200);
    expect(Date.now() - start).toBeGreaterThanOrEqual(950);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const at = new Date(Date.now() + 3000).toUTCString();
    const s = await scripted([{ status: 503, headers: { 'retry-after': at } }, { status: 200 }]);
    const { sleep, delays } = recorder();
    const res = await createTransport({ sleep }).send({ method: 'GET', url: `${s.base}/v2/` });
    expect(res.status).toBe(200);
    expect(delays).toHaveLength(1);
    // The date has one-second resolution.
    expect(delays[0]).toBeGreaterThan(1000);
    expect(delays[0]).toBeLessThanOrEqual(3000);
  });

  it('retries 500, 502 and 503 with backoff, then returns the success', async () => {
    const s = await scripted([{ status: 500 }, { status: 502 }, { status: 503 }, { status: 200 }]);
    const { sleep, delays } = recorder();
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const t = createTransport({ sleep, retry: { baseDelayMs: 100 } });
    const res = await t.send({ method: 'GET', url: `${s.base}/v2/` });
    expect(res.status).toBe(200);
    expect(s.requests).toHaveLength(4);
    expect(delays).toEqual([50, 100, 200]);
  });

  it('does not retry 501', async () => {
    const s = await scripted([{ status: 501 }, { status: 200 }]);
    const { sleep, delays } = recorder();
    const res = await createTransport({ sleep }).send({ method: 'GET', url: `${s.base}/v2/` });
    expect(res.status).toBe(501);
    expect(s.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('returns the last 503 after policy.attempts attempts', async () => {
    const s = await scripted([{ status: 503 }]);
    const { sleep, delays } = recorder();
    const t = createTransport({ sleep, retry: { attempts: 4 } });
    const res = await t.send({ method: 'GET', url: `${s.base}/v2/` });
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('status 503 for GET');
    expect(s.requests).toHaveLength(4);
    expect(delays).toHaveLength(3);
  });

  it('stops when the next wait would pass maxTotalWaitMs', async () => {
    const s = await scripted([{ status: 503, headers: { 'retry-after': '2' } }]);
    const { sleep, delays } = recorder();
    const t = createTransport({ sleep, retry: { attempts: 10, maxTotalWaitMs: 5000 } });
    const res = await t.send({ method: 'GET', url: `${s.base}/v2/` });
    expect(res.status).toBe(503);
    expect(delays).toEqual([2000, 2000]);
    expect(s.requests).toHaveLength(3);
  });

  it('caps a long Retry-After at four times maxDelayMs', async () => {
    const s = await scripted([
      { status: 429, headers: { 'retry-after': '3600' } },
      { status: 200 },
    ]);
    const { sleep, delays } = recorder();
    const t = createTransport({ sleep, retry: { maxDelayMs: 500 } });
    expect((await t.send({ method: 'GET', url: `${s.base}/v2/` })).status).toBe(200);
    expect(delays).toEqual([2000]);
  });

  it('sends once with retry: false', async () => {
    const s = await scripted([{ status: 503 }, { status: 200 }]);
    const { sleep, delays } = recorder();
    const res = await createTransport({ sleep }).send({
      method: 'PUT',
      url: `${s.base}/v2/a/blobs/uploads/x`,
      body: () => 'chunk',
      retry: false,
    });
    expect(res.status).toBe(503);
    expect(s.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('retries a connection reset by the server, then succeeds', async () => {
    const s = await scripted(['reset', { status: 200 }]);
    const { sleep, delays } = recorder();
    const log: string[] = [];
    const t = createTransport({ sleep, log: (m) => log.push(m) });
    const res = await t.send({ method: 'GET', url: `${s.base}/v2/` });
    expect(res.status).toBe(200);
    expect(s.requests).toHaveLength(2);
    expect(delays).toHaveLength(1);
    expect(log[0]).toMatch(/^GET \/v2\/: connection to 127\.0\.0\.1:\d+ failed \(\w+\)/);
  });

  it('calls the body factory once per attempt and sends the body each time', async () => {
    const s = await scripted([{ status: 503 }, 'reset', { status: 201 }]);
    const { sleep } = recorder();
    let made = 0;
    const res = await createTransport({ sleep }).send({
      method: 'POST',
      url: `${s.base}/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: () => {
        made++;
        return new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(new TextEncoder().encode(`attempt=${made}`));
            c.close();
          },
        });
      },
    });
    expect(res.status).toBe(201);
    expect(made).toBe(3);
    expect(s.requests.map((r) => r.body.toString())).toEqual([
      'attempt=1',
      'attempt=2',
      'attempt=3',
    ]);
  });

  it('gives up on a closed port with a network error after the attempts', async () => {
    const port = await closedPort();
    const { sleep, delays } = recorder();
    const t = createTransport({ sleep, retry: { attempts: 3 } });
    const err = await t
      .send({ method: 'GET', url: `http://127.0.0.1:${port}/v2/` })
      .catch((e) => e);
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).kind).toBe('network');
    expect((err as KuboxError).message).toContain(
      `connection to 127.0.0.1:${port} failed (ECONNREFUSED)`,
    );
    expect(delays).toHaveLength(2);
  });

  it('gives up on a network error when the backoff would pass maxTotalWaitMs', async () => {
    const port = await closedPort();
    const { sleep, delays } = recorder();
    const t = createTransport({ sleep, retry: { baseDelayMs: 1000, maxTotalWaitMs: 100 } });
    const err = await t
      .send({ method: 'GET', url: `http://127.0.0.1:${port}/v2/` })
      .catch((e) => e);
    expect((err as KuboxError).kind).toBe('network');
    expect(delays).toEqual([]);
  });
});
