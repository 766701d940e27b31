/**
 * The one YAML loader's limits (issue 15, items 12 and 14): a hostile
 * kubox.yaml, .kubox-lint.yaml or .hadolint.yaml is refused with exit 2
 * naming file:line, and parsing stays linear in the number of keys.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import { parseConfig } from '../../../src/lint/config-file.js';
import { loadSpec, parseSpec } from '../../../src/spec/load.js';
import { replaceScalar } from '../../../src/spec/edit.js';
import { parseYaml, YAML_LIMITS } from '../../../src/spec/yaml.js';

const HEAD = `name: x\nversion: "1"\nbase: python:3.13-slim@sha256:${'a'.repeat(64)}\nuser: {name: dev, uid: 1000, gid: 1000}\n`;

/** The billion laughs: 10 levels of 10 aliases each, a few hundred bytes. */
function aliasBomb(): string {
  let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i <= 10; i++) {
    const prev = `*a${i - 1}`;
    text += `a${i}: &a${i} [${Array(10).fill(prev).join(', ')}]\n`;
  }
  return text;
}

function refused(fn: () => unknown): KuboxError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KuboxError) return e;
    throw e;
  }
  throw new Error('accepted');
}

const readers: [string, (text: string) => unknown][] = [
  ['kubox.yaml', (t) => parseSpec(t, 'kubox.yaml')],
  ['.kubox-lint.yaml', (t) => parseConfig(t, '.kubox-lint.yaml', 'kubox')],
  ['.hadolint.yaml', (t) => parseConfig(t, '.hadolint.yaml', 'hadolint')],
  ['kubox.yaml (pin edit)', (t) => replaceScalar(t, ['base'], 'x', 'kubox.yaml')],
];

const hostile: [string, string, RegExp, number][] = [
  // [case, text, message, line]
  ['alias bomb', aliasBomb(), /aliases \(\*name\) expand into too many values/, 11],
  [
    '101 aliases',
    'a: &a 1\n' + Array.from({ length: 101 }, (_, i) => `b${i}: *a\n`).join(''),
    /more than 100 aliases/,
    102,
  ],
  [
    'flow nesting 100,000 deep',
    `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
    /nested more than 64/,
    1,
  ],
  [
    'flow nesting on line 3',
    `a: 1\nb: 2\nc: ${'{k: '.repeat(70)}1${'}'.repeat(70)}\n`,
    /nested more than 64/,
    3,
  ],
  [
    'block nesting 100 deep',
    `${Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} 1\n`,
    /nested more than 64/,
    65,
  ],
  ['dash nesting 5,000 deep', `${'- '.repeat(5000)}x\n`, /./, 1],
  [
    'over 1 MiB',
    `# ${'x'.repeat(YAML_LIMITS.bytes)}\n`,
    /more than the 1 MiB \(1048576 bytes\)/,
    1,
  ],
  ['duplicate key', 'a: 1\nb: 2\na: 3\n', /unique/, 3],
];

describe('the YAML loader refuses hostile files with exit 2 and file:line', () => {
  for (const [file, read] of readers)
    it.each(hostile)(`${file}: %s`, (_what, text, message, line) => {
      const err = refused(() => read(text));
      expect(err.exitCode).toBe(2);
      const p = err.problems[0]!;
      expect(`${err.message} ${p.message}`).toMatch(message);
      expect(p.location?.file).toBe(file.split(' ')[0]);
      expect(p.location?.line).toBe(line);
    });

  it('refuses an oversized kubox.yaml from its size, before reading it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubox-yaml-'));
    try {
      await writeFile(join(dir, 'kubox.yaml'), HEAD + `# ${'x'.repeat(2 * YAML_LIMITS.bytes)}\n`);
      const err = refused(() => loadSpec('kubox.yaml', dir));
      expect(err.exitCode).toBe(2);
      expect(err.problems[0]!.location).toMatchObject({ file: 'kubox.yaml', line: 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('accepts a few aliases, as people use them', () => {
    const { data } = parseYaml('a: &x [1, 2]\nb: *x\n', 'f.yaml');
    expect(data).toEqual({ a: [1, 2], b: [1, 2] });
  });
});

describe('spec parsing is linear in the number of keys', () => {
  const spec = (n: number, key: (i: number) => string) =>
    HEAD + 'env:\n' + Array.from({ length: n }, (_, i) => `  ${key(i)}: v\n`).join('');

  // Before: 40,000 keys took 6 s when valid and 13 s when each was a problem (on 2 busy cores).
  it('parses 40,000 env keys, and reports 40,000 bad ones at their lines, in seconds', () => {
    let t = performance.now();
    expect(
      Object.keys(
        parseSpec(
          spec(40_000, (i) => `K${i}`),
          'kubox.yaml',
        ).env,
      ),
    ).toHaveLength(40_000);
    expect(performance.now() - t).toBeLessThan(4000);
    t = performance.now();
    const err = refused(() =>
      parseSpec(
        spec(40_000, (i) => `${i}bad`),
        'kubox.yaml',
      ),
    );
    expect(err.problems).toHaveLength(40_000);
    expect(err.problems[39_999]!.location?.line).toBe(40_005);
    expect(performance.now() - t).toBeLessThan(5000);
  }, 60_000);
});
