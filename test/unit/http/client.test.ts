/**
 * The HTTP layer against real sockets: a node:http server on 127.0.0.1 port 0
 * answers with scripted statuses, drops connections, stalls, redirects, or is
 * gone. Sleeps are injected and recorded so no retry waits for real (but
 * one); time-outs are set to a fraction of a second against servers that
 * never answer, so they are certain to fire.
 */
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import { createHttp, type HttpOptions } from '../../../src/http/client.js';
import { HttpError, statusError } from '../../../src/http/error.js';
import type { Sleep } from '../../../src/http/retry.js';
import { closedPort, startServer, type Handler, type TestServer } from '../registry/http-server.js';

const servers: TestServer[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Handler): Promise<TestServer> {
  const s = await startServer(handler);
  servers.push(s);
  return s;
}

type Step =
  | { status: number; headers?: Record<string, string>; body?: string }
  | 'reset'
  | 'hang'
  | 'stall-body'
  | 'break-body';

/** A server answering the n-th request (0-based) with script[n], the last entry thereafter. */
async function scripted(script: Step[]): Promise<TestServer> {
  const s = await serve((rec, res, req) => {
    const step = script[Math.min(s.requests.length - 1, script.length - 1)]!;
    if (step === 'reset') return void req.socket.destroy();
    if (step === 'hang') return;
    if (step === 'stall-body' || step === 'break-body') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('the first part');
      if (step === 'break-body') setTimeout(() => req.socket.destroy(), 20);
      return;
    }
    res.writeHead(step.status, step.headers ?? {});
    res.end(step.body ?? `status ${step.status} for ${rec.method}`);
  });
  return s;
}

