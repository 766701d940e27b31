/**
 * A real node:http server on 127.0.0.1, port 0, for the registry unit tests:
 * every request is recorded (method, URL, headers, whole body) before the
 * test's handler answers it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type Handler = (
  rec: Recorded,
  res: ServerResponse,
  req: IncomingMessage,
) => void | Promise<void>;

export interface TestServer {
  /** `127.0.0.1:PORT`, usable as a registry name (loopback speaks plain HTTP). */
  host: string;
  /** `http://127.0.0.1:PORT` */
  base: string;
  port: number;
  requests: Recorded[];
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(rec);
      Promise.resolve(handler(rec, res, req)).catch((e: unknown) => {
        res.statusCode = 599;
        res.end(String(e));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    base: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port that was just listened on and closed: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const s = await startServer((_r, res) => void res.end());
  await s.close();
  return s.port;
}
