/**
 * `kubox build --scan` end to end: the real engine builds an OCI archive, a
 * scanner reads exactly that archive, and the registry client pushes it only
 * when the gate passes. The scanner is the STAND-IN for Trivy in
 * test/fixtures/scan/bin (Trivy's database cannot be had here); it checks the
 * command line and answers with a fixture report in Trivy's JSON schema.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readArchive } from '../../src/image/summary.js';
import { RegistryClient } from '../../src/registry/client.js';
import { kubox } from '../support/cli.js';
import { loadEnv, localSpec, specYaml, type E2eEnv } from '../support/e2e-env.js';

const STANDIN_BIN = fileURLToPath(new URL('../fixtures/scan/bin', import.meta.url));
let env: E2eEnv;
let dir: string;
const run = process.pid;

const headTag = async (repo: string, tag: string) => {
  const c = await RegistryClient.connect(env.registry, {
    credential: { kind: 'basic', username: env.username, password: env.password },
  });
  return (await c.headManifest(repo, tag))?.digest;
};

const gated = (report: string, repo: string) =>
  kubox(
    [
      'build',
      '--scan',
      '--platform',
      'linux/amd64',
      '--network',
      'host',
      '--progress',
      'plain',
      '--tag',
      `${env.registry}/${repo}:1`,
      '--push',
      '--output',
      `oci:out/${repo.replace('/', '-')}.tar`,
    ],
    {
      cwd: dir,
      env: {
        DOCKER_CONFIG: env.dockerConfig,
        PATH: `${STANDIN_BIN}:${process.env.PATH}`,
        STANDIN_TRIVY_REPORT: report,
        SOURCE_DATE_EPOCH: '1744578432',
      },
    },
  );

beforeAll(() => {
  env = loadEnv();
  dir = mkdtempSync(join(tmpdir(), 'kubox-gate-'));
  writeFileSync(join(dir, 'kubox.yaml'), specYaml(localSpec(env, { platforms: ['linux/amd64'] })));
});

describe('kubox build --scan', () => {
  it('a failing gate pushes nothing, says why, and exits 1', async () => {
    const repo = `kubox-gate-${run}/fail`;
    const res = await gated('debian-image.json', repo);
    expect(res.exitCode, res.stderr.slice(-2000)).toBe(1);
    expect(res.stdout).toMatch(/gate FAILED: \d+ CRITICAL\/HIGH/);
    expect(res.stderr).toContain('nothing was pushed');
    expect(existsSync(join(dir, 'out', `kubox-gate-${run}-fail.tar`))).toBe(true);
    expect(await headTag(repo, '1')).toBeUndefined();
  });

  it('a passing gate pushes the very archive it scanned: identical digests', async () => {
    const repo = `kubox-gate-${run}/pass`;
    const res = await gated('clean.json', repo);
    expect(res.exitCode, res.stderr.slice(-2000)).toBe(0);
    expect(res.stdout).toContain('gate PASSED');
    const archive = await readArchive(join(dir, 'out', `kubox-gate-${run}-pass.tar`));
    expect(res.stdout).toContain(`pushed the scanned archive ${archive.digest}`);
    expect(await headTag(repo, '1')).toBe(archive.digest);
    // The image carries the report of the scan it passed, as a referrer.
    expect(res.stdout).toMatch(
      new RegExp(`^attached application/sarif\\+json sha256:\\S+ to \\S+@${archive.digest}$`, 'm'),
    );
    const inspected = await kubox(
      ['inspect', `${env.registry}/${repo}:1`, '--referrers', '--json'],
      { env: { DOCKER_CONFIG: env.dockerConfig } },
    );
    expect(JSON.parse(inspected.stdout).referrers).toEqual([
      expect.objectContaining({ subject: archive.digest, artifactType: 'application/sarif+json' }),
    ]);
  });
});
