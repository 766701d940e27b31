/**
 * src/run-lock.ts with real processes (issue 15, item 17): concurrent kubox
 * runs on one spec take turns; a dead holder's lock is taken over; a live
 * one is waited for, with one message, for a bounded time; a signal removes
 * the lock.
 */
import { execa } from 'execa';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KuboxError } from '../../src/errors.js';
import { runLockPath, withRunLock } from '../../src/run-lock.js';

const RUN_LOCK = fileURLToPath(new URL('../../src/run-lock.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubox-run-lock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A process that takes the lock, logs "start <id>", works `ms`, logs "end <id>". */
async function runner(lock: string, log: string, id: string, ms: number) {
  const file = join(dir, `runner-${id}.mts`);
  await writeFile(
    file,
    `import { appendFileSync } from 'node:fs';
     import { withRunLock } from ${JSON.stringify(RUN_LOCK)};
     await withRunLock(${JSON.stringify(lock)}, async () => {
       appendFileSync(${JSON.stringify(log)}, 'start ${id}\\n');
       process.stdout.write('holding\\n');
       await new Promise((r) => setTimeout(r, ${ms}));
       appendFileSync(${JSON.stringify(log)}, 'end ${id}\\n');
     }, { pollMs: 50, log: (m) => process.stderr.write(m + '\\n') });
    `,
  );
  // Wrapped: an execa child is a promise, and returning it would wait for its end.
  return {
    child: execa(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, reject: false }),
  };
}

describe('withRunLock', () => {
  it('names the lock beside kubox.lock', () => {
    expect(runLockPath('/work/images/kubox.lock')).toBe('/work/images/kubox.lock.run');
  });

  it('three concurrent runs take turns: no run starts before the previous one ended', async () => {
    const lock = join(dir, 'turns.lock.run');
    const log = join(dir, 'turns.log');
    await writeFile(log, '');
    const children = await Promise.all(['a', 'b', 'c'].map((id) => runner(lock, log, id, 400)));
    const results = await Promise.all(children.map((c) => c.child));
    for (const r of results) expect(r.exitCode, r.stderr).toBe(0);
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) {
      expect(lines[i]).toMatch(/^start /);
      expect(lines[i + 1]).toBe(lines[i]!.replace('start', 'end'));
    }
    // Two of them waited, and said so once each.
    const waited = results.filter((r) => r.stderr.includes('waiting for another kubox run'));
    expect(waited).toHaveLength(2);
    for (const r of waited) expect(r.stderr.match(/waiting/g)).toHaveLength(1);
    expect(await readdir(dir)).not.toContain('turns.lock.run');
  }, 120_000);

  it('takes over the lock of a dead process at once', async () => {
    const lock = join(dir, 'stale.lock.run');
    const dead = await execa(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    await writeFile(
      lock,
      JSON.stringify({
        pid: Number(dead.stdout),
        host: hostname(),
        started: '2020-01-01T00:00:00Z',
        token: 'old',
      }),
    );
    const messages: string[] = [];
    const got = await withRunLock(lock, async () => readFile(lock, 'utf8'), {
      log: (m) => messages.push(m),
      timeoutMs: 5000,
    });
    expect(JSON.parse(got)).toMatchObject({ pid: process.pid });
    expect(messages).toEqual([]);
    expect(await readdir(dir)).not.toContain('stale.lock.run');
  });

  it('waits for a live holder for a bounded time, with one message, then fails naming it', async () => {
    const lock = join(dir, 'live.lock.run');
    const holder = {
      pid: process.pid,
      host: hostname(),
      started: '2026-01-01T00:00:00Z',
      token: 't',
    };
    await writeFile(lock, JSON.stringify(holder));
    const messages: string[] = [];
    let ran = false;
    const t = Date.now();
    const err = await withRunLock(
      lock,
      async () => {
        ran = true;
      },
      { log: (m) => messages.push(m), timeoutMs: 600, pollMs: 50 },
    ).catch((e: unknown) => e);
    expect(Date.now() - t).toBeLessThan(10_000);
    expect(ran).toBe(false);
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).message).toContain(`pid ${process.pid}`);
    expect((err as KuboxError).exitCode).toBe(1);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(`pid ${process.pid}`);
    // Someone else's lock is left alone.
    expect(JSON.parse(await readFile(lock, 'utf8'))).toEqual(holder);
  });

  it('a holder killed by SIGINT removes its lock, and the next run goes ahead', async () => {
    const lock = join(dir, 'signal.lock.run');
    const log = join(dir, 'signal.log');
    await writeFile(log, '');
    const { child } = await runner(lock, log, 'x', 60_000);
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (c: Buffer) => {
        if (String(c).includes('holding')) resolve();
      });
    });
    expect(await readdir(dir)).toContain('signal.lock.run');
    child.kill('SIGINT');
    expect((await child).signal).toBe('SIGINT');
    expect(await readdir(dir)).not.toContain('signal.lock.run');
    expect(await withRunLock(lock, async () => 'next', { timeoutMs: 1000 })).toBe('next');
  }, 60_000);
});
