/**
 * The Docker token (Bearer) flow against the real distribution 2.8 registry on
 * 127.0.0.1:5001 (scripts/test-env/setup.sh), with plain fetch. The issuer is
 * test/support/token-issuer.ts on the realm's port 5002, signing with the
 * test key the registry trusts; the registry's verification is its own.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv, type E2eEnv } from '../support/e2e-env.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startTokenIssuer, type TokenIssuer } from '../support/token-issuer.js';

let env: E2eEnv;
let issuer: TokenIssuer;
let reg: string;
const REPO = 'kubox-e2e/token-auth';
const run = Date.now().toString(36);

const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

/** `Bearer realm="...",service="...",scope="..."` -> fields. */
const challenge = (h: string | null): Record<string, string> => {
  expect(h).toMatch(/^Bearer /);
  return Object.fromEntries([...h!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
};

/** Challenge scopes with actions sorted: distribution 2.8 orders them at random (pull,push or push,pull). */
const normScope = (scope: string | undefined) =>
  scope?.replace(/:([^:]*)$/, (_m, a: string) => `:${a.split(',').sort().join(',')}`);

const token = async (scopes: string[], auth?: string): Promise<string> => {
  const q = new URLSearchParams({ service: env.tokenService! });
  for (const s of scopes) q.append('scope', s);
  const r = await fetch(`${env.tokenRealm}?${q}`, { headers: auth ? { authorization: auth } : {} });
  expect(r.status).toBe(200);
  const body = (await r.json()) as { token?: string; access_token?: string };
  return (body.token ?? body.access_token)!;
};
const userAuth = () => basic(env.username, env.password);

/** POST + monolithic PUT ?digest=, against `base` (the registry or a proxy in front of it). */
const pushBlob = async (base: string, t: string, data: Buffer): Promise<Response> => {
  const post = await fetch(`${base}/v2/${REPO}/blobs/uploads/`, {
    method: 'POST',
    headers: bearer(t),
  });
  expect(post.status).toBe(202);
  const loc = new URL(post.headers.get('location')!, base);
  loc.searchParams.set('digest', sha256(data));
  return fetch(loc, {
    method: 'PUT',
    headers: { ...bearer(t), 'content-type': 'application/octet-stream' },
    body: data,
  });
};

beforeAll(async () => {
  env = loadEnv();
  expect(
    env.tokenRegistry,
    'env.json has no tokenRegistry: rerun scripts/test-env/setup.sh',
  ).toBeTruthy();
  reg = `http://${env.tokenRegistry}`;
  issuer = await startTokenIssuer({
    port: Number(new URL(env.tokenRealm!).port),
    keyPem: readFileSync(env.tokenKey!, 'utf8'),
    certPem: readFileSync(env.tokenCert!, 'utf8'),
    issuer: env.tokenIssuer!,
    service: env.tokenService!,
    users: { [env.username]: env.password },
    refreshTokens: { 'kubox-identity-token': env.username },
  });
});
afterAll(async () => {
  await issuer?.close();
});

describe('Bearer token flow on the real registry', () => {
  it('GET /v2/: 401 challenge -> token -> 200', async () => {
    const r = await fetch(`${reg}/v2/`);
    expect(r.status).toBe(401);
    const c = challenge(r.headers.get('www-authenticate'));
    expect(c).toEqual({ realm: env.tokenRealm, service: env.tokenService });
    const t = await token([], userAuth());
    expect((await fetch(`${reg}/v2/`, { headers: bearer(t) })).status).toBe(200);
  });

  it('pushes blobs and a manifest with a push token, then HEADs and GETs it with a pull token', async () => {
    const scope = `repository:${REPO}:pull,push`;
    const probe = await fetch(`${reg}/v2/${REPO}/blobs/uploads/`, { method: 'POST' });
    expect(probe.status).toBe(401);
    expect(normScope(challenge(probe.headers.get('www-authenticate')).scope)).toBe(scope);

    const push = await token([scope], userAuth());
    const layer = gzipSync(Buffer.from(`kubox token-auth layer ${run}\n`));
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [] },
      }),
    );
    for (const b of [layer, config]) {
      const put = await pushBlob(reg, push, b);
      expect(put.status).toBe(201);
      expect(put.headers.get('docker-content-digest')).toBe(sha256(b));
    }
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(config),
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: sha256(layer),
          size: layer.length,
        },
      ],
    });
    const mput = await fetch(`${reg}/v2/${REPO}/manifests/${run}`, {
      method: 'PUT',
      headers: { ...bearer(push), 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: manifest,
    });
    expect(mput.status).toBe(201);
    expect(mput.headers.get('docker-content-digest')).toBe(sha256(manifest));

    const pull = await token([`repository:${REPO}:pull`], userAuth());
    const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
    const head = await fetch(`${reg}/v2/${REPO}/manifests/${run}`, {
      method: 'HEAD',
      headers: { ...bearer(pull), ...accept },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('docker-content-digest')).toBe(sha256(manifest));
    const get = await fetch(`${reg}/v2/${REPO}/manifests/${sha256(manifest)}`, {
      headers: { ...bearer(pull), ...accept },
    });
    expect(await get.text()).toBe(manifest);
  });

  it('a pull-only token cannot push: 401 insufficient_scope naming pull,push', async () => {
    const pull = await token([`repository:${REPO}:pull`], userAuth());
    const r = await fetch(`${reg}/v2/${REPO}/blobs/uploads/`, {
      method: 'POST',
      headers: bearer(pull),
    });
    expect(r.status).toBe(401);
    const c = challenge(r.headers.get('www-authenticate'));
    expect(c.error).toBe('insufficient_scope');
    expect(normScope(c.scope)).toBe(`repository:${REPO}:pull,push`);
    const m = await fetch(`${reg}/v2/${REPO}/manifests/nope-${run}`, {
      method: 'PUT',
      headers: { ...bearer(pull), 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: '{}',
    });
    expect(m.status).toBe(401);
    // A push-only token is not enough either: distribution wants pull and push for uploads.
    const pushOnly = await token([`repository:${REPO}:push`], userAuth());
    const p = await fetch(`${reg}/v2/${REPO}/blobs/uploads/`, {
      method: 'POST',
      headers: bearer(pushOnly),
    });
    expect(p.status).toBe(401);
  });

  it('an anonymous token reaches /v2/ but nothing in a repository', async () => {
    const anon = await token([`repository:${REPO}:pull`]);
    expect((await fetch(`${reg}/v2/`, { headers: bearer(anon) })).status).toBe(200);
    expect((await fetch(`${reg}/v2/${REPO}/tags/list`, { headers: bearer(anon) })).status).toBe(
      401,
    );
  });

  it('POST /token: password and refresh_token grants give working tokens', async () => {
    const form = (f: Record<string, string>) =>
      fetch(env.tokenRealm!, {
        method: 'POST',
        body: new URLSearchParams({ service: env.tokenService!, client_id: 'kubox-e2e', ...f }),
      });
    const scope = `repository:${REPO}:pull`;
    const pw = await form({
      grant_type: 'password',
      username: env.username,
      password: env.password,
      scope,
      access_type: 'offline',
    });
    const pwBody = (await pw.json()) as { access_token: string; refresh_token: string };
    const rt = await form({
      grant_type: 'refresh_token',
      refresh_token: 'kubox-identity-token',
      scope,
    });
    const rtBody = (await rt.json()) as { access_token: string };
    for (const t of [pwBody.access_token, rtBody.access_token]) {
      expect((await fetch(`${reg}/v2/${REPO}/tags/list`, { headers: bearer(t) })).status).toBe(200);
    }
    expect(
      (await form({ grant_type: 'refresh_token', refresh_token: 'wrong', scope })).status,
    ).toBe(401);
  });
});

