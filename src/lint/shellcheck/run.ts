/**
 * ShellCheck on every RUN: find the binary, run it (child processes only
 * through exec.ts, a few at a time, many RUNs per process), and turn its
 * comments into findings with Dockerfile positions, levels and pragmas.
 * Loaded only when a lint run has a shellcheck to use.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../exec.js';
import type { LintConfig } from '../config.js';
import type { LintDocument } from '../document.js';
import { isSuppressed, suppressions } from '../suppress.js';
import { SEVERITIES, sortFindings, type Finding, type Severity } from '../types.js';
import {
  mapComment,
  shellcheckScripts,
  type ShellcheckComment,
  type ShellcheckScript,
} from './script.js';

/** Sourced files are in the image, not here: ShellCheck cannot follow them. */
const EXCLUDED = ['SC1090', 'SC1091'];
/** Scripts per ShellCheck process: few processes (each start costs), but every one busy. */
const MAX_PER_PROCESS = 200;
const PARALLEL = 2;

/** The level a ShellCheck code reports at: its own, unless the config overrides or ignores it. */
export function shellcheckLevel(
  code: string,
  own: string,
  config: LintConfig,
): Severity | undefined {
  if (config.ignored.includes(code)) return undefined;
  const overridden = SEVERITIES.find((s) => config.override[s]?.includes(code));
  if (overridden) return overridden;
  return (SEVERITIES as readonly string[]).includes(own) ? (own as Severity) : 'warning';
}

export interface ShellcheckResult {
  findings: Finding[];
  /** Set when ShellCheck could not be run or answered nonsense: SC checks were skipped. */
  problem?: string;
}

/** Runs `task` over `items` with at most `limit` at a time, results in order. */
async function pool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const k = next++;
      results[k] = await task(items[k]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** ShellCheck's findings for every RUN of these documents. */
export async function shellcheckDocuments(
  binary: string,
  docs: readonly LintDocument[],
  config: LintConfig,
): Promise<ShellcheckResult> {
  const scripts = docs.flatMap((doc) => shellcheckScripts(doc).map((s) => ({ doc, s })));
  if (scripts.length === 0) return { findings: [] };
  // The same script text (apt-get update && ..., in file after file) is checked once: its
  // comments are the same, each mapped back to every RUN that has it.
  const byContent = new Map<string, { doc: LintDocument; s: ShellcheckScript }[]>();
  for (const entry of scripts) {
    const same = byContent.get(entry.s.content);
    if (same) same.push(entry);
    else byContent.set(entry.s.content, [entry]);
  }
  const dir = await mkdtemp(join(tmpdir(), 'kubox-shellcheck-'));
  try {
    const files = await Promise.all(
      [...byContent.keys()].map(async (content, k) => {
        const file = join(dir, `run-${k}.sh`);
        await writeFile(file, content);
        return file;
      }),
    );
    const groups = [...byContent.values()];
    const byFile = new Map(files.map((f, k) => [f, groups[k]!]));
    const perProcess = Math.min(MAX_PER_PROCESS, Math.ceil(files.length / PARALLEL));
    const batches: string[][] = [];
    for (let k = 0; k < files.length; k += perProcess) batches.push(files.slice(k, k + perProcess));
    const answers = await pool(batches, PARALLEL, (batch) =>
      run(binary, ['--format=json1', `--exclude=${EXCLUDED.join(',')}`, ...batch], {
        timeoutMs: 120_000,
      }),
    );
    const findings: Finding[] = [];
    const ignores = new Map(docs.map((d) => [d, suppressions(d)]));
    for (const r of answers) {
      // 0: nothing found, 1: something found; anything else is ShellCheck failing.
      if (r.missing || (r.exitCode !== 0 && r.exitCode !== 1))
        return { findings: [], problem: problemText(binary, r.exitCode, r.stderr) };
      let parsed: { comments?: (ShellcheckComment & { file: string })[] };
      try {
        parsed = JSON.parse(r.stdout) as typeof parsed;
      } catch {
        return { findings: [], problem: `${binary} did not answer in --format=json1` };
      }
      for (const c of parsed.comments ?? []) {
        for (const entry of byFile.get(c.file) ?? []) {
          const finding = toFinding(entry.doc, entry.s, c, config, ignores.get(entry.doc)!);
          if (finding) findings.push(finding);
        }
      }
    }
    return {
      findings: sortFindings(
        findings,
        docs.map((d) => d.file),
      ),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function problemText(binary: string, exitCode: number, stderr: string): string {
  const first = stderr.split('\n').find((l) => l.trim() !== '') ?? '';
  return `${binary} failed (exit ${exitCode})${first ? `: ${first.trim()}` : ''}`;
}

function toFinding(
  doc: LintDocument,
  script: ShellcheckScript,
  c: ShellcheckComment,
  config: LintConfig,
  ignores: ReturnType<typeof suppressions>,
): Finding | undefined {
  const code = `SC${c.code}`;
  const span = mapComment(doc, script, c);
  if (!span) return undefined;
  const level = shellcheckLevel(code, c.level, config);
  if (!level) return undefined;
  if (isSuppressed(ignores, code, span.start.line, !config.disableIgnorePragma)) return undefined;
  return {
    file: doc.file,
    code,
    severity: level,
    message: c.message,
    hint: `see https://www.shellcheck.net/wiki/${code}`,
    span,
  };
}
