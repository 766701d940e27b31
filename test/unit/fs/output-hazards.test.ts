/**
 * src/fs.ts against what happens to an output path (issue 15, items 1, 12
 * and 16): its temporary file is private while written; a signal removes it
 * and the process still dies of that signal; a parent that is a file and a
 * read-only directory are clear errors that leave nothing behind.
 */
import { execa } from 'execa';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import { writeFileAtomic, writeOutput } from '../../../src/fs.js';

const FS = fileURLToPath(new URL('../../../src/fs.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubox-fs-hazard-'));
  await chmod(dir, 0o755);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A real process writing `target` through writeOutput: it writes a first
 * chunk, says "writing" and then waits, so the test can signal it mid-write.
 */
async function script(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text, { mode: 0o644 });
  return path;
}

async function writer(target: string) {
  const file = await script(
    `writer-${Math.random().toString(36).slice(2)}.mts`,
    `
    import { writeOutput } from ${JSON.stringify(FS)};
    await writeOutput(${JSON.stringify(target)}, async (out) => {
      out.write('partial bytes');
      process.stdout.write('writing\\n');
      await new Promise(() => setInterval(() => {}, 1000));
    });
  `,
  );
  // node itself (tsx as a loader, not the tsx CLI, which would relay the signal to a child).
  // Wrapped: an execa child is a promise, and returning it would wait for its end.
  return {
    child: execa(process.execPath, ['--import', 'tsx', file], {
      reject: false,
      stdin: 'ignore',
      cwd: ROOT,
    }),
  };
}

function waitFor(child: Awaited<ReturnType<typeof writer>>['child'], text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += String(chunk);
      if (seen.includes(text)) resolve();
    });
    child.stdout!.on('end', () => reject(new Error(`the writer ended before "${text}": ${seen}`)));
  });
}

describe('signals while an output is written', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    '%s: the temporary file (0600 while written) is removed, and the process dies of the signal',
    async (signal) => {
      const out = join(dir, `sig-${signal}`);
      await mkdir(out);
      const target = join(out, 'img.tar');
      const { child } = await writer(target);
      await waitFor(child, 'writing');
      const [tmp] = await readdir(out);
      expect(tmp).toMatch(/^img\.tar\.kubox-[0-9a-f]{24}\.tmp$/);
      expect((await stat(join(out, tmp!))).mode & 0o777).toBe(0o600);
      child.kill(signal);
      const result = await child;
      expect(result.signal).toBe(signal);
      expect(await readdir(out)).toEqual([]);
    },
    60_000,
  );

  it('a finished output gets the usual 0644, or keeps the mode of the file it replaces', async () => {
    const fresh = join(dir, 'fresh.json');
    await writeFileAtomic(fresh, '{}');
    expect((await stat(fresh)).mode & 0o777).toBe(0o644);
    const kept = join(dir, 'kept.json');
    await writeFile(kept, 'old', { mode: 0o640 });
    await chmod(kept, 0o640);
    await writeFileAtomic(kept, '{}');
    expect((await stat(kept)).mode & 0o777).toBe(0o640);
  });

  it('no signal handler of kubox stays installed once nothing is pending', async () => {
    const before = process.listenerCount('SIGINT');
    await writeFileAtomic(join(dir, 'x'), 'x');
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});

describe('what a killed run left', () => {
  it('old temporary files of this user beside the target go on the next write; fresh ones and others stay', async () => {
    const out = join(dir, 'stale');
    await mkdir(out);
    const old = join(out, `img.tar.kubox-${'a'.repeat(24)}.tmp`);
    const fresh = join(out, `img.tar.kubox-${'b'.repeat(24)}.tmp`);
    const other = join(out, 'img.tar.partial-1234');
    for (const f of [old, fresh, other]) await writeFile(f, 'left over');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(old, twoHoursAgo, twoHoursAgo);
    await utimes(other, twoHoursAgo, twoHoursAgo);
    await writeFileAtomic(join(out, 'img.tar'), 'new');
    expect((await readdir(out)).sort()).toEqual(
      ['img.tar', `img.tar.kubox-${'b'.repeat(24)}.tmp`, 'img.tar.partial-1234'].sort(),
    );
  });
});

describe('output paths that cannot be written', () => {
  async function refusal(target: string): Promise<KuboxError> {
    const e = await writeOutput(target, async (out) => {
      out.end('x');
    }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(KuboxError);
    expect((e as KuboxError).exitCode).toBe(1);
    return e as KuboxError;
  }

  it.each([
    ['the parent is a file', 'file/img.tar'],
    ['a grandparent is a file', 'file/sub/img.tar'],
  ])('%s: a clear error, nothing created', async (_what, rel) => {
    const base = join(dir, `parent-${rel.split('/').length}`);
    await mkdir(base);
    await writeFile(join(base, 'file'), 'a file');
    const k = await refusal(join(base, rel));
    expect(k.message).toBe(
      `cannot write ${join(base, rel)}: a part of its path is a file, not a directory`,
    );
    expect(await readdir(base)).toEqual(['file']);
  });

  it('a read-only directory, for a user that is not root: a clear error, nothing left', async () => {
    const ro = join(dir, 'read-only');
    await mkdir(ro);
    await chmod(ro, 0o555);
    const file = await script(
      'read-only.mts',
      `
      import { writeFileAtomic } from ${JSON.stringify(FS)};
      try { await writeFileAtomic(${JSON.stringify(join(ro, 'img.tar'))}, 'x'); }
      catch (e) { process.stdout.write(e.message); process.exitCode = e.exitCode; }
    `,
    );
    // As root, permissions do not apply: run as nobody where possible.
    const asNobody = process.getuid?.() === 0;
    const result = await execa(
      asNobody ? 'setpriv' : TSX,
      asNobody ? ['--reuid=nobody', '--regid=nogroup', '--clear-groups', TSX, file] : [file],
      { reject: false, env: { HOME: dir, TSX_DISABLE_CACHE: '1' } },
    );
    expect(result.stdout, result.stderr).toBe(
      `cannot write ${join(ro, 'img.tar')}: permission denied`,
    );
    expect(result.exitCode).toBe(1);
    expect(await readdir(ro)).toEqual([]);
  }, 60_000);
});
