/**
 * `kubox scan` through the real binary (bin/kubox.js over dist/; run `npm run
 * build` first), with the trivy STAND-IN (test/fixtures/scan/bin/trivy, not
 * Trivy) first on PATH.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_TEST_TIMEOUT, kubox } from '../../support/cli.js';
import { STANDIN_BIN } from './helpers.js';

const PATH = `${STANDIN_BIN}:${dirname(process.execPath)}`;

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubox-scan-cli-'));
  writeFileSync(join(dir, 'img.oci.tar'), 'stand-in archive');
  return dir;
}

const run = (args: string[], dir: string, env: Record<string, string> = {}) =>
  kubox(['scan', ...args], { cwd: dir, env: { PATH, ...env } });

describe.concurrent('kubox scan (CLI, trivy stand-in)', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('prints the table and exits 1 when the gate fails, saying why', async () => {
    const dir = workspace();
    const res = await run(['oci:img.oci.tar'], dir);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain('kubox: scanning oci:img.oci.tar with trivy 0.58.1');
    const lines = res.stdout.split('\n');
    expect(lines[0]).toMatch(/^PACKAGE +INSTALLED +FIXED IN +ID +SEVERITY +TARGET$/);
    expect(lines.at(-2)).toBe(
      '18 vulnerabilities: 3 CRITICAL, 5 HIGH, 3 MEDIUM, 5 LOW, 2 UNKNOWN (7 fixable, 11 unfixed)',
    );
    expect(lines.at(-1)).toBe(
      'gate FAILED: 7 CRITICAL/HIGH vulnerabilities (5 fixable, 1 not affected)',
    );
    expect(res.stdout).not.toContain('\x1b[');
  });

  it('flags override the policy; a clean image passes with exit 0', async () => {
    const dir = workspace();
    const res = await run(['oci:img.oci.tar', '--severity', 'critical', '--ignore-unfixed'], dir);
    expect(res.exitCode).toBe(1);
    expect(res.stdout.split('\n').at(-1)).toBe(
      'gate FAILED: 2 CRITICAL fixable vulnerabilities (1 unfixed ignored)',
    );
    const clean = await run(['ghcr.io/acme/py-kube:0.9.1'], dir, {
      STANDIN_TRIVY_REPORT: 'clean.json',
    });
    expect(clean.exitCode).toBe(0);
    expect(clean.stdout).toBe(
      'no vulnerabilities found\ngate PASSED: no CRITICAL/HIGH vulnerabilities',
    );
  });

  it("takes the gate from kubox.yaml's scan: (ignore file relative to the spec)", async () => {
    const dir = workspace();
    expect((await kubox(['init', '-f', 'ci/kubox.yaml'], { cwd: dir })).exitCode).toBe(0);
    appendFileSync(
      join(dir, 'ci', 'kubox.yaml'),
      '\nscan:\n  severity: [CRITICAL]\n  ignoreUnfixed: true\n  ignoreFile: accepted.txt\n',
    );
    writeFileSync(join(dir, 'ci', 'accepted.txt'), 'CVE-2024-45491\n');
    const argvFile = join(dir, 'argv.json');
    const res = await run(['oci:img.oci.tar', '-f', 'ci/kubox.yaml'], dir, {
      STANDIN_TRIVY_ARGV_FILE: argvFile,
    });
    expect(res.exitCode).toBe(1);
    expect(res.stdout.split('\n').at(-1)).toBe(
      'gate FAILED: 1 CRITICAL fixable vulnerability (1 unfixed ignored)',
    );
    const argv = (JSON.parse(readFileSync(argvFile, 'utf8')) as { argv: string[] }).argv;
    expect(argv.slice(-2)).toEqual(['--ignorefile', join(dir, 'ci', 'accepted.txt')]);
    // The flag beats the spec.
    const flag = await run(['oci:img.oci.tar', '-f', 'ci/kubox.yaml', '--no-ignore-unfixed'], dir);
    expect(flag.stdout.split('\n').at(-1)).toBe(
      'gate FAILED: 2 CRITICAL vulnerabilities (1 fixable)',
    );
  });

  it('--format sarif --output writes the SARIF atomically and still prints the table', async () => {
    const dir = workspace();
    mkdirSync(join(dir, 'ci'));
    await kubox(['init', '-f', 'ci/kubox.yaml'], { cwd: dir });
    const res = await run(
      ['-f', 'ci/kubox.yaml', 'oci:img.oci.tar', '--format', 'sarif', '--output', 'out/scan.sarif'],
      dir,
    );
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain('kubox: wrote out/scan.sarif');
    expect(res.stdout.split('\n').at(-1)).toMatch(/^gate FAILED: /);
    const log = JSON.parse(readFileSync(join(dir, 'out', 'scan.sarif'), 'utf8')) as {
      version: string;
      runs: {
        results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[];
      }[];
    };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]!.results).toHaveLength(18);
    expect(log.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(
      'ci/kubox.yaml',
    );
    // To stdout, and the verdict on stderr.
    const toStdout = await run(['oci:img.oci.tar', '--format', 'sarif'], dir, {
      STANDIN_TRIVY_REPORT: 'clean.json',
    });
    expect(toStdout.exitCode).toBe(0);
    expect(JSON.parse(toStdout.stdout)).toMatchObject({ version: '2.1.0' });
    expect(toStdout.stderr).toContain('kubox: gate PASSED: no CRITICAL/HIGH vulnerabilities');
  });

  it("--json prints kubox's own JSON: policy, counts, gate, findings", async () => {
    const dir = workspace();
    const res = await run(['oci:img.oci.tar', '--json'], dir);
    expect(res.exitCode).toBe(1);
    const out = JSON.parse(res.stdout) as {
      target: string;
      scanner: unknown;
      policy: unknown;
      counts: { total: number };
      gate: unknown;
      findings: { id: string; failsGate: boolean }[];
    };
    expect(out.target).toBe('oci:img.oci.tar');
    expect(out.scanner).toEqual({ kind: 'trivy', version: '0.58.1' });
    expect(out.policy).toEqual({ severity: ['CRITICAL', 'HIGH'], ignoreUnfixed: false });
    expect(out.counts.total).toBe(18);
    expect(out.gate).toEqual({
      passed: false,
      reason: '7 CRITICAL/HIGH vulnerabilities (5 fixable, 1 not affected)',
      failing: 7,
      ignoredUnfixed: 0,
      notAffected: 1,
    });
    expect(out.findings.filter((f) => f.failsGate)).toHaveLength(7);
  });

  it('bad flags exit 2 with the allowed values', async () => {
    const dir = workspace();
    const sev = await run(['oci:img.oci.tar', '--severity', 'HIGH,SEVERE'], dir);
    expect(sev.exitCode).toBe(2);
    expect(sev.stderr).toContain('error: unknown severity "SEVERE"');
    expect(sev.stderr).toContain(
      'fix: use a comma-separated list of UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL',
    );
    const t = await run(['oci:img.oci.tar', '--timeout', 'soon'], dir);
    expect(t.exitCode).toBe(2);
    expect(t.stderr).toContain('--timeout "soon" is not a duration');
    expect((await run(['oci:img.oci.tar', '--format', 'xml'], dir)).exitCode).toBe(2);
    expect((await run(['oci:missing.tar'], dir)).stderr).toContain(
      'missing.tar: no such file or directory',
    );
    const both = await run(['oci:img.oci.tar', '--json', '--format', 'sarif'], dir);
    expect(both.exitCode).toBe(2);
    expect(JSON.parse(both.stdout)).toMatchObject({ error: { kind: 'usage' } });
  });

  it('scanner failures: no scanner exits 3, a DB failure exits 3, a time-out exits 1', async () => {
    const dir = workspace();
    const none = await kubox(['scan', 'oci:img.oci.tar'], {
      cwd: dir,
      env: { PATH: mkdtempSync(join(tmpdir(), 'kubox-empty-path-')) },
    });
    expect(none.exitCode).toBe(3);
    expect(none.stderr).toContain('error: no vulnerability scanner: kubox scans with Trivy');
    expect(none.stderr).toContain(
      'fix: install trivy (https://trivy.dev/latest/getting-started/installation/)',
    );
    expect(none.stdout).toBe('');
    const db = await run(['oci:img.oci.tar'], dir, { STANDIN_TRIVY_MODE: 'db-fail' });
    expect(db.exitCode).toBe(3);
    expect(db.stderr).toContain('failed to download vulnerability DB');
    expect(db.stdout).not.toContain('PASSED');
    const slow = await run(['oci:img.oci.tar', '--timeout', '1s'], dir, {
      STANDIN_TRIVY_MODE: 'hang',
    });
    expect(slow.exitCode).toBe(1);
    expect(slow.stderr).toContain('did not finish within 1000 ms');
    expect(slow.stdout).toBe('');
  });
});
