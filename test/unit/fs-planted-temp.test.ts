/**
 * src/fs.ts never follows a file or link planted at the name of its temporary
 * file: the random bytes are fixed here so the test knows that name.
 */
import {
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { KuboxError } from '../../src/errors.js';
import { writeFileAtomic, writeOutputFile } from '../../src/fs.js';

const FIXED = 'ab'.repeat(12);

vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return { ...crypto, randomBytes: (n: number) => Buffer.alloc(n, 0xab) };
});

describe('a file planted at the temporary name', () => {
  it('a symbolic link there is not followed: the write fails and the victim is untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubox-fs-plant-'));
    const target = join(dir, 'report.sarif');
    writeFileSync(target, 'old');
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    const planted = `${target}.kubox-${FIXED}.tmp`;
    symlinkSync(victim, planted);

    const err = await writeFileAtomic(target, 'attacker-chosen?').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).kind).toBe('io');
    expect((err as KuboxError).message).toBe(
      `cannot write ${target}: its temporary file ${planted} already exists`,
    );
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(readFileSync(target, 'utf8')).toBe('old');
    // Not removed either: kubox did not make it.
    expect(lstatSync(planted).isSymbolicLink()).toBe(true);
    expect(readlinkSync(planted)).toBe(victim);
  });

  it('a regular file there is neither written nor removed, and the program never runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubox-fs-plant-'));
    const target = join(dir, 'img.oci.tar');
    const planted = `${target}.kubox-${FIXED}.tmp`;
    writeFileSync(planted, 'not kubox’s');
    const produce = vi.fn(async () => {});
    await expect(writeOutputFile(target, produce)).rejects.toThrow(/already exists/);
    expect(produce).not.toHaveBeenCalled();
    expect(readFileSync(planted, 'utf8')).toBe('not kubox’s');
    expect(readdirSync(dir)).toEqual([`img.oci.tar.kubox-${FIXED}.tmp`]);
  });
});
