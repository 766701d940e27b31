/**
 * The HTTP layer's bounds against hostile servers on real sockets: bodies
 * over a request's limit (announced, or only sent), endless bodies, and a
 * trickle that never stalls long enough for a plain idle timer. Each is
 * refused without another attempt (a limit) or within the time-out (a
 * trickle), and the memory kept stays within the limit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHttp, policyFromEnv } from '../../../src/http/client.js';
import { HttpError } from '../../../src/http/error.js';
import { startServer, type Handler, type TestServer } from '../registry/http-server.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Handler): Promise<TestServer> {
  const s = await startServer(handler);
  servers.push(s);
  return s;
}

const noSleep = async () => {};

/** Writes 64 KiB chunks until the client goes away. */
const endless: Handler = (_rec, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const more = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', more);
  };
  more();
};

const readAll = async (res: Response) => Buffer.from(await res.arrayBuffer());

describe('body limits', () => {
  it('refuses an endless body at the limit, once, without retrying', async () => {
    const s = await serve(endless);
    const http = createHttp({ sleep: noSleep });
    const err = await http
      .read(
        { url: `${s.base}/blob`, limit: { bytes: 1 << 20, what: 'the cap on manifests' } },
        readAll,
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ kind: 'network', transient: false });
    expect((err as Error).message).toBe(
      `GET ${s.base}/blob: the response is larger than 1048576 bytes (the cap on manifests)`,
    );
    expect(s.requests).toHaveLength(1);
  });

  it('refuses a body whose Content-Length passes the limit before reading it', async () => {
    const s = await serve((_rec, res) => {
      res.writeHead(200, { 'content-length': String(200 * 1024 * 1024) });
      res.write('x');
    });
    const http = createHttp({ sleep: noSleep });
    const err = await http
      .read(
        {
          url: `${s.base}/a.deb`,
          limit: { bytes: 678, what: 'its declared size', kind: 'integrity' },
        },
        readAll,
      )
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'integrity', transient: false });
    expect((err as Error).message).toContain(
      'announced (Content-Length 209715200) as larger than 678 bytes (its declared size)',
    );
    expect(s.requests).toHaveLength(1);
  });

  it('passes a body of exactly the limit', async () => {
    const s = await serve((_rec, res) => void res.end(Buffer.alloc(4096, 1)));
    const http = createHttp({ sleep: noSleep });
    const got = await http.read(
      { url: `${s.base}/x`, limit: { bytes: 4096, what: 'its size' } },
      readAll,
    );
    expect(got.length).toBe(4096);
  });
});

describe('slow bodies', () => {
  it('gives up on a body that trickles a few bytes at a time, inside idleMs each', async () => {
    const s = await serve((_rec, res) => {
      res.writeHead(200, { 'content-length': '100000' });
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write('x')), 40);
      res.on('close', () => clearInterval(timer));
    });
    const http = createHttp({ sleep: noSleep, timeouts: { idleMs: 300 }, retry: { attempts: 2 } });
    const started = Date.now();
    const err = await http.read({ url: `${s.base}/m` }, readAll).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as Error).message).toMatch(/: only \d+ bytes in 300 ms$/);
    expect(s.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('keeps reading a slow body that brings 1 KiB per idleMs', async () => {
    const s = await serve((_rec, res) => {
      let sent = 0;
      const timer = setInterval(() => {
        res.write(Buffer.alloc(1024, 0x62));
        if (++sent === 4) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
    });
    const http = createHttp({ sleep: noSleep, timeouts: { idleMs: 250 } });
    expect((await http.read({ url: `${s.base}/m` }, readAll)).length).toBe(4096);
  });
});

describe('policy from the environment', () => {
  it('reads positive integers and ignores anything else', () => {
    expect(
      policyFromEnv({
        KUBOX_HTTP_HEADERS_TIMEOUT_MS: '250',
        KUBOX_HTTP_IDLE_TIMEOUT_MS: 'soon',
        KUBOX_HTTP_ATTEMPTS: '2',
      }),
    ).toEqual({ timeouts: { headersMs: 250 }, retry: { attempts: 2 } });
    expect(policyFromEnv({ KUBOX_HTTP_ATTEMPTS: '0' })).toEqual({ timeouts: {}, retry: {} });
  });
});

describe('the limit is on the content', () => {
  it('lets an error answer larger than the limit through, for its status to be read', async () => {
    const page = 'x'.repeat(5000);
    const s = await serve((_rec, res) => void res.writeHead(404).end(page));
    const http = createHttp({ sleep: noSleep });
    const res = await http.send({ url: `${s.base}/c`, limit: { bytes: 100, what: 'its size' } });
    expect(res.status).toBe(404);
    expect((await res.text()).length).toBe(5000);
  });
});
