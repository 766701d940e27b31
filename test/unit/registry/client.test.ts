/**
 * The Authorizer and the RegistryClient against a fake registry on a real
 * loopback socket (see fake-registry.ts), and the client's pure helpers.
 */
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import { HttpError } from '../../../src/http/error.js';
import { Authorizer } from '../../../src/registry/auth.js';
import {
  apiHost,
  RegistryClient,
  schemeFor,
  sha256,
  withDigest,
} from '../../../src/registry/client.js';
import type { Credential } from '../../../src/registry/credentials.js';
import {
  createTransport,
  type HttpRequest,
  type Transport,
} from '../../../src/registry/transport.js';
import {
  digestOf,
  PASSWORD,
  REFRESH_TOKEN,
  SERVICE,
  startFakeRegistry,
  TOKEN_PREFIX,
  USER,
  type FakeOptions,
  type FakeRegistry,
} from './fake-registry.js';
import { caught } from '../../support/caught.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const alice: Credential = { kind: 'basic', username: USER, password: PASSWORD };
const basicHeader = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

const fakes: FakeRegistry[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function setup(
  opts: FakeOptions,
  credential: Credential = alice,
): Promise<{ fake: FakeRegistry; client: RegistryClient; log: string[] }> {
  const fake = await startFakeRegistry(opts);
  fakes.push(fake);
  const log: string[] = [];
  const transport = createTransport({ sleep: async () => {}, log: (m) => log.push(m) });
  const client = await RegistryClient.connect(fake.host, { credential, transport, env: {} });
  return { fake, client, log };
}

const bytesOf = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) % 256));
const opener = (data: Buffer) => (start: number, end: number) =>
  Readable.from([data.subarray(start, end)]);

