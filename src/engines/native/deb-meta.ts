/**
 * What the package-state layer needs from a .deb: its control members, the
 * paths it ships, its conffiles' md5s and any CA certificates. Small next to
 * the package's data, so it is cached by the .deb's sha256 and a rebuild of
 * the state layer never decompresses data.tar again.
 */
import { createHash } from 'node:crypto';
import type { Deb } from '../../debian/deb.js';
import { bufferSource, readElf, type ElfResult } from '../../elf/elf.js';
import { isDsoName } from '../../dpkg/ld-so-cache.js';

export interface DebMeta {
  name: string;
  architecture: string;
  /** control.tar members by name: control, md5sums, conffiles, postinst, ... */
  control: Map<string, Uint8Array>;
  /** data.tar paths in archive order, as the .deb has them (before merged-/usr). */
  paths: string[];
  /** conffile path ("/etc/...") -> md5 of the shipped file. */
  conffileMd5: Map<string, string>;
  /** usr/share/ca-certificates/<dir>/<name>.crt contents, for update-ca-certificates. */
  certs: Map<string, Uint8Array>;
  /** What ldconfig would read of this package (ld-cache-entry.ts). */
  ld: DebLdFacts;
}

/** Data paths as the .deb has them; a path in none of these maps is a regular file. */
export interface DebLdFacts {
  dirs: string[];
  symlinks: Map<string, string>;
  /** Hard link -> the path it links to. */
  hardlinks: Map<string, string>;
  /** ELF facts of every regular file named like a library (lib*.so*, ld-*.so*, ...). */
  elf: Map<string, ElfResult>;
  /** etc/ld.so.conf and etc/ld.so.conf.d/* as shipped. */
  conf: Map<string, string>;
}

const LD_CONF = /^etc\/ld\.so\.conf(?:$|\.d\/)/;

export function debLdFacts(deb: Deb): DebLdFacts {
  const ld: DebLdFacts = {
    dirs: [],
    symlinks: new Map(),
    hardlinks: new Map(),
    elf: new Map(),
    conf: new Map(),
  };
  for (const f of deb.files) {
    const name = f.path.slice(f.path.lastIndexOf('/') + 1);
    if (f.type === 'directory') ld.dirs.push(f.path);
    else if (f.type === 'symlink') ld.symlinks.set(f.path, f.linkname ?? '');
    else if (f.type === 'hardlink') ld.hardlinks.set(f.path, f.linkname ?? '');
    else if (f.data) {
      if (isDsoName(name)) ld.elf.set(f.path, readElf(bufferSource(f.data)));
      if (LD_CONF.test(f.path)) ld.conf.set(f.path, Buffer.from(f.data).toString('latin1'));
    }
  }
  return ld;
}

const CERT = /^usr\/share\/ca-certificates\/(.+\.crt)$/;

export function debMeta(name: string, architecture: string, deb: Deb): DebMeta {
  const conffileMd5 = new Map<string, string>();
  const conffiles = deb.control.get('conffiles')?.toString('utf8');
  const byPath = new Map(deb.files.map((f) => [`/${f.path}`, f]));
  for (const line of conffiles?.split('\n') ?? []) {
    const path = line
      .trim()
      .split(/\s+/)
      .find((w) => w.startsWith('/'));
    const data = path ? byPath.get(path)?.data : undefined;
    if (path && data) conffileMd5.set(path, createHash('md5').update(data).digest('hex'));
  }
  const certs = new Map<string, Uint8Array>();
  for (const f of deb.files) {
    const m = CERT.exec(f.path);
    if (m && f.type === 'file' && f.data) certs.set(m[1]!, f.data);
  }
  const control = new Map<string, Uint8Array>(deb.control);
  // Packages built without md5sums (pkgs.k8s.io's) get them from dpkg at install; so here.
  if (!control.has('md5sums')) {
    const lines = deb.files
      .filter((f) => f.type === 'file' && f.data && !conffileMd5.has(`/${f.path}`))
      .map((f) => `${createHash('md5').update(f.data!).digest('hex')}  ${f.path}\n`);
    control.set('md5sums', Buffer.from(lines.join('')));
  }
  return {
    name,
    architecture,
    control,
    paths: deb.files.map((f) => f.path),
    conffileMd5,
    certs,
    ld: debLdFacts(deb),
  };
}

const b64 = (m: Map<string, Uint8Array>) =>
  Object.fromEntries([...m].map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
const unb64 = (o: Record<string, string>) =>
  new Map(Object.entries(o).map(([k, v]) => [k, Buffer.from(v, 'base64')]));

export function formatDebMeta(m: DebMeta): string {
  return JSON.stringify({
    name: m.name,
    architecture: m.architecture,
    control: b64(m.control),
    paths: m.paths,
    conffileMd5: Object.fromEntries(m.conffileMd5),
    certs: b64(m.certs),
    ld: {
      dirs: m.ld.dirs,
      symlinks: Object.fromEntries(m.ld.symlinks),
      hardlinks: Object.fromEntries(m.ld.hardlinks),
      elf: Object.fromEntries(m.ld.elf),
      conf: Object.fromEntries(m.ld.conf),
    },
  });
}

export function parseDebMeta(text: string): DebMeta {
  const o = JSON.parse(text) as {
    name: string;
    architecture: string;
    control: Record<string, string>;
    paths: string[];
    conffileMd5: Record<string, string>;
    certs: Record<string, string>;
    ld: {
      dirs: string[];
      symlinks: Record<string, string>;
      hardlinks: Record<string, string>;
      elf: Record<string, ElfResult>;
      conf: Record<string, string>;
    };
  };
  return {
    name: o.name,
    architecture: o.architecture,
    control: unb64(o.control),
    paths: o.paths,
    conffileMd5: new Map(Object.entries(o.conffileMd5)),
    certs: unb64(o.certs),
    ld: {
      dirs: o.ld.dirs,
      symlinks: new Map(Object.entries(o.ld.symlinks)),
      hardlinks: new Map(Object.entries(o.ld.hardlinks)),
      elf: new Map(Object.entries(o.ld.elf)),
      conf: new Map(Object.entries(o.ld.conf)),
    },
  };
}