describe('what distribution 2.8 checks in a token', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (over: Record<string, unknown> = {}) => ({
    iss: env.tokenIssuer,
    sub: env.username,
    aud: env.tokenService,
    exp: now() + 300,
    nbf: now(),
    iat: now(),
    jti: `jti-${run}`,
    access: [{ type: 'repository', name: REPO, actions: ['pull'] }],
    ...over,
  });
  const status = async (jwt: string) =>
    (await fetch(`${reg}/v2/${REPO}/tags/list`, { headers: bearer(jwt) })).status;

  it('accepts x5c (self-signed cert in rootcertbundle) or a libtrust kid; rejects a token naming no key', async () => {
    expect(await status(issuer.signJwt(claims()))).toBe(200);
    for (const [keyHint, want] of [
      ['kid', 200],
      ['none', 401],
    ] as const) {
      const other = await startTokenIssuer({
        port: 0,
        keyPem: readFileSync(env.tokenKey!, 'utf8'),
        certPem: readFileSync(env.tokenCert!, 'utf8'),
        issuer: env.tokenIssuer!,
        service: env.tokenService!,
        users: {},
        keyHint,
      });
      try {
        expect(await status(other.signJwt(claims())), keyHint).toBe(want);
      } finally {
        await other.close();
      }
    }
  });

  it('rejects wrong iss/aud, an aud array, expiry beyond the 60 s leeway, future nbf, no exp, a bad signature', async () => {
    const noExp = claims({ exp: undefined }); // dropped by JSON.stringify
    const good = issuer.signJwt(claims());
    const [h, c, s] = good.split('.') as [string, string, string];
    const flipped = Buffer.from(s, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    const cases: Array<[string, string, number]> = [
      ['wrong iss', issuer.signJwt(claims({ iss: 'someone-else' })), 401],
      ['wrong aud', issuer.signJwt(claims({ aud: 'other-registry' })), 401],
      ['aud array', issuer.signJwt(claims({ aud: [env.tokenService] })), 401],
      ['expired 2 min ago', issuer.signJwt(claims({ exp: now() - 120 })), 401],
      ['expired 30 s ago (leeway)', issuer.signJwt(claims({ exp: now() - 30 })), 200],
      ['nbf in 2 min', issuer.signJwt(claims({ nbf: now() + 120 })), 401],
      ['no exp', issuer.signJwt(noExp), 401],
      [
        'no jti, nbf, iat',
        issuer.signJwt(claims({ jti: undefined, nbf: undefined, iat: undefined })),
        200,
      ],
      ['bad signature', `${h}.${c}.${flipped.toString('base64url')}`, 401],
    ];
    const got = [];
    for (const [name, jwt] of cases) got.push([name, await status(jwt)]);
    expect(got).toEqual(cases.map(([n, , want]) => [n, want]));
  });
});

