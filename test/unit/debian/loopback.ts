/**
 * A real HTTP server on 127.0.0.1 serving fixed bytes by path, counting
 * requests, for tests of the download cache and the apt client. `fail`
 * makes the next N requests to a path answer with a status instead.
 */
import { startServer } from '../registry/http-server.js';

export interface Loopback {
  url: string;
  files: Map<string, Uint8Array>;
  hits: Map<string, number>;
  fail: Map<string, { status: number; times: number }>;
  close(): Promise<void>;
}

export async function startLoopback(files = new Map<string, Uint8Array>()): Promise<Loopback> {
  const hits = new Map<string, number>();
  const fail = new Map<string, { status: number; times: number }>();
  const server = await startServer((rec, res) => {
    const path = decodeURIComponent(new URL(rec.url, 'http://x').pathname);
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const f = fail.get(path);
    if (f && f.times > 0) {
      f.times--;
      res.writeHead(f.status).end();
      return;
    }
    const body = files.get(path);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  return { url: server.base, files, hits, fail, close: () => server.close() };
}
