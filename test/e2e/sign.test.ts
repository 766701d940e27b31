/**
 * kubox's cosign-compatible signatures, judged by an independent verifier:
 * Debian trixie's skopeo 1.18 (bookworm's has sigstore patched out) in the
 * container scripts/test-env/skopeo-trixie.sh builds, with a `sigstoreSigned`
 * policy and `use-sigstore-attachments: true`, against the htpasswd registry
 * on 127.0.0.1:5000. Images are real two-platform OCI images pushed with
 * kubox's registry client; signing and checking go through the real CLI.
 */
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/registry/client.js';
import type { Credential } from '../../src/registry/credentials.js';
import { push } from '../../src/registry/push.js';
import { sigTag } from '../../src/sign/sig-manifest.js';
import { signImage } from '../../src/sign/sign.js';
import { kubox } from '../support/cli.js';
import { loadEnv, type E2eEnv } from '../support/e2e-env.js';
import { makeImage, type MadeImage } from '../support/make-image.js';

const SKOPEO_SCRIPT = fileURLToPath(
  new URL('../../scripts/test-env/skopeo-trixie.sh', import.meta.url),
);
const PASSWORD = 'kubox-sign-test-only';

let env: E2eEnv;
let credential: Credential;
let work: string;
let skopeoImage: string;
const namespace = `kubox-sign-${process.pid}`;
let repo: string;

/** A fresh two-platform image, pushed to `tag` of the test repository. */
async function pushed(tag: string, seed: number): Promise<MadeImage> {
  const dir = join(work, `layout-${tag}-${seed}`);
  const made = await makeImage(dir, {
    platforms: ['linux/amd64', 'linux/arm64'],
    layerSizes: [2000],
    seed,
  });
  await push(dir, [`${repo}:${tag}`], { credential });
  return made;
}

/** skopeo copy under the policy trusting `pub`; resolves to its exit code and stderr. */
async function skopeoCopy(
  tag: string,
  pub: string,
  all: boolean,
  image = `${repo}:${tag}`,
): Promise<{ code: number; stderr: string }> {
  const cfg = mkdtempSync(join(work, 'skopeo-'));
  mkdirSync(join(cfg, 'registries.d'));
  writeFileSync(join(cfg, 'cosign.pub'), readFileSync(pub));
  writeFileSync(
    join(cfg, 'policy.json'),
    JSON.stringify({
      default: [{ type: 'reject' }],
      transports: {
        docker: {
          [`${env.registry}/${namespace}`]: [
            {
              type: 'sigstoreSigned',
              keyPath: '/cfg/cosign.pub',
              // cosign records the repository, not the tag: the policy matches on it.
              signedIdentity: { type: 'matchRepository' },
            },
          ],
        },
      },
    }),
  );
  writeFileSync(
    join(cfg, 'registries.d', 'kubox.yaml'),
    `docker:\n  ${env.registry}:\n    use-sigstore-attachments: true\n`,
  );
  const res = await execa(
    'docker',
    [
      'run',
      '--rm',
      '--network',
      'host',
      '-v',
      `${cfg}:/cfg:ro`,
      '-v',
      `${env.dockerConfig}:/auth:ro`,
      skopeoImage,
      '--policy',
      '/cfg/policy.json',
      '--registries.d',
      '/cfg/registries.d',
      'copy',
      ...(all ? ['--all'] : []),
      // The destination (an OCI layout) cannot store signatures; they are checked all the same.
      '--remove-signatures',
      '--authfile',
      '/auth/config.json',
      '--src-tls-verify=false',
      `docker://${image}`,
      'oci:/tmp/out',
    ],
    { reject: false, stdin: 'ignore' },
  );
  return { code: res.exitCode ?? 1, stderr: String(res.stderr) };
}

const cliEnv = () => ({ COSIGN_PASSWORD: PASSWORD, DOCKER_CONFIG: env.dockerConfig });

async function generateKey(prefix: string): Promise<{ key: string; pub: string }> {
  const r = await kubox(['sign', '--generate-key', '--output-key-prefix', join(work, prefix)], {
    env: cliEnv(),
  });
  expect(r.exitCode, r.stderr).toBe(0);
  return { key: join(work, `${prefix}.key`), pub: join(work, `${prefix}.pub`) };
}