describe('through the fault proxy', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy({ target: `http://${env.tokenRegistry}` });
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('keeps uploads on the proxy and survives a reset mid-upload with no blob left behind', async () => {
    const t = await token([`repository:${REPO}:pull,push`], userAuth());
    const blob = Buffer.alloc(1024 * 1024, run);
    const post = await fetch(`${proxy.url}/v2/${REPO}/blobs/uploads/`, {
      method: 'POST',
      headers: bearer(t),
    });
    expect(post.status).toBe(202);
    expect(new URL(post.headers.get('location')!, proxy.url).host).toBe(proxy.host);

    proxy.inject({
      method: 'PUT',
      path: /\/blobs\/uploads\//,
      action: { kind: 'reset-request-after', bytes: 300_000 },
    });
    const loc = new URL(post.headers.get('location')!, proxy.url);
    loc.searchParams.set('digest', sha256(blob));
    await expect(fetch(loc, { method: 'PUT', headers: bearer(t), body: blob })).rejects.toThrow();
    const gone = await fetch(`${reg}/v2/${REPO}/blobs/${sha256(blob)}`, {
      method: 'HEAD',
      headers: bearer(t),
    });
    expect(gone.status).toBe(404);

    proxy.inject({
      method: 'POST',
      action: { kind: 'status', status: 503, headers: { 'retry-after': '1' } },
    });
    expect(
      (
        await fetch(`${proxy.url}/v2/${REPO}/blobs/uploads/`, {
          method: 'POST',
          headers: bearer(t),
        })
      ).status,
    ).toBe(503);
    expect((await pushBlob(proxy.url, t, blob)).status).toBe(201);
    const head = await fetch(`${reg}/v2/${REPO}/blobs/${sha256(blob)}`, {
      method: 'HEAD',
      headers: bearer(t),
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(blob.length));
    expect(proxy.log.map((e) => e.fault ?? e.status)).toEqual([
      202,
      'reset-request-after',
      'status',
      202,
      201,
    ]);
  });
});
