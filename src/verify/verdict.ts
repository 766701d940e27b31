/**
 * What a verify run amounts to, from its results alone. A skipped check proves
 * nothing: a platform where every command was skipped (no QEMU for it here,
 * say) had nothing checked inside the image, only its config, and is not
 * reported as verified. Pure: the runner (verify.ts) produces the results,
 * the CLI prints the verdict and exits with its code.
 */
import { ExitCode } from '../errors.js';

export type Status = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  platform: string;
  /**
   * `config`: read from the image's manifest and config, nothing run;
   * `exec`: a command run inside a container of the image.
   */
  kind: 'config' | 'exec';
  check: string;
  status: Status;
  detail: string;
  /**
   * Under `--profile`, for a command that failed: whether it passes without
   * the profile (so the level is what breaks it), and the constraint that
   * most likely did, when its output says.
   */
  profile?: { onlyUnderProfile: boolean; likelyCause?: string };
}

/** A platform nothing was verified inside of, and why (the skip reasons). */
export interface Unverified {
  platform: string;
  reason: string;
}

export interface Verdict {
  /**
   * `failed`: some check failed. `unverified`: none failed, but on some
   * platform no command ran (or there was no check at all). `verified`: none
   * failed, and commands ran on every platform (a platform with some of them
   * skipped still counts).
   */
  verdict: 'verified' | 'failed' | 'unverified';
  /** Listed whatever the verdict, so a failed run also says what it never looked at. */
  unverified: Unverified[];
  counts: Record<Status, number>;
}

export function judge(results: readonly CheckResult[]): Verdict {
  const counts: Record<Status, number> = { pass: 0, fail: 0, skip: 0 };
  const platforms = new Map<string, { ran: boolean; skips: string[] }>();
  for (const r of results) {
    counts[r.status]++;
    let p = platforms.get(r.platform);
    if (!p) platforms.set(r.platform, (p = { ran: false, skips: [] }));
    if (r.status === 'skip') {
      if (!p.skips.includes(r.detail)) p.skips.push(r.detail);
    } else if (r.kind === 'exec') p.ran = true;
  }
  const unverified = [...platforms]
    .filter(([, p]) => !p.ran && p.skips.length > 0)
    .map(([platform, p]) => ({ platform, reason: p.skips.join('; ') }));
  // No results at all (no platform asked for) verify nothing either.
  const verdict =
    counts.fail > 0
      ? 'failed'
      : unverified.length > 0 || results.length === 0
        ? 'unverified'
        : 'verified';
  return { verdict, unverified, counts };
}

/**
 * 1 when a check failed; 3 (a tool kubox needs is not available: an
 * emulator, most often) when nothing failed but a platform went unchecked.
 */
export function verdictExitCode(v: Pick<Verdict, 'verdict'>): ExitCode {
  return v.verdict === 'failed'
    ? ExitCode.failed
    : v.verdict === 'unverified'
      ? ExitCode.unavailable
      : ExitCode.ok;
}

/** The lines under the report table: the verdict and counts, then each unverified platform. */
export function verdictLines(v: Verdict): { headline: string; tally: string; notes: string[] } {
  const headline =
    v.verdict === 'verified' ? 'verified' : v.verdict === 'failed' ? 'FAILED' : 'NOT VERIFIED';
  const tally = `${v.counts.pass} passed, ${v.counts.fail} failed, ${v.counts.skip} skipped`;
  const notes = v.unverified.map(
    (u) =>
      `${u.platform}: nothing was run inside the image, every command was skipped: ${u.reason}`,
  );
  if (v.counts.pass + v.counts.fail + v.counts.skip === 0) notes.push('no platform was checked');
  return { headline, tally, notes };
}
