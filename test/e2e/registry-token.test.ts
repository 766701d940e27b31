/**
 * kubox's registry client through the Bearer token flow: Debian's
 * docker-registry on 127.0.0.1:5001 configured with `auth: token` verifies
 * every token for real; the issuer on :5002 is a stand-in for a registry's
 * auth service (auth.docker.io and the like), signing with a test key.
 */
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packLayout } from '../../src/oci/layout.js';
import { RegistryClient } from '../../src/registry/client.js';
import type { Credential } from '../../src/registry/credentials.js';
import { push } from '../../src/registry/push.js';
import { pull } from '../../src/registry/remote.js';
import { kubox } from '../support/cli.js';
import { loadEnv, type E2eEnv } from '../support/e2e-env.js';
import {
  startTokenIssuer,
  type TokenIssuer,
  type TokenIssuerOptions,
} from '../support/token-issuer.js';
import { makeImage, type MadeImage } from '../support/make-image.js';

let env: E2eEnv;
let work: string;
let archive: string;
let image: MadeImage;
let issuer: TokenIssuer | undefined;
const run = process.pid;
const basic = (): Credential => ({ kind: 'basic', username: env.username, password: env.password });

async function issue(opts: Partial<TokenIssuerOptions> = {}): Promise<TokenIssuer> {
  issuer = await startTokenIssuer({
    keyPem: readFileSync(env.tokenKey!, 'utf8'),
    certPem: readFileSync(env.tokenCert!, 'utf8'),
    issuer: env.tokenIssuer!,
    service: env.tokenService!,
    users: { [env.username]: env.password, reader: 'reader-pass' },
    refreshTokens: { 'identity-token-for-kubox': env.username },
    ...opts,
  });
  return issuer;
}

beforeAll(async () => {
  env = loadEnv();
  work = mkdtempSync(join(tmpdir(), 'kubox-token-'));
  image = await makeImage(join(work, 'layout'), {
    platforms: ['linux/amd64', 'linux/arm64'],
    layerSizes: [200_000, 900_000],
    seed: 21,
  });
  archive = join(work, 'image.tar');
  await packLayout(join(work, 'layout'), archive);
});

afterEach(async () => {
  await issuer?.close();
  issuer = undefined;
});

describe('Bearer token flow against a registry that verifies tokens', () => {
  it('pushes and pulls with Basic credentials at the realm, answered in `token`, with tokens cached per scope', async () => {
    const iss = await issue({ tokenField: 'token' });
    const repo = `${env.tokenRegistry}/kubox-token-${run}/basic`;
    const res = await push(`oci:${archive}`, [`${repo}:1`], { credential: basic() });
    expect(res.digest).toBe(image.digest);
    // One token per scope set for the whole push, not one per request (it makes dozens).
    const forPush = iss.requests.map((r) => r.scopes.join(' ')).sort();
    expect(forPush).toEqual([
      `repository:kubox-token-${run}/basic:pull`,
      `repository:kubox-token-${run}/basic:pull,push`,
    ]);
    expect((await pull(`${repo}:1`, join(work, 'back.tar'), { credential: basic() })).digest).toBe(
      image.digest,
    );
    expect(iss.requests.length).toBe(3);
    expect(iss.requests.every((r) => r.auth === 'basic' && r.status === 200)).toBe(true);
  });

  it('exchanges an identity token (grant_type=refresh_token), answered in `access_token`', async () => {
    const iss = await issue({ tokenField: 'access_token' });
    const repo = `${env.tokenRegistry}/kubox-token-${run}/identity`;
    const credential: Credential = { kind: 'identity-token', token: 'identity-token-for-kubox' };
    expect((await push(`oci:${archive}`, [`${repo}:1`], { credential })).digest).toBe(image.digest);
    expect(iss.requests.length).toBeGreaterThan(0);
    expect(
      iss.requests.every(
        (r) => r.auth === 'refresh' && r.grantType === 'refresh_token' && r.clientId === 'kubox',
      ),
    ).toBe(true);
  });

  it('merges the mount source into the push token: one token covers both repositories', async () => {
    const iss = await issue();
    const a = `kubox-token-${run}/mount-a`;
    const b = `kubox-token-${run}/mount-b`;
    const res = await push(
      `oci:${archive}`,
      [`${env.tokenRegistry}/${a}:1`, `${env.tokenRegistry}/${b}:1`],
      { credential: basic() },
    );
    expect(res.blobs.mounted).toBe(6);
    expect(
      iss.requests.some(
        (r) =>
          r.scopes.includes(`repository:${a}:pull`) &&
          r.scopes.includes(`repository:${b}:pull,push`),
      ),
    ).toBe(true);
  });

  it('credentials from DOCKER_CONFIG reach the CLI; a read-only account cannot push and nothing is tagged', async () => {
    await issue({
      grant: (user, scope) =>
        user === 'reader' ? scope.actions.filter((a) => a === 'pull') : scope.actions,
    });
    const config = join(work, 'reader-config');
    mkdirSync(config, { recursive: true });
    writeFileSync(
      join(config, 'config.json'),
      JSON.stringify({
        auths: {
          [env.tokenRegistry!]: { auth: Buffer.from('reader:reader-pass').toString('base64') },
        },
      }),
    );
    const repo = `${env.tokenRegistry}/kubox-token-${run}/readonly`;
    const res = await kubox(['push', `oci:${archive}`, `${repo}:1`], {
      env: { DOCKER_CONFIG: config },
    });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain(
      `error: ${env.tokenRegistry} refused access with the configured credentials`,
    );
    expect(res.stderr).not.toContain('reader-pass');
    const c = await RegistryClient.connect(env.tokenRegistry!, { credential: basic() });
    expect(await c.headManifest(`kubox-token-${run}/readonly`, '1')).toBeUndefined();
  });

  it('anonymous access is refused with the fix', async () => {
    await issue();
    const res = await kubox(['inspect', `${env.tokenRegistry}/kubox-token-${run}/basic:1`], {
      env: { DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'anon-')) },
    });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain(`error: ${env.tokenRegistry} refused access anonymously`);
  });
});