describe('client helpers', () => {
  it('apiHost sends Docker Hub names to registry-1.docker.io', () => {
    expect(apiHost('docker.io')).toBe('registry-1.docker.io');
    expect(apiHost('index.docker.io')).toBe('registry-1.docker.io');
    expect(apiHost('ghcr.io')).toBe('ghcr.io');
    expect(apiHost('localhost:5000')).toBe('localhost:5000');
  });

  it('schemeFor uses http on loopback and for KUBOX_INSECURE_REGISTRIES', () => {
    expect(schemeFor('localhost:5000', {})).toBe('http');
    expect(schemeFor('localhost', {})).toBe('http');
    expect(schemeFor('127.0.0.1:5000', {})).toBe('http');
    expect(schemeFor('[::1]:5000', {})).toBe('http');
    expect(schemeFor('ghcr.io', {})).toBe('https');
    expect(schemeFor('localhost.example.com', {})).toBe('https');
    const env = { KUBOX_INSECURE_REGISTRIES: 'reg.lan:5000, other.lan' };
    expect(schemeFor('reg.lan:5000', env)).toBe('http');
    expect(schemeFor('other.lan', env)).toBe('http');
    expect(schemeFor('reg.lan', env)).toBe('https');
  });

  it('withDigest appends digest= to a location with or without a query', () => {
    expect(withDigest('http://h/v2/r/blobs/uploads/u?_state=abc', 'sha256:ab')).toBe(
      'http://h/v2/r/blobs/uploads/u?_state=abc&digest=sha256%3Aab',
    );
    expect(withDigest('https://h/v2/r/blobs/uploads/u', 'sha256:ab')).toBe(
      'https://h/v2/r/blobs/uploads/u?digest=sha256%3Aab',
    );
    expect(withDigest('https://h/u?digest=sha256:old', 'sha256:new')).toBe(
      'https://h/u?digest=sha256%3Anew',
    );
  });

  it('sha256 gives the OCI digest form', () => {
    expect(sha256('')).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(sha256(Buffer.from('abc'))).toBe(
      'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('Authorizer with a scripted transport', () => {
  function scriptedTransport(answers: (() => Response)[]): Transport & { sent: HttpRequest[] } {
    const sent: HttpRequest[] = [];
    return {
      sent,
      send: async (req) => {
        sent.push(req);
        const next = answers.shift();
        if (!next) throw new Error('unexpected request');
        return next();
      },
    };
  }
  const challenge = (h: string) =>
    new Response(null, { status: 401, headers: { 'www-authenticate': h } });
  const tokenResponse = (body: unknown) => () => Response.json(body);

  it('has no header before a challenge', async () => {
    const a = new Authorizer('r.example', alice, scriptedTransport([]));
    expect(await a.header(['repository:a:pull'])).toBeUndefined();
  });

  it('fetches a token for the merged scopes, caches it, and renews it when it expires', async () => {
    let now = 1_000_000;
    const t = scriptedTransport([
      tokenResponse({ token: 'T1' }),
      tokenResponse({ token: 'T2', expires_in: 300 }),
    ]);
    const a = new Authorizer('r.example', alice, t, () => now);
    const h = await a.onUnauthorized(
      challenge(
        'Bearer realm="https://auth.example/token",service="svc",scope="repository:a:push"',
      ),
      ['repository:a:pull'],
    );
    expect(h).toBe('Bearer T1');
    expect(t.sent[0]).toMatchObject({
      method: 'GET',
      url: 'https://auth.example/token?service=svc&scope=repository%3Aa%3Apull%2Cpush',
      headers: { authorization: basicHeader },
    });
    // No expires_in: 60 s, renewed 10 s early.
    now += 49_000;
    expect(await a.header(['repository:a:pull'])).toBe('Bearer T1');
    expect(t.sent).toHaveLength(1);
    now += 2_000;
    expect(await a.header(['repository:a:pull'])).toBe('Bearer T2');
    expect(t.sent).toHaveLength(2);
  });

  it('sends one scope parameter per resource', async () => {
    const t = scriptedTransport([tokenResponse({ access_token: 'AT' })]);
    const a = new Authorizer('r.example', { kind: 'anonymous' }, t);
    expect(
      await a.onUnauthorized(challenge('Bearer realm="https://auth.example/t"'), [
        'repository:b:pull',
        'repository:a:push',
        'repository:a:pull',
      ]),
    ).toBe('Bearer AT');
    expect(t.sent[0]!.url).toBe(
      'https://auth.example/t?scope=repository%3Aa%3Apull%2Cpush&scope=repository%3Ab%3Apull',
    );
    expect(t.sent[0]!.headers).toEqual({});
  });

  it('prefers Bearer over Basic when both are offered', async () => {
    const t = scriptedTransport([tokenResponse({ token: 'T' })]);
    const a = new Authorizer('r.example', alice, t);
    expect(
      await a.onUnauthorized(
        challenge('Basic realm="x", Bearer realm="https://auth.example/t"'),
        [],
      ),
    ).toBe('Bearer T');
  });

  it('answers a Basic challenge with the credentials, and refuses when there are none', async () => {
    const a = new Authorizer('r.example', alice, scriptedTransport([]));
    expect(await a.onUnauthorized(challenge('Basic realm="x"'), [])).toBe(basicHeader);
    expect(await a.header(['repository:a:pull'])).toBe(basicHeader);
    const anon = new Authorizer('r.example', { kind: 'anonymous' }, scriptedTransport([]));
    const err = await caught(anon.onUnauthorized(challenge('Basic realm="x"'), []));
    expect(err.kind).toBe('registry-auth');
    expect(err.message).toBe('r.example refused access anonymously');
  });

  it('reports a 401 without a usable challenge, a realm-less Bearer, a failing or empty token service', async () => {
    const none = new Authorizer('r.example', alice, scriptedTransport([]));
    expect(
      (await caught(none.onUnauthorized(new Response(null, { status: 401 }), []))).message,
    ).toBe('r.example answered 401 without a usable WWW-Authenticate challenge');
    const noRealm = new Authorizer('r.example', alice, scriptedTransport([]));
    const e1 = await caught(noRealm.onUnauthorized(challenge('Bearer service="s"'), []));
    expect([e1.kind, e1.message]).toEqual([
      'registry',
      "r.example's Bearer challenge has no realm",
    ]);
    const failing = new Authorizer(
      'r.example',
      alice,
      scriptedTransport([() => new Response('oops', { status: 500 })]),
    );
    const e2 = await caught(failing.onUnauthorized(challenge('Bearer realm="https://a/t"'), []));
    expect([e2.kind, e2.message]).toEqual([
      'registry',
      'the token service of r.example answered HTTP 500',
    ]);
    const empty = new Authorizer('r.example', alice, scriptedTransport([tokenResponse({})]));
    const e3 = await caught(empty.onUnauthorized(challenge('Bearer realm="https://a/t"'), []));
    expect(e3.message).toBe('the token service of r.example returned no token');
  });
});

describe('RegistryClient authentication', () => {
  it('sends Basic credentials after a Basic challenge, and up front afterwards', async () => {
    const { fake, client } = await setup({ auth: 'basic' });
    const d = digestOf('x');
    fake.blobs.set(d, Buffer.from('x'));
    expect(await client.blobExists('team/app', d)).toBe(true);
    expect(await client.blobExists('team/app', digestOf('absent'))).toBe(false);
    expect(fake.apiRequests().map((r) => r.headers.authorization)).toEqual([
      undefined,
      basicHeader,
      basicHeader,
    ]);
  });

  it('gets a Bearer token from the realm with service, merged scopes and Basic credentials', async () => {
    const { fake, client } = await setup({
      auth: 'bearer',
      challengeScope: (repo) => `repository:${repo}:push`,
    });
    expect(await client.blobExists('team/app', digestOf('nothing'))).toBe(false);
    expect(fake.realmHits).toHaveLength(1);
    const hit = fake.realmHits[0]!;
    expect(hit.method).toBe('GET');
    const url = new URL(hit.url, 'http://x');
    expect(url.searchParams.get('service')).toBe(SERVICE);
    expect(url.searchParams.getAll('scope')).toEqual(['repository:team/app:pull,push']);
    expect(hit.headers.authorization).toBe(basicHeader);
    const api = fake.apiRequests();
    expect(api.map((r) => r.headers.authorization)).toEqual([undefined, `Bearer ${TOKEN_PREFIX}1`]);
  });

  it('reads access_token as well as token', async () => {
    const { fake, client } = await setup({ auth: 'bearer', tokenField: 'access_token' });
    expect(await client.blobExists('a', digestOf('n'))).toBe(false);
    expect(fake.apiRequests().at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN_PREFIX}1`);
  });

  it('exchanges an identity token with grant_type=refresh_token', async () => {
    const { fake, client } = await setup(
      { auth: 'bearer' },
      { kind: 'identity-token', token: REFRESH_TOKEN },
    );
    expect(await client.blobExists('team/app', digestOf('n'))).toBe(false);
    const hit = fake.realmHits[0]!;
    expect(hit.method).toBe('POST');
    expect(hit.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(hit.body.toString()))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: REFRESH_TOKEN,
      client_id: 'kubox',
      service: SERVICE,
      scope: 'repository:team/app:pull',
    });
    expect(hit.headers.authorization).toBeUndefined();
  });

  it('caches the token: a second request goes straight to the registry with it', async () => {
    const { fake, client } = await setup({ auth: 'bearer' });
    await client.blobExists('team/app', digestOf('1'));
    await client.blobExists('team/app', digestOf('2'));
    expect(fake.realmHits).toHaveLength(1);
    expect(fake.apiRequests().map((r) => r.headers.authorization)).toEqual([
      undefined,
      `Bearer ${TOKEN_PREFIX}1`,
      `Bearer ${TOKEN_PREFIX}1`,
    ]);
  });

  it('shares one token fetch between parallel requests', async () => {
    const { fake, client } = await setup({ auth: 'bearer' });
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => client.blobExists('team/app', digestOf(String(i)))),
    );
    expect(results).toEqual([false, false, false, false, false]);
    expect(fake.realmHits).toHaveLength(1);
    expect(fake.issued).toEqual([`${TOKEN_PREFIX}1`]);
  });

  it('fetches a new token when the registry stops accepting the cached one', async () => {
    const { fake, client } = await setup({ auth: 'bearer', tokenUses: 1 });
    expect(await client.blobExists('a', digestOf('1'))).toBe(false);
    expect(await client.blobExists('a', digestOf('2'))).toBe(false);
    expect(fake.realmHits).toHaveLength(2);
    expect(fake.apiRequests().map((r) => r.headers.authorization)).toEqual([
      undefined,
      `Bearer ${TOKEN_PREFIX}1`,
      `Bearer ${TOKEN_PREFIX}1`,
      `Bearer ${TOKEN_PREFIX}2`,
    ]);
  });

  it('turns a second 401 into registry-auth without leaking the password or token', async () => {
    const { fake, client, log } = await setup({ auth: 'bearer', rejectTokens: true });
    const err = await caught(client.blobExists('team/app', digestOf('x')));
    expect(err.kind).toBe('registry-auth');
    expect(err.message).toBe(
      `${fake.host} refused access with the configured credentials (repository:team/app:pull)`,
    );
    expect(err.hint).toContain(`docker login ${fake.host}`);
    const said = [err.message, err.hint ?? '', String(err.stack), ...log].join('\n');
    for (const secret of [PASSWORD, fake.issued[0]!, basicHeader.slice(6)])
      expect(said).not.toContain(secret);
  });

  it('turns refused credentials at the token service into registry-auth', async () => {
    const wrong = 'WRONG-password-do-not-log';
    const { client } = await setup(
      { auth: 'bearer' },
      { kind: 'basic', username: USER, password: wrong },
    );
    const err = await caught(client.blobExists('team/app', digestOf('x')));
    expect(err.kind).toBe('registry-auth');
    expect(`${err.message} ${err.hint}`).not.toContain(wrong);
  });

  it('turns a 403 into registry-denied', async () => {
    const { client } = await setup(
      {
        auth: 'anonymous',
        intercept: (rec, res) => {
          if (!rec.url.includes('/blobs/uploads/')) return false;
          res.writeHead(403).end();
          return true;
        },
      },
      { kind: 'anonymous' },
    );
    const err = await caught(client.startUpload('team/app'));
    expect(err.kind).toBe('registry-denied');
    expect(err).toMatchObject({ status: 403, method: 'POST' });
    expect(err.message).toMatch(/denied POST \/v2\/team\/app\/blobs\/uploads\/ \(403\)$/);
  });
});

describe('RegistryClient manifests and blobs', () => {
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${'0'.repeat(64)}`,
        size: 2,
      },
      layers: [],
    }),
  );

  it('HEADs and GETs a manifest by tag and by digest', async () => {
    const { fake, client } = await setup({ auth: 'anonymous' }, { kind: 'anonymous' });
    const d = digestOf(manifest);
    fake.manifests.set('team/app:1.0', { bytes: manifest, mediaType: OCI_MANIFEST });
    fake.manifests.set(`team/app:${d}`, { bytes: manifest, mediaType: OCI_MANIFEST });
    expect(await client.headManifest('team/app', '1.0')).toEqual({
      mediaType: OCI_MANIFEST,
      digest: d,
      size: manifest.length,
    });
    expect(await client.headManifest('team/app', '2.0')).toBeUndefined();
    for (const ref of ['1.0', d]) {
      const got = await client.getManifest('team/app', ref);
      expect(got.descriptor).toEqual({ mediaType: OCI_MANIFEST, digest: d, size: manifest.length });
      expect(got.bytes.equals(manifest)).toBe(true);
    }
    expect(fake.apiRequests()[0]!.headers.accept).toContain(
      'application/vnd.oci.image.index.v1+json',
    );
    const missing = await caught(client.getManifest('team/app', '9.9'));
    expect(missing.kind).toBe('not-found');
    expect(missing).toBeInstanceOf(HttpError);
    expect(missing).toMatchObject({
      status: 404,
      method: 'GET',
      url: `${fake.base}/v2/team/app/manifests/9.9`,
    });
    expect(missing.message).toContain('MANIFEST_UNKNOWN: manifest unknown');
  });

  it('rejects a manifest whose bytes do not match the announced or requested digest', async () => {
    const { fake, client } = await setup({ auth: 'anonymous' }, { kind: 'anonymous' });
    const lie = digestOf('something else');
    fake.manifests.set('team/app:1.0', { bytes: manifest, mediaType: OCI_MANIFEST, digest: lie });
    const e1 = await caught(client.getManifest('team/app', '1.0'));
    expect(e1.kind).toBe('registry');
    expect(e1.message).toBe(
      `manifest team/app@${lie} from ${fake.host} hashes to ${digestOf(manifest)}`,
    );
    fake.manifests.set(`team/app:${lie}`, { bytes: manifest, mediaType: OCI_MANIFEST });
    const e2 = await caught(client.getManifest('team/app', lie));
    expect(e2.message).toBe(
      `manifest team/app@${lie} from ${fake.host} hashes to ${digestOf(manifest)}`,
    );
  });

  it('streams a blob and errors at the end when it does not hash to its digest', async () => {
    const { fake, client } = await setup({ auth: 'anonymous' }, { kind: 'anonymous' });
    const good = bytesOf(100_000);
    fake.blobs.set(digestOf(good), good);
    expect((await buffer(await client.getBlob('a', digestOf(good)))).equals(good)).toBe(true);
    const claimed = digestOf('claimed');
    fake.blobs.set(claimed, good);
    const stream = await client.getBlob('a', claimed);
    let seen = 0;
    stream.on('data', (c: Buffer) => (seen += c.length));
    const err = await caught(
      new Promise((resolve, reject) => stream.on('end', resolve).on('error', reject)),
    );
    expect(err.message).toBe(`blob ${claimed} from ${fake.host} hashes to ${digestOf(good)}`);
    expect(seen).toBe(good.length);
    expect((await caught(client.getBlob('a', digestOf('absent')))).kind).toBe('not-found');
  });

  it('mounts: true on 201, the absolute upload URL from a relative Location on 202', async () => {
    const { fake, client } = await setup({ auth: 'bearer' });
    const d = digestOf('layer');
    fake.blobs.set(d, Buffer.from('layer'));
    expect(await client.mountBlob('team/app', d, 'base/img')).toBe(true);
    const post = fake.apiRequests().at(-1)!;
    expect(post.url).toBe(
      `/v2/team/app/blobs/uploads/?mount=${encodeURIComponent(d)}&from=${encodeURIComponent('base/img')}`,
    );
    // One token covers pushing here and pulling from the other repository.
    expect(new URL(fake.realmHits[0]!.url, 'http://x').searchParams.getAll('scope')).toEqual([
      'repository:base/img:pull',
      'repository:team/app:pull,push',
    ]);
    expect(await client.mountBlob('team/app', digestOf('absent'), 'base/img')).toBe(
      `${fake.base}/v2/team/app/blobs/uploads/upload-1?_state=abc`,
    );
  });
});

describe('RegistryClient uploads', () => {
  it('uploads monolithically: PUT with digest= added to a Location that has a query', async () => {
    const { fake, client } = await setup({ auth: 'bearer' });
    const data = bytesOf(25);
    const d = digestOf(data);
    await client.uploadBlob('team/app', { digest: d, size: data.length }, opener(data));
    const api = fake.apiRequests().filter((r) => r.headers.authorization);
    expect(api.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v2/team/app/blobs/uploads/',
      `PUT /v2/team/app/blobs/uploads/upload-1?_state=abc&digest=${encodeURIComponent(d)}`,
    ]);
    expect(api[1]!.headers['content-length']).toBe('25');
    expect(api[1]!.body.equals(data)).toBe(true);
    expect(fake.blobs.get(d)?.equals(data)).toBe(true);
  });

  it('uploads into a location opened by a failed mount', async () => {
    const { fake, client } = await setup({ auth: 'anonymous' }, { kind: 'anonymous' });
    const data = bytesOf(10);
    const d = digestOf(data);
    const location = await client.mountBlob('team/app', d, 'base/img');
    expect(typeof location).toBe('string');
    await client.uploadBlob('team/app', { digest: d, size: 10 }, opener(data), {
      location: location as string,
    });
    expect(fake.apiRequests().map((r) => r.method)).toEqual(['POST', 'PUT']);
    expect(fake.blobs.get(d)?.equals(data)).toBe(true);
  });

  it('uploads in chunks: PATCH ranges, following Location, then PUT with the digest', async () => {
    const { fake, client } = await setup({ auth: 'basic' });
    const data = bytesOf(25);
    const d = digestOf(data);
    await client.uploadBlob('team/app', { digest: d, size: 25 }, opener(data), { chunkSize: 10 });
    const api = fake.apiRequests().filter((r) => r.headers.authorization);
    expect(api.map((r) => `${r.method} ${r.url} ${r.headers['content-range'] ?? ''}`)).toEqual([
      'POST /v2/team/app/blobs/uploads/ ',
      'PATCH /v2/team/app/blobs/uploads/upload-1?_state=abc 0-9',
      'PATCH /v2/team/app/blobs/uploads/upload-1?_state=s10 10-19',
      'PATCH /v2/team/app/blobs/uploads/upload-1?_state=s20 20-24',
      `PUT /v2/team/app/blobs/uploads/upload-1?_state=s25&digest=${encodeURIComponent(d)} `,
    ]);
    expect(api.slice(1, 4).map((r) => r.body.length)).toEqual([10, 10, 5]);
    expect(api.slice(1, 4).map((r) => r.headers['content-length'])).toEqual(['10', '10', '5']);
    expect(api[4]!.body.length).toBe(0);
    expect(fake.blobs.get(d)?.equals(data)).toBe(true);
  });

  it('uploads monolithically when the blob is not larger than the chunk size', async () => {
    const { fake, client } = await setup({ auth: 'anonymous' }, { kind: 'anonymous' });
    const data = bytesOf(10);
    await client.uploadBlob('a', { digest: digestOf(data), size: 10 }, opener(data), {
      chunkSize: 10,
    });
    expect(fake.apiRequests().map((r) => r.method)).toEqual(['POST', 'PUT']);
  });

  it('starts over from a new session after a 500 on the PUT', async () => {
    let failed = false;
    const { fake, client } = await setup(
      {
        auth: 'anonymous',
        intercept: (rec, res) => {
          if (rec.method !== 'PUT' || failed) return false;
          failed = true;
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'disk hiccup' }] }));
          return true;
        },
      },
      { kind: 'anonymous' },
    );
    const data = bytesOf(30);
    const d = digestOf(data);
    await client.uploadBlob('a', { digest: d, size: 30 }, opener(data));
    expect(
      fake.apiRequests().map((r) => `${r.method} ${new URL(r.url, 'http://x').pathname}`),
    ).toEqual([
      'POST /v2/a/blobs/uploads/',
      'PUT /v2/a/blobs/uploads/upload-1',
      'POST /v2/a/blobs/uploads/',
      'PUT /v2/a/blobs/uploads/upload-2',
    ]);
    expect(fake.blobs.get(d)?.equals(data)).toBe(true);
  });

  it('does not retry an upload the registry rejects as invalid', async () => {
    const { fake, client } = await setup({ auth: 'anonymous' }, { kind: 'anonymous' });
    const data = bytesOf(10);
    const err = await caught(
      client.uploadBlob('a', { digest: digestOf('other'), size: 10 }, opener(data)),
    );
    expect(err.kind).toBe('registry');
    expect(err.message).toContain(`${fake.host} answered HTTP 400`);
    expect(fake.apiRequests().map((r) => r.method)).toEqual(['POST', 'PUT']);
  });
});

