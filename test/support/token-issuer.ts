/**
 * A loopback stand-in for Docker Hub's token service (auth.docker.io): the
 * Docker registry token protocol (https://distribution.github.io/distribution/spec/auth/token/,
 * .../auth/oauth/) on node:http, signing JWTs with a test key. The registry that
 * trusts its certificate (scripts/test-env/setup.sh, 127.0.0.1:5001) verifies
 * the tokens for real; only the issuer is ours.
 *
 *   GET  /token?service=S&scope=repository:a/b:pull,push&scope=...   (Basic auth or anonymous;
 *        offline_token=true with Basic also returns a refresh_token)
 *   POST /token  (form) grant_type=password   username, password, service, scope, client_id[, access_type=offline]
 *                       grant_type=refresh_token refresh_token, service, scope, client_id
 *
 * Test only: the key, users and refresh tokens are throwaway values.
 */
import {
  createHash,
  createPrivateKey,
  randomBytes,
  randomUUID,
  sign,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Scope {
  /** `repository`, `registry`, `repository(plugin)`, ... */
  type: string;
  /** e.g. `kubox-e2e/app`; may contain `:` only for unusual types. */
  name: string;
  actions: string[];
}

export type AuthKind = 'basic' | 'password' | 'refresh' | 'anonymous';

export interface IssuerRequest {
  method: string;
  path: string;
  /** Raw scope strings as received (every `scope` param, space-separated ones split). */
  scopes: string[];
  service: string | undefined;
  auth: AuthKind;
  /** The user, when the credentials were accepted. Never a password or token. */
  user?: string;
  grantType?: string;
  clientId?: string;
  status: number;
  /** What was put in the token's `access` claim. */
  granted?: Scope[];
}

export interface TokenIssuerOptions {
  /** Default 5002, the realm setup.sh configured. Use 0 for a free port. */
  port?: number;
  host?: string;
  keyPem: string;
  certPem: string;
  issuer: string;
  service: string;
  /** user -> password (Basic on GET, grant_type=password on POST). */
  users: Record<string, string>;
  /** refresh token -> user (identity tokens, grant_type=refresh_token). */
  refreshTokens?: Record<string, string>;
  /** Allowed actions. Default: authenticated users get what they ask for, anonymous nothing. */
  grant?: (user: string | undefined, scope: Scope) => string[];
  /** Which fields carry the JWT in GET answers (POST always answers `access_token`). Default 'both'. */
  tokenField?: 'both' | 'token' | 'access_token';
  /** Token lifetime in seconds. Default 300. */
  expiresIn?: number;
  /**
   * How the JWT header names its key. 'x5c' (default): the certificate chain, as
   * Docker Hub does. 'kid': libtrust key id of the public key, which distribution
   * 2.x matches against the keys of its rootcertbundle. 'none': neither (registry rejects).
   */
  keyHint?: 'x5c' | 'kid' | 'none';
  /** Require client_id on POST, as the OAuth2 spec says. Default true. */
  requireClientId?: boolean;
}

export interface TokenIssuer {
  /** Base URL, e.g. http://127.0.0.1:5002; the realm is `${url}/token`. */
  url: string;
  realm: string;
  requests: IssuerRequest[];
  close(): Promise<void>;
  /** Sign arbitrary claims with the issuer's key (for negative tests). */
  signJwt(claims: Record<string, unknown>, header?: Record<string, unknown>): string;
}

export function parseScope(raw: string): Scope | undefined {
  const first = raw.indexOf(':');
  const last = raw.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  return {
    type: raw.slice(0, first),
    name: raw.slice(first + 1, last),
    actions: raw
      .slice(last + 1)
      .split(',')
      .filter((a) => a !== ''),
  };
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** libtrust's key id: SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits, base32, 12 groups of 4. */
export function libtrustKeyId(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  const hash = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of hash) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join(':');
}

function signer(keyPem: string): { alg: string; sign(data: Buffer): Buffer } {
  const key = createPrivateKey(keyPem);
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    return { alg: 'RS256', sign: (d) => sign('sha256', d, key) };
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const [alg, hash] =
      curve === 'prime256v1'
        ? ['ES256', 'sha256']
        : curve === 'secp384r1'
          ? ['ES384', 'sha384']
          : curve === 'secp521r1'
            ? ['ES512', 'sha512']
            : [undefined, undefined];
    if (!alg || !hash) throw new Error(`token issuer: unsupported EC curve ${curve}`);
    // JWS wants r||s, not DER.
    return { alg, sign: (d) => sign(hash, d, { key, dsaEncoding: 'ieee-p1363' }) };
  }
  throw new Error(`token issuer: unsupported key type ${type}`);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBasic(header: string | undefined): { user: string; pass: string } | undefined {
  const m = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { user: decoded.slice(0, i), pass: decoded.slice(i + 1) };
}

export async function startTokenIssuer(opts: TokenIssuerOptions): Promise<TokenIssuer> {
  const host = opts.host ?? '127.0.0.1';
  const expiresIn = opts.expiresIn ?? 300;
  const tokenField = opts.tokenField ?? 'both';
  const keyHint = opts.keyHint ?? 'x5c';
  const requireClientId = opts.requireClientId ?? true;
  const refreshTokens = new Map(Object.entries(opts.refreshTokens ?? {}));
  const grant =
    opts.grant ?? ((user: string | undefined, scope: Scope) => (user ? scope.actions : []));
  const { alg, sign: signData } = signer(opts.keyPem);
  const cert = new X509Certificate(opts.certPem);
  const x5c = [cert.raw.toString('base64')];
  const kid = libtrustKeyId(cert.publicKey);
  const requests: IssuerRequest[] = [];

  const signJwt = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) => {
    const h: Record<string, unknown> = { typ: 'JWT', alg };
    if (keyHint === 'x5c') h.x5c = x5c;
    if (keyHint === 'kid') h.kid = kid;
    Object.assign(h, header);
    const input = `${b64url(JSON.stringify(h))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${b64url(signData(Buffer.from(input)))}`;
  };

  const issue = (user: string | undefined, scopes: Scope[]) => {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes
      .map((s) => ({ type: s.type, name: s.name, actions: grant(user, s) }))
      .filter((a) => a.actions.length > 0);
    const jwt = signJwt({
      iss: opts.issuer,
      sub: user ?? '',
      aud: opts.service,
      exp: now + expiresIn,
      nbf: now - 1,
      iat: now,
      jti: randomUUID(),
      access,
    });
    return { jwt, access, issuedAt: new Date(now * 1000).toISOString() };
  };

  const send = (res: ServerResponse, status: number, body: unknown, extra: object = {}) => {
    // No keep-alive: a client's pooled socket to a closed issuer on a reused port
    // would fail the next test's first token request ("other side closed").
    res.writeHead(status, { 'content-type': 'application/json', connection: 'close', ...extra });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    const method = req.method ?? 'GET';
    const entry: IssuerRequest = {
      method,
      path: url.pathname,
      scopes: [],
      service: undefined,
      auth: 'anonymous',
      status: 0,
    };
    requests.push(entry);
    const done = (status: number, body: unknown, extra: object = {}) => {
      entry.status = status;
      send(res, status, body, extra);
    };
    if (url.pathname !== '/token') return done(404, { details: 'not found' });

    let params: URLSearchParams;
    if (method === 'GET') {
      params = url.searchParams;
    } else if (method === 'POST') {
      const ct = req.headers['content-type'] ?? '';
      if (!ct.startsWith('application/x-www-form-urlencoded')) {
        return done(400, { error: 'invalid_request', details: `content-type ${ct}` });
      }
      params = new URLSearchParams(await readBody(req));
    } else {
      return done(405, { details: 'method not allowed' }, { allow: 'GET, POST' });
    }
    entry.scopes = params.getAll('scope').flatMap((s) => s.split(' ').filter((x) => x !== ''));
    entry.service = params.get('service') ?? undefined;
    const scopes = entry.scopes.map(parseScope);
    if (scopes.some((s) => s === undefined)) {
      return done(400, { error: 'invalid_scope', details: 'malformed scope' });
    }
    if (entry.service !== undefined && entry.service !== opts.service) {
      return done(400, { error: 'invalid_request', details: `unknown service ${entry.service}` });
    }

    if (method === 'GET') {
      const auth = req.headers.authorization;
      let user: string | undefined;
      if (auth !== undefined) {
        entry.auth = 'basic';
        const basic = parseBasic(auth);
        if (!basic || opts.users[basic.user] !== basic.pass) {
          return done(
            401,
            { details: 'incorrect username or password' },
            { 'www-authenticate': 'Basic realm="kubox-test-issuer"' },
          );
        }
        user = basic.user;
        entry.user = user;
      }
      const t = issue(user, scopes as Scope[]);
      entry.granted = t.access;
      const body: Record<string, unknown> = { expires_in: expiresIn, issued_at: t.issuedAt };
      if (tokenField !== 'access_token') body.token = t.jwt;
      if (tokenField !== 'token') body.access_token = t.jwt;
      if (user && params.get('offline_token') === 'true') {
        const rt = randomBytes(24).toString('base64url');
        refreshTokens.set(rt, user);
        body.refresh_token = rt;
      }
      return done(200, body);
    }

    // POST: OAuth2.
    const grantType = params.get('grant_type') ?? '';
    entry.grantType = grantType;
    entry.clientId = params.get('client_id') ?? undefined;
    if (requireClientId && !entry.clientId) {
      return done(400, { error: 'invalid_request', details: 'client_id is required' });
    }
    let user: string;
    let refreshToken: string | undefined;
    if (grantType === 'password') {
      entry.auth = 'password';
      const u = params.get('username') ?? '';
      if (!(u in opts.users) || opts.users[u] !== params.get('password')) {
        return done(401, { error: 'invalid_grant', details: 'incorrect username or password' });
      }
      user = u;
      if (params.get('access_type') === 'offline') {
        refreshToken = randomBytes(24).toString('base64url');
        refreshTokens.set(refreshToken, user);
      }
    } else if (grantType === 'refresh_token') {
      entry.auth = 'refresh';
      const rt = params.get('refresh_token') ?? '';
      const u = refreshTokens.get(rt);
      if (u === undefined) {
        return done(401, { error: 'invalid_grant', details: 'invalid refresh token' });
      }
      user = u;
      refreshToken = rt;
    } else {
      return done(400, { error: 'unsupported_grant_type' });
    }
    entry.user = user;
    const t = issue(user, scopes as Scope[]);
    entry.granted = t.access;
    const body: Record<string, unknown> = {
      access_token: t.jwt,
      scope: entry.scopes.join(' '),
      expires_in: expiresIn,
      issued_at: t.issuedAt,
    };
    if (refreshToken) body.refresh_token = refreshToken;
    return done(200, body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { details: String(err) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 5002, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  return {
    url,
    realm: `${url}/token`,
    requests,
    signJwt,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
