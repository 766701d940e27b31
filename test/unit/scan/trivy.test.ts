/**
 * The process plumbing of `scan()`, against STAND-INS: test/fixtures/scan/bin/trivy
 * and test/fixtures/scan/docker-bin/docker are small node scripts that behave
 * like trivy's and docker's command lines. They are not Trivy or docker (Trivy
 * cannot be installed on the test machines). Each test puts the stand-in's
 * directory first on the PATH kubox starts the scanner with.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import { scan, type ScanOptions } from '../../../src/scan/scan.js';
import {
  dockerArgs,
  goDuration,
  parseTarget,
  TRIVY_IMAGE,
  trivyArgs,
} from '../../../src/scan/trivy.js';
import { STANDIN_BIN } from './helpers.js';

const DOCKER_STANDIN_BIN = fileURLToPath(
  new URL('../../fixtures/scan/docker-bin/', import.meta.url),
);
const NODE_DIR = dirname(process.execPath); // the stand-ins are node scripts

function workspace(): { dir: string; archive: string; record: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kubox-scan-'));
  const archive = join(dir, 'py-kube.oci.tar');
  writeFileSync(archive, 'not really an archive: the stand-in only checks it exists');
  return { dir, archive, record: join(dir, 'argv.json') };
}

/** Options that run the trivy stand-in, with its mode and where it records argv. */
function withStandin(
  dir: string,
  env: Record<string, string> = {},
  extra: Partial<ScanOptions> = {},
): ScanOptions {
  return {
    cwd: dir,
    env: {
      PATH: `${STANDIN_BIN}:${NODE_DIR}`,
      STANDIN_TRIVY_ARGV_FILE: join(dir, 'argv.json'),
      ...env,
    },
    ...extra,
  };
}

async function scanError(target: string, options: ScanOptions): Promise<KuboxError> {
  try {
    await scan(target, options);
  } catch (e) {
    expect(e).toBeInstanceOf(KuboxError);
    return e as KuboxError;
  }
  throw new Error('expected the scan to fail');
}

const recorded = (file: string) =>
  JSON.parse(readFileSync(file, 'utf8')) as { argv: string[]; env: Record<string, string | null> };

