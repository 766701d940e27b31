/**
 * A loopback reverse proxy that forwards everything to one upstream (a real
 * registry, a token issuer) and injects faults on request: error statuses, a
 * connection reset in the middle of an upload, a reset before any response,
 * a throttled response body. Request and response bodies are streamed, never
 * buffered; headers pass through (Authorization, WWW-Authenticate, Range,
 * Docker-Content-Digest, ...), and absolute Location URLs pointing at the
 * upstream are rewritten to the proxy so clients stay on it.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';

export type FaultAction =
  /** Answer this status without forwarding, e.g. 429 + Retry-After, 500, 503. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /**
   * Forward the request, then reset both connections once `bytes` bytes of the
   * request body have passed upstream (or when the body ends, if it is shorter).
   */
  | { kind: 'reset-request-after'; bytes: number }
  /**
   * Reset the client connection before any response. With `afterUpstream`, the
   * request is forwarded first and the reset happens once the upstream answered:
   * the registry did the work but the client never hears of it.
   */
  | { kind: 'reset-response'; afterUpstream?: boolean }
  /** Forward, and throttle the response body to this rate. */
  | { kind: 'slow-response'; bytesPerSecond: number };

export interface FaultRule {
  /** Matches the request method (case-insensitive). Any if absent. */
  method?: string;
  /** Tested against the request target: path plus query string. Any if absent. */
  path?: RegExp;
  /** How many matching requests this rule affects. Default 1. */
  times?: number;
  action: FaultAction;
}

export interface ProxyLogEntry {
  method: string;
  /** Request target: path plus query string. */
  path: string;
  /** Status the client received; undefined when its connection was reset. */
  status?: number;
  /** Status the upstream answered, when it was asked. */
  upstreamStatus?: number;
  /** Kind of the fault that fired, if any. */
  fault?: FaultAction['kind'];
  /** Request body bytes forwarded upstream. */
  requestBytes: number;
  /** Response body bytes sent to the client. */
  responseBytes: number;
  error?: string;
}

export interface FaultProxy {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  /** e.g. 127.0.0.1:40123, usable as a registry host. */
  host: string;
  log: ProxyLogEntry[];
  /** Add a rule; rules are consumed in order (the first matching one with uses left fires). */
  inject(rule: FaultRule): void;
  /** Drop all rules not yet used up. */
  clear(): void;
  /** Rules still pending (with the uses they have left). */
  pending(): ReadonlyArray<Readonly<FaultRule> & { remaining: number }>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
]);

class Throttle extends Transform {
  private readonly chunk: number;
  constructor(private readonly bytesPerSecond: number) {
    super();
    this.chunk = Math.max(1, Math.floor(bytesPerSecond / 20));
  }
  override _transform(data: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let off = 0;
    const step = () => {
      if (this.destroyed) return cb();
      if (off >= data.length) return cb();
      const part = data.subarray(off, off + this.chunk);
      off += part.length;
      this.push(part);
      setTimeout(step, (part.length / this.bytesPerSecond) * 1000);
    };
    step();
  }
}

