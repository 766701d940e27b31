/**
 * The token issuer (test/support/token-issuer.ts) on its own: the protocol
 * surface and the JWTs it signs, checked with node:crypto against the
 * certificate. test/e2e/token-auth.test.ts proves a real registry accepts them.
 */
import { execa } from 'execa';
import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  libtrustKeyId,
  parseScope,
  startTokenIssuer,
  type TokenIssuer,
  type TokenIssuerOptions,
} from '../../support/token-issuer.js';

let dir: string;
const keys: Record<'rsa' | 'ec', { keyPem: string; certPem: string }> = {
  rsa: { keyPem: '', certPem: '' },
  ec: { keyPem: '', certPem: '' },
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubox-issuer-'));
  for (const [kind, newkey] of [
    ['rsa', ['-newkey', 'rsa:2048']],
    ['ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
  ] as const) {
    await execa(
      'openssl',
      [
        'req',
        '-x509',
        ...newkey,
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=unit-test',
        '-keyout',
        join(dir, `${kind}.key`),
        '-out',
        join(dir, `${kind}.crt`),
      ],
      { stdio: 'ignore' },
    );
    keys[kind] = {
      keyPem: readFileSync(join(dir, `${kind}.key`), 'utf8'),
      certPem: readFileSync(join(dir, `${kind}.crt`), 'utf8'),
    };
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const started: TokenIssuer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((i) => i.close()));
});

const start = async (o: Partial<TokenIssuerOptions> = {}) => {
  const i = await startTokenIssuer({
    port: 0,
    ...keys.rsa,
    issuer: 'unit-issuer',
    service: 'unit-registry',
    users: { alice: 's3cret' },
    ...o,
  });
  started.push(i);
  return i;
};

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

interface Jwt {
  header: { typ: string; alg: string; x5c?: string[]; kid?: string };
  claims: {
    iss: string;
    sub: string;
    aud: string;
    exp: number;
    nbf: number;
    iat: number;
    jti: string;
    access: Array<{ type: string; name: string; actions: string[] }>;
  };
}

/** Decode and verify a JWT against the certificate, as a registry would. */
const check = (jwt: string, certPem: string): Jwt => {
  const [h, c, sig] = jwt.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Jwt['header'];
  const key = createPublicKey(certPem);
  const ok =
    header.alg === 'ES256'
      ? verify(
          'sha256',
          Buffer.from(`${h}.${c}`),
          { key, dsaEncoding: 'ieee-p1363' },
          Buffer.from(sig, 'base64url'),
        )
      : verify('sha256', Buffer.from(`${h}.${c}`), key, Buffer.from(sig, 'base64url'));
  expect(ok, 'signature').toBe(true);
  return { header, claims: JSON.parse(Buffer.from(c, 'base64url').toString()) as Jwt['claims'] };
};

describe('parseScope / libtrustKeyId', () => {
  it('parses scopes', () => {
    expect(parseScope('repository:foo/bar:pull,push')).toEqual({
      type: 'repository',
      name: 'foo/bar',
      actions: ['pull', 'push'],
    });
    expect(parseScope('registry:catalog:*')).toEqual({
      type: 'registry',
      name: 'catalog',
      actions: ['*'],
    });
    expect(parseScope('repository:foo')).toBeUndefined();
  });

  it('formats libtrust key ids as 12 base32 groups', () => {
    const id = libtrustKeyId(new X509Certificate(keys.rsa.certPem).publicKey);
    expect(id).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  });
});