describe('scanner arguments (pure)', () => {
  it('trivy: --input for archives, --image-src remote for registry images, as arrays', () => {
    expect(trivyArgs({ kind: 'archive', path: '/w/a b.tar' }, { timeoutMs: 15 * 60_000 })).toEqual([
      'image',
      '--input',
      '/w/a b.tar',
      '--format',
      'json',
      '--quiet',
      '--scanners',
      'vuln',
      '--timeout',
      '900s',
    ]);
    expect(
      trivyArgs(
        { kind: 'remote', ref: 'ghcr.io/acme/py-kube:0.9.0' },
        { timeoutMs: 1500, ignoreFile: '/w/.trivyignore' },
      ),
    ).toEqual([
      'image',
      '--image-src',
      'remote',
      '--format',
      'json',
      '--quiet',
      '--scanners',
      'vuln',
      '--timeout',
      '2s',
      '--ignorefile',
      '/w/.trivyignore',
      'ghcr.io/acme/py-kube:0.9.0',
    ]);
    expect(goDuration(100)).toBe('1s');
  });

  it('docker: the pinned image, the cache volume, read-only mounts, in-container paths', () => {
    const args = dockerArgs(
      { kind: 'archive', path: '/w/out/py-kube.oci.tar' },
      {
        timeoutMs: 60_000,
        ignoreFile: '/w/.trivyignore',
        name: 'kubox-trivy-1',
        env: { TRIVY_DB_REPOSITORY: 'mirror.example/trivy-db', HOME: '/root' },
      },
    );
    expect(args).toEqual([
      'run',
      '--rm',
      '--name',
      'kubox-trivy-1',
      '-v',
      'kubox-trivy-cache:/root/.cache',
      '-v',
      '/w/out/py-kube.oci.tar:/kubox/input/py-kube.oci.tar:ro',
      '-v',
      '/w/.trivyignore:/kubox/trivyignore:ro',
      '-e',
      'TRIVY_DB_REPOSITORY',
      TRIVY_IMAGE,
      'image',
      '--input',
      '/kubox/input/py-kube.oci.tar',
      '--format',
      'json',
      '--quiet',
      '--scanners',
      'vuln',
      '--timeout',
      '60s',
      '--ignorefile',
      '/kubox/trivyignore',
    ]);
    expect(TRIVY_IMAGE).toMatch(/^aquasec\/trivy:\d+\.\d+\.\d+/);
    const local = dockerArgs(
      { kind: 'remote', ref: '127.0.0.1:5000/py-kube:1' },
      { timeoutMs: 1000, env: {} },
    );
    expect(local.slice(local.indexOf('--network'), local.indexOf('--network') + 2)).toEqual([
      '--network',
      'host',
    ]);
    expect(local.at(-1)).toBe('127.0.0.1:5000/py-kube:1');
    expect(
      dockerArgs({ kind: 'remote', ref: 'ghcr.io/a/b:1' }, { timeoutMs: 1000, env: {} }),
    ).not.toContain('--network');
  });

  it('targets: oci:PATH must exist, anything else must be an image reference (exit 2)', () => {
    const { dir } = workspace();
    expect(parseTarget('oci:py-kube.oci.tar', dir)).toEqual({
      kind: 'archive',
      path: join(dir, 'py-kube.oci.tar'),
    });
    expect(parseTarget('ghcr.io/acme/py-kube:0.9.0')).toEqual({
      kind: 'remote',
      ref: 'ghcr.io/acme/py-kube:0.9.0',
    });
    for (const bad of ['oci:nope.tar', 'oci:', 'Not A Ref', '']) {
      let err: unknown;
      try {
        parseTarget(bad, dir);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(KuboxError);
      expect((err as KuboxError).exitCode).toBe(2);
    }
  });
});

describe.concurrent('scan() with the trivy stand-in', () => {
  it('runs trivy image --input on an archive and applies the gate to its report', async () => {
    const { dir, archive, record } = workspace();
    const outcome = await scan('oci:py-kube.oci.tar', withStandin(dir));
    expect(recorded(record).argv).toEqual([
      'image',
      '--input',
      archive,
      '--format',
      'json',
      '--quiet',
      '--scanners',
      'vuln',
      '--timeout',
      '900s',
    ]);
    expect(outcome.scanner).toEqual({ kind: 'trivy', version: '0.58.1' });
    expect(outcome.target).toBe('oci:py-kube.oci.tar');
    expect(outcome.counts.total).toBe(18);
    expect(outcome.policy).toEqual({ severity: ['CRITICAL', 'HIGH'], ignoreUnfixed: false });
    expect(outcome.gate.passed).toBe(false);
    expect(outcome.gate.failing).toHaveLength(7);
  });

  it('scans registry images remotely, takes the spec policy as is, passes a clean image', async () => {
    const { dir, record } = workspace();
    const outcome = await scan(
      'ghcr.io/acme/py-kube:0.9.1',
      withStandin(
        dir,
        { STANDIN_TRIVY_REPORT: 'clean.json' },
        {
          policy: { severity: ['CRITICAL'], ignoreUnfixed: true },
          timeoutMs: 120_000,
        },
      ),
    );
    const { argv } = recorded(record);
    expect(argv.slice(0, 3)).toEqual(['image', '--image-src', 'remote']);
    expect(argv.slice(-3)).toEqual(['--timeout', '120s', 'ghcr.io/acme/py-kube:0.9.1']);
    expect(outcome.gate).toMatchObject({ passed: true, failing: [] });
    expect(outcome.gate.reason).toBe('no fixable CRITICAL vulnerabilities');
  });

  it('forwards the ignore file (given, from the policy, or ./.trivyignore) and refuses a missing one', async () => {
    const { dir, record } = workspace();
    mkdirSync(join(dir, 'ci'));
    writeFileSync(join(dir, 'ci', 'accepted'), '# accepted\nCVE-2023-45853\nCVE-2023-31484\n');
    const given = await scan(
      'oci:py-kube.oci.tar',
      withStandin(dir, {}, { ignoreFile: 'ci/accepted' }),
    );
    expect(recorded(record).argv.slice(-2)).toEqual(['--ignorefile', join(dir, 'ci', 'accepted')]);
    expect(given.counts.total).toBe(16);
    expect(given.gate.reason).toBe('5 CRITICAL/HIGH vulnerabilities (5 fixable, 1 not affected)');

    await scan(
      'oci:py-kube.oci.tar',
      withStandin(dir, {}, { policy: { ignoreFile: 'ci/accepted' } }),
    );
    expect(recorded(record).argv.slice(-2)).toEqual(['--ignorefile', join(dir, 'ci', 'accepted')]);

    await scan('oci:py-kube.oci.tar', withStandin(dir));
    expect(recorded(record).argv).not.toContain('--ignorefile');
    writeFileSync(join(dir, '.trivyignore'), 'CVE-2024-6345\n');
    await scan('oci:py-kube.oci.tar', withStandin(dir));
    expect(recorded(record).argv.slice(-2)).toEqual(['--ignorefile', join(dir, '.trivyignore')]);

    const missing = await scanError(
      'oci:py-kube.oci.tar',
      withStandin(dir, {}, { ignoreFile: 'nope' }),
    );
    expect(missing.kind).toBe('usage');
    expect(missing.exitCode).toBe(2);
    expect(missing.message).toBe('ignore file nope not found');
  });

  it("unsets TRIVY_* variables that would filter Trivy's findings", async () => {
    const { dir, record } = workspace();
    await scan(
      'oci:py-kube.oci.tar',
      withStandin(dir, {
        TRIVY_SEVERITY: 'CRITICAL',
        TRIVY_IGNORE_UNFIXED: 'true',
        TRIVY_EXIT_CODE: '0',
        TRIVY_DB_REPOSITORY: 'mirror.example/trivy-db',
      }),
    );
    expect(recorded(record).env).toEqual({
      TRIVY_SEVERITY: null,
      TRIVY_IGNORE_UNFIXED: null,
      TRIVY_EXIT_CODE: null,
      TRIVY_DB_REPOSITORY: 'mirror.example/trivy-db',
    });
  });

  it('a failed vulnerability DB download is an error with the fix (exit 3), never a pass', async () => {
    const { dir } = workspace();
    const e = await scanError(
      'oci:py-kube.oci.tar',
      withStandin(dir, { STANDIN_TRIVY_MODE: 'db-fail' }),
    );
    expect(e.kind).toBe('scan-db');
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      'Trivy could not download its vulnerability database, so nothing was scanned',
    );
    expect(e.problems[0]!.message).toContain('failed to download vulnerability DB');
    expect(e.hint).toContain('TRIVY_DB_REPOSITORY');
    expect(e.hint).toContain('TRIVY_SKIP_DB_UPDATE=true');
  });

  it('kills a scan that runs past its time-out and says so', async () => {
    const { dir } = workspace();
    const started = Date.now();
    const e = await scanError(
      'oci:py-kube.oci.tar',
      withStandin(dir, { STANDIN_TRIVY_MODE: 'hang' }, { timeoutMs: 1500 }),
    );
    expect(Date.now() - started).toBeLessThan(8000);
    expect(e.kind).toBe('scan-timeout');
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(/did not finish within 1500 ms; it was stopped and nothing passed$/);
    expect(e.hint).toContain('--timeout');
    // Trivy's own --timeout firing reads the same.
    const own = await scanError(
      'oci:py-kube.oci.tar',
      withStandin(dir, { STANDIN_TRIVY_MODE: 'deadline' }),
    );
    expect(own.kind).toBe('scan-timeout');
    expect(own.problems[0]!.message).toContain('context deadline exceeded');
  });

  it('output that is not a report, no output, a crash and registry errors are errors, never a pass', async () => {
    const { dir } = workspace();
    const garbage = await scanError(
      'oci:py-kube.oci.tar',
      withStandin(dir, { STANDIN_TRIVY_MODE: 'garbage' }),
    );
    expect(garbage.kind).toBe('scan-failed');
    expect(garbage.message).toContain('is not a Trivy JSON report: not JSON');
    expect(garbage.message).toContain('it starts with "<html><body>502 Bad Gateway');

    const empty = await scanError(
      'oci:py-kube.oci.tar',
      withStandin(dir, { STANDIN_TRIVY_MODE: 'empty' }),
    );
    expect(empty.kind).toBe('scan-failed');
    expect(empty.message).toMatch(/^Trivy printed no report for /);

    const crash = await scanError(
      'oci:py-kube.oci.tar',
      withStandin(dir, { STANDIN_TRIVY_MODE: 'crash' }),
    );
    expect(crash.kind).toBe('scan-failed');
    expect(crash.message).toMatch(/^Trivy failed on .*py-kube\.oci\.tar \(exit 2\)$/);
    expect(crash.problems[0]!.message).toContain('panic: runtime error');

    const auth = await scanError(
      'ghcr.io/acme/py-kube:0.9.0',
      withStandin(dir, { STANDIN_TRIVY_MODE: 'auth' }),
    );
    expect(auth.kind).toBe('scan-failed');
    expect(auth.problems[0]!.message).toContain('UNAUTHORIZED');
    expect(auth.hint).toContain('TRIVY_USERNAME');

    const old = await scanError(
      'oci:py-kube.oci.tar',
      withStandin(dir, { STANDIN_TRIVY_REPORT: 'schema-v1.json' }),
    );
    expect(old.kind).toBe('scan-failed');
  });

  it('no trivy on PATH and no docker: exit 3 saying how to get a scanner', async () => {
    const { dir } = workspace();
    const empty = mkdtempSync(join(tmpdir(), 'kubox-empty-path-'));
    const e = await scanError('oci:py-kube.oci.tar', { cwd: dir, env: { PATH: empty } });
    expect(e.kind).toBe('scanner-missing');
    expect(e.exitCode).toBe(3);
    expect(e.problems.map((p) => p.message)).toEqual([
      'trivy is not on PATH',
      'docker is not on PATH',
    ]);
    expect(e.hint).toContain('https://trivy.dev/latest/getting-started/installation/');
    expect(e.hint).toContain('start docker');
    const forced = await scanError('oci:py-kube.oci.tar', {
      cwd: dir,
      scanner: 'trivy',
      env: { PATH: `${DOCKER_STANDIN_BIN}:${NODE_DIR}` },
    });
    expect(forced.kind).toBe('scanner-missing');
    expect(forced.problems.map((p) => p.message)).toEqual(['trivy is not on PATH']);
  });
});

