/**
 * An LdTree over a real directory (an unpacked image), for comparing kubox's
 * ld.so.cache with what the real ldconfig writes for the same files. The ELF
 * facts of every library-named file are read first (piecewise, readElfFile),
 * so the scan itself stays synchronous and pure.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ElfResult } from '../../src/elf/elf.js';
import { readElfFile } from '../../src/elf/read-file.js';
import { isDsoName, type LdTree } from '../../src/dpkg/ld-so-cache.js';
import { walkSymlinks } from '../../src/oci/symlink-walk.js';

export async function diskLdTree(root: string): Promise<LdTree> {
  const lstat = (path: string) => {
    try {
      const st = lstatSync(join(root, path));
      if (st.isFile()) return 'file' as const;
      if (st.isDirectory()) return 'directory' as const;
      if (st.isSymbolicLink()) return 'symlink' as const;
      return 'other' as const;
    } catch {
      return undefined;
    }
  };
  const realpath = (path: string): string | undefined => {
    const parts = walkSymlinks(
      path,
      (rel) => {
        const type = lstat(`/${rel}`);
        if (type !== 'symlink') return type && { type };
        return { type, linkname: readlinkSync(join(root, rel)) };
      },
      { followFinal: true, existing: true },
    );
    return parts && `/${parts.join('/')}`;
  };
  const list = (dir: string) => {
    try {
      return readdirSync(join(root, dir));
    } catch {
      return [];
    }
  };
  const elf = new Map<string, ElfResult>();
  const walk = async (dir: string): Promise<void> => {
    for (const name of list(dir)) {
      const p = dir === '/' ? `/${name}` : `${dir}/${name}`;
      const type = lstat(p);
      if (type === 'directory' && p !== '/proc' && p !== '/sys') await walk(p);
      else if (type === 'file' && isDsoName(name)) elf.set(p, await readElfFile(join(root, p)));
    }
  };
  await walk('/');
  return {
    lstat,
    realpath,
    list,
    readText: (path) => {
      const real = realpath(path);
      if (real === undefined || lstat(real) !== 'file') return undefined;
      return readFileSync(join(root, real), 'latin1');
    },
    elf: (path) => elf.get(path),
  };
}
