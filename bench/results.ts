/**
 * bench/results.json: every bench file's figures from the last `npm run bench`
 * (and the run before it, under `previous`), so that runs can be compared.
 * Machine-specific: not committed (.gitignore).
 *
 * Each bench file runs in its own process (scripts/bench.sh) and merges its
 * figures in when it ends; scripts/bench.sh names the run (KUBOX_BENCH_RUN),
 * so the first bench of a new run starts a fresh file and keeps the old run
 * as `previous`. The file is replaced atomically: a bench killed half-way
 * leaves the last complete file, never half of one.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { writeFileAtomic } from '../src/fs.js';

export const RESULTS_FILE = fileURLToPath(new URL('./results.json', import.meta.url));

/** A figure's unit is in its name: `kubox --help ms`, `cold build s`, `lint files/s`. */
export type Figures = Record<string, number>;

export interface BenchEntry {
  /** When this bench finished (ISO 8601). */
  date: string;
  node: string;
  cores: number;
  cpu: string;
  /** The commit the bench ran on (`unknown` outside a git checkout). */
  commit: string;
  figures: Figures;
}

export interface RunResults {
  /** The run's name (scripts/bench.sh sets it to its start time); undefined for a lone bench file. */
  run: string | undefined;
  benches: Record<string, BenchEntry>;
}

export interface ResultsFile extends RunResults {
  previous?: RunResults;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What an existing file holds, if it is a results file at all (else nothing: start afresh). */
function asResults(v: unknown): ResultsFile | undefined {
  if (!isObject(v) || !isObject(v.benches)) return undefined;
  return v as unknown as ResultsFile;
}

/**
 * Pure: `existing` (the parsed file, or undefined) with one bench's entry put
 * in. The same run: the other benches' entries are kept. A new run: a fresh
 * file, the old run kept as `previous` (one level, so the file does not grow).
 */
export function mergeResults(
  existing: unknown,
  run: string | undefined,
  bench: string,
  entry: BenchEntry,
): ResultsFile {
  const old = asResults(existing);
  const sameRun = old !== undefined && (run === undefined || old.run === run);
  if (old && sameRun) {
    return { ...old, run: old.run ?? run, benches: { ...old.benches, [bench]: entry } };
  }
  const fresh: ResultsFile = { run, benches: { [bench]: entry } };
  if (old) fresh.previous = { run: old.run, benches: old.benches };
  return fresh;
}

async function gitCommit(): Promise<string> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const r = await execa('git', ['rev-parse', 'HEAD'], {
    cwd: root,
    reject: false,
    stdin: 'ignore',
  });
  return r.exitCode === 0 ? String(r.stdout).trim() : 'unknown';
}

/** The figures of one bench, with the machine they were measured on. */
export async function benchEntry(figures: Figures, date = new Date()): Promise<BenchEntry> {
  return {
    date: date.toISOString(),
    node: process.version,
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    commit: await gitCommit(),
    figures,
  };
}

/** Reads the results file, puts this bench's figures in, and replaces the file atomically. */
export async function recordResults(
  bench: string,
  figures: Figures,
  file: string = RESULTS_FILE,
  run: string | undefined = process.env.KUBOX_BENCH_RUN || undefined,
): Promise<ResultsFile> {
  let existing: unknown;
  try {
    existing = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    // Missing: the first bench. Unreadable JSON: not ours to keep (a results file is always whole).
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && !(e instanceof SyntaxError)) throw e;
  }
  const merged = mergeResults(existing, run, bench, await benchEntry(figures));
  await writeFileAtomic(file, `${JSON.stringify(merged, null, 2)}\n`);
  process.stderr.write(`[bench] ${bench}: figures written to ${file}\n`);
  return merged;
}
