/**
 * Hostile spec values and YAML files (issue 15, items 3, 10, 12, 14, 15),
 * through kubox's CLI (src/cli/main.ts, run in this process): each case is
 * a kubox.yaml, .kubox-lint.yaml or .hadolint.yaml written by an attacker or
 * a careless author, and is refused with exit 2 naming file:line:column and
 * the key, within a time bound, writing nothing. `kubox ci github` with a
 * spec named to run a command writes a workflow whose run lines, run by
 * bash, run nothing.
 */
import { BUILD_JSON } from '../../../src/ci/github.js';
import { execa } from 'execa';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runMain } from '../../support/run-main.js';

const BASE = `python:3.13-slim@sha256:${'a'.repeat(64)}`;
const HEAD = `name: evil\nversion: "1.0"\nbase: ${BASE}\n`;
const USER = 'user: {name: dev, uid: 1000, gid: 1000}\n';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubox-spec-hostile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** kubox's CLI run in this process, in `cwd`, its output captured. */
async function cli(args: string[], cwd: string) {
  const was = process.cwd();
  process.chdir(cwd);
  try {
    return await runMain(args);
  } finally {
    process.chdir(was);
  }
}

function aliasBomb(): string {
  let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i <= 10; i++)
    text += `a${i}: &a${i} [${Array(10)
      .fill(`*a${i - 1}`)
      .join(', ')}]\n`;
  return text;
}

interface Case {
  name: string;
  /** What kubox.yaml holds. */
  spec: string;
  /** Where the error must point: line, and the key (if any). */
  line: number;
  key?: string;
  message: RegExp;
  /** Seconds the refusal may take (busy 2-core machine). */
  seconds?: number;
}

const cases: Case[] = [
  {
    name: 'workdir /etc',
    spec: HEAD + USER + 'workdir: /etc\n',
    line: 5,
    key: 'workdir',
    message: /system directory \/etc/,
  },
  {
    name: 'workdir /',
    spec: HEAD + USER + 'workdir: /\n',
    line: 5,
    key: 'workdir',
    message: /root directory/,
  },
  {
    name: 'workdir /usr/',
    spec: HEAD + USER + 'workdir: /usr/\n',
    line: 5,
    key: 'workdir',
    message: /trailing slash/,
  },
  {
    name: 'workdir ..',
    spec: HEAD + USER + 'workdir: /app/../etc\n',
    line: 5,
    key: 'workdir',
    message: /"\.\."/,
  },
  {
    name: 'user.home /etc',
    spec: HEAD + 'user: {name: dev, uid: 1000, gid: 1000, home: /etc}\n',
    line: 4,
    key: 'user.home',
    message: /system directory \/etc/,
  },
  {
    name: 'user.home /',
    spec: HEAD + 'user: {name: dev, uid: 1000, gid: 1000, home: /}\n',
    line: 4,
    key: 'user.home',
    message: /root directory/,
  },
  {
    name: 'user.home /root',
    spec: HEAD + 'user: {name: dev, uid: 1000, gid: 1000, home: /root}\n',
    line: 4,
    key: 'user.home',
    message: /system directory/,
  },
  {
    name: 'binary dest ..',
    spec:
      HEAD +
      USER +
      `binaries:\n  - name: b\n    url: https://example.test/b\n    sha256: {amd64: ${'b'.repeat(64)}, arm64: ${'b'.repeat(64)}}\n    dest: /usr/local/bin/../../../etc/cron.d/x\n`,
    line: 9,
    key: 'binaries[0].dest',
    message: /"\.\."/,
  },
  {
    name: 'binary dest whiteout',
    spec:
      HEAD +
      USER +
      `binaries:\n  - name: b\n    url: https://example.test/b\n    sha256: {amd64: ${'b'.repeat(64)}, arm64: ${'b'.repeat(64)}}\n    dest: /usr/bin/.wh.python3\n`,
    line: 9,
    key: 'binaries[0].dest',
    message: /whiteout/,
  },
  {
    name: 'image.tags invalid',
    spec: HEAD + USER + "image:\n  tags: ['{{version}}', 'a b']\n",
    line: 6,
    key: 'image.tags[1]',
    message: /not a valid tag/,
  },
  {
    name: 'image.tags unknown template',
    spec: HEAD + USER + "image:\n  tags:\n    - '{{nope}}'\n",
    line: 7,
    key: 'image.tags[0]',
    message: /unknown template variable/,
  },
  { name: 'an alias bomb', spec: HEAD + USER + aliasBomb(), line: 15, message: /aliases/ },
  {
    name: '101 aliases',
    spec: 'x: &x 1\n' + Array.from({ length: 101 }, (_, i) => `y${i}: *x\n`).join(''),
    line: 102,
    message: /more than 100 aliases/,
  },
  {
    name: '100,000 nested [',
    spec: HEAD + `env: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
    line: 4,
    message: /nested more than 64/,
  },
  {
    name: 'a 2 MiB spec',
    spec: HEAD + `# ${'x'.repeat(2 * 1024 * 1024)}\n`,
    line: 1,
    message: /more than the 1 MiB \(1048576 bytes\)/,
  },
  {
    name: '40,000 unknown keys',
    spec: HEAD + USER + Array.from({ length: 40_000 }, (_, i) => `k${i}: v\n`).join(''),
    line: 5,
    key: 'k0',
    message: /unknown key/,
    seconds: 10,
  },
];