describe('GET /token', () => {
  it('issues an RS256 JWT with x5c and the requested access to an authenticated user', async () => {
    const iss = await start();
    const r = await fetch(
      `${iss.realm}?service=unit-registry&scope=repository:foo/bar:pull,push&scope=repository:base/img:pull`,
      { headers: { authorization: basic('alice', 's3cret') } },
    );
    expect(r.status).toBe(200);
    const body = (await r.json()) as Record<string, string | number>;
    expect(body.token).toBe(body.access_token);
    expect(body.expires_in).toBe(300);
    expect(new Date(body.issued_at as string).getTime()).toBeGreaterThan(Date.now() - 5000);
    const { header, claims } = check(body.token as string, keys.rsa.certPem);
    expect(header.typ).toBe('JWT');
    expect(header.alg).toBe('RS256');
    expect(header.x5c).toEqual([new X509Certificate(keys.rsa.certPem).raw.toString('base64')]);
    expect(claims).toMatchObject({ iss: 'unit-issuer', sub: 'alice', aud: 'unit-registry' });
    expect(claims.exp - claims.iat).toBe(300);
    expect(claims.nbf).toBeLessThanOrEqual(claims.iat);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.access).toEqual([
      { type: 'repository', name: 'foo/bar', actions: ['pull', 'push'] },
      { type: 'repository', name: 'base/img', actions: ['pull'] },
    ]);
    expect(iss.requests).toEqual([
      {
        method: 'GET',
        path: '/token',
        scopes: ['repository:foo/bar:pull,push', 'repository:base/img:pull'],
        service: 'unit-registry',
        auth: 'basic',
        user: 'alice',
        status: 200,
        granted: claims.access,
      },
    ]);
    expect(JSON.stringify(iss.requests)).not.toContain('s3cret');
  });

  it('signs ES256 (r||s) with an EC P-256 key, and names the key by kid on request', async () => {
    const iss = await start({ ...keys.ec, keyHint: 'kid' });
    const r = await fetch(`${iss.realm}?service=unit-registry&scope=repository:a:pull`, {
      headers: { authorization: basic('alice', 's3cret') },
    });
    const { token } = (await r.json()) as { token: string };
    const { header } = check(token, keys.ec.certPem);
    expect(header.alg).toBe('ES256');
    expect(header.x5c).toBeUndefined();
    expect(header.kid).toBe(libtrustKeyId(new X509Certificate(keys.ec.certPem).publicKey));
    expect(Buffer.from(token.split('.')[2]!, 'base64url')).toHaveLength(64);
  });

  it('gives anonymous callers a token with no access by default, and follows `grant`', async () => {
    const iss = await start();
    const anon = (await (
      await fetch(`${iss.realm}?service=unit-registry&scope=repository:a:pull`)
    ).json()) as {
      token: string;
    };
    expect(check(anon.token, keys.rsa.certPem).claims).toMatchObject({ sub: '', access: [] });
    expect(iss.requests[0]).toMatchObject({ auth: 'anonymous', status: 200, granted: [] });

    const pullOnly = await start({ grant: (_u, s) => s.actions.filter((a) => a === 'pull') });
    const t = (await (
      await fetch(`${pullOnly.realm}?service=unit-registry&scope=repository:a:pull,push,delete`, {
        headers: { authorization: basic('alice', 's3cret') },
      })
    ).json()) as { token: string };
    expect(check(t.token, keys.rsa.certPem).claims.access).toEqual([
      { type: 'repository', name: 'a', actions: ['pull'] },
    ]);
  });

  it('answers with only `token` or only `access_token` when configured', async () => {
    for (const tokenField of ['token', 'access_token'] as const) {
      const iss = await start({ tokenField });
      const body = (await (await fetch(`${iss.realm}?service=unit-registry`)).json()) as object;
      expect(Object.keys(body).sort()).toEqual([tokenField, 'expires_in', 'issued_at'].sort());
    }
  });

  it('rejects wrong credentials, unknown services and bad scopes', async () => {
    const iss = await start();
    const bad = await fetch(`${iss.realm}?service=unit-registry`, {
      headers: { authorization: basic('alice', 'nope') },
    });
    expect(bad.status).toBe(401);
    expect((await fetch(`${iss.realm}?service=other`)).status).toBe(400);
    expect((await fetch(`${iss.realm}?service=unit-registry&scope=nonsense`)).status).toBe(400);
    expect((await fetch(`${iss.url}/elsewhere`)).status).toBe(404);
    expect(iss.requests.map((q) => [q.auth, q.status])).toEqual([
      ['basic', 401],
      ['anonymous', 400],
      ['anonymous', 400],
      ['anonymous', 404],
    ]);
    expect(JSON.stringify(iss.requests)).not.toContain('nope');
  });

  it('returns a usable refresh token for offline_token=true', async () => {
    const iss = await start();
    const r = (await (
      await fetch(`${iss.realm}?service=unit-registry&offline_token=true&client_id=kubox`, {
        headers: { authorization: basic('alice', 's3cret') },
      })
    ).json()) as { refresh_token: string };
    expect(r.refresh_token).toMatch(/^[\w-]{20,}$/);
    const post = await fetch(iss.realm, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: r.refresh_token,
        service: 'unit-registry',
        client_id: 'kubox',
      }),
    });
    expect(post.status).toBe(200);
  });
});

