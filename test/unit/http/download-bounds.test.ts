/**
 * Downloads into the content store against hostile servers: an endless body
 * for a file with a declared size (a .deb whose signed Size is 678 bytes)
 * writes no more than that size and one chunk, and leaves no temporary file;
 * stale temporary files of a killed run are removed by a later one.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ContentCache, sweepStale } from '../../../src/cache.js';
import { createHttp } from '../../../src/http/client.js';
import { download } from '../../../src/http/download.js';
import { caught } from '../../support/caught.js';
import { startServer, type TestServer } from '../registry/http-server.js';

const dirs: string[] = [];
const servers: TestServer[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'kubox-bounds-'));
  dirs.push(d);
  return d;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const http = createHttp({ sleep: async () => {} });

describe('a download with a declared size', () => {
  it('stops an endless body at the size: nothing stored, no temporary file, bounded bytes', async () => {
    let sent = 0;
    const s = await startServer((_rec, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 0x78);
      const more = () => {
        while (!res.destroyed && sent < 1 << 30 && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed) res.once('drain', more);
      };
      more();
    });
    servers.push(s);
    const cache = new ContentCache(tempDir());
    const sha = createHash('sha256').update('x').digest('hex');
    let written = 0;
    const err = await caught(
      download(
        cache,
        { url: `${s.base}/pool/a.deb`, sha256: sha, size: 678, what: 'a_1_amd64.deb' },
        { http, onBytes: (n) => (written += n) },
      ),
    );
    expect(err.kind).toBe('integrity');
    expect(err.message).toContain('a_1_amd64.deb from');
    expect(err.message).toContain('(678 bytes)');
    // At most one chunk past the size was taken; the server was cut off long before 1 GiB.
    expect(written).toBe(0);
    expect(sent).toBeLessThan(64 << 20);
    expect(readdirSync(join(cache.root, 'sha256'))).toEqual([]);
  });
});

describe('stale temporary files', () => {
  it('are removed by a later run when older than an hour; fresh ones and blobs stay', async () => {
    const root = tempDir();
    const dir = join(root, 'sha256');
    await mkdir(dir, { recursive: true });
    const old = Date.now() / 1000 - 2 * 3600;
    for (const name of ['a.123.dead.tmp', 'b.partial', 'c.123.fresh.tmp', 'd'.repeat(64)]) {
      writeFileSync(join(dir, name), 'x');
      if (!name.includes('fresh') && name.length < 64) utimesSync(join(dir, name), old, old);
    }
    expect(await sweepStale(dir)).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(['c.123.fresh.tmp', 'd'.repeat(64)]);
    // Once per directory and process.
    expect(await sweepStale(dir)).toBe(0);
  });

  it('are swept when the cache is first written to', async () => {
    const root = tempDir();
    await mkdir(join(root, 'sha256'), { recursive: true });
    const stale = join(root, 'sha256', `${'e'.repeat(64)}.99.beef.tmp`);
    writeFileSync(stale, 'left by a killed run');
    const old = Date.now() / 1000 - 2 * 3600;
    utimesSync(stale, old, old);
    await new ContentCache(root).put(Buffer.from('fresh content'));
    expect(existsSync(stale)).toBe(false);
  });
});
