/**
 * Start-up loads only the command definitions: each command's module (and
 * with it the engines, the registry client, openpgp, the decompressors) is
 * imported when that command runs. A child process runs bin/kubox.js (over
 * dist/) under a loader hook that logs every module it loads. The build
 * bundles dist/cli/ (scripts/build-cli.mjs): commander and dockerfile-ast are
 * inside it, so they are no longer seen as packages of their own.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI_TEST_TIMEOUT, KUBOX_BIN } from '../support/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LOAD_LOG = fileURLToPath(new URL('../support/load-log.mjs', import.meta.url));

/** Runs node with these arguments; returns its result and the files:// modules it loaded. */
async function nodeLoads(args: string[], cwd?: string) {
  const log = join(mkdtempSync(join(tmpdir(), 'kubox-loads-')), 'loads.txt');
  const res = await execa(process.execPath, ['--import', LOAD_LOG, ...args], {
    reject: false,
    stdin: 'ignore',
    env: { NO_COLOR: '1', KUBOX_LOAD_LOG: log },
    timeout: CLI_TEST_TIMEOUT - 10_000,
    ...(cwd ? { cwd } : {}),
  });
  const loaded = readFileSync(log, 'utf8')
    .split('\n')
    .filter((u) => u.startsWith('file:'))
    .map((u) => fileURLToPath(u).split('\\').join('/'));
  const packages = new Set(
    loaded.flatMap((f) => {
      const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f);
      return m ? [m[1]!] : [];
    }),
  );
  return { ...res, stdout: String(res.stdout), stderr: String(res.stderr), loaded, packages };
}

const kuboxLoads = (args: string[]) => nodeLoads([KUBOX_BIN, ...args]);

const HEAVY_PACKAGES = ['openpgp', '@napi-rs/lzma', 'fzstd', 'fflate', 'zod', 'yaml', 'execa'];
const HEAVY_SOURCES = /\/(dist|src)\/(engines|registry)\//;

describe('kubox start-up', { timeout: CLI_TEST_TIMEOUT }, () => {
  it.each(
    [
      ['build', '--help'],
      ['ci', 'github', '--help'],
    ].map((a) => [a.join(' '), a]),
  )('kubox %s loads commander and the command definitions only', async (_, args) => {
    const r = await kuboxLoads(args as string[]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toBe('');
    expect(r.loaded).toContainEqual(expect.stringMatching(/\/dist\/cli\/main\.js$/));
    for (const p of HEAVY_PACKAGES) expect(r.packages, p).not.toContain(p);
    expect(r.loaded.filter((f) => HEAVY_SOURCES.test(f))).toEqual([]);
    expect([...r.packages]).toEqual([]);
  });

  it('kubox --help answers from the text the build wrote, before commander loads', async () => {
    const r = await kuboxLoads(['--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Usage: kubox \[options\] \[command\]/);
    expect(r.loaded.map((f) => f.replace(/.*\/(bin|dist)\//, '$1/'))).toEqual(['bin/kubox.js']);
  });

  it('kubox --version answers before commander and the command definitions load', async () => {
    const r = await kuboxLoads(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect([...r.packages]).toEqual([]);
    expect(r.loaded.map((f) => f.replace(/.*\/(bin|dist)\//, '$1/'))).toEqual([
      'bin/kubox.js',
      'dist/version.js',
    ]);
  });

  it('kubox lint FILE loads the linter, not zod, yaml or the spec', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubox-lint-startup-'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nUSER 1000\n');
    const r = await nodeLoads([KUBOX_BIN, 'lint', '--no-shellcheck', 'Dockerfile'], dir);
    expect(r.exitCode, r.stderr).toBe(0);
    expect([...r.packages]).toEqual([]);
    expect(
      r.loaded.filter((f) => /\/dist\/(spec\/(load|schema)|plan|dockerfile)\//.test(f)),
    ).toEqual([]);
    // A config file brings its parser (zod, yaml) with it.
    writeFileSync(join(dir, '.hadolint.yaml'), 'ignored: [DL3006]\n');
    const withConfig = await nodeLoads([KUBOX_BIN, 'lint', '--no-shellcheck', 'Dockerfile'], dir);
    expect(withConfig.exitCode, withConfig.stderr).toBe(0);
    expect(withConfig.packages).toContain('zod');
  });

  it('a command loads its module when it runs, and its errors keep their exit code', async () => {
    // pull's module imports the registry client; a bad destination is a usage error (exit 2).
    const r = await kuboxLoads(['pull', 'example.org/a:1', 'dest', '--json']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('error: dest is not oci:PATH');
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { kind: 'usage' } });
    expect(r.loaded).toContainEqual(expect.stringMatching(/\/cli\/registry\.js$/));
    expect(r.loaded.filter((f) => HEAVY_SOURCES.test(f))).not.toEqual([]);
  });
});

describe("import 'kubox'", { timeout: CLI_TEST_TIMEOUT }, () => {
  // Through the package's own name, as a user imports it: node resolves it by "exports".
  const importFromRoot = (specifier: string) =>
    nodeLoads(['--input-type=module', '-e', `await import(${JSON.stringify(specifier)})`], ROOT);

  it('loads no engine, registry client, process runner, openpgp or package decompressor', async () => {
    const r = await importFromRoot('kubox');
    expect(r.exitCode, r.stderr).toBe(0);
    for (const p of ['openpgp', '@napi-rs/lzma', 'fzstd', 'fflate', 'execa', 'tar-stream'])
      expect(r.packages, p).not.toContain(p);
    expect(
      r.loaded.filter((f) => /\/dist\/(engines\/(native|buildx)|registry|http)\//.test(f)),
    ).toEqual([]);
  });

  it("kubox/native loads the lock file's format only: the engine loads when called", async () => {
    const r = await importFromRoot('kubox/native');
    expect(r.exitCode, r.stderr).toBe(0);
    for (const p of ['openpgp', '@napi-rs/lzma', 'fzstd', 'fflate'])
      expect(r.packages, p).not.toContain(p);
    expect(r.loaded.filter((f) => /\/dist\/engines\/native\//.test(f))).toEqual([
      expect.stringMatching(/\/dist\/engines\/native\/lock\.js$/),
    ]);
  });
});
