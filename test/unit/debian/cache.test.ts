import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDir, ContentCache } from '../../../src/cache.js';
import { KuboxError } from '../../../src/errors.js';
import { caught } from '../../support/caught.js';

const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const A = Buffer.from('the real package bytes\n'.repeat(5000));
const B = Buffer.from('another package\n');

async function* chunksOf(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubox-cache-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('cacheDir', () => {
  it('prefers KUBOX_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(cacheDir({ KUBOX_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/c');
    expect(cacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/kubox');
    expect(cacheDir({})).toMatch(/\/\.cache\/kubox$/);
  });
});

describe('ContentCache', () => {
  it('stores streamed bytes under their sha256 once they hash to it', async () => {
    const cache = new ContentCache(join(dir, 'write'));
    const counted: number[] = [];
    const path = await cache.write(
      { sha256: hex(A).toUpperCase(), size: A.length, what: 'a.deb' },
      chunksOf(A.subarray(0, 1000), A.subarray(1000)),
      (n) => counted.push(n),
    );
    expect(path).toBe(join(dir, 'write', 'sha256', hex(A)));
    expect(readFileSync(path).equals(A)).toBe(true);
    expect(counted).toEqual([1000, A.length - 1000]);
    expect(await cache.has(hex(A))).toBe(true);
  });

  it('refuses bytes whose sha256 does not match and leaves nothing behind', async () => {
    const root = join(dir, 'mismatch');
    const cache = new ContentCache(root);
    const err = await caught(
      cache.write(
        { sha256: hex(A), what: 'vim_9.0_amd64.deb', from: 'http://mirror/b.deb' },
        chunksOf(B),
      ),
    );
    expect(err.kind).toBe('integrity');
    expect(err.message).toBe(
      `vim_9.0_amd64.deb from http://mirror/b.deb does not match: expected sha256 ${hex(A)}, got ${hex(B)} (${B.length} bytes)`,
    );
    expect(readdirSync(join(root, 'sha256'))).toEqual([]);
    expect(await cache.has(hex(A))).toBe(false);
  });

  it('refuses a size that differs from the signed one', async () => {
    const cache = new ContentCache(join(dir, 'size'));
    const err = await caught(
      cache.write({ sha256: hex(B), size: B.length + 1, what: 'b.deb' }, chunksOf(B)),
    );
    expect(err.kind).toBe('integrity');
    expect(readdirSync(join(dir, 'size', 'sha256'))).toEqual([]);
  });

  it('leaves nothing behind when the bytes stop coming, and passes the error on', async () => {
    const cache = new ContentCache(join(dir, 'broken'));
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield B;
      throw new KuboxError('network', 'the body broke off');
    }
    const err = await caught(cache.write({ sha256: hex(B), what: 'b.deb' }, broken()));
    expect(err.message).toBe('the body broke off');
    expect(readdirSync(join(dir, 'broken', 'sha256'))).toEqual([]);
  });

  it('says so when the cache cannot be written', async () => {
    const root = join(dir, 'unwritable');
    // A directory where the blob is to go: the rename into place fails, whoever runs the test.
    mkdirSync(join(root, 'sha256', hex(B), 'x'), { recursive: true });
    const err = await caught(
      new ContentCache(root).write({ sha256: hex(B), what: 'b.deb' }, chunksOf(B)),
    );
    expect(err.kind).toBe('io');
    expect(err.message).toMatch(/^cannot write b\.deb into the cache .*unwritable: E[A-Z]+$/);
    expect(readdirSync(join(root, 'sha256'))).toEqual([hex(B)]);
  });

  it('stores local bytes under their hash', async () => {
    const cache = new ContentCache(join(dir, 'put'));
    const { sha256, path } = await cache.put(B);
    expect(sha256).toBe(hex(B));
    expect(readFileSync(path).equals(B)).toBe(true);
  });
});
