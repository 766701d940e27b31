/**
 * Evidence attached to a pushed image as OCI referrers, on the real
 * registry of the test environment (distribution 2.8, which has no
 * referrers API, so kubox keeps the `sha256-<hex>` fallback index): a native
 * build of the golden inputs pushed with --provenance carries its SLSA
 * statement, `kubox inspect --referrers` lists it, and the statement names
 * exactly the digests that were pushed and the .debs the lock pins.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/registry/client.js';
import { referrersTag } from '../../src/registry/referrers.js';
import { CLI_TEST_TIMEOUT, kubox } from '../support/cli.js';
import { loadEnv, type E2eEnv } from '../support/e2e-env.js';
import { GOLDEN, goldenWorkdir } from '../support/golden-native.js';

let env: E2eEnv;
beforeAll(() => {
  env = loadEnv();
});

describe('kubox build --push --provenance --sign', { timeout: CLI_TEST_TIMEOUT * 2 }, () => {
  it('attaches SLSA provenance that kubox inspect --referrers lists', async () => {
    const { work, cacheDir } = await goldenWorkdir();
    const repo = `kubox-e2e/referrers-${process.pid}`;
    // No SOURCE_DATE_EPOCH: the lock's epoch makes the golden digest.
    const cliEnv = {
      DOCKER_CONFIG: env.dockerConfig,
      KUBOX_CACHE_DIR: cacheDir,
      SOURCE_DATE_EPOCH: undefined,
    };
    const res = await kubox(
      [
        'build',
        '--engine',
        'native',
        '--locked',
        '--push',
        '--tag',
        `${env.registry}/${repo}:1`,
        '--provenance',
        '--sbom',
        '--json',
      ],
      { cwd: work, env: cliEnv },
    );
    expect(res.exitCode, res.stderr.slice(-2000)).toBe(0);
    const result = JSON.parse(res.stdout);
    expect(result.digest).toBe(GOLDEN.index);
    const digest = expect.stringMatching(/^sha256:[a-f0-9]{64}$/);
    const repository = `${env.registry}/${repo}`;
    expect(result.attached).toEqual([
      { repository, subject: GOLDEN.index, artifactType: 'application/vnd.in-toto+json', digest },
      // Each platform's SBOM, about its own manifest.
      ...GOLDEN.images.map((i) => ({
        repository,
        subject: i.digest,
        artifactType: 'application/spdx+json',
        digest,
      })),
    ]);

    const inspected = await kubox(
      ['inspect', `${env.registry}/${repo}:1`, '--referrers', '--json'],
      {
        env: cliEnv,
      },
    );
    expect(inspected.exitCode, inspected.stderr).toBe(0);
    const { referrers } = JSON.parse(inspected.stdout);
    expect(referrers).toEqual(
      result.attached.map((a: { subject: string; digest: string; artifactType: string }) =>
        expect.objectContaining({
          subject: a.subject,
          digest: a.digest,
          artifactType: a.artifactType,
        }),
      ),
    );
    const text = await kubox(['inspect', `${env.registry}/${repo}:1`, '--referrers'], {
      env: cliEnv,
    });
    expect(text.stdout).toMatch(
      new RegExp(`^${GOLDEN.index}\\s+application/vnd\\.in-toto\\+json\\s+sha256:`, 'm'),
    );

    // The registry's own view: the fallback index, and the artifact whose subject is the image.
    const client = await RegistryClient.connect(env.registry, {
      credential: { kind: 'basic', username: env.username, password: env.password },
    });
    expect(await client.referrers(repo, GOLDEN.index)).toBeUndefined();
    const fallback = await client.getManifest(repo, referrersTag(GOLDEN.index));
    expect('manifests' in fallback.document && fallback.document.manifests.length).toBe(1);
    const artifact = await client.getManifest(repo, result.attached[0].digest);
    const doc = JSON.parse(artifact.bytes.toString()) as {
      subject: { digest: string };
      layers: { digest: string; size: number }[];
    };
    expect(doc.subject.digest).toBe(GOLDEN.index);
    const chunks: Buffer[] = [];
    for await (const c of await client.getBlob(repo, doc.layers[0]!.digest))
      chunks.push(c as Buffer);
    const statement = JSON.parse(Buffer.concat(chunks).toString());
    expect(
      statement.subject.map((s: { digest: { sha256: string } }) => `sha256:${s.digest.sha256}`),
    ).toEqual([GOLDEN.index, ...GOLDEN.images.map((i) => i.digest)]);
    const deps = statement.predicate.buildDefinition.resolvedDependencies as { name: string }[];
    expect(deps.map((d) => d.name)).toEqual(
      expect.arrayContaining([
        'kubox.lock',
        'golden-lib_1.0-1_all.deb',
        'golden-tool_1.0-1_all.deb',
      ]),
    );
    const lockSha = statement.predicate.buildDefinition.resolvedDependencies.find(
      (d: { name: string }) => d.name === 'kubox.lock',
    ).digest.sha256;
    expect(lockSha).toBe(
      createHash('sha256')
        .update(readFileSync(join(work, 'kubox.lock')))
        .digest('hex'),
    );

    // The amd64 SBOM lists the two packages the lock pins, each with the sha256 of its .deb.
    const sbomManifest = JSON.parse(
      (await client.getManifest(repo, result.attached[1].digest)).bytes.toString(),
    ) as { layers: { digest: string }[] };
    const sbomChunks: Buffer[] = [];
    for await (const c of await client.getBlob(repo, sbomManifest.layers[0]!.digest))
      sbomChunks.push(c as Buffer);
    const spdx = JSON.parse(Buffer.concat(sbomChunks).toString()) as {
      spdxVersion: string;
      packages: { name: string; checksums?: { algorithm: string; checksumValue: string }[] }[];
    };
    expect(spdx.spdxVersion).toBe('SPDX-2.3');
    const lock = JSON.parse(readFileSync(join(work, 'kubox.lock'), 'utf8'));
    for (const d of lock.platforms['linux/amd64'].debs as { name: string; sha256: string }[])
      expect(spdx.packages.find((p) => p.name === d.name)?.checksums).toContainEqual({
        algorithm: 'SHA256',
        checksumValue: d.sha256,
      });

    // Pushed again with provenance: a second statement (new times), both listed.
    const again = await kubox(
      [
        'build',
        '--engine',
        'native',
        '--locked',
        '--push',
        '--tag',
        `${env.registry}/${repo}:1`,
        '--provenance',
        '--json',
      ],
      { cwd: work, env: cliEnv },
    );
    expect(again.exitCode, again.stderr.slice(-2000)).toBe(0);
    const listed = JSON.parse(
      (
        await kubox(['inspect', `${env.registry}/${repo}:1`, '--referrers', '--json'], {
          env: cliEnv,
        })
      ).stdout,
    ).referrers as { digest: string }[];
    expect(listed.map((r) => r.digest)).toContain(JSON.parse(again.stdout).attached[0].digest);
  });

  it('--sbom --provenance --sign in one build: the referrers are there, and kubox verify-signature accepts the signature (another key does not)', async () => {
    const { work, cacheDir } = await goldenWorkdir();
    const repo = `kubox-e2e/signed-build-${process.pid}`;
    const cliEnv = {
      DOCKER_CONFIG: env.dockerConfig,
      KUBOX_CACHE_DIR: cacheDir,
      COSIGN_PASSWORD: 'build-sign-test',
      SOURCE_DATE_EPOCH: undefined,
    };
    for (const prefix of ['mine', 'other'])
      expect(
        (
          await kubox(['sign', '--generate-key', '--output-key-prefix', join(work, prefix)], {
            env: cliEnv,
          })
        ).exitCode,
      ).toBe(0);
    const res = await kubox(
      [
        'build',
        '--engine',
        'native',
        '--locked',
        '--push',
        '--tag',
        `${env.registry}/${repo}:1`,
      ].concat(['--sbom', '--provenance', '--sign', '--key', join(work, 'mine.key'), '--json']),
      { cwd: work, env: cliEnv },
    );
    expect(res.exitCode, res.stderr.slice(-2000)).toBe(0);
    const { signed, attached } = JSON.parse(res.stdout);
    // All three: provenance about the index, an SBOM about each platform, and the signatures.
    expect(attached.map((a: { artifactType: string }) => a.artifactType)).toEqual([
      'application/vnd.in-toto+json',
      'application/spdx+json',
      'application/spdx+json',
    ]);
    const listed = await kubox(['inspect', `${env.registry}/${repo}:1`, '--referrers', '--json'], {
      env: cliEnv,
    });
    expect(JSON.parse(listed.stdout).referrers).toHaveLength(3);
    // The index and both platform manifests.
    expect(signed).toEqual([
      expect.objectContaining({ digest: GOLDEN.index, signed: expect.any(Array) }),
    ]);
    expect(signed[0].signed.map((s: { digest: string }) => s.digest).sort()).toEqual(
      [GOLDEN.index, ...GOLDEN.images.map((i) => i.digest)].sort(),
    );
    const ok = await kubox(
      ['verify-signature', `${env.registry}/${repo}:1`, '--key', join(work, 'mine.pub')],
      {
        env: cliEnv,
      },
    );
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
    const other = await kubox(
      ['verify-signature', `${env.registry}/${repo}:1`, '--key', join(work, 'other.pub')],
      { env: cliEnv },
    );
    expect(other.exitCode).toBe(1);
  });

  it('--sign without --key, and --provenance or --sign without a push: exit 2, before building', async () => {
    const { work, cacheDir } = await goldenWorkdir();
    const noKey = await kubox(['build', '--engine', 'native', '--locked', '--push', '--sign'], {
      cwd: work,
      env: { KUBOX_CACHE_DIR: cacheDir },
    });
    expect(noKey.exitCode).toBe(2);
    expect(noKey.stderr).toContain('--sign needs --key PATH');
  });

  it('refuses --provenance without a push (exit 2), before building', async () => {
    const { work, cacheDir } = await goldenWorkdir();
    const res = await kubox(['build', '--engine', 'native', '--locked', '--provenance'], {
      cwd: work,
      env: { KUBOX_CACHE_DIR: cacheDir },
    });
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain('--provenance needs a pushed image: add --push');
  });
});