function reset(socket: Socket | null | undefined): void {
  if (!socket || socket.destroyed) return;
  // A TCP RST (ECONNRESET on the other side), not an orderly FIN.
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

export async function startFaultProxy(opts: {
  target: string;
  port?: number;
}): Promise<FaultProxy> {
  const target = new URL(opts.target);
  if (target.protocol !== 'http:')
    throw new Error(`fault proxy: only http targets (${opts.target})`);
  const targetPort = Number(target.port || 80);
  const rules: Array<FaultRule & { remaining: number }> = [];
  const log: ProxyLogEntry[] = [];
  let self = '';

  const take = (req: IncomingMessage): FaultAction | undefined => {
    const i = rules.findIndex(
      (r) =>
        r.remaining > 0 &&
        (r.method === undefined || r.method.toUpperCase() === req.method) &&
        (r.path === undefined || new RegExp(r.path.source, r.path.flags).test(req.url ?? '')),
    );
    if (i < 0) return undefined;
    const rule = rules[i]!;
    rule.remaining -= 1;
    if (rule.remaining <= 0) rules.splice(i, 1);
    return rule.action;
  };

  const rewriteLocation = (value: string): string => {
    try {
      const u = new URL(value);
      if (u.protocol === target.protocol && u.host === target.host) {
        return `${self}${u.pathname}${u.search}${u.hash}`;
      }
    } catch {
      // relative: leave it, it resolves against the proxy anyway
    }
    return value;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const entry: ProxyLogEntry = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      requestBytes: 0,
      responseBytes: 0,
    };
    log.push(entry);
    const action = take(req);
    if (action) entry.fault = action.kind;

    if (action?.kind === 'status') {
      req.resume();
      const body = action.body ?? '';
      res.writeHead(action.status, {
        'content-type': 'text/plain',
        'content-length': Buffer.byteLength(body),
        ...action.headers,
      });
      res.end(body);
      entry.status = action.status;
      entry.responseBytes = Buffer.byteLength(body);
      return;
    }
    if (action?.kind === 'reset-response' && !action.afterUpstream) {
      req.resume();
      reset(req.socket);
      return;
    }

    const headers: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || HOP_BY_HOP.has(k)) continue;
      headers[k] = v;
    }
    headers.host = target.host;
    const up = httpRequest({
      host: target.hostname,
      port: targetPort,
      method: req.method,
      path: req.url,
      headers,
      agent: false,
    });

    let aborted = false;
    const abortBoth = (why: string) => {
      if (aborted) return;
      aborted = true;
      entry.error ??= why;
      reset(req.socket);
      up.destroy();
    };

    up.on('error', (err) => {
      if (aborted) return;
      entry.error = err.message;
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fault proxy: upstream error: ${err.message}`);
        entry.status = 502;
      } else {
        reset(req.socket);
      }
    });
    req.on('close', () => {
      if (!req.complete) abortBoth(entry.error ?? 'client aborted');
    });
    res.on('close', () => {
      if (!res.writableFinished) abortBoth(entry.error ?? 'client closed');
    });

    // Request body: counted, optionally cut after N bytes.
    if (action?.kind === 'reset-request-after') {
      const limit = action.bytes;
      let cutting = false;
      let flushed: Promise<void> = new Promise<void>((resolve) => {
        // Bytes count as passed once the upstream connection is up.
        up.once('socket', (sock: Socket) => {
          if (sock.connecting) sock.once('connect', () => resolve());
          else resolve();
        });
      });
      const cut = (why: string) => {
        if (cutting) return;
        cutting = true;
        entry.error = why;
        req.pause();
        up.flushHeaders();
        // Whatever passed reaches the upstream (then FIN), the client gets an RST.
        void flushed.then(() => {
          if (aborted) return;
          aborted = true;
          reset(req.socket);
          up.destroy();
        });
      };
      req.on('data', (chunk: Buffer) => {
        if (cutting) return;
        const room = limit - entry.requestBytes;
        const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
        entry.requestBytes += part.length;
        if (part.length > 0) {
          const prev = flushed;
          const written = new Promise<void>((resolve) => up.write(part, () => resolve()));
          flushed = Promise.all([prev, written]).then(() => undefined);
          if (up.writableNeedDrain) {
            req.pause();
            up.once('drain', () => {
              if (!cutting) req.resume();
            });
          }
        }
        if (entry.requestBytes >= limit) cut(`reset after ${entry.requestBytes} request bytes`);
      });
      req.on('end', () => cut(`reset at end of request body (${entry.requestBytes} bytes)`));
    } else {
      req.on('data', (chunk: Buffer) => {
        entry.requestBytes += chunk.length;
      });
      req.pipe(up);
    }

    up.on('response', (ur) => {
      entry.upstreamStatus = ur.statusCode;
      if (aborted) {
        ur.resume();
        return;
      }
      if (action?.kind === 'reset-response') {
        ur.resume();
        abortBoth('reset before response (after upstream answered)');
        return;
      }
      const raw: string[] = [];
      for (let i = 0; i + 1 < ur.rawHeaders.length; i += 2) {
        const k = ur.rawHeaders[i]!;
        let v = ur.rawHeaders[i + 1]!;
        const lk = k.toLowerCase();
        if (HOP_BY_HOP.has(lk)) continue;
        if (lk === 'location') v = rewriteLocation(v);
        raw.push(k, v);
      }
      res.writeHead(ur.statusCode ?? 502, ur.statusMessage, raw);
      entry.status = ur.statusCode;
      ur.on('error', () => reset(req.socket));
      const body =
        action?.kind === 'slow-response' ? ur.pipe(new Throttle(action.bytesPerSecond)) : ur;
      body.on('data', (c: Buffer) => {
        entry.responseBytes += c.length;
      });
      body.pipe(res);
    });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  self = `http://${host}`;
  return {
    url: self,
    host,
    log,
    inject(rule) {
      const times = rule.times ?? 1;
      if (times > 0) rules.push({ ...rule, remaining: times });
    },
    clear() {
      rules.length = 0;
    },
    pending: () => rules.map((r) => ({ ...r })),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
