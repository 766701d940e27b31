/**
 * Reads the agreement corpus (test/fixtures/lint-corpus/*.cases; the format is
 * in that folder's README) and checks kubox against it. Shared by the corpus
 * test and scripts/lint-corpus.mjs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { DEFAULT_CONFIG, mergeConfig, type LintConfig } from '../../../src/lint/config.js';
import { lintText } from '../../../src/lint/lint.js';

export const CORPUS_DIR = new URL('../../fixtures/lint-corpus/', import.meta.url);
const PINNED = `@sha256:${'0123456789abcdef'.repeat(4)}`;

export interface CorpusCase {
  file: string;
  /** 1-based line of the `===` header in its file. */
  line: number;
  name: string;
  fire: string[];
  quiet: string[];
  config: Partial<LintConfig>;
  /** Why kubox deliberately differs from hadolint here, if it does. */
  differs: string | undefined;
  dockerfile: string;
}

export function readCorpus(): CorpusCase[] {
  const files = readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.cases'))
    .sort();
  return files.flatMap((file) => parseCases(file, readFileSync(new URL(file, CORPUS_DIR), 'utf8')));
}

export function parseCases(file: string, text: string): CorpusCase[] {
  const out: CorpusCase[] = [];
  let current: CorpusCase | undefined;
  let body: string[] = [];
  const finish = () => {
    if (!current) return;
    while (body.length > 0 && body.at(-1)!.trim() === '') body.pop();
    current.dockerfile = `${body.join('\n').replaceAll('@PINNED', PINNED)}\n`;
    out.push(current);
  };
  text.split('\n').forEach((line, k) => {
    if (line.startsWith('=== ')) {
      finish();
      current = {
        file,
        line: k + 1,
        name: line.slice(4).trim(),
        fire: [],
        quiet: [],
        config: {},
        differs: undefined,
        dockerfile: '',
      };
      body = [];
      return;
    }
    if (!current) return;
    const directive = /^@(fire|quiet|config|differs)\s+(.*)$/.exec(line);
    if (directive && body.length === 0) {
      const [, key, value] = directive;
      if (key === 'fire' || key === 'quiet') current[key].push(...value!.trim().split(/\s+/));
      else if (key === 'config') current.config = JSON.parse(value!) as Partial<LintConfig>;
      else current.differs = value!.trim();
      return;
    }
    body.push(line);
  });
  finish();
  return out;
}

export interface Disagreement {
  c: CorpusCase;
  code: string;
  expected: 'fire' | 'quiet';
}

/** Each (case, code) assertion kubox gets wrong; `checks` counts all assertions. */
export function checkCorpus(cases: readonly CorpusCase[]): {
  checks: number;
  disagreements: Disagreement[];
} {
  let checks = 0;
  const disagreements: Disagreement[] = [];
  for (const c of cases) {
    const found = new Set(
      lintText(c.dockerfile, 'Dockerfile', mergeConfig(DEFAULT_CONFIG, c.config)).map(
        (f) => f.code,
      ),
    );
    for (const code of c.fire) {
      checks++;
      if (!found.has(code)) disagreements.push({ c, code, expected: 'fire' });
    }
    for (const code of c.quiet) {
      checks++;
      if (found.has(code)) disagreements.push({ c, code, expected: 'quiet' });
    }
  }
  return { checks, disagreements };
}