describe('secrets', () => {
  it('never reach the log or error messages, through retries, Basic, Bearer and identity tokens', async () => {
    const said: string[] = [];
    const record = (e: unknown) => {
      if (e instanceof KuboxError) said.push(e.message, e.hint ?? '');
      else said.push(String(e));
    };
    let n = 0;
    // Faults on the token realm and the API so that the transport logs retries.
    const intercept: FakeOptions['intercept'] = (rec, res) => {
      // Not on uploads: their retries start a new session after a real sleep.
      if (rec.url.includes('/uploads/') || n++ % 3 !== 0) return false;
      res.writeHead(rec.url.startsWith('/token') ? 503 : 429, { 'retry-after': '0' });
      res.end();
      return true;
    };
    const data = bytesOf(25);
    for (const [opts, credential] of [
      [{ auth: 'basic', intercept }, alice],
      [{ auth: 'bearer', intercept }, alice],
      [
        { auth: 'bearer', intercept },
        { kind: 'identity-token', token: REFRESH_TOKEN },
      ],
      [{ auth: 'bearer', rejectTokens: true }, alice],
      [{ auth: 'bearer' }, { kind: 'basic', username: USER, password: `${PASSWORD}-wrong` }],
    ] as [FakeOptions, Credential][]) {
      const { fake, client, log } = await setup(opts, credential);
      await client.blobExists('a', digestOf('x')).catch(record);
      await client
        .uploadBlob('a', { digest: digestOf(data), size: 25 }, opener(data), { chunkSize: 10 })
        .catch(record);
      await client.getManifest('a', 'latest').catch(record);
      said.push(...log, ...fake.issued.map((t) => `issued:${t.length}`));
      expect(fake.server.requests.length).toBeGreaterThan(2);
    }
    const text = said.join('\n');
    expect(text).toMatch(/retrying in 0 ms/);
    expect(text).toMatch(/refused access/);
    for (const secret of [PASSWORD, REFRESH_TOKEN, TOKEN_PREFIX, basicHeader.slice(6)])
      expect(text).not.toContain(secret);
  });
});