function recorder(): { sleep: Sleep; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

/** A client that never waits for real, its waits recorded. */
function client(opts: HttpOptions = {}) {
  const { sleep, delays } = recorder();
  const log: string[] = [];
  return { http: createHttp({ sleep, log: (m) => log.push(m), ...opts }), delays, log };
}

const text = async (res: Response) => {
  if (!res.ok) throw await statusError(res, { method: 'GET', url: res.url });
  return res.text();
};

describe('retries', () => {
  it('honours Retry-After: 1 on a 429, then returns the 200', async () => {
    const s = await scripted([{ status: 429, headers: { 'retry-after': '1' } }, { status: 200 }]);
    const { http, delays, log } = client();
    const res = await http.send({ method: 'GET', url: `${s.base}/v2/a/manifests/latest` });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('status 200 for GET');
    expect(delays).toEqual([1000]);
    expect(s.requests).toHaveLength(2);
    expect(log).toEqual(['GET /v2/a/manifests/latest: HTTP 429; retrying in 1000 ms']);
  });

  it('waits for real when no sleep is injected', async () => {
    const s = await scripted([{ status: 503, headers: { 'retry-after': '1' } }, { status: 200 }]);
    const start = Date.now();
    const res = await createHttp().send({ url: `${s.base}/x` });
    expect(res.status).toBe(200);
    expect(Date.now() - start).toBeGreaterThanOrEqual(950);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const at = new Date(Date.now() + 3000).toUTCString();
    const s = await scripted([{ status: 503, headers: { 'retry-after': at } }, { status: 200 }]);
    const { http, delays } = client();
    expect((await http.send({ url: `${s.base}/x` })).status).toBe(200);
    expect(delays).toHaveLength(1);
    // The date has one-second resolution.
    expect(delays[0]).toBeGreaterThan(1000);
    expect(delays[0]).toBeLessThanOrEqual(3000);
  });

  it('waits a Retry-After of up to four times maxDelayMs', async () => {
    const s = await scripted([{ status: 429, headers: { 'retry-after': '2' } }, { status: 200 }]);
    const { http, delays } = client({ retry: { maxDelayMs: 500 } });
    expect((await http.send({ url: `${s.base}/x` })).status).toBe(200);
    expect(delays).toEqual([2000]);
  });

  it('does not wait for a Retry-After longer than the cap: the 429 stands at once', async () => {
    const s = await scripted([
      { status: 429, headers: { 'retry-after': '3600' } },
      { status: 200 },
    ]);
    const { http, delays, log } = client({ retry: { maxDelayMs: 500 } });
    expect((await http.send({ url: `${s.base}/x` })).status).toBe(429);
    expect(delays).toEqual([]);
    expect(s.requests).toHaveLength(1);
    expect(log[0]).toMatch(/asks to wait 3600 s, longer than kubox waits; giving up/);
  });

  it('retries 500, 502 and 503 with backoff, then returns the success', async () => {
    const s = await scripted([{ status: 500 }, { status: 502 }, { status: 503 }, { status: 200 }]);
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { http, delays } = client({ retry: { baseDelayMs: 100 } });
    expect((await http.send({ url: `${s.base}/x` })).status).toBe(200);
    expect(s.requests).toHaveLength(4);
    expect(delays).toEqual([50, 100, 200]);
  });

  it('does not retry 501 or 404', async () => {
    for (const status of [501, 404]) {
      const s = await scripted([{ status }, { status: 200 }]);
      const { http, delays } = client();
      expect((await http.send({ url: `${s.base}/x` })).status).toBe(status);
      expect(s.requests).toHaveLength(1);
      expect(delays).toEqual([]);
    }
  });

  it('returns the last 503 after policy.attempts attempts', async () => {
    const s = await scripted([{ status: 503 }]);
    const { http, delays } = client({ retry: { attempts: 4 } });
    const res = await http.send({ url: `${s.base}/x` });
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('status 503 for GET');
    expect(s.requests).toHaveLength(4);
    expect(delays).toHaveLength(3);
  });

  it('gives up after the bound with an HttpError carrying status, method and URL', async () => {
    const s = await scripted([{ status: 503 }]);
    const { http } = client();
    const err = await http.read({ url: `${s.base}/pool/a.deb` }, text).catch((e: unknown) => e);
    expect(s.requests).toHaveLength(6);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({
      status: 503,
      method: 'GET',
      url: `${s.base}/pool/a.deb`,
      kind: 'network',
      transient: true,
      message: `GET ${s.base}/pool/a.deb: HTTP 503 Service Unavailable`,
    });
  });

  it('stops when the next wait would pass maxTotalWaitMs', async () => {
    const s = await scripted([{ status: 503, headers: { 'retry-after': '2' } }]);
    const { http, delays } = client({ retry: { attempts: 10, maxTotalWaitMs: 5000 } });
    expect((await http.send({ url: `${s.base}/x` })).status).toBe(503);
    expect(delays).toEqual([2000, 2000]);
    expect(s.requests).toHaveLength(3);
  });

  it('sends once with retry: false', async () => {
    const s = await scripted([{ status: 503 }, { status: 200 }]);
    const { http, delays } = client();
    const res = await http.send({
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
    const { http, delays, log } = client();
    expect((await http.send({ url: `${s.base}/v2/` })).status).toBe(200);
    expect(s.requests).toHaveLength(2);
    expect(delays).toHaveLength(1);
    expect(log[0]).toMatch(/^GET \/v2\/: connection failed \(\w+\); retrying in \d+ ms$/);
  });

  it('calls the body factory once per attempt and sends the body each time', async () => {
    const s = await scripted([{ status: 503 }, 'reset', { status: 201 }]);
    const { http } = client();
    let made = 0;
    const res = await http.send({
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

  it('gives up on a closed port with a network HttpError after the attempts', async () => {
    const port = await closedPort();
    const { http, delays } = client({ retry: { attempts: 3 } });
    const err = await http.send({ url: `http://127.0.0.1:${port}/v2/` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({
      kind: 'network',
      status: undefined,
      method: 'GET',
      message: `cannot reach http://127.0.0.1:${port}/v2/: ECONNREFUSED`,
    });
    expect(delays).toHaveLength(2);
  });

  it('gives up on a network error when the backoff would pass maxTotalWaitMs', async () => {
    const port = await closedPort();
    const { http, delays } = client({ retry: { baseDelayMs: 1000, maxTotalWaitMs: 100 } });
    const err = await http.send({ url: `http://127.0.0.1:${port}/` }).catch((e: unknown) => e);
    expect((err as KuboxError).kind).toBe('network');
    expect(delays).toEqual([]);
  });

  it('refuses what is not an http(s) URL without trying', async () => {
    const { http, delays } = client();
    for (const url of ['not a url', 'ftp://h/x']) {
      const err = await http.send({ url }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpError);
      expect((err as HttpError).transient).toBe(false);
    }
    expect(delays).toEqual([]);
  });
});

describe('bodies', () => {
  it('starts a read over when the body breaks off, and hands over the whole body', async () => {
    const s = await scripted(['break-body', { status: 200, body: 'all of it' }]);
    const { http, log } = client();
    expect(await http.read({ url: `${s.base}/f` }, text)).toBe('all of it');
    expect(s.requests).toHaveLength(2);
    expect(log[0]).toMatch(/^GET \/f: the body broke off: .*; retrying in \d+ ms$/);
  });

  it('does not retry what the consumer itself throws', async () => {
    const s = await scripted([{ status: 200 }]);
    const { http } = client();
    const err = await http
      .read({ url: `${s.base}/f` }, () => Promise.reject(new Error('mine')))
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('mine');
    expect(s.requests).toHaveLength(1);
  });

  it('gives the consumer the last response of a retryable status', async () => {
    const s = await scripted([{ status: 429 }]);
    const { http } = client({ retry: { attempts: 2 } });
    expect(await http.read({ url: `${s.base}/f` }, (res) => res.status)).toBe(429);
    expect(s.requests).toHaveLength(2);
  });

  it('keeps the final URL of the response, after redirects', async () => {
    const s = await serve((rec, res) => {
      if (rec.url === '/simple/x') res.writeHead(301, { location: '/simple/x/' }).end();
      else res.end(rec.url);
    });
    const { http } = client();
    const res = await http.send({ url: `${s.base}/simple/x` });
    expect(res.url).toBe(`${s.base}/simple/x/`);
    expect(await res.text()).toBe('/simple/x/');
  });
});

describe('time-outs', () => {
  it('gives up on a server that sends no headers within headersMs, after the attempts', async () => {
    const s = await scripted(['hang']);
    const { http, log } = client({ timeouts: { headersMs: 200 }, retry: { attempts: 2 } });
    const err = await http.send({ url: `${s.base}/slow` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({
      kind: 'network',
      status: undefined,
      transient: true,
      message: `GET ${s.base}/slow: no response within 200 ms`,
    });
    expect(s.requests).toHaveLength(2);
    expect(log[0]).toMatch(/^GET \/slow: no response within 200 ms; retrying in \d+ ms$/);
  });

  it('gives up on a body that stops for idleMs, after the attempts', async () => {
    const s = await scripted(['stall-body']);
    const { http } = client({ timeouts: { idleMs: 200 }, retry: { attempts: 2 } });
    const err = await http.read({ url: `${s.base}/big` }, text).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).message).toBe(`GET ${s.base}/big: only 14 bytes in 200 ms`);
    expect(s.requests).toHaveLength(2);
  });

  it('reads again after a stalled body, and gets the whole of it', async () => {
    const s = await scripted(['stall-body', { status: 200, body: 'fine now' }]);
    const { http } = client({ timeouts: { idleMs: 200 } });
    expect(await http.read({ url: `${s.base}/big` }, text)).toBe('fine now');
  });

  it('does not count the time a consumer takes between reads', async () => {
    let sent!: () => void;
    const ended = new Promise<void>((resolve) => (sent = resolve));
    const s = await serve((_rec, res) => {
      res.writeHead(200);
      res.write('one,');
      setTimeout(() => {
        res.end('two');
        sent();
      }, 300);
    });
    const { http } = client({ timeouts: { idleMs: 150 } });
    const got = await http.read({ url: `${s.base}/x` }, async (res) => {
      const reader = res.body!.getReader();
      const first = await reader.read();
      // Longer than idleMs without a read, and no bytes from the server meanwhile.
      await ended;
      await new Promise((r) => setTimeout(r, 200));
      let rest = '';
      for (let r = await reader.read(); !r.done; r = await reader.read())
        rest += Buffer.from(r.value).toString();
      return Buffer.from(first.value!).toString() + rest;
    });
    expect(got).toBe('one,two');
  });
});

describe('time-outs of uploads', () => {
  /** A request body of `parts` chunks, one every `everyMs`; `stopAfter` chunks and then nothing ever. */
  const trickle = (parts: number, everyMs: number, stopAfter = parts) => {
    let n = 0;
    return new ReadableStream<Uint8Array>({
      async pull(c) {
        if (n === stopAfter) return new Promise<void>(() => {});
        await new Promise((r) => setTimeout(r, everyMs));
        c.enqueue(new TextEncoder().encode(`part${n++};`));
        if (n === parts) c.close();
      },
    });
  };

  it('does not count the time a streamed body takes to send against headersMs', async () => {
    const s = await serve((rec, res) => void res.end(`got ${rec.body.length} bytes`));
    const { http } = client({ timeouts: { headersMs: 200, idleMs: 5000 } });
    const res = await http.send({
      method: 'PUT',
      url: `${s.base}/up`,
      body: () => trickle(6, 100),
    });
    expect(await res.text()).toBe('got 36 bytes');
  });

  it('gives up on an upload that stalls for idleMs', async () => {
    const s = await serve((_rec, res) => void res.end());
    const { http } = client({ timeouts: { idleMs: 200 } });
    const err = await http
      .send({ method: 'PUT', url: `${s.base}/up`, body: () => trickle(6, 10, 2), retry: false })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).message).toBe(`PUT ${s.base}/up: the upload stalled for 200 ms`);
  });
});

describe('redirects and credentials', () => {
  const redirectTo = (res: ServerResponse, status: number, location: string): void =>
    void res.writeHead(status, { location }).end();

  it('keeps Authorization on a same-origin redirect and drops it across origins', async () => {
    const other = await serve((_rec, res) => void res.end('elsewhere'));
    const s = await serve((rec, res) => {
      if (rec.url === '/same') return redirectTo(res, 302, '/landed');
      if (rec.url === '/away') return redirectTo(res, 307, `${other.base}/blob`);
      res.end('here');
    });
    const { http } = client();
    const headers = { authorization: 'Bearer sesame' };
    expect(await (await http.send({ url: `${s.base}/same`, headers })).text()).toBe('here');
    expect(s.requests.map((r) => [r.url, r.headers.authorization])).toEqual([
      ['/same', 'Bearer sesame'],
      ['/landed', 'Bearer sesame'],
    ]);
    expect(await (await http.send({ url: `${s.base}/away`, headers })).text()).toBe('elsewhere');
    expect(s.requests.at(-1)!.headers.authorization).toBe('Bearer sesame');
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('turns a 303 after a POST into a GET without the body, and resends the body on a 307', async () => {
    const s = await serve((rec, res) => {
      if (rec.url === '/see-other') return redirectTo(res, 303, '/result');
      if (rec.url === '/temporary') return redirectTo(res, 307, '/result');
      res.end(`${rec.method} ${rec.body.toString()}`);
    });
    const { http } = client();
    const post = (path: string) =>
      http.send({ method: 'POST', url: `${s.base}${path}`, body: () => 'form=1' });
    expect(await (await post('/see-other')).text()).toBe('GET ');
    expect(await (await post('/temporary')).text()).toBe('POST form=1');
  });

  it('stops after ten redirects', async () => {
    const s = await serve((_rec, res) => redirectTo(res, 302, '/again'));
    const { http, delays } = client();
    const err = await http.send({ url: `${s.base}/start` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).message).toBe(`GET ${s.base}/start: more than 10 redirects`);
    expect(s.requests).toHaveLength(11);
    expect(delays).toEqual([]);
  });

  it('sends the credentials of a URL as Basic auth, to its origin only, and names them nowhere', async () => {
    const other = await serve((_rec, res) => void res.writeHead(404).end());
    const s = await serve((rec, res) => {
      if (rec.url === '/away') return redirectTo(res, 302, `${other.base}/gone`);
      res.writeHead(rec.url === '/missing' ? 404 : 200).end('ok');
    });
    const secret = 'pa%24%24word';
    const withCreds = (path: string, base = s.base) =>
      base.replace('://', `://alice:${secret}@`) + path;
    const { http } = client({ retry: { attempts: 2 } });
    expect(await http.read({ url: withCreds('/ok') }, text)).toBe('ok');
    expect(s.requests[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from('alice:pa$$word').toString('base64')}`,
    );

    const said: string[] = [];
    const record = (e: unknown) => {
      expect(e).toBeInstanceOf(HttpError);
      const h = e as HttpError;
      said.push(h.message, h.hint ?? '', h.url, h.reason);
    };
    await http.read({ url: withCreds('/missing') }, text).catch(record);
    await http.read({ url: withCreds('/away') }, text).catch(record);
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
    await http
      .send({ url: withCreds('/x', `http://127.0.0.1:${await closedPort()}`) })
      .catch(record);
    await http.send({ url: withCreds('/x', 'ftp://127.0.0.1') }).catch(record);
    expect(said).toHaveLength(16);
    expect(said[0]).toBe(`GET ${s.base}/missing: HTTP 404 Not Found`);
    for (const line of said) {
      expect(line).not.toContain('alice');
      expect(line).not.toContain('word');
    }
  });
});
