/**
 * The fault proxy (test/support/fault-proxy.ts) against a tiny node:http
 * upstream: pass-through of headers and 5 MB bodies both ways, Location
 * rewriting, and each fault kind.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';

interface Seen {
  method: string;
  url: string;
  bytes: number;
  complete: boolean;
  headers: Record<string, string | string[] | undefined>;
}

const BIG = Buffer.alloc(5 * 1024 * 1024);
for (let i = 0; i < BIG.length; i += 4) BIG.writeUInt32LE((i * 2654435761) >>> 0, i);
const sha = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

let upstream: Server;
let upUrl: string;
let proxy: FaultProxy;
const seen: Seen[] = [];
/** Resolves when the upstream finished reading the next request's body (or it was cut). */
let bodyDone: Array<(s: Seen) => void> = [];
const nextBody = () => new Promise<Seen>((resolve) => bodyDone.push(resolve));

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const s: Seen = {
      method: req.method!,
      url: req.url!,
      bytes: 0,
      complete: false,
      headers: req.headers,
    };
    seen.push(s);
    const hash = createHash('sha256');
    req.on('data', (c: Buffer) => {
      s.bytes += c.length;
      hash.update(c);
    });
    req.on('close', () => {
      s.complete = req.complete;
      for (const f of bodyDone.splice(0)) f(s);
    });
    req.on('end', () => {
      const path = new URL(req.url!, 'http://x').pathname;
      if (path === '/big') {
        res.writeHead(200, {
          'content-length': BIG.length,
          'docker-content-digest': `sha256:${sha(BIG)}`,
        });
        res.end(BIG);
      } else if (path === '/chunked') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        for (let o = 0; o < BIG.length; o += 65536) res.write(BIG.subarray(o, o + 65536));
        res.end();
      } else if (path === '/upload') {
        res.writeHead(201, { 'docker-content-digest': `sha256:${hash.digest('hex')}` });
        res.end(String(s.bytes));
      } else if (path === '/echo-headers') {
        res.writeHead(401, [
          'WWW-Authenticate',
          'Bearer realm="http://127.0.0.1:5002/token",service="svc",scope="repository:a/b:pull"',
          'X-Multi',
          'one',
          'X-Multi',
          'two',
          'Content-Type',
          'application/json',
        ]);
        res.end(JSON.stringify(req.headers));
      } else if (path === '/range') {
        const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
        const [a, b] = m ? [Number(m[1]), Number(m[2])] : [0, BIG.length - 1];
        res.writeHead(m ? 206 : 200, { 'content-range': `bytes ${a}-${b}/${BIG.length}` });
        res.end(BIG.subarray(a, b + 1));
      } else if (path === '/redirect') {
        const kind = new URL(req.url!, 'http://x').searchParams.get('kind');
        const loc =
          kind === 'absolute'
            ? `${upUrl}/v2/a/b/blobs/uploads/u-1?_state=xyz%3D&digest=sha256:00`
            : kind === 'relative'
              ? '/v2/a/b/blobs/uploads/u-2?_state=abc'
              : 'http://127.0.0.1:1/elsewhere';
        res.writeHead(202, { location: loc, 'docker-upload-uuid': 'u-1', range: '0-0' });
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`hello ${req.method} ${req.url}`);
      }
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  proxy = await startFaultProxy({ target: upUrl });
});