describe('POST /token (OAuth2)', () => {
  const post = (iss: TokenIssuer, form: Record<string, string>) =>
    fetch(iss.realm, { method: 'POST', body: new URLSearchParams(form) });

  it('grant_type=password, with a refresh token for access_type=offline', async () => {
    const iss = await start();
    const r = await post(iss, {
      grant_type: 'password',
      username: 'alice',
      password: 's3cret',
      service: 'unit-registry',
      scope: 'repository:foo/bar:pull repository:foo/baz:pull,push',
      client_id: 'kubox',
      access_type: 'offline',
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as Record<string, string>;
    expect(body.token).toBeUndefined();
    expect(body.refresh_token).toBeTruthy();
    expect(body.scope).toBe('repository:foo/bar:pull repository:foo/baz:pull,push');
    expect(check(body.access_token!, keys.rsa.certPem).claims.access).toHaveLength(2);
    expect(iss.requests[0]).toMatchObject({
      method: 'POST',
      auth: 'password',
      grantType: 'password',
      clientId: 'kubox',
      user: 'alice',
      scopes: ['repository:foo/bar:pull', 'repository:foo/baz:pull,push'],
    });
    expect(JSON.stringify(iss.requests)).not.toContain('s3cret');
    expect(JSON.stringify(iss.requests)).not.toContain(body.refresh_token);
  });

  it('grant_type=refresh_token with configured identity tokens', async () => {
    const iss = await start({ refreshTokens: { 'identity-token-1': 'alice' } });
    const ok = await post(iss, {
      grant_type: 'refresh_token',
      refresh_token: 'identity-token-1',
      service: 'unit-registry',
      scope: 'repository:foo/bar:pull',
      client_id: 'kubox',
    });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { access_token: string; refresh_token: string };
    expect(check(body.access_token, keys.rsa.certPem).claims.sub).toBe('alice');
    expect(body.refresh_token).toBe('identity-token-1');
    const bad = await post(iss, {
      grant_type: 'refresh_token',
      refresh_token: 'nope',
      client_id: 'kubox',
    });
    expect(bad.status).toBe(401);
    expect(iss.requests.map((q) => [q.auth, q.user, q.status])).toEqual([
      ['refresh', 'alice', 200],
      ['refresh', undefined, 401],
    ]);
    expect(JSON.stringify(iss.requests)).not.toContain('identity-token-1');
  });

  it('rejects wrong passwords, a missing client_id, unknown grants and non-form bodies', async () => {
    const iss = await start();
    const base = { service: 'unit-registry', client_id: 'kubox' };
    expect(
      (await post(iss, { ...base, grant_type: 'password', username: 'alice', password: 'x' }))
        .status,
    ).toBe(401);
    expect(
      (await post(iss, { ...base, grant_type: 'password', username: 'bob', password: 'x' })).status,
    ).toBe(401);
    expect(
      (
        await post(iss, {
          grant_type: 'password',
          username: 'alice',
          password: 's3cret',
          service: 'unit-registry',
        })
      ).status,
    ).toBe(400);
    expect((await post(iss, { ...base, grant_type: 'client_credentials' })).status).toBe(400);
    const json = await fetch(iss.realm, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(json.status).toBe(400);
    const lenient = await start({ requireClientId: false });
    expect(
      (await post(lenient, { grant_type: 'password', username: 'alice', password: 's3cret' }))
        .status,
    ).toBe(200);
  });
});
