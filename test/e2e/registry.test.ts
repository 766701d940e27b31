/**
 * The registry client against Debian's docker-registry on 127.0.0.1 with
 * htpasswd Basic auth, directly and through a loopback proxy that injects
 * faults. Images are real OCI layouts (gzip'd tar layers, two platforms).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packLayout } from '../../src/oci/layout.js';
import { RegistryClient } from '../../src/registry/client.js';
import { pin } from '../../src/registry/pin.js';
import { push } from '../../src/registry/push.js';
import { inspectRemote, pull } from '../../src/registry/remote.js';
import type { Credential } from '../../src/registry/credentials.js';
import { kubox } from '../support/cli.js';
import { loadEnv, localSpec, specYaml, type E2eEnv } from '../support/e2e-env.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { makeImage, type MadeImage } from '../support/make-image.js';

let env: E2eEnv;
let work: string;
let archive: string;
let image: MadeImage;
let credential: Credential;
const run = `${process.pid}`;

const tagsOf = async (repo: string) => {
  const c = await RegistryClient.connect(env.registry, { credential });
  return (await c.headManifest(repo, 'x'))?.digest;
};

beforeAll(async () => {
  env = loadEnv();
  credential = { kind: 'basic', username: env.username, password: env.password };
  work = mkdtempSync(join(tmpdir(), 'kubox-reg-'));
  image = await makeImage(join(work, 'layout'), {
    platforms: ['linux/amd64', 'linux/arm64'],
    layerSizes: [300_000, 1_200_000, 2_500_000],
    seed: 7,
  });
  archive = join(work, 'image.tar');
  await packLayout(join(work, 'layout'), archive);
});

describe('push, pull, inspect with Basic auth', () => {
  it('round-trips an archive: push to two tags, pull back, identical digests', async () => {
    const repo = `${env.registry}/kubox-reg-${run}/app`;
    const res = await push(`oci:${archive}`, [`${repo}:1`, `${repo}:latest`], { credential });
    expect(res.digest).toBe(image.digest);
    expect(res.blobs).toMatchObject({ uploaded: 8, mounted: 0, skipped: 0 });
    const back = await pull(`${repo}:1`, join(work, 'back.tar'), { credential });
    expect(back.digest).toBe(image.digest);
    const summary = await inspectRemote(`${repo}:latest`, { credential });
    expect(summary.digest).toBe(image.digest);
    expect(summary.images.map((i) => [i.platform, i.digest])).toEqual(
      image.platforms.map((p) => [p.platform, p.digest]),
    );
    // Pushing the pulled archive again finds every blob already there.
    const again = await push(`oci:${join(work, 'back.tar')}`, [`${repo}:2`], { credential });
    expect(again).toMatchObject({ digest: image.digest, blobs: { uploaded: 0, skipped: 8 } });
  });

  it('mounts blobs present in another repository of the same registry, and uploads in chunks', async () => {
    const a = `${env.registry}/kubox-reg-${run}/a`;
    const b = `${env.registry}/kubox-reg-${run}/b`;
    const res = await push(`oci:${archive}`, [`${a}:1`, `${b}:1`], {
      credential,
      chunkSize: 512 * 1024,
    });
    expect(res.blobs).toMatchObject({ uploaded: 8, mounted: 8 });
    const other = await push(`oci:${archive}`, [`${env.registry}/kubox-reg-${run}/c:1`], {
      credential,
      mountFrom: [`kubox-reg-${run}/a`],
    });
    expect(other.blobs).toMatchObject({ uploaded: 0, mounted: 8 });
  });

  it('the CLI pushes with docker credentials, inspects, and reports JSON', async () => {
    const repo = `${env.registry}/kubox-reg-${run}/cli`;
    const pushed = await kubox(['push', `oci:${archive}`, `${repo}:1`, '--json'], {
      env: { DOCKER_CONFIG: env.dockerConfig },
    });
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    expect(JSON.parse(pushed.stdout).digest).toBe(image.digest);
    const inspected = await kubox(['inspect', `${repo}:1`, '--json'], {
      env: { DOCKER_CONFIG: env.dockerConfig },
    });
    const report = JSON.parse(inspected.stdout);
    expect(report.platforms.map((p: { platform: string }) => p.platform)).toEqual([
      'linux/amd64',
      'linux/arm64',
    ]);
    expect(report.platforms[0].layers).toHaveLength(3);
    expect(report.platforms[0].user).toBe('1000:1000');
    const local = JSON.parse((await kubox(['inspect', `oci:${archive}`, '--json'])).stdout);
    expect(local.digest).toBe(image.digest);
  });

  it('without credentials: exit 1, names the registry and says docker login; nothing is tagged', async () => {
    const repo = `${env.registry}/kubox-reg-${run}/denied`;
    const res = await kubox(['push', `oci:${archive}`, `${repo}:1`], {
      env: { DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'nocreds-')) },
    });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain(`error: ${env.registry} refused access anonymously`);
    expect(res.stderr).toContain(`docker login ${env.registry}`);
    expect(await tagsOf(`kubox-reg-${run}/denied`)).toBeUndefined();
  });

  it('a missing image is a clear not-found error', async () => {
    const res = await kubox(['inspect', `${env.registry}/kubox-reg-${run}/nothing:1`], {
      env: { DOCKER_CONFIG: env.dockerConfig },
    });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/not found on 127\.0\.0\.1:5000/);
  });
});

describe('faults between client and registry', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy({ target: `http://${env.registry}` });
  });
  afterAll(() => proxy.close());

  const through = (repo: string) => `${proxy.host}/kubox-fault-${run}/${repo}`;

  it('retries 429 (honouring Retry-After), 500 and a reset mid-upload, and the image arrives whole', async () => {
    proxy.inject({
      method: 'HEAD',
      path: /\/blobs\//,
      action: { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
    });
    proxy.inject({
      method: 'POST',
      path: /\/blobs\/uploads\//,
      times: 2,
      action: { kind: 'status', status: 500 },
    });
    proxy.inject({
      method: 'PUT',
      path: /\/blobs\/uploads\/.*digest=/,
      action: { kind: 'reset-request-after', bytes: 200_000 },
    });
    proxy.inject({
      method: 'GET',
      path: /\/blobs\//,
      action: { kind: 'slow-response', bytesPerSecond: 2_000_000 },
    });
    const started = Date.now();
    const res = await push(`oci:${archive}`, [`${through('retry')}:1`], { credential });
    expect(res.digest).toBe(image.digest);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const fired = proxy.log.filter((l) => l.fault).map((l) => l.fault);
    expect(fired).toEqual(expect.arrayContaining(['status', 'reset-request-after']));
    expect(proxy.pending().filter((r) => r.action.kind !== 'slow-response')).toEqual([]);
    const back = await pull(`${through('retry')}:1`, join(work, 'slow.tar'), { credential });
    expect(back.digest).toBe(image.digest);
    expect(proxy.log.some((l) => l.fault === 'slow-response')).toBe(true);
  });

  it('gives up after bounded retries, and no tag points to an incomplete image', async () => {
    proxy.clear();
    // Every upload of this run fails: the tag must never be written.
    proxy.inject({
      method: 'PUT',
      path: /\/blobs\/uploads\//,
      times: 1000,
      action: { kind: 'status', status: 503 },
    });
    const res = push(`oci:${archive}`, [`${through('broken')}:1`], { credential });
    await expect(res).rejects.toThrow(/HTTP 503/);
    proxy.clear();
    expect(await tagsOf(`kubox-fault-${run}/broken`)).toBeUndefined();
    const c = await RegistryClient.connect(env.registry, { credential });
    expect(await c.headManifest(`kubox-fault-${run}/broken`, '1')).toBeUndefined();
  }, 180_000);
});

describe('kubox pin against a base index in the local registry', () => {
  it('pins, detects a moved tag with --check (exit 1, old and new), and rewrites in place keeping comments', async () => {
    const repo = `${env.registry}/kubox-pin-${run}/python`;
    const first = await makeImage(join(work, 'base1'), {
      platforms: ['linux/amd64', 'linux/arm64'],
      layerSizes: [1000],
      seed: 11,
    });
    await packLayout(join(work, 'base1'), join(work, 'base1.tar'));
    await push(`oci:${join(work, 'base1.tar')}`, [`${repo}:3.13-slim`], { credential });

    const spec = localSpec(env, { base: `${repo}:3.13-slim@${first.digest}` });
    const file = join(work, 'kubox.yaml');
    const text = `# my debug image\n${specYaml(spec).replace(/^base: (.*)$/m, 'base: $1 # the base, pinned')}`;
    writeFileSync(file, text);
    const env2 = { DOCKER_CONFIG: env.dockerConfig };
    const same = await kubox(['pin', '-f', file, '--check'], { env: env2 });
    expect(same.exitCode, same.stderr).toBe(0);
    expect(same.stdout).toContain('is pinned to its current digest');

    // Upstream moves the tag.
    const second = await makeImage(join(work, 'base2'), {
      platforms: ['linux/amd64', 'linux/arm64'],
      layerSizes: [1000],
      seed: 12,
    });
    await packLayout(join(work, 'base2'), join(work, 'base2.tar'));
    await push(`oci:${join(work, 'base2.tar')}`, [`${repo}:3.13-slim`], { credential });

    const check = await kubox(['pin', '-f', file, '--check'], { env: env2 });
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toContain(`old ${first.digest}`);
    expect(check.stdout).toContain(`new ${second.digest}`);
    expect(readFileSync(file, 'utf8')).toBe(text);

    const pinned = await kubox(['pin', '-f', file], { env: env2 });
    expect(pinned.exitCode, pinned.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(text.replace(first.digest, second.digest));
  });

  it('refuses a tag whose index lacks a platform the spec builds', async () => {
    const repo = `${env.registry}/kubox-pin-${run}/amd-only`;
    const only = await makeImage(join(work, 'amd'), {
      platforms: ['linux/amd64'],
      layerSizes: [1000],
      seed: 13,
    });
    await packLayout(join(work, 'amd'), join(work, 'amd.tar'));
    await push(`oci:${join(work, 'amd.tar')}`, [`${repo}:1`], { credential });
    const file = join(work, 'amd.yaml');
    writeFileSync(file, specYaml(localSpec(env, { base: `${repo}:1@${only.digest}` })));
    const res = await pin(file, { credential }).catch((e: Error) => e);
    expect(String(res)).toContain('has no linux/arm64 image; it offers linux/amd64');
  });
});
