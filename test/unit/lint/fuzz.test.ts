/**
 * Mutation fuzzing: realistic Dockerfiles (test/fixtures/lint/corpus), cut,
 * spliced, duplicated and sprinkled with shell and Dockerfile metacharacters
 * by a seeded PRNG, must never make the linter throw. Deterministic and fast.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, mergeConfig } from '../../../src/lint/config.js';
import { lintText } from '../../../src/lint/lint.js';

const dir = new URL('../../fixtures/lint/corpus/', import.meta.url);
const corpus = readdirSync(dir)
  .sort()
  .map((f) => readFileSync(new URL(f, dir), 'utf8'));

/** mulberry32: small, seeded, good enough to pick mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [
  '"',
  "'",
  '`',
  '\\',
  '\\\n',
  '\n',
  '$(',
  ')',
  '(',
  '{',
  '}',
  '${',
  '|',
  '||',
  '&&',
  ';',
  ';;',
  '&',
  '<<EOF\n',
  '\nEOF\n',
  '<<-',
  '#',
  '# hadolint ignore=DL3003\n',
  '# escape=`\n',
  'RUN ',
  'FROM ',
  'ONBUILD ',
  'USER ',
  'SHELL ["/bin/bash","-o","pipefail","-c"]\n',
  '[',
  ']',
  '=',
  ' -o ',
  'if ',
  ' then ',
  ' fi',
  ' case ',
  ' esac',
  ' do ',
  ' done',
  'curl -o x http://a/b',
  ' | sh',
  '\r\n',
  '\t',
  'apt-get install',
  '--mount=type=cache,target=',
  'ARG A=${A:-',
  'ä',
  '\u0000',
];

function mutate(text: string, rnd: () => number): string {
  let t = text;
  const ops = 1 + Math.floor(rnd() * 6);
  for (let k = 0; k < ops; k++) {
    const at = Math.floor(rnd() * (t.length + 1));
    const op = Math.floor(rnd() * 5);
    if (op === 0) t = t.slice(0, at) + TOKENS[Math.floor(rnd() * TOKENS.length)]! + t.slice(at);
    else if (op === 1) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(rnd() * 20));
    else if (op === 2) {
      const other = corpus[Math.floor(rnd() * corpus.length)]!;
      const from = Math.floor(rnd() * other.length);
      t = t.slice(0, at) + other.slice(from, from + Math.floor(rnd() * 200)) + t.slice(at);
    } else if (op === 3) {
      const lines = t.split('\n');
      const i = Math.floor(rnd() * lines.length);
      lines.splice(i, 0, lines[Math.floor(rnd() * lines.length)] ?? '');
      t = lines.join('\n');
    } else t = t.slice(0, at);
  }
  return t;
}

describe('lint fuzzing', () => {
  it('has a corpus of realistic Dockerfiles', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(10);
  });

  // A few seconds of CPU: on a busy 2-core runner, far more than vitest's 5 s default.
  it('never throws on 3000 mutated Dockerfiles (seeded)', { timeout: 60_000 }, () => {
    const rnd = prng(20250413);
    const all = mergeConfig(DEFAULT_CONFIG, {
      enable: ['DL3008', 'DL3013'],
      trustedRegistries: ['docker.io'],
      requiredLabels: ['a'],
    });
    let findings = 0;
    for (let n = 0; n < 3000; n++) {
      const text = mutate(corpus[n % corpus.length]!, rnd);
      try {
        findings += lintText(text, 'Dockerfile', all).length;
      } catch (e) {
        throw new Error(`lint threw on mutation ${n}: ${String(e)}\n--- input ---\n${text}`);
      }
    }
    expect(findings).toBeGreaterThan(0);
  });
});