afterAll(async () => {
  await proxy.close();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

afterEach(() => {
  proxy.clear();
  seen.length = 0;
  bodyDone = [];
});

/** The error code under fetch's "fetch failed" TypeError. */
const failure = async (p: Promise<Response>): Promise<string> => {
  try {
    const r = await p;
    await r.arrayBuffer();
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? String(err);
  }
  throw new Error('expected the request to fail');
};

describe('pass-through', () => {
  it('exposes url and host', () => {
    expect(proxy.url).toBe(`http://${proxy.host}`);
    expect(proxy.host).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('streams a 5 MB response intact (content-length and chunked)', async () => {
    for (const path of ['/big', '/chunked']) {
      const r = await fetch(`${proxy.url}${path}`);
      expect(r.status).toBe(200);
      const body = Buffer.from(await r.arrayBuffer());
      expect(body.length).toBe(BIG.length);
      expect(sha(body)).toBe(sha(BIG));
    }
    const r = await fetch(`${proxy.url}/big`, { method: 'HEAD' });
    expect(r.headers.get('docker-content-digest')).toBe(`sha256:${sha(BIG)}`);
    expect(r.headers.get('content-length')).toBe(String(BIG.length));
    expect(proxy.log.at(-2)).toMatchObject({
      path: '/chunked',
      status: 200,
      responseBytes: BIG.length,
    });
  });

  it('streams a 5 MB request body intact', async () => {
    const r = await fetch(`${proxy.url}/upload?digest=sha256:x`, { method: 'PUT', body: BIG });
    expect(r.status).toBe(201);
    expect(r.headers.get('docker-content-digest')).toBe(`sha256:${sha(BIG)}`);
    expect(await r.text()).toBe(String(BIG.length));
    expect(proxy.log.at(-1)).toMatchObject({
      method: 'PUT',
      requestBytes: BIG.length,
      status: 201,
    });
  });

  it('passes headers both ways (Authorization, Range, WWW-Authenticate, repeated headers) and sets Host', async () => {
    const r = await fetch(`${proxy.url}/echo-headers`, {
      headers: {
        authorization: 'Bearer abc.def.ghi',
        range: 'bytes=0-9',
        'user-agent': 'kubox-test',
      },
    });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe(
      'Bearer realm="http://127.0.0.1:5002/token",service="svc",scope="repository:a/b:pull"',
    );
    expect(r.headers.get('x-multi')).toBe('one, two');
    const echoed = (await r.json()) as Record<string, string>;
    expect(echoed.authorization).toBe('Bearer abc.def.ghi');
    expect(echoed.range).toBe('bytes=0-9');
    expect(echoed['user-agent']).toBe('kubox-test');
    expect(echoed.host).toBe(new URL(upUrl).host);

    const part = await fetch(`${proxy.url}/range`, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${BIG.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(BIG.subarray(100, 200))).toBe(true);
  });

  it('rewrites absolute Location URLs of the target to the proxy, leaves others', async () => {
    const loc = async (kind: string) =>
      (
        await fetch(`${proxy.url}/redirect?kind=${kind}`, { method: 'POST', redirect: 'manual' })
      ).headers.get('location');
    expect(await loc('absolute')).toBe(
      `${proxy.url}/v2/a/b/blobs/uploads/u-1?_state=xyz%3D&digest=sha256:00`,
    );
    expect(await loc('relative')).toBe('/v2/a/b/blobs/uploads/u-2?_state=abc');
    expect(await loc('foreign')).toBe('http://127.0.0.1:1/elsewhere');
  });

  it('answers 502 when the upstream is down', async () => {
    const dead = await startFaultProxy({ target: 'http://127.0.0.1:1' });
    try {
      const r = await fetch(`${dead.url}/v2/`);
      expect(r.status).toBe(502);
      expect(dead.log[0]).toMatchObject({ status: 502 });
      expect(dead.log[0]!.error).toMatch(/ECONNREFUSED/);
    } finally {
      await dead.close();
    }
  });
});

describe('faults', () => {
  it('status: answers without forwarding, `times` times, then passes through', async () => {
    proxy.inject({
      method: 'GET',
      path: /^\/v2\/a\/b\/manifests\//,
      times: 2,
      action: { kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: 'slow down' },
    });
    proxy.inject({ path: /manifests/, action: { kind: 'status', status: 503 } });
    const url = `${proxy.url}/v2/a/b/manifests/latest`;
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(503); // method filter: rule 2 fires
    const r1 = await fetch(url);
    expect(r1.status).toBe(429);
    expect(r1.headers.get('retry-after')).toBe('1');
    expect(await r1.text()).toBe('slow down');
    expect((await fetch(url)).status).toBe(429);
    expect((await fetch(url)).status).toBe(200);
    expect(seen.map((s) => s.method)).toEqual(['GET']);
    expect(proxy.log.slice(-4).map((e) => [e.status, e.fault])).toEqual([
      [503, 'status'],
      [429, 'status'],
      [429, 'status'],
      [200, undefined],
    ]);
    expect(proxy.pending()).toEqual([]);
  });

  it('status: answers an upload early (body discarded) and the connection stays usable', async () => {
    proxy.inject({ method: 'PUT', action: { kind: 'status', status: 500, body: 'boom' } });
    const r = await fetch(`${proxy.url}/upload`, { method: 'PUT', body: BIG });
    expect(r.status).toBe(500);
    expect(await r.text()).toBe('boom');
    const ok = await fetch(`${proxy.url}/upload`, { method: 'PUT', body: BIG });
    expect(ok.status).toBe(201);
    expect(seen).toHaveLength(1);
  });

  it('clear() drops pending rules', async () => {
    proxy.inject({ action: { kind: 'status', status: 500 }, times: 5 });
    expect(proxy.pending()).toHaveLength(1);
    proxy.clear();
    expect((await fetch(`${proxy.url}/x`)).status).toBe(200);
  });

  it('reset-request-after: the upload reaches the upstream cut short, both sides see a reset', async () => {
    proxy.inject({
      method: 'PUT',
      path: /\/upload/,
      action: { kind: 'reset-request-after', bytes: 1_000_000 },
    });
    const upstreamSaw = nextBody();
    const code = await failure(fetch(`${proxy.url}/upload`, { method: 'PUT', body: BIG }));
    expect(code).toMatch(/ECONNRESET|EPIPE|UND_ERR_SOCKET|other side closed/);
    const s = await upstreamSaw;
    expect(s.complete).toBe(false);
    expect(s.bytes).toBeGreaterThan(0);
    expect(s.bytes).toBeLessThanOrEqual(1_000_000);
    const e = proxy.log.at(-1)!;
    expect(e).toMatchObject({ fault: 'reset-request-after', requestBytes: 1_000_000 });
    expect(e.status).toBeUndefined();
    // The next upload goes through whole.
    expect((await fetch(`${proxy.url}/upload`, { method: 'PUT', body: BIG })).status).toBe(201);
  });

  it('reset-request-after: a body shorter than the limit is reset at its end', async () => {
    proxy.inject({ action: { kind: 'reset-request-after', bytes: 1e9 } });
    const upstreamSaw = nextBody();
    await failure(fetch(`${proxy.url}/upload`, { method: 'PUT', body: 'tiny' }));
    expect((await upstreamSaw).bytes).toBe(4);
    expect(proxy.log.at(-1)!.error).toMatch(/end of request body/);
  });

  it('reset-response: the client gets a reset and the upstream never sees the request', async () => {
    proxy.inject({ method: 'GET', action: { kind: 'reset-response' } });
    const code = await failure(fetch(`${proxy.url}/v2/a/b/blobs/sha256:00`));
    expect(code).toMatch(/ECONNRESET|UND_ERR_SOCKET|other side closed/);
    expect(seen).toHaveLength(0);
    expect(proxy.log.at(-1)).toMatchObject({ fault: 'reset-response' });
    expect(proxy.log.at(-1)!.status).toBeUndefined();
  });

  it('reset-response afterUpstream: the upstream did the work, the client never hears of it', async () => {
    proxy.inject({ method: 'PUT', action: { kind: 'reset-response', afterUpstream: true } });
    await failure(fetch(`${proxy.url}/upload`, { method: 'PUT', body: 'manifest' }));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'PUT', bytes: 8, complete: true });
    expect(proxy.log.at(-1)).toMatchObject({ upstreamStatus: 201 });
    expect(proxy.log.at(-1)!.status).toBeUndefined();
  });

  it('slow-response: throttles the body, which arrives intact', async () => {
    proxy.inject({ path: /^\/range/, action: { kind: 'slow-response', bytesPerSecond: 100_000 } });
    const t0 = Date.now();
    const r = await fetch(`${proxy.url}/range`, { headers: { range: 'bytes=0-49999' } });
    const body = Buffer.from(await r.arrayBuffer());
    const ms = Date.now() - t0;
    expect(body.equals(BIG.subarray(0, 50_000))).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(400); // 50 KB at 100 KB/s: ~500 ms
    expect(ms).toBeLessThan(3000);
    expect(proxy.log.at(-1)).toMatchObject({
      fault: 'slow-response',
      status: 206,
      responseBytes: 50_000,
    });
  });
});