describe('scan() with the docker stand-in (no trivy on PATH)', () => {
  it('runs the Trivy image with the cache volume and the archive mounted read-only', async () => {
    const { dir, archive } = workspace();
    const record = join(dir, 'docker-argv.json');
    const outcome = await scan('oci:py-kube.oci.tar', {
      cwd: dir,
      env: { PATH: `${DOCKER_STANDIN_BIN}:${NODE_DIR}`, STANDIN_DOCKER_ARGV_FILE: record },
    });
    const argv = (JSON.parse(readFileSync(record, 'utf8')) as { argv: string[] }).argv;
    expect(argv.slice(0, 3)).toEqual(['run', '--rm', '--name']);
    expect(argv).toContain('kubox-trivy-cache:/root/.cache');
    expect(argv).toContain(`${archive}:/kubox/input/py-kube.oci.tar:ro`);
    expect(argv.slice(argv.indexOf(TRIVY_IMAGE), argv.indexOf(TRIVY_IMAGE) + 3)).toEqual([
      TRIVY_IMAGE,
      'image',
      '--input',
    ]);
    expect(outcome.scanner).toEqual({ kind: 'docker', version: TRIVY_IMAGE.split(':')[1] });
    expect(outcome.gate.passed).toBe(true);
  });

  it('a Trivy image docker cannot pull is no scanner (exit 3), with how to get it', async () => {
    const { dir } = workspace();
    const e = await scanError('oci:py-kube.oci.tar', {
      cwd: dir,
      env: { PATH: `${DOCKER_STANDIN_BIN}:${NODE_DIR}`, STANDIN_DOCKER_MODE: 'nopull' },
    });
    expect(e.kind).toBe('scanner-missing');
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(`docker could not start ${TRIVY_IMAGE}`);
    expect(e.problems[0]!.message).toContain("Unable to find image 'aquasec/trivy:0.58.1' locally");
    expect(e.hint).toContain(`docker pull ${TRIVY_IMAGE}`);
  });

  it('a docker whose daemon is down is no scanner either (exit 3)', async () => {
    const { dir } = workspace();
    const e = await scanError('oci:py-kube.oci.tar', {
      cwd: dir,
      env: { PATH: `${DOCKER_STANDIN_BIN}:${NODE_DIR}`, STANDIN_DOCKER_MODE: 'down' },
    });
    expect(e.exitCode).toBe(3);
    expect(e.problems[1]!.message).toContain(
      'docker is installed but its daemon is not reachable: Cannot connect to the Docker daemon',
    );
  });
});
