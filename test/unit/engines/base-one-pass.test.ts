/**
 * The base is read once on a cold cache: the pass that lists it for the base
 * tree also takes ld.so.cache's facts of its libraries, so the state layer
 * finds them in the cache instead of decompressing the layers again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { baseTree } from '../../../src/engines/native/base.js';
import { readBaseLdFacts } from '../../../src/engines/native/ld-cache-entry.js';
import type { Image } from '../../../src/image/model.js';
import { blobPath } from '../../../src/oci/layout.js';
import { buildElf } from '../../support/elf-builder.js';

const root = mkdtempSync(join(tmpdir(), 'kubox-base-pass-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function layer(files: Record<string, Buffer | string>): Promise<string> {
  const p = pack();
  for (const [name, body] of Object.entries(files)) p.entry({ name, mode: 0o644 }, body);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  const gz = gzipSync(Buffer.concat(chunks));
  const digest = `sha256:${createHash('sha256').update(gz).digest('hex')}`;
  const path = blobPath(root, digest);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, gz);
  return digest;
}

describe('reading the base', () => {
  it('takes the ld facts in the same pass, and keeps only the files kubox reads', async () => {
    const lib = buildElf({ soname: 'libz.so.1', needed: ['libc.so.6'] });
    const digest = await layer({
      'etc/os-release': 'ID=debian\nVERSION_CODENAME=bookworm\n',
      'etc/ld.so.conf': 'include /etc/ld.so.conf.d/*.conf\n',
      'usr/lib/x86_64-linux-gnu/libz.so.1.2.13': lib,
    });
    const manifest = `sha256:${'c'.repeat(64)}`;
    const image = { descriptor: { digest: manifest }, layers: [{ digest }] } as unknown as Image;
    const tree = await baseTree(image, root);
    expect(tree.read('etc/os-release')?.toString()).toContain('bookworm');
    // The library was read for its facts, and let go.
    expect(tree.get('usr/lib/x86_64-linux-gnu/libz.so.1.2.13')?.type).toBe('file');
    expect(tree.read('usr/lib/x86_64-linux-gnu/libz.so.1.2.13')).toBeUndefined();
    // The layers are not needed again: a path that does not exist stands for them.
    const facts = await readBaseLdFacts([join(root, 'no-such-layer')], manifest, root);
    expect(facts.elf.get('usr/lib/x86_64-linux-gnu/libz.so.1.2.13')).toMatchObject({
      soname: 'libz.so.1',
    });
    expect(facts.conf.get('etc/ld.so.conf')).toBe('include /etc/ld.so.conf.d/*.conf\n');
  });
});
