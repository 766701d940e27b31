/**
 * Hostile .debs at full size (issue 15, items 5, 7 and 13): real packages
 * made by dpkg-deb, read by kubox in a separate process as the native engine
 * reads them (readDeb, then the layer), with its peak memory measured. The
 * member-by-member table (`..`, absolute paths, symlink then file, hard
 * links, devices, setuid, sparse, whiteouts, control characters) is
 * test/unit/debian/hostile-deb.test.ts; here each case is a whole package
 * and states its outcome: refused with exit 1 naming the package, within
 * bounded memory and time; or built into a layer that carries no whiteout
 * and no link to a path it does not contain.
 */
import { execa } from 'execa';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  linkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackLimit } from '../../../src/unpack-limit.js';
import { outcomeInChild } from '../../support/outcome-in-child.js';

const DEB = fileURLToPath(new URL('../../../src/debian/deb.ts', import.meta.url));
const CONTROL =
  'Package: evil\nVersion: 1\nArchitecture: all\nMaintainer: x <x@example.org>\nDescription: x\n';
const GiB = 1024 * 1024 * 1024;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubox-deb-hostile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A package from dpkg-deb: `files` maps paths to a size of zeros (sparse) or text. */
async function build(
  name: string,
  compression: string,
  files: Record<string, number | string>,
  level?: number,
) {
  const root = join(dir, name);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  writeFileSync(join(root, 'DEBIAN', 'control'), CONTROL);
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    if (typeof body === 'string') writeFileSync(join(root, path), body);
    else {
      writeFileSync(join(root, path), '');
      truncateSync(join(root, path), body);
    }
  }
  const out = `${root}.deb`;
  await execa('dpkg-deb', [
    `-Z${compression}`,
    ...(level === undefined ? [] : [`-z${level}`]),
    '--root-owner-group',
    '--build',
    root,
    out,
  ]);
  return out;
}

/** Reads the package the way the native engine does, in its own process: outcome and peak RSS. */
const readInChild = (deb: string) =>
  outcomeInChild(
    dir,
    {
      imports: `import { readDeb } from ${JSON.stringify(DEB)};`,
      count: `(await readDeb(input, 'evil_1_all.deb')).files.length`,
    },
    deb,
  );

describe('decompression bombs: refused, memory bounded, no RangeError', () => {
  it.each([
    // [what, compression, dpkg-deb level, unpacked size]
    ['zstd, 2 GiB of zeros', 'zstd', undefined, 2 * GiB],
    ['gzip, 1 GiB of zeros', 'gzip', 9, 1 * GiB],
    ['xz, 1 GiB of zeros', 'xz', 0, 1 * GiB],
  ] as const)(
    '%s',
    async (_what, compression, level, size) => {
      const deb = await build(
        `bomb-${compression}`,
        compression,
        { 'usr/share/zeros': size },
        level,
      );
      // Over 200 times smaller than what it unpacks to (the limit allows 100).
      expect(readFileSync(deb).length).toBeLessThan(size / 200);
      const r = await readInChild(deb);
      expect(r).toMatchObject({ ok: false, kind: 'build-failed', exitCode: 1 });
      expect(r.message).toMatch(/evil_1_all\.deb: data\.tar\.\w+ unpacks to .* refuses more than/);
      // Node and tsx alone take ~150 MiB; what the package may unpack to (100 times its
      // size, at least 64 MiB) bounds the rest, whatever it claims to hold.
      const limitMiB = unpackLimit(readFileSync(deb).length) / 1024 / 1024;
      expect(r.maxRssMiB).toBeLessThan(250 + limitMiB);
      expect(r.maxRssMiB).toBeLessThan(size / 1024 / 1024 / 2);
      expect(r.seconds).toBeLessThan(120);
    },
    600_000,
  );
});

describe('whole packages', () => {
  it('a hard-linked pair dpkg-deb writes is read as file + link to it', async () => {
    const root = join(dir, 'links');
    mkdirSync(join(root, 'DEBIAN'), { recursive: true });
    mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
    writeFileSync(join(root, 'DEBIAN', 'control'), CONTROL);
    writeFileSync(join(root, 'usr', 'bin', 'a'), 'same');
    linkSync(join(root, 'usr', 'bin', 'a'), join(root, 'usr', 'bin', 'b'));
    await execa('dpkg-deb', ['--root-owner-group', '--build', root, `${root}.deb`]);
    expect(await readInChild(`${root}.deb`)).toMatchObject({ ok: true, files: 4 });
  }, 60_000);

  it('a package named with a whiteout, as dpkg-deb builds it, is refused naming the path', async () => {
    const deb = await build('whiteout', 'xz', { 'usr/local/.wh..wh..opq': '' });
    const r = await readInChild(deb);
    expect(r).toMatchObject({ ok: false, exitCode: 1 });
    expect(r.message).toMatch(/"usr\/local\/\.wh\.\.wh\.\.opq" is named like an OCI whiteout/);
  }, 60_000);
});
