import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import {
  judge,
  verdictExitCode,
  verdictLines,
  type CheckResult,
  type Status,
} from '../../src/verify/verdict.js';

const NO_QEMU =
  'QEMU is not registered for linux/arm64 (/proc/sys/fs/binfmt_misc/qemu-aarch64 is missing); install qemu-user-static and binfmt-support';

const r = (
  platform: string,
  kind: CheckResult['kind'],
  status: Status,
  detail = 'ok',
  check = `${kind} check`,
): CheckResult => ({ platform, kind, check, status, detail });

/** What verify records for one platform: config checks, then command checks. */
function platform(
  name: string,
  config: Status[],
  exec: Status[],
  skipWhy = NO_QEMU,
): CheckResult[] {
  return [
    ...config.map((s, i) => r(name, 'config', s, s === 'fail' ? 'wrong' : 'ok', `config ${i}`)),
    ...exec.map((s, i) =>
      r(name, 'exec', s, s === 'skip' ? skipWhy : s === 'fail' ? 'exit 1' : 'ok', `exec ${i}`),
    ),
  ];
}

describe('judge', () => {
  it('verifies when every check on every platform passed', () => {
    const v = judge([
      ...platform('linux/amd64', ['pass', 'pass'], ['pass', 'pass', 'pass']),
      ...platform('linux/arm64', ['pass', 'pass'], ['pass', 'pass', 'pass']),
    ]);
    expect(v).toEqual({
      verdict: 'verified',
      unverified: [],
      counts: { pass: 10, fail: 0, skip: 0 },
    });
    expect(verdictExitCode(v)).toBe(ExitCode.ok);
  });

  it('does not verify a platform whose commands were all skipped, though its config passed', () => {
    const v = judge([
      ...platform('linux/amd64', ['pass', 'pass'], ['pass', 'pass']),
      ...platform('linux/arm64', ['pass', 'pass'], ['skip', 'skip', 'skip']),
    ]);
    expect(v.verdict).toBe('unverified');
    expect(v.unverified).toEqual([{ platform: 'linux/arm64', reason: NO_QEMU }]);
    expect(v.counts).toEqual({ pass: 6, fail: 0, skip: 3 });
    expect(verdictExitCode(v)).toBe(ExitCode.unavailable);
    expect(ExitCode.unavailable).toBe(3);
  });

  it('does not verify a platform every check of which was skipped', () => {
    const v = judge(
      platform('linux/s390x', [], ['skip', 'skip'], 'no known emulator for linux/s390x'),
    );
    expect(v.verdict).toBe('unverified');
    expect(v.unverified).toEqual([
      { platform: 'linux/s390x', reason: 'no known emulator for linux/s390x' },
    ]);
  });

  it('lists every unverified platform, in report order, each reason once', () => {
    const started = 'container did not start: exec format error';
    const v = judge([
      ...platform('linux/arm64', ['pass'], ['skip', 'skip']),
      ...platform('linux/amd64', ['pass'], ['pass']),
      r('linux/arm/v7', 'config', 'pass'),
      r('linux/arm/v7', 'exec', 'skip', started),
      r('linux/arm/v7', 'exec', 'skip', 'other reason'),
      r('linux/arm/v7', 'exec', 'skip', started),
    ]);
    expect(v.unverified).toEqual([
      { platform: 'linux/arm64', reason: NO_QEMU },
      { platform: 'linux/arm/v7', reason: `${started}; other reason` },
    ]);
  });

  it('keeps a platform where some commands ran and others were skipped verified', () => {
    const v = judge(platform('linux/arm64', ['pass'], ['pass', 'skip', 'skip']));
    expect(v).toEqual({
      verdict: 'verified',
      unverified: [],
      counts: { pass: 2, fail: 0, skip: 2 },
    });
    expect(verdictExitCode(v)).toBe(ExitCode.ok);
  });

  it('fails, exit 1, when any check failed, still naming the unverified platforms', () => {
    const v = judge([
      ...platform('linux/amd64', ['fail', 'pass'], ['pass', 'fail']),
      ...platform('linux/arm64', ['pass', 'pass'], ['skip', 'skip']),
    ]);
    expect(v.verdict).toBe('failed');
    expect(v.unverified).toEqual([{ platform: 'linux/arm64', reason: NO_QEMU }]);
    expect(verdictExitCode(v)).toBe(ExitCode.failed);
  });

  it('fails a platform missing from the image (no command ran, nothing skipped either)', () => {
    const v = judge([
      r('linux/arm64', 'config', 'fail', 'the image has linux/amd64', 'platform present in image'),
      ...platform('linux/amd64', ['pass'], ['pass']),
    ]);
    expect(v.verdict).toBe('failed');
    expect(v.unverified).toEqual([]);
  });

  it('fails a platform whose container did not start, rather than skipping it', () => {
    const v = judge(
      platform('linux/amd64', ['pass'], ['fail', 'fail'], 'container did not start: no such image'),
    );
    expect(v.verdict).toBe('failed');
    expect(v.unverified).toEqual([]);
  });

  it('does not verify a report with no checks at all (verify asked for no platform)', () => {
    const v = judge([]);
    expect(v).toEqual({
      verdict: 'unverified',
      unverified: [],
      counts: { pass: 0, fail: 0, skip: 0 },
    });
    expect(verdictLines(v).notes).toEqual(['no platform was checked']);
  });
});

describe('verdictLines', () => {
  it('says verified with the counts', () => {
    expect(verdictLines(judge(platform('linux/amd64', ['pass'], ['pass', 'skip'])))).toEqual({
      headline: 'verified',
      tally: '2 passed, 0 failed, 1 skipped',
      notes: [],
    });
  });

  it('says NOT VERIFIED, naming each platform and why', () => {
    const lines = verdictLines(
      judge([
        ...platform('linux/amd64', ['pass'], ['pass']),
        ...platform('linux/arm64', ['pass'], ['skip', 'skip']),
      ]),
    );
    expect(lines).toEqual({
      headline: 'NOT VERIFIED',
      tally: '3 passed, 0 failed, 2 skipped',
      notes: [
        `linux/arm64: nothing was run inside the image, every command was skipped: ${NO_QEMU}`,
      ],
    });
  });

  it('says FAILED, and still names the unverified platforms', () => {
    const lines = verdictLines(
      judge([
        ...platform('linux/amd64', ['fail'], ['pass']),
        ...platform('linux/arm64', ['pass'], ['skip']),
      ]),
    );
    expect(lines.headline).toBe('FAILED');
    expect(lines.tally).toBe('2 passed, 1 failed, 1 skipped');
    expect(lines.notes).toHaveLength(1);
  });
});
