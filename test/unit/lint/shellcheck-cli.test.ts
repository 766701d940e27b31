/** `kubox lint` with and without ShellCheck: every format, thresholds, --shellcheck PATH. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findShellcheck } from '../../../src/lint/shellcheck/find.js';
import { kubox } from './kubox-cli.js';

const binary = await findShellcheck(undefined);
const CLEAN = `FROM debian:12@sha256:${'a'.repeat(64)}\nUSER 1000\n`;
// SC2086 (info) at 3:8, and nothing else from kubox's own rules.
const WITH_SC = `FROM debian:12@sha256:${'a'.repeat(64)}\nUSER 1000\nRUN cp $1 /x\n`;

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubox-lint-sc-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('kubox lint and ShellCheck (CLI)', { timeout: 60_000 }, () => {
  it('without shellcheck: one note on stderr for all files, no SC codes', async () => {
    const dir = workspace({ 'a.Dockerfile': WITH_SC, 'b.Dockerfile': WITH_SC });
    const empty = mkdtempSync(join(tmpdir(), 'kubox-no-path-'));
    const r = await kubox(['lint', '.'], dir, undefined, { PATH: empty });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.match(/SC checks skipped/g)).toHaveLength(1);
  });

  it('--shellcheck PATH that is not there: exit 2 naming it', async () => {
    const dir = workspace({ Dockerfile: CLEAN });
    const r = await kubox(['lint', 'Dockerfile', '--shellcheck', join(dir, 'nope')], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--shellcheck ${join(dir, 'nope')}`);
  });

  describe.skipIf(!binary)('with shellcheck', () => {
    it('--shellcheck PATH is used even when PATH has none; text and threshold', async () => {
      const dir = workspace({ Dockerfile: WITH_SC });
      const empty = mkdtempSync(join(tmpdir(), 'kubox-no-path-'));
      const env = { PATH: empty };
      const r = await kubox(['lint', 'Dockerfile', '--shellcheck', binary!], dir, undefined, env);
      expect(r.stdout).toBe(
        'Dockerfile:3:8 SC2086 info Double quote to prevent globbing and word splitting.',
      );
      expect(r.code).toBe(1); // info is at the default threshold
      const warn = ['--shellcheck', binary!, '--failure-threshold', 'warning'];
      expect((await kubox(['lint', 'Dockerfile', ...warn], dir, undefined, env)).code).toBe(0);
      expect(r.stderr).not.toContain('skipped');
    });

    it('json, checkstyle and sarif carry SC findings; --ignore and --no-shellcheck drop them', async () => {
      const dir = workspace({ Dockerfile: WITH_SC });
      const json = JSON.parse(
        (await kubox(['lint', 'Dockerfile', '--format', 'json'], dir)).stdout,
      );
      expect(json).toEqual([
        expect.objectContaining({ code: 'SC2086', line: 3, column: 8, level: 'info' }),
      ]);
      const cs = (await kubox(['lint', 'Dockerfile', '--format', 'checkstyle'], dir)).stdout;
      expect(cs).toContain('line="3" column="8"');
      expect(cs).toContain('source="SC2086"');
      await kubox(['lint', 'Dockerfile', '--format', 'sarif', '-o', 'out.sarif'], dir);
      const log = JSON.parse(readFileSync(join(dir, 'out.sarif'), 'utf8')) as {
        runs: {
          tool: { driver: { rules: { id: string; helpUri?: string }[] } };
          results: { ruleId: string; ruleIndex: number }[];
        }[];
      };
      const run = log.runs[0]!;
      const result = run.results.find((x) => x.ruleId === 'SC2086')!;
      expect(run.tool.driver.rules[result.ruleIndex]).toMatchObject({
        id: 'SC2086',
        helpUri: 'https://www.shellcheck.net/wiki/SC2086',
      });
      expect((await kubox(['lint', 'Dockerfile', '--ignore', 'SC2086'], dir)).stdout).toBe('');
      expect((await kubox(['lint', 'Dockerfile', '--no-shellcheck'], dir)).stdout).toBe('');
    });
  });
});
