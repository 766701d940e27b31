/**
 * Benchmark: how fast the CLI starts and lints, process start to exit, as a
 * user or a CI step runs it. Side by side in the same run:
 *   - `node -e 0` (the floor), `kubox --version`, `kubox --help`;
 *   - `kubox lint FILE` (with and without ShellCheck) and `dockerfilelint FILE`
 *     on the same small file;
 *   - one invocation over every case of kubox's own lint corpus
 *     (test/fixtures/lint-corpus, one Dockerfile per case): files per second
 *     for kubox lint and for dockerfilelint. dockerfilelint runs no ShellCheck:
 *     `kubox lint --no-shellcheck` is the like-for-like figure; with ShellCheck
 *     kubox also runs a second linter over every RUN.
 * Rounds are interleaved (one run of each command per round) so that the
 * machine's load drifts over all of them alike; the figures are medians.
 * Child processes are spawned asynchronously. Goals (issue 17): --version and
 * --help at most 1.3x node, lint FILE at most 2x, corpus throughput at least
 * dockerfilelint's.
 *
 *   npm run build && npx tsx bench/startup.bench.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { readCorpus } from '../test/unit/lint/corpus-reader.js';
import { recordResults } from './results.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KUBOX = join(ROOT, 'bin', 'kubox.js');
const DOCKERFILELINT = join(ROOT, 'node_modules', '.bin', 'dockerfilelint');
const RUNS = Number(process.env.BENCH_RUNS ?? 11);

async function ms(cmd: string, args: readonly string[]): Promise<number> {
  const start = process.hrtime.bigint();
  // Lint findings exit non-zero: only the time counts here.
  await execa(cmd, args, { reject: false, stdin: 'ignore', cwd: ROOT });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const work = mkdtempSync(join(tmpdir(), 'kubox-startup-bench-'));
const small = join(work, 'Dockerfile');
writeFileSync(
  small,
  [
    `FROM debian:bookworm@sha256:${'a'.repeat(64)}`,
    'RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u12 && rm -rf /var/lib/apt/lists/*',
    'USER 1000',
    '',
  ].join('\n'),
);
const corpus = readCorpus().map((c, i) => {
  const f = join(work, `case-${String(i).padStart(3, '0')}.Dockerfile`);
  writeFileSync(f, c.dockerfile);
  return f;
});

const node = process.execPath;
const commands: Record<string, [string, string[]]> = {
  'node -e 0': [node, ['-e', '0']],
  'kubox --version': [node, [KUBOX, '--version']],
  'kubox --help': [node, [KUBOX, '--help']],
  'kubox lint FILE (no ShellCheck)': [node, [KUBOX, 'lint', '--no-shellcheck', small]],
  'kubox lint FILE (ShellCheck)': [node, [KUBOX, 'lint', small]],
  'dockerfilelint FILE': [DOCKERFILELINT, [small]],
  'kubox lint corpus (no ShellCheck)': [node, [KUBOX, 'lint', '--no-shellcheck', ...corpus]],
  'kubox lint corpus (ShellCheck)': [node, [KUBOX, 'lint', ...corpus]],
  'dockerfilelint corpus': [DOCKERFILELINT, corpus],
};
const times: Record<string, number[]> = {};
try {
  for (const [name, [cmd, args]] of Object.entries(commands)) {
    await ms(cmd, args); // warm the page cache
    times[name] = [];
  }
  for (let r = 0; r < RUNS; r++)
    for (const [name, [cmd, args]] of Object.entries(commands))
      times[name]!.push(await ms(cmd, args));
} finally {
  rmSync(work, { recursive: true, force: true });
}

const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
const floor = med['node -e 0']!;
const goal: Record<string, number> = {
  'kubox --version': 1.3,
  'kubox --help': 1.3,
  'kubox lint FILE (no ShellCheck)': 2,
};
console.log(`start to exit, median of ${RUNS} interleaved runs`);
for (const name of Object.keys(commands).filter((n) => !n.includes('corpus'))) {
  const t = med[name]!;
  const g = goal[name] ? `  (goal <= ${goal[name]}x)` : '';
  console.log(
    `  ${name.padEnd(34)} ${t.toFixed(0).padStart(6)} ms  ${(t / floor).toFixed(2)}x node${g}`,
  );
}
const rate = (name: string) => corpus.length / (med[name]! / 1000);
console.log(`${corpus.length} corpus files in one invocation`);
console.log(
  `  kubox lint (no ShellCheck)  ${rate('kubox lint corpus (no ShellCheck)').toFixed(0).padStart(6)} files/s  (like for like)`,
);
console.log(
  `  kubox lint (ShellCheck)     ${rate('kubox lint corpus (ShellCheck)').toFixed(0).padStart(6)} files/s`,
);
console.log(
  `  dockerfilelint              ${rate('dockerfilelint corpus').toFixed(0).padStart(6)} files/s`,
);

const figures: Record<string, number> = { runs: RUNS, 'corpus files': corpus.length };
for (const [name, t] of Object.entries(med)) {
  figures[`${name} ms`] = t;
  if (!name.includes('corpus')) figures[`${name} x node`] = t / floor;
  else figures[`${name} files/s`] = rate(name);
}
await recordResults('startup', figures);
