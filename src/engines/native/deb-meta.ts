/**
 * What the package-state layer needs from a .deb: its control members, the
 * paths it ships, its conffiles' md5s and any CA certificates. Small next to
 * the package's data, so it is cached by the .deb's sha256 and a rebuild of
 * the state layer never decompresses data.tar again.
 */
import { createHash } from 'node:crypto';
import type { Deb } from '../../debian/deb.js';

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
  };
  return {
    name: o.name,
    architecture: o.architecture,
    control: unb64(o.control),
    paths: o.paths,
    conffileMd5: new Map(Object.entries(o.conffileMd5)),
    certs: unb64(o.certs),
  };
}
