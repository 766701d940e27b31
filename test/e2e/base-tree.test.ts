/**
 * readBaseTree on the loopback registry's python:3.13-slim stand-in (Debian
 * bookworm), pulled with kubox's own client: the tree must agree with GNU
 * tar's reading of the same layers and answer what the native engine asks
 * of a base (dpkg status, os-release through its symlink, usrmerge links).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBaseTree, type BaseTree } from '../../src/oci/base-tree.js';
import type { FileEntry } from '../../src/oci/file-entry.js';
import { writeLayer } from '../../src/image/write-layer.js';
import { blobPath, openLayout, readBlob, type Layout } from '../../src/oci/layout.js';
import type { Index, Manifest } from '../../src/oci/types.js';
import { pull } from '../../src/registry/remote.js';
import { loadEnv } from '../support/e2e-env.js';

const work = mkdtempSync(join(tmpdir(), 'kubox-basetree-e2e-'));
let layout: Layout;
let layers: string[];
let tree: BaseTree;
let readMs: number;

const KEEP = new Set(['var/lib/dpkg/status', 'usr/lib/os-release', 'etc/passwd', 'etc/group']);

beforeAll(async () => {
  const env = loadEnv();
  const credential = { kind: 'basic' as const, username: env.username, password: env.password };
  const archive = join(work, 'base.tar');
  await pull(env.base, archive, { credential });
  layout = await openLayout(archive);
  const root = layout.index.manifests[0]!;
  const index = JSON.parse((await readBlob(layout, root.digest)).toString()) as Index;
  const amd64 = index.manifests.find((m) => m.platform?.architecture === 'amd64')!;
  const manifest = JSON.parse((await readBlob(layout, amd64.digest)).toString()) as Manifest;
  layers = manifest.layers.map((l) => blobPath(layout.dir, l.digest));
  const started = performance.now();
  tree = await readBaseTree(layers, (p) => KEEP.has(p));
  readMs = performance.now() - started;
  const sizes = manifest.layers.map((l) => `${(l.size / 1e6).toFixed(1)} MB`).join(' + ');
  console.log(`readBaseTree: ${layers.length} layer(s), ${sizes}: ${readMs.toFixed(0)} ms`);
}, 120_000);

afterAll(async () => {
  await layout?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('readBaseTree on a real Debian base', () => {
  it('lists the same paths as GNU tar, minus devices', async () => {
    const listed = new Set<string>();
    for (const layer of layers) {
      const { stdout } = await execa('tar', ['-tvzf', layer], { maxBuffer: 1e9 });
      for (const line of stdout.split('\n')) {
        if (/^[cbp]/.test(line)) continue; // devices and fifos are not tracked
        const name = line.slice(line.indexOf(' ./') + 3).replace(/ -> .*| link to .*/, '');
        const path = name.replace(/\/$/, '');
        if (path && !path.split('/').pop()!.startsWith('.wh.')) listed.add(path);
      }
    }
    const ours = [...tree.paths()];
    expect(ours.length).toBeGreaterThan(3000);
    expect(new Set(ours)).toEqual(listed);
  });

  it('resolves usrmerge and os-release links and reads kept files', () => {
    expect(tree.get('bin')).toMatchObject({ type: 'symlink', linkname: 'usr/bin' });
    expect(tree.resolve('bin/bash')).toBe('usr/bin/bash');
    expect(tree.get(tree.resolve('bin/bash'))).toMatchObject({ type: 'file', mode: 0o755 });
    const osRelease = tree.resolve('etc/os-release', true);
    expect(osRelease).toBe('usr/lib/os-release');
    expect(tree.read(osRelease)?.toString()).toMatch(/VERSION_CODENAME=bookworm/);
    const status = tree.read('var/lib/dpkg/status')!.toString();
    expect(status).toMatch(/^Package: /m);
    expect(status).toMatch(/^Package: libc6$/m);
    expect(tree.read('etc/passwd')?.toString()).toMatch(/^root:x:0:0:/);
    expect(tree.read('usr/bin/bash')).toBeUndefined(); // not kept
  });

  it('round-trips the whole base through writeLayer, deterministically', async () => {
    const full = await readBaseTree(layers, () => true);
    const entries: FileEntry[] = [];
    for (const path of full.paths()) {
      const n = full.get(path)!;
      entries.push({
        path,
        type: n.type,
        mode: n.mode,
        uid: n.uid,
        gid: n.gid,
        ...(n.linkname !== undefined ? { linkname: n.linkname } : {}),
        ...(n.type === 'file' ? { data: full.read(path) ?? new Uint8Array(0) } : {}),
      });
    }
    let started = performance.now();
    const a = await writeLayer(entries, { dir: join(work, 'a'), mtime: 1_700_000_000 });
    const writeMs = performance.now() - started;
    const b = await writeLayer([...entries].reverse(), {
      dir: join(work, 'b'),
      mtime: 1_700_000_000,
    });
    console.log(
      `writeLayer: ${entries.length} entries -> ${(a.size / 1e6).toFixed(1)} MB gz in ${writeMs.toFixed(0)} ms`,
    );
    expect(b.digest).toBe(a.digest);
    started = performance.now();
    const back = await readBaseTree([a.path], () => true);
    expect([...back.paths()]).toEqual([...full.paths()]);
    for (const path of full.paths()) {
      expect(back.get(path), path).toEqual(full.get(path));
      if (full.get(path)!.type === 'file')
        expect(back.read(path)?.equals(full.read(path)!), path).toBe(true);
    }
  });

  it('reads the base in well under the time a pull takes', async () => {
    const bytes = (await Promise.all(layers.map((l) => readFile(l)))).reduce(
      (n, b) => n + b.length,
      0,
    );
    expect(bytes).toBeGreaterThan(1e6);
    expect(readMs).toBeLessThan(15_000);
  });
});
