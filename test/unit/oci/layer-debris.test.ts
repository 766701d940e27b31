/**
 * Layer writing leaves no temporary file in the cache when it fails (issue
 * 15, item 16): the failure here is content the tar encoder throws on,
 * at once, while the output file may still be opening.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeLayer } from '../../../src/image/write-layer.js';

const dir = mkdtempSync(join(tmpdir(), 'kubox-layer-debris-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a layer write that fails', () => {
  it.each(Array.from({ length: 5 }, (_, i) => i))('leaves nothing behind (run %i)', async () => {
    // Content that is no byte array: the tar encoder throws on it, as a failing read would.
    const bad = {
      path: 'x',
      type: 'file' as const,
      mode: 0o644,
      uid: 0,
      gid: 0,
      data: 7 as unknown as Uint8Array,
    };
    const err = await writeLayer([bad], { dir, mtime: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(dir)).toEqual([]);
  });
});
