/**
 * A stand-in for a registry (distribution/distribution, Harbor, GHCR...) on a
 * real node:http socket: it speaks just enough of the OCI distribution API for
 * the unit tests (blob HEAD/GET, manifest HEAD/GET, uploads by POST, PATCH and
 * PUT, cross-repository mount) with anonymous, Basic or Bearer auth, and a
 * token realm on the same port (GET with Basic credentials, or POST with a
 * refresh token). `intercept` lets a test answer any request itself first.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { startServer, type Recorded, type TestServer } from './http-server.js';

export const USER = 'alice';
export const PASSWORD = 'PASSWORD-hunter2-do-not-log';
export const REFRESH_TOKEN = 'REFRESH-token-do-not-log';
export const TOKEN_PREFIX = 'TOKEN-do-not-log-';
export const SERVICE = 'fake-registry';

export interface FakeOptions {
  auth: 'anonymous' | 'basic' | 'bearer';
  /** Which field the token response carries the token in. */
  tokenField?: 'token' | 'access_token';
  /** The challenge's own scope; by default the one the request needs (pull). */
  challengeScope?: (repo: string) => string | undefined;
  /** Tokens are issued but never accepted (credentials that lack the access). */
  rejectTokens?: boolean;
  /** Each issued token works for this many requests, then gets a 401. */
  tokenUses?: number;
  /** Handle a request before the fake does; return true when answered. */
  intercept?: (rec: Recorded, res: ServerResponse) => boolean | Promise<boolean>;
}

export interface FakeRegistry {
  server: TestServer;
  host: string;
  base: string;
  blobs: Map<string, Buffer>;
  manifests: Map<string, { bytes: Buffer; mediaType: string; digest?: string }>;
  /** Requests to the token realm. */
  realmHits: Recorded[];
  /** Requests under /v2/. */
  apiRequests: () => Recorded[];
  issued: string[];
  close(): Promise<void>;
}

export const digestOf = (b: Buffer | string) =>
  `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function startFakeRegistry(opts: FakeOptions): Promise<FakeRegistry> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, { bytes: Buffer; mediaType: string; digest?: string }>();
  const uploads = new Map<string, Buffer>();
  const realmHits: Recorded[] = [];
  const issued: string[] = [];
  const uses = new Map<string, number>();
  let uploadSeq = 0;
  const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const issue = (res: ServerResponse) => {
    const token = `${TOKEN_PREFIX}${issued.length + 1}`;
    issued.push(token);
    json(res, 200, { [opts.tokenField ?? 'token']: token, expires_in: 300 });
  };

  const realm = (rec: Recorded, res: ServerResponse) => {
    realmHits.push(rec);
    if (rec.method === 'POST') {
      const form = new URLSearchParams(rec.body.toString());
      if (form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === REFRESH_TOKEN)
        return issue(res);
      return json(res, 401, { error: 'invalid_grant' });
    }
    if (rec.headers.authorization !== undefined && rec.headers.authorization !== basic)
      return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] });
    return issue(res);
  };

  const authorized = (rec: Recorded, res: ServerResponse, repo: string): boolean => {
    const given = rec.headers.authorization;
    if (opts.auth === 'anonymous') return true;
    if (opts.auth === 'basic') {
      if (given === basic) return true;
      res.writeHead(401, { 'www-authenticate': 'Basic realm="fake registry"' });
      res.end();
      return false;
    }
    const token = given?.startsWith('Bearer ') ? given.slice(7) : undefined;
    if (token && issued.includes(token) && !opts.rejectTokens) {
      const n = (uses.get(token) ?? 0) + 1;
      uses.set(token, n);
      if (opts.tokenUses === undefined || n <= opts.tokenUses) return true;
    }
    const scope = opts.challengeScope ? opts.challengeScope(repo) : `repository:${repo}:pull`;
    res.writeHead(401, {
      'www-authenticate': `Bearer realm="${server.base}/token",service="${SERVICE}"${scope ? `,scope="${scope}"` : ''}`,
    });
    res.end();
    return false;
  };

  const uploadLocation = (repo: string, id: string, state: string) =>
    `/v2/${repo}/blobs/uploads/${id}?_state=${state}`;

  const server = await startServer(async (rec, res) => {
    if (opts.intercept && (await opts.intercept(rec, res))) return;
    const url = new URL(rec.url, 'http://fake');
    if (url.pathname === '/token') return realm(rec, res);
    if (url.pathname === '/v2/') return void res.writeHead(200).end();

    const up = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(url.pathname);
    const obj = /^\/v2\/(.+)\/(blobs|manifests)\/([^/]+)$/.exec(url.pathname);
    const repo = (up?.[1] ?? obj?.[1])!;
    if (!repo) return void res.writeHead(404).end();
    if (!authorized(rec, res, repo)) return;

    if (up) {
      const id = up[2]!;
      if (rec.method === 'POST') {
        const mount = url.searchParams.get('mount');
        if (mount && blobs.has(mount)) {
          res.writeHead(201, { location: `/v2/${repo}/blobs/${mount}` });
          return void res.end();
        }
        const newId = `upload-${++uploadSeq}`;
        uploads.set(newId, Buffer.alloc(0));
        res.writeHead(202, { location: uploadLocation(repo, newId, 'abc'), range: '0-0' });
        return void res.end();
      }
      const sofar = uploads.get(id);
      if (!sofar) return json(res, 404, { errors: [{ code: 'BLOB_UPLOAD_UNKNOWN', message: id }] });
      if (rec.method === 'PATCH') {
        const range = rec.headers['content-range'];
        if (range && range !== `${sofar.length}-${sofar.length + rec.body.length - 1}`)
          return void res.writeHead(416).end();
        const next = Buffer.concat([sofar, rec.body]);
        uploads.set(id, next);
        res.writeHead(202, {
          location: uploadLocation(repo, id, `s${next.length}`),
          range: `0-${next.length - 1}`,
        });
        return void res.end();
      }
      if (rec.method === 'PUT') {
        const all = Buffer.concat([sofar, rec.body]);
        const digest = url.searchParams.get('digest');
        if (digest !== digestOf(all))
          return json(res, 400, { errors: [{ code: 'DIGEST_INVALID', message: 'mismatch' }] });
        uploads.delete(id);
        blobs.set(digest, all);
        res.writeHead(201, {
          location: `/v2/${repo}/blobs/${digest}`,
          'docker-content-digest': digest,
        });
        return void res.end();
      }
    }

    if (obj?.[2] === 'blobs') {
      const blob = blobs.get(obj[3]!);
      if (!blob)
        return json(res, 404, { errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown' }] });
      res.writeHead(200, {
        'content-length': String(blob.length),
        'docker-content-digest': obj[3]!,
      });
      return void res.end(rec.method === 'HEAD' ? undefined : blob);
    }
    if (obj?.[2] === 'manifests') {
      const m = manifests.get(`${repo}:${obj[3]}`);
      if (!m)
        return json(res, 404, {
          errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }],
        });
      res.writeHead(200, {
        'content-type': m.mediaType,
        'content-length': String(m.bytes.length),
        'docker-content-digest': m.digest ?? digestOf(m.bytes),
      });
      return void res.end(rec.method === 'HEAD' ? undefined : m.bytes);
    }
    res.writeHead(405).end();
  });

  return {
    server,
    host: server.host,
    base: server.base,
    blobs,
    manifests,
    realmHits,
    apiRequests: () => server.requests.filter((r) => r.url.startsWith('/v2/')),
    issued,
    close: () => server.close(),
  };
}
