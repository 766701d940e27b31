/**
 * kubox build and verify against a real Docker engine with buildx, a real
 * registry with htpasswd auth on 127.0.0.1, real Debian packages, and QEMU
 * for linux/arm64. Nothing here is mocked; see test/support/e2e-env.ts.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { readArchive } from '../../src/image/summary.js';
import { kubox } from '../support/cli.js';
import { loadEnv, localSpec, SEED_PIP_CHECKS, specYaml, type E2eEnv } from '../support/e2e-env.js';

let env: E2eEnv;
let dir: string;
let cliEnv: Record<string, string>;

const registryTags = async (repo: string): Promise<string[]> => {
  const res = await fetch(`http://${env.registry}/v2/${repo}/tags/list`, {
    headers: {
      authorization: `Basic ${Buffer.from(`${env.username}:${env.password}`).toString('base64')}`,
    },
  });
  if (res.status === 404) return [];
  return ((await res.json()) as { tags: string[] | null }).tags ?? [];
};

beforeAll(() => {
  env = loadEnv();
  dir = mkdtempSync(join(tmpdir(), 'kubox-e2e-'));
  writeFileSync(join(dir, 'kubox.yaml'), specYaml(localSpec(env)));
  cliEnv = { DOCKER_CONFIG: env.dockerConfig, SOURCE_DATE_EPOCH: '1744578432' };
});

describe('kubox build + verify on a real engine', () => {
  it('builds linux/amd64 + linux/arm64, pushes with authentication, and verify passes on both', async () => {
    const build = await kubox(
      ['build', '--push', '--network', 'host', '--progress', 'plain', '--json'],
      { cwd: dir, env: cliEnv },
    );
    expect(build.exitCode, build.stderr.slice(-3000)).toBe(0);
    const result = JSON.parse(build.stdout);
    expect(result.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(result.images.map((i: { platform: string }) => i.platform).sort()).toEqual([
      'linux/amd64',
      'linux/arm64',
    ]);
    expect((await registryTags('kubox-e2e/py-kube')).sort()).toEqual(
      expect.arrayContaining(['0.9.0', 'latest']),
    );

    const ref = `${env.registry}/kubox-e2e/py-kube:0.9.0`;
    const verify = await kubox(['verify', ref, '--json'], { cwd: dir, env: cliEnv });
    const report = JSON.parse(verify.stdout);
    const failed = report.results.filter((r: { status: string }) => r.status !== 'pass');
    expect(failed, verify.stderr).toEqual([]);
    expect(verify.exitCode).toBe(0);
    expect(report.digest).toBe(result.digest);
    for (const platform of ['linux/amd64', 'linux/arm64']) {
      const mine = report.results
        .filter((r: { platform: string }) => r.platform === platform)
        .map((r: { check: string }) => r.check);
      expect(mine).toEqual(
        expect.arrayContaining([
          'config: user is numeric and not root',
          'kubectl: kubectl version --client',
          'mc: mc --version',
          'no apt lists left (/var/lib/apt/lists empty)',
          'no pip cache',
          ...SEED_PIP_CHECKS,
        ]),
      );
    }
    // The labels the seed's build.sh sets, from the build itself.
    const amd = await execa(
      'docker',
      ['buildx', 'imagetools', 'inspect', ref, '--format', '{{json .Image}}'],
      { env: cliEnv },
    );
    const labels = JSON.parse(amd.stdout)['linux/amd64'].config.Labels;
    expect(labels['org.opencontainers.image.created']).toBe('2025-04-13T21:07:12Z');
    expect(labels['org.opencontainers.image.base.digest']).toBe(env.base.split('@')[1]);
    expect(labels['org.opencontainers.image.version']).toBe('0.9.0');
  });

  it('writes an OCI archive by default when no repository is set, and verify reads it', async () => {
    const noRepo = mkdtempSync(join(tmpdir(), 'kubox-e2e-oci-'));
    const spec = localSpec(env, { image: { tags: ['{{version}}'] }, platforms: ['linux/amd64'] });
    writeFileSync(join(noRepo, 'kubox.yaml'), specYaml(spec));
    const build = await kubox(['build', '--network', 'host', '--progress', 'plain'], {
      cwd: noRepo,
      env: cliEnv,
    });
    expect(build.exitCode, build.stderr.slice(-3000)).toBe(0);
    const archive = join(noRepo, 'out', 'py-kube-0.9.0.oci.tar');
    expect(readdirSync(join(noRepo, 'out'))).toEqual(['py-kube-0.9.0.oci.tar']);
    const summary = await readArchive(archive);
    expect(summary.images.map((i) => i.platform)).toEqual(['linux/amd64']);
    expect(summary.images[0]!.config.config?.User).toBe('1000:1000');
    expect(build.stdout).toContain(summary.digest);

    const verify = await kubox(['verify', `oci:${archive}`], { cwd: noRepo, env: cliEnv });
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/verified: \d+ passed, 0 failed, 0 skipped/);
  });

  it('verify fails, exit 1, on an image that does not meet the spec (the bare base)', async () => {
    const res = await kubox(['verify', env.base, '--platform', 'linux/amd64'], {
      cwd: dir,
      env: cliEnv,
    });
    expect(res.exitCode).toBe(1);
    expect(res.stdout).toMatch(
      /FAIL +config: user is numeric and not root +User is "\(unset: root\)"/,
    );
    expect(res.stdout).toMatch(/FAIL +kubectl: kubectl version --client/);
    expect(res.stdout).toContain('FAILED:');
  });
});

describe('kubox build failures are distinct and leave nothing behind', () => {
  it('registry authentication failed: exit 1, says docker login, no tag pushed', async () => {
    const noCreds = mkdtempSync(join(tmpdir(), 'kubox-nocreds-'));
    const spec = localSpec(env, {
      platforms: ['linux/amd64'],
      image: { repository: `${env.registry}/kubox-e2e/denied`, tags: ['1'] },
    });
    writeFileSync(join(dir, 'denied.yaml'), specYaml(spec));
    // The base lives in the same protected registry; pull it with credentials first so the push is what fails.
    await execa('docker', ['pull', '--platform', 'linux/amd64', env.base], { env: cliEnv });
    const res = await kubox(
      ['build', '-f', 'denied.yaml', '--push', '--network', 'host', '--progress', 'plain'],
      { cwd: dir, env: { DOCKER_CONFIG: noCreds } },
    );
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain(`error: ${env.registry} refused access anonymously`);
    expect(res.stderr).toContain('docker login');
    expect(await registryTags('kubox-e2e/denied')).toEqual([]);
  });

  it('base image not found: exit 1 names the base', async () => {
    const missing = `${env.registry}/library/python:3.13-slim@sha256:${'0'.repeat(64)}`;
    writeFileSync(
      join(dir, 'nobase.yaml'),
      specYaml(localSpec(env, { base: missing, platforms: ['linux/amd64'] })),
    );
    const res = await kubox(
      [
        'build',
        '-f',
        'nobase.yaml',
        '--output',
        'oci:out/nobase.tar',
        '--network',
        'host',
        '--progress',
        'plain',
      ],
      { cwd: dir, env: cliEnv },
    );
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain(`error: the base image ${missing} was not found`);
    expect(existsSync(join(dir, 'out')) ? readdirSync(join(dir, 'out')) : []).toEqual([]);
  });

  it('daemon unreachable: exit 3 with how to start it (--engine buildx; auto would go native)', async () => {
    const res = await kubox(['build', '--engine', 'buildx'], {
      cwd: dir,
      env: { ...cliEnv, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(res.exitCode).toBe(3);
    expect(res.stderr).toContain('the Docker daemon is not reachable');
  });

  it("creates the spec's docker-container builder when missing, and explains when it cannot start", async () => {
    const name = `kubox-e2e-${process.pid}`;
    writeFileSync(
      join(dir, 'dc.yaml'),
      specYaml(localSpec(env, { builder: { name, driver: 'docker-container' } })),
    );
    try {
      const res = await kubox(['build', '-f', 'dc.yaml', '--platform', 'linux/amd64'], {
        cwd: dir,
        env: cliEnv,
      });
      const ls = await execa('docker', ['buildx', 'ls'], { env: cliEnv });
      expect(ls.stdout).toContain(name);
      // moby/buildkit comes from Docker Hub, which this machine cannot reach.
      expect(res.exitCode).toBe(3);
      expect(res.stderr).toContain(`creating buildx builder "${name}"`);
      expect(res.stderr).toContain('moby/buildkit');
    } finally {
      await execa('docker', ['buildx', 'rm', '--force', name], { env: cliEnv, reject: false });
    }
  });
});
