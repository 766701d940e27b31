/**
 * `kubox verify --profile restricted|baseline` on the real Docker engine,
 * against images the native engine builds here from real Debian packages:
 * - a small one with iputils-ping, whose extra checks (ping loopback, write
 *   to the home directory) pass without a profile and fail under one, each
 *   reported with the constraint that broke it;
 * - the py-kube preset, which must pass restricted on linux/amd64 and
 *   linux/arm64 (under QEMU).
 * Each image gets a repository of its own, so loading its archive does not
 * retag an image another test runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpecInput } from '../../src/spec/schema.js';
import type { CheckResult, VerifyResult } from '../../src/verify/verify.js';
import { kubox } from '../support/cli.js';
import { loadEnv, localSpec, specYaml, type E2eEnv } from '../support/e2e-env.js';

// The native engine's cache shared with native-build.test.ts: warm, a py-kube build is about a minute.
const SHARED_CACHE = '/var/cache/kubox-e2e/native-cache';

let env: E2eEnv;
let dir: string;
let cliEnv: Record<string, string>;
const loaded: string[] = [];

beforeAll(() => {
  env = loadEnv();
  dir = mkdtempSync(join(tmpdir(), 'kubox-verify-profile-'));
  cliEnv = { DOCKER_CONFIG: env.dockerConfig, KUBOX_CACHE_DIR: SHARED_CACHE };
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  // verify loads an oci: archive into the image store and leaves it there, as docker load would.
  for (const ref of loaded)
    await execa('docker', ['rmi', '--force', ref], { env: cliEnv, reject: false });
});

function nativeSpec(overrides: Partial<SpecInput>): SpecInput {
  const spec = localSpec(env, { engine: 'native', ...overrides });
  delete (spec as { builder?: unknown }).builder;
  return spec;
}

/** Writes the spec as FILE in the test directory and builds it into ARCHIVE with the native engine. */
async function build(file: string, spec: SpecInput, archive: string): Promise<void> {
  writeFileSync(join(dir, file), specYaml(spec));
  loaded.push(`${spec.image!.repository}:${spec.version}`);
  const res = await kubox(
    ['build', '-f', file, '--engine', 'native', '--output', `oci:${archive}`],
    { cwd: dir, env: cliEnv },
  );
  expect(res.exitCode, res.stderr.slice(-3000)).toBe(0);
}

async function verifyJson(args: string[]) {
  const res = await kubox(['verify', ...args, '--json'], { cwd: dir, env: cliEnv });
  let report: VerifyResult;
  try {
    report = JSON.parse(res.stdout) as VerifyResult;
  } catch {
    throw new Error(`verify printed no JSON (exit ${res.exitCode}): ${res.stderr.slice(-3000)}`);
  }
  const byCheck = (name: string, platform = 'linux/amd64'): CheckResult => {
    const r = report.results.find((x) => x.check === name && x.platform === platform);
    if (!r) throw new Error(`no result for ${platform} ${name}: ${res.stdout.slice(0, 3000)}`);
    return r;
  };
  return { res, report, byCheck };
}