let k1: { key: string; pub: string };
let k2: { key: string; pub: string };

beforeAll(async () => {
  env = loadEnv();
  credential = { kind: 'basic', username: env.username, password: env.password };
  work = mkdtempSync(join(tmpdir(), 'kubox-sign-'));
  repo = `${env.registry}/${namespace}/app`;
  // Idempotent: seconds when the image exists, ~1 min when it must be built.
  const built = await execa('bash', [SKOPEO_SCRIPT], { stdin: 'ignore' });
  skopeoImage = String(built.stdout).trim().split('\n').pop()!;
  k1 = await generateKey('k1');
  k2 = await generateKey('k2');
}, 600_000);

describe('kubox sign, checked by skopeo 1.18 (sigstoreSigned policy)', { timeout: 300_000 }, () => {
  it('generates cosign-format keys: encrypted private key (0600), SPKI public key', () => {
    const priv = readFileSync(k1.key, 'utf8');
    expect(priv).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    expect(priv).not.toContain(PASSWORD);
    expect(statSync(k1.key).mode & 0o777).toBe(0o600);
    expect(readFileSync(k1.pub, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
  });

  it('skopeo accepts a signed image (index and every platform) and kubox verify-signature agrees', async () => {
    const image = await pushed('signed', 11);
    const signed = await kubox(['sign', `${repo}:signed`, '--key', k1.key, '--json'], {
      env: cliEnv(),
    });
    expect(signed.exitCode, signed.stderr).toBe(0);
    expect(signed.stdout).not.toContain(PASSWORD);
    expect(signed.stderr).not.toContain(PASSWORD);
    const result = JSON.parse(signed.stdout) as { signed: { digest: string; sigTag: string }[] };
    expect(result.signed.map((s) => s.digest)).toEqual([
      image.digest,
      ...image.platforms.map((p) => p.digest),
    ]);
    expect(result.signed[0]!.sigTag).toBe(sigTag(image.digest));

    const all = await skopeoCopy('signed', k1.pub, true);
    expect(all.code, all.stderr).toBe(0);
    const one = await skopeoCopy('signed', k1.pub, false);
    expect(one.code, one.stderr).toBe(0);

    const ok = await kubox(['verify-signature', `${repo}:signed`, '--key', k1.pub, '--json'], {
      env: cliEnv(),
    });
    expect(ok.exitCode, ok.stderr).toBe(0);
    const verdict = JSON.parse(ok.stdout) as { valid: boolean; manifests: { valid: boolean }[] };
    expect(verdict.valid).toBe(true);
    expect(verdict.manifests).toHaveLength(3);
  });

  it('skopeo refuses an unsigned image; so does verify-signature (exit 1)', async () => {
    await pushed('unsigned', 12);
    const res = await skopeoCopy('unsigned', k1.pub, true);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('no signature exists');
    const v = await kubox(['verify-signature', `${repo}:unsigned`, '--key', k1.pub], {
      env: cliEnv(),
    });
    expect(v.exitCode).toBe(1);
    expect(v.stdout).toContain('not signed');
  });

  it('skopeo refuses a signature made with another key; so does verify-signature', async () => {
    await pushed('other-key', 13);
    await signImage(`${repo}:other-key`, { key: k2.key, password: PASSWORD, credential });
    const res = await skopeoCopy('other-key', k1.pub, true);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('invalid signature');
    const v = await kubox(['verify-signature', `${repo}:other-key`, '--key', k1.pub], {
      env: cliEnv(),
    });
    expect(v.exitCode).toBe(1);
    expect(v.stdout).toContain('another key');
    // The right key for it passes, in both verifiers.
    expect((await skopeoCopy('other-key', k2.pub, true)).code).toBe(0);
  });

  it('skopeo refuses a different image re-tagged over a signed tag, even with the signatures copied onto it', async () => {
    const original = await pushed('retag', 14);
    await signImage(`${repo}:retag`, { key: k1.key, password: PASSWORD, credential });
    expect((await skopeoCopy('retag', k1.pub, true)).code).toBe(0);
    const other = await pushed('retag', 15);
    const plain = await skopeoCopy('retag', k1.pub, true);
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toContain('no signature exists');
    // The attacker copies the original's signature manifests to the new digests' .sig tags.
    const c = await RegistryClient.connect(env.registry, { credential });
    const path = `${namespace}/app`;
    const pairs = [
      [original.digest, other.digest],
      ...original.platforms.map((p, i) => [p.digest, other.platforms[i]!.digest]),
    ] as const;
    for (const [from, to] of pairs) {
      const m = await c.getManifest(path, sigTag(from));
      await c.putManifest(path, sigTag(to), m.bytes, m.descriptor.mediaType);
    }
    const copied = await skopeoCopy('retag', k1.pub, true);
    expect(copied.code).not.toBe(0);
    expect(copied.stderr).toMatch(/Signature for digest sha256:[0-9a-f]{64} does not match/);
    const v = await kubox(['verify-signature', `${repo}:retag`, '--key', k1.pub], {
      env: cliEnv(),
    });
    expect(v.exitCode).toBe(1);
    expect(v.stdout).toContain('not this manifest');
  });

  it('appends to an existing .sig manifest, keeps other signatures, and re-signing adds nothing', async () => {
    const image = await pushed('two-keys', 16);
    const first = await signImage(`${repo}:two-keys`, {
      key: k1.key,
      password: PASSWORD,
      credential,
    });
    expect(first.signed.every((s) => s.added)).toBe(true);
    await signImage(`${repo}:two-keys`, { key: k2.key, password: PASSWORD, credential });
    const again = await signImage(`${repo}:two-keys`, {
      key: k1.key,
      password: PASSWORD,
      credential,
    });
    expect(again.signed.every((s) => !s.added)).toBe(true);
    const c = await RegistryClient.connect(env.registry, { credential });
    const sig = await c.getManifest(`${namespace}/app`, sigTag(image.digest));
    expect('layers' in sig.document && sig.document.layers).toHaveLength(2);
    expect((await skopeoCopy('two-keys', k1.pub, true)).code).toBe(0);
    expect((await skopeoCopy('two-keys', k2.pub, true)).code).toBe(0);
  });
  it('signs and checks a single-platform image (a manifest, not an index)', async () => {
    const image = await pushed('single-src', 17);
    const c = await RegistryClient.connect(env.registry, { credential });
    const path = `${namespace}/app`;
    const amd64 = await c.getManifest(path, image.platforms[0]!.digest);
    await c.putManifest(path, 'single', amd64.bytes, amd64.descriptor.mediaType);
    const r = await signImage(`${repo}:single`, { key: k1.key, password: PASSWORD, credential });
    expect(r.signed.map((s) => [s.kind, s.digest])).toEqual([
      ['manifest', amd64.descriptor.digest],
    ]);
    expect((await skopeoCopy('single', k1.pub, false)).code).toBe(0);
    const v = await kubox(['verify-signature', `${repo}:single`, '--key', k1.pub], {
      env: cliEnv(),
    });
    expect(v.exitCode, v.stdout).toBe(0);
  });

  it('refuses signatures copied from another repository (the payload names the repository)', async () => {
    const image = await pushed('elsewhere', 18);
    await signImage(`${repo}:elsewhere`, { key: k1.key, password: PASSWORD, credential });
    // The same image, and its .sig manifests with their blobs, under another repository.
    const otherPath = `${namespace}/other`;
    const dir = join(work, 'layout-elsewhere-18');
    await push(dir, [`${env.registry}/${otherPath}:copied`], { credential });
    const c = await RegistryClient.connect(env.registry, { credential });
    for (const d of [image.digest, ...image.platforms.map((p) => p.digest)]) {
      const m = await c.getManifest(`${namespace}/app`, sigTag(d));
      const doc = m.document as { config: { digest: string }; layers: { digest: string }[] };
      for (const b of [doc.config, ...doc.layers])
        expect(await c.mountBlob(otherPath, b.digest, `${namespace}/app`)).toBe(true);
      await c.putManifest(otherPath, sigTag(d), m.bytes, m.descriptor.mediaType);
    }
    const v = await kubox(
      ['verify-signature', `${env.registry}/${otherPath}:copied`, '--key', k1.pub],
      { env: cliEnv() },
    );
    expect(v.exitCode).toBe(1);
    expect(v.stdout).toContain(`the signature is for repository ${repo}`);
    const res = await skopeoCopy('copied', k1.pub, true, `${env.registry}/${otherPath}:copied`);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('not accepted');
  });
});