describe('hostile kubox.yaml: refused with exit 2 at file:line:column', () => {
  it.each(cases.map((c) => [c.name, c] as const))(
    '%s',
    async (_name, c) => {
      const work = mkdtempSync(join(dir, 'spec-'));
      writeFileSync(join(work, 'kubox.yaml'), c.spec);
      const res = await cli(['render', '--out', 'out'], work);
      expect(res.code, res.stderr).toBe(2);
      const at = new RegExp(
        `kubox\\.yaml:${c.line}:\\d+: ${c.key ? `${c.key.replace(/[[\].]/g, '\\$&')}: ` : ''}`,
      );
      expect(res.stderr).toMatch(at);
      expect(res.stderr).toMatch(c.message);
      expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(res.ms).toBeLessThan((c.seconds ?? 5) * 1000);
      expect(readdirSync(work)).toEqual(['kubox.yaml']);
    },
    60_000,
  );
});

describe('hostile lint configurations: refused with exit 2 at file:line', () => {
  it.each([
    ['.kubox-lint.yaml', aliasBomb(), 11, /aliases/],
    ['.hadolint.yaml', aliasBomb(), 11, /aliases/],
    ['.hadolint.yaml', `ignored: ${'['.repeat(50_000)}\n`, 1, /nested more than 64/],
    [
      '.kubox-lint.yaml',
      `# ${'x'.repeat(2 * 1024 * 1024)}\n`,
      1,
      /more than the 1 MiB \(1048576 bytes\)/,
    ],
  ])(
    '%s: %#',
    async (file, text, line, message) => {
      const work = mkdtempSync(join(dir, 'lint-'));
      writeFileSync(join(work, 'Dockerfile'), 'FROM scratch\n');
      writeFileSync(join(work, file), text);
      const res = await cli(['lint', '--no-shellcheck', 'Dockerfile'], work);
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toMatch(new RegExp(`${file.replace('.', '\\.')}:${line}:\\d+`));
      expect(res.stderr).toMatch(message);
    },
    60_000,
  );
});

describe('kubox ci github -f with a spec named to run a command', () => {
  it.each([
    'x$(touch PWNED).yaml',
    'x`touch PWNED`.yaml',
    "x';touch PWNED;'.yaml",
    'x" && touch PWNED #.yaml',
  ])(
    '%s: the workflow passes the name as one argument; bash runs nothing else',
    async (name) => {
      const repo = mkdtempSync(join(dir, 'ci-'));
      writeFileSync(join(repo, name), HEAD + USER + 'image: {repository: ghcr.io/acme/evil}\n');
      const res = await cli(['ci', 'github', '-f', name, '--out', '.'], repo);
      expect(res.code, res.stderr).toBe(0);
      const wf = parse(
        await readFile(join(repo, '.github', 'workflows', 'build-evil.yml'), 'utf8'),
      ) as { jobs: Record<string, { steps: { run?: string }[] }> };
      // The lines that run kubox are the ones the name is written into.
      const runs = Object.values(wf.jobs)
        .flatMap((j) => j.steps.flatMap((s) => s.run ?? []))
        .filter((r) => r.includes('$KUBOX'));
      expect(runs.length).toBe(4);
      const sandbox = mkdtempSync(join(dir, 'run-'));
      for (const run of runs) {
        const r = await execa('bash', ['-c', run], {
          cwd: sandbox,
          reject: false,
          env: { KUBOX: 'printf %s\\n', GITHUB_OUTPUT: join(sandbox, 'github-output') },
        });
        expect(r.exitCode).toBe(0);
        // The build step writes its (JSON) output to a file.
        const printed = run.includes(`> ${BUILD_JSON}`)
          ? await readFile(join(sandbox, BUILD_JSON), 'utf8')
          : r.stdout;
        if (!run.includes('GITHUB_OUTPUT'))
          expect(printed.split('\n').slice(1, 3)).toEqual(['-f', name]);
      }
      expect(readdirSync(sandbox).filter((f) => f.includes('PWNED'))).toEqual([]);
      // ShellCheck agrees: no word splitting or command substitution of the name (its
      // SC2016, "does not expand in single quotes", is the point here).
      const sc = await execa('shellcheck', ['-s', 'bash', '-'], {
        input: runs.map((r) => `KUBOX=x\n${r}`).join('\n'),
        reject: false,
      });
      expect(sc.stdout).not.toMatch(/SC2046|SC2086|SC2091|SC2092/);
    },
    60_000,
  );
});
