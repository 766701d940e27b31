/**
 * Output-path attacks (issue 15, items 1, 12 and 16) on kubox's CLI and its
 * one output writer (src/fs.ts): a symbolic link planted by another user
 * (`nobody`) in a shared sticky directory, a parent that is a file, a
 * read-only directory, and signals at random points of a write. Each case
 * states its outcome: refused with exit 1 and a clear message, the victim
 * file untouched, and nothing left behind (no temporary file); or, for a
 * signal, the target either absent or whole, never partial.
 */
import { execa } from 'execa';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../../support/run-main.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const FS = fileURLToPath(new URL('../../../src/fs.ts', import.meta.url));
const isRoot = process.getuid?.() === 0;
const SPEC = `name: out\nversion: "1.0"\nbase: python:3.13-slim@sha256:${'a'.repeat(64)}\nuser: {name: dev, uid: 1000, gid: 1000}\n`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubox-output-attack-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'kubox.yaml'), SPEC, { mode: 0o644 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]) {
  const { code, stderr } = await runMain(args);
  return { code, stderr };
}

/** Runs `args` as user nobody (setpriv), in a separate process over src/. */
async function asNobody(args: string[]) {
  const runner = join(dir, 'as-nobody.mts');
  writeFileSync(
    runner,
    `import { main } from ${JSON.stringify(MAIN)};\nprocess.exitCode = await main(process.argv);\n`,
    { mode: 0o644 },
  );
  return execa(
    'setpriv',
    [
      '--reuid=nobody',
      '--regid=nogroup',
      '--clear-groups',
      process.execPath,
      '--import',
      'tsx',
      runner,
      ...args,
    ],
    { cwd: ROOT, reject: false, env: { HOME: dir, NO_COLOR: '1' } },
  );
}

describe.skipIf(!isRoot)('a symbolic link planted by another user', () => {
  it('in a sticky world-writable directory: refused, and the victim is untouched', async () => {
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'root secret\n', { mode: 0o600 });
    // nobody plants out.Dockerfile -> the victim, as a CI neighbour could.
    await execa('setpriv', [
      '--reuid=nobody',
      '--regid=nogroup',
      '--clear-groups',
      'ln',
      '-s',
      victim,
      join(shared, 'Dockerfile'),
    ]);
    expect(statSync(join(shared, 'Dockerfile'), { throwIfNoEntry: false })).toBeDefined();
    const res = await cli(['render', '-f', join(dir, 'kubox.yaml'), '--out', shared]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/symbolic link owned by another user \(uid \d+\)/);
    expect(readFileSync(victim, 'utf8')).toBe('root secret\n');
    expect(statSync(victim).mode & 0o777).toBe(0o600);
    expect(readdirSync(shared).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 60_000);

  it('a planted link to a directory on the way: refused, nothing written where it points', async () => {
    const shared = join(dir, 'shared-dir');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const victimDir = join(dir, 'victim-dir');
    mkdirSync(victimDir);
    await execa('setpriv', [
      '--reuid=nobody',
      '--regid=nogroup',
      '--clear-groups',
      'ln',
      '-s',
      victimDir,
      join(shared, 'sub'),
    ]);
    const res = await cli(['render', '-f', join(dir, 'kubox.yaml'), '--out', join(shared, 'sub')]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/sub is a symbolic link owned by another user/);
    expect(readdirSync(victimDir)).toEqual([]);
  }, 60_000);

  it("root's own link in its own directory is still followed (a chosen target)", async () => {
    const own = join(dir, 'own');
    mkdirSync(own);
    writeFileSync(join(own, 'real'), 'old');
    await execa('ln', ['-s', 'real', join(own, 'Dockerfile')]);
    const res = await cli(['render', '-f', join(dir, 'kubox.yaml'), '--out', own]);
    expect(res.code, res.stderr).toBe(0);
    expect(readFileSync(join(own, 'real'), 'utf8')).toMatch(/^FROM /m);
  }, 60_000);
});

describe('outputs that cannot be written: exit 1, a clear message, nothing left', () => {
  it.each([
    ['the parent is a file', 'afile', /a part of its path is a file, not a directory/],
    ['a grandparent is a file', 'afile/deeper', /a part of its path is a file, not a directory/],
  ])(
    '%s',
    async (_what, out, message) => {
      const work = mkdtempSync(join(dir, 'parent-'));
      writeFileSync(join(work, 'afile'), 'x');
      const res = await cli(['render', '-f', join(dir, 'kubox.yaml'), '--out', join(work, out)]);
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toMatch(message);
      expect(res.stderr).not.toMatch(/\n\s+at /);
      expect(readdirSync(work)).toEqual(['afile']);
    },
    60_000,
  );

  it.skipIf(!isRoot)(
    'a read-only directory, for user nobody',
    async () => {
      const ro = join(dir, 'read-only');
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      const res = await asNobody(['render', '-f', join(dir, 'kubox.yaml'), '--out', ro]);
      expect(res.exitCode, res.stderr).toBe(1);
      expect(res.stderr).toMatch(/cannot write .*Dockerfile: permission denied/);
      expect(readdirSync(ro)).toEqual([]);
    },
    60_000,
  );
});

describe('signals at random points of a write', () => {
  /** A process writing 32 MiB in 64 KiB chunks to `target` through writeOutput. */
  function writer(target: string) {
    const file = join(dir, 'slow-writer.mts');
    writeFileSync(
      file,
      `import { writeOutput } from ${JSON.stringify(FS)};
       process.stdout.write('start\\n');
       await writeOutput(${JSON.stringify(target)}, async (out) => {
         const chunk = Buffer.alloc(64 * 1024, 0x6b);
         for (let i = 0; i < 512; i++) {
           if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
           await new Promise((r) => setImmediate(r));
         }
         out.end();
       });
      `,
      { mode: 0o644 },
    );
    return {
      child: execa(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, reject: false }),
    };
  }

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s at 6 random moments: the target is absent or whole, and no temporary file stays',
    async (signal) => {
      for (let round = 0; round < 6; round++) {
        const out = mkdtempSync(join(dir, 'sig-'));
        const target = join(out, 'img.tar');
        const { child } = writer(target);
        await new Promise<void>((resolve) => {
          child.stdout!.on('data', () => resolve());
        });
        await new Promise((r) => setTimeout(r, Math.random() * 400));
        child.kill(signal);
        const res = await child;
        const left = readdirSync(out);
        expect(left.filter((f) => f.endsWith('.tmp'))).toEqual([]);
        if (left.includes('img.tar')) expect(statSync(target).size).toBe(32 * 1024 * 1024);
        // Killed by the signal, or finished before it came.
        expect(res.signal === signal || res.exitCode === 0).toBe(true);
      }
    },
    120_000,
  );
});
