/**
 * `kubox verify` prints and exits by the verdict, in the table and in --json
 * alike. verify() itself (Docker) is replaced by canned results.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { program, type Context } from '../../src/cli/main.js';
import { ExitCode, KuboxError } from '../../src/errors.js';
import { judge, type CheckResult } from '../../src/verify/verdict.js';
import type { VerifyResult } from '../../src/verify/verify.js';

const canned = vi.hoisted(() => ({ results: [] as CheckResult[] }));

vi.mock('../../src/verify/verify.js', () => ({
  verify: async (_plan: unknown, image: string): Promise<VerifyResult> => {
    const { verdict, unverified } = judge(canned.results);
    return {
      image,
      results: canned.results,
      ok: verdict === 'verified',
      verdict,
      unverified,
    };
  },
}));

const NO_QEMU =
  'QEMU is not registered for linux/arm64 (/proc/sys/fs/binfmt_misc/qemu-aarch64 is missing); install qemu-user-static and binfmt-support';

const amd64: CheckResult[] = [
  {
    platform: 'linux/amd64',
    kind: 'config',
    check: 'config: workdir',
    status: 'pass',
    detail: '/app',
  },
  {
    platform: 'linux/amd64',
    kind: 'exec',
    check: 'runs as kuser (1000)',
    status: 'pass',
    detail: 'uid=1000',
  },
];
const arm64Skipped: CheckResult[] = [
  {
    platform: 'linux/arm64',
    kind: 'config',
    check: 'config: workdir',
    status: 'pass',
    detail: '/app',
  },
  {
    platform: 'linux/arm64',
    kind: 'exec',
    check: 'runs as kuser (1000)',
    status: 'skip',
    detail: NO_QEMU,
  },
];

async function run(args: string[]) {
  const printed: string[] = [];
  const ctx: Context = {
    json: false,
    out: {
      color: false,
      print: (t) => printed.push(t),
      info: () => {},
      status: () => {},
    },
  };
  process.exitCode = undefined;
  await program(ctx).parseAsync(['verify', 'example.org/img:1', ...args], { from: 'user' });
  const code = process.exitCode ?? 0;
  process.exitCode = undefined;
  return { stdout: printed.join('\n'), code };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('kubox verify exits by the verdict', () => {
  it('verified: exit 0', async () => {
    canned.results = amd64;
    const res = await run([]);
    expect(res.code).toBe(ExitCode.ok);
    expect(res.stdout).toMatch(/\nverified: 2 passed, 0 failed, 0 skipped$/);
  });

  it('every command of a platform skipped: exit 3, naming the platform and why', async () => {
    canned.results = [...amd64, ...arm64Skipped];
    const res = await run([]);
    expect(res.code).toBe(ExitCode.unavailable);
    expect(res.stdout).not.toMatch(/^verified/m);
    expect(res.stdout).toContain('NOT VERIFIED: 3 passed, 0 failed, 1 skipped');
    expect(res.stdout).toContain(
      `  linux/arm64: nothing was run inside the image, every command was skipped: ${NO_QEMU}`,
    );
  });

  it('--json carries the same verdict and exit code', async () => {
    canned.results = [...amd64, ...arm64Skipped];
    const res = await run(['--json']);
    expect(res.code).toBe(ExitCode.unavailable);
    const report = JSON.parse(res.stdout) as VerifyResult;
    expect(report.ok).toBe(false);
    expect(report.verdict).toBe('unverified');
    expect(report.unverified).toEqual([{ platform: 'linux/arm64', reason: NO_QEMU }]);
    expect(report.results.map((r) => r.kind)).toEqual(['config', 'exec', 'config', 'exec']);
  });

  it('a failure wins: exit 1, and the unverified platform is still named', async () => {
    canned.results = [
      { ...amd64[0]!, status: 'fail', detail: 'is /, kubox.yaml says /app' },
      amd64[1]!,
      ...arm64Skipped,
    ];
    const res = await run([]);
    expect(res.code).toBe(ExitCode.failed);
    expect(res.stdout).toContain('FAILED: 2 passed, 1 failed, 1 skipped');
    expect(res.stdout).toContain('linux/arm64: nothing was run inside the image');
    const json = await run(['--json']);
    expect(json.code).toBe(ExitCode.failed);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, verdict: 'failed' });
  });

  it('refuses a --platform list that names no platform', async () => {
    canned.results = amd64;
    const err = await run(['--platform', ' , ']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).exitCode).toBe(ExitCode.badInput);
  });
});