describe('a small image whose extra checks need what the levels take away', () => {
  const archive = () => join(dir, 'pingbox.oci.tar');
  const PING = 'ping loopback';
  const WRITE_HOME = 'write to the home directory';
  const BROKEN = 'broken everywhere';
  const base = (): Partial<SpecInput> => ({
    name: 'pingbox',
    description: 'iputils-ping for kubox verify --profile',
    image: {
      repository: `${env.registry}/kubox-e2e/verify-profile-pingbox`,
      tags: ['{{version}}'],
    },
    platforms: ['linux/amd64'],
    // The native engine runs no setcap or chmod u+s from ping's postinst: ping relies on the
    // unprivileged ICMP sockets Docker allows, which the profiles turn off as containerd 1.x has them.
    apt: { mirror: 'http://deb.debian.org/debian', packages: ['iputils-ping'] },
    binaries: [],
    pip: { packages: [] },
    labels: { 'org.opencontainers.image.title': 'pingbox' },
  });

  beforeAll(async () => {
    await build('pingbox.yaml', nativeSpec(base()), archive());
    // The same image, judged with checks that each need something a level takes away.
    writeFileSync(
      join(dir, 'pingbox-needs.yaml'),
      specYaml(
        nativeSpec({
          ...base(),
          verify: [
            { name: PING, run: ['ping', '-c1', '-W2', '127.0.0.1'] },
            { name: WRITE_HOME, run: ['sh', '-c', 'touch "$HOME/probe"'] },
            { name: BROKEN, run: ['sh', '-c', 'echo broken; exit 3'] },
          ],
        }),
      ),
    );
  });

  it('passes restricted with a read-only root, proving the constraints were in force', async () => {
    const { res, report, byCheck } = await verifyJson([
      `oci:${archive()}`,
      '-f',
      'pingbox.yaml',
      '--profile',
      'restricted',
      '--read-only',
    ]);
    expect(
      report.results.filter((r) => r.status !== 'pass'),
      res.stderr.slice(-2000),
    ).toEqual([]);
    expect(res.exitCode).toBe(0);
    expect(report.verdict).toBe('verified');
    expect(byCheck('restricted: numeric non-root user (runAsNonRoot)').detail).toBe('uid 1000');
    expect(byCheck('restricted: constraints in force').detail).toMatch(
      /^Uid:1000 CapEff:0{16} CapBnd:0{16} NoNewPrivs:1 Seccomp:2 root:ro tmp:tmpfs/,
    );
    expect(byCheck('iputils-ping: ping -V').status).toBe('pass');
    expect(report.profile).toMatchObject({
      level: 'restricted',
      readOnly: true,
      failsOnlyUnderProfile: [],
      securityContext: {
        pod: {
          runAsNonRoot: true,
          runAsUser: 1000,
          runAsGroup: 1000,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        container: {
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          readOnlyRootFilesystem: true,
        },
      },
    });
  });

  it('without a profile, ping and writing home work; the broken check fails on its own', async () => {
    const { res, report, byCheck } = await verifyJson([
      `oci:${archive()}`,
      '-f',
      'pingbox-needs.yaml',
    ]);
    expect(res.exitCode).toBe(1);
    expect(byCheck(PING).status).toBe('pass');
    expect(byCheck(WRITE_HOME).status).toBe('pass');
    expect(byCheck(BROKEN)).toMatchObject({ status: 'fail', detail: 'exit 3 (want 0): broken' });
    expect(report.profile).toBeUndefined();
  });

  it('restricted --read-only: ping and writing home fail only under it, each with its cause', async () => {
    const { res, report, byCheck } = await verifyJson([
      `oci:${archive()}`,
      '-f',
      'pingbox-needs.yaml',
      '--profile',
      'restricted',
      '--read-only',
    ]);
    expect(res.exitCode).toBe(1);
    expect(report.verdict).toBe('failed');
    const ping = byCheck(PING);
    expect(ping.status).toBe('fail');
    expect(ping.profile).toEqual({
      onlyUnderProfile: true,
      likelyCause: expect.stringMatching(
        /^no CAP_NET_RAW for a raw socket \(capabilities drop ALL/,
      ),
    });
    expect(ping.detail).toMatch(
      /^fails only under restricted \(likely: no CAP_NET_RAW.*Operation not permitted/,
    );
    const write = byCheck(WRITE_HOME);
    expect(write.profile).toEqual({
      onlyUnderProfile: true,
      likelyCause: 'read-only root filesystem',
    });
    expect(write.detail).toMatch(/Read-only file system/);
    // It fails without the profile too: not the level's doing.
    expect(byCheck(BROKEN)).toMatchObject({
      status: 'fail',
      detail: 'exit 3 (want 0): broken',
      profile: { onlyUnderProfile: false },
    });
    expect(report.profile!.failsOnlyUnderProfile.map((f) => f.check)).toEqual([PING, WRITE_HOME]);

    // The table says the same, then what breaks and the pod spec to ask for the level.
    const text = await kubox(
      [
        'verify',
        `oci:${archive()}`,
        '-f',
        'pingbox-needs.yaml',
        '--profile',
        'restricted',
        '--read-only',
      ],
      { cwd: dir, env: cliEnv },
    );
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain('FAILED: ');
    expect(text.stdout).toMatch(
      /^Under restricted \(numeric non-root user, all capabilities dropped/m,
    );
    expect(text.stdout).toMatch(
      /^ {2}\d+ of \d+ commands work; 2 break only under restricted; 1 fail without it too$/m,
    );
    expect(text.stdout).toMatch(
      /^ {2}breaks {2}linux\/amd64 {2}ping loopback {2}\(likely: no CAP_NET_RAW/m,
    );
    expect(text.stdout).toMatch(
      /^ {2}breaks {2}linux\/amd64 {2}write to the home directory {2}\(likely: read-only root filesystem\)$/m,
    );
    expect(text.stdout).toMatch(
      /^Pod spec for restricted:\n {2}spec:\n {4}securityContext:\n {6}runAsNonRoot: true\n {6}runAsUser: 1000\n/m,
    );
    expect(text.stdout).toContain('readOnlyRootFilesystem: true');
  });

  it('baseline: ping loses NET_RAW; the root filesystem stays writable', async () => {
    const { res, report, byCheck } = await verifyJson([
      `oci:${archive()}`,
      '-f',
      'pingbox-needs.yaml',
      '--profile',
      'baseline',
    ]);
    expect(res.exitCode).toBe(1);
    expect(byCheck('baseline: constraints in force')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/CapBnd:00000000a80405fb NoNewPrivs:0 Seccomp:2 root:rw/),
    });
    expect(byCheck(PING).profile).toEqual({
      onlyUnderProfile: true,
      likelyCause: expect.stringMatching(/baseline/),
    });
    expect(byCheck(WRITE_HOME).status).toBe('pass');
    expect(report.profile!.securityContext.container).toEqual({
      capabilities: { drop: ['NET_RAW'] },
    });
  });

  it('restricted refuses an image that runs as root, and runs none of its commands', async () => {
    // The base image itself: no USER, so root.
    const { res, report, byCheck } = await verifyJson([
      env.base,
      '-f',
      'pingbox.yaml',
      '--profile',
      'restricted',
    ]);
    expect(res.exitCode).toBe(1);
    expect(byCheck('restricted: numeric non-root user (runAsNonRoot)')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/no user \(it runs as root\): runAsNonRoot refuses it/),
    });
    const exec = report.results.filter((r) => r.kind === 'exec' && r.platform === 'linux/amd64');
    expect(exec.length).toBeGreaterThan(3);
    for (const r of exec)
      expect(r).toMatchObject({ status: 'skip', detail: expect.stringMatching(/^not run: /) });
  });
});

describe('the py-kube preset under restricted', () => {
  const archive = () => join(dir, 'py-kube.oci.tar');

  beforeAll(async () => {
    await build(
      'py-kube.yaml',
      nativeSpec({
        image: {
          repository: `${env.registry}/kubox-e2e/verify-profile-py-kube`,
          tags: ['{{version}}'],
        },
      }),
      archive(),
    );
  });

  it('passes restricted on linux/amd64 and linux/arm64 (under QEMU)', async () => {
    expect(env.qemuArm64, 'the test environment registers QEMU for arm64').toBe(true);
    const { res, report } = await verifyJson([
      `oci:${archive()}`,
      '-f',
      'py-kube.yaml',
      '--profile',
      'restricted',
    ]);
    expect(
      report.results.filter((r) => r.status !== 'pass'),
      res.stderr.slice(-2000),
    ).toEqual([]);
    expect(res.exitCode).toBe(0);
    for (const platform of ['linux/amd64', 'linux/arm64']) {
      const checks = report.results.filter((r) => r.platform === platform).map((r) => r.check);
      expect(checks).toEqual(
        expect.arrayContaining([
          'restricted: constraints in force',
          'kubectl: kubectl version --client',
          "kubernetes: python -c 'import kubernetes'",
          'ipython: ipython --version',
        ]),
      );
    }
  });

  it('passes restricted with a read-only root too (linux/amd64)', async () => {
    const { res, report } = await verifyJson([
      `oci:${archive()}`,
      '-f',
      'py-kube.yaml',
      '--profile',
      'restricted',
      '--read-only',
      '--platform',
      'linux/amd64',
    ]);
    expect(
      report.results.filter((r) => r.status !== 'pass'),
      res.stderr.slice(-2000),
    ).toEqual([]);
    expect(res.exitCode).toBe(0);
  });
});
