/**
 * pythonArgv's script, run by this machine's /bin/sh (dash on Debian, the
 * shell a Debian image has) against fake interpreters on a PATH of their own:
 * which Python it picks, that arguments pass through untouched, and what it
 * says when there is none. No Docker: the script is the same inside an image.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeExec, NO_PYTHON, pythonArgv, type ExecCheck } from '../../src/verify/checks.js';

let dir: string;

/** A directory holding fake interpreters that print their name and each argument on a line. */
function bin(name: string, ...interpreters: string[]): string {
  const d = join(dir, name);
  mkdirSync(d);
  for (const i of interpreters) {
    writeFileSync(join(d, i), `#!/bin/sh\necho "${i}"\nfor a in "$@"; do echo "[$a]"; done\n`);
    chmodSync(join(d, i), 0o755);
  }
  return d;
}

/** Runs the argv as `docker exec` would, with PATH the only variable. */
async function run(argv: string[], path: string) {
  const [file, ...args] = argv;
  expect(file).toBe('sh');
  const res = await execa('/bin/sh', args, {
    env: { PATH: path },
    extendEnv: false,
    reject: false,
  });
  return { exitCode: res.exitCode ?? -1, stdout: res.stdout, stderr: res.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubox-python-argv-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("pythonArgv runs the image's Python", () => {
  const args = ['-c', 'import kubernetes; print("a b")', '', "it's"];
  const check: ExecCheck = {
    kind: 'exec',
    name: 'kubernetes',
    argv: pythonArgv(args),
    exitCode: 0,
    python: true,
  };

  it('prefers python3 when the image has both', async () => {
    const res = await run(check.argv, bin('both', 'python3', 'python'));
    expect(res.stdout.split('\n')).toEqual([
      'python3',
      '[-c]',
      '[import kubernetes; print("a b")]',
      '[]',
      "[it's]",
    ]);
    expect(res.exitCode).toBe(0);
  });

  it('uses python3 on a Debian base without python-is-python3', async () => {
    const res = await run(check.argv, bin('debian', 'python3'));
    expect(res.stdout.split('\n')[0]).toBe('python3');
  });

  it('falls back to python', async () => {
    const res = await run(check.argv, bin('legacy', 'python'));
    expect(res.stdout.split('\n')[0]).toBe('python');
  });

  it('passes the interpreter exit code through', async () => {
    const d = bin('failing');
    writeFileSync(join(d, 'python3'), '#!/bin/sh\necho "No module named kubernetes" >&2\nexit 1\n');
    chmodSync(join(d, 'python3'), 0o755);
    const res = await run(check.argv, d);
    expect(res.exitCode).toBe(1);
    expect(judgeExec(check, res)).toEqual({
      ok: false,
      detail: 'exit 1 (want 0): No module named kubernetes',
    });
  });

  it('says there is no python3 or python, not an exec error', async () => {
    const res = await run(check.argv, bin('none'));
    expect(res.stdout).toBe('');
    expect(res.exitCode).toBe(127);
    expect(judgeExec(check, res)).toEqual({ ok: false, detail: NO_PYTHON });
    expect(NO_PYTHON).toBe('no python3 or python in the image');
  });
});
