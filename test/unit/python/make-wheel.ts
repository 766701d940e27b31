/**
 * Builds real wheels (zip, METADATA, WHEEL, RECORD with sha256) for tests, the
 * way bdist_wheel lays them out.
 */
import { createHash } from 'node:crypto';
import { zipSync, type Zippable } from 'fflate';

export interface WheelSpec {
  name: string;
  version: string;
  /** Compressed tag triple, e.g. "py3-none-any" or "cp311-cp311-manylinux_2_17_x86_64". */
  tags?: string;
  /** Paths relative to the wheel root (the package itself), text or bytes. */
  files?: Record<string, string | Uint8Array>;
  /** Requires-Dist lines. */
  requires?: string[];
  requiresPython?: string;
  /** entry_points.txt text. */
  entryPoints?: string;
  /** Files under `<name>-<version>.data/`, keyed "scripts/foo", "data/share/x". */
  data?: Record<string, string | Uint8Array>;
  /** Paths (as in the zip) to mark executable. */
  executable?: string[];
  rootIsPurelib?: boolean;
}

const enc = new TextEncoder();

export function wheelFilename(spec: WheelSpec): string {
  return `${spec.name.replace(/-/g, '_')}-${spec.version}-${spec.tags ?? 'py3-none-any'}.whl`;
}

export function metadataText(spec: WheelSpec): string {
  const lines = ['Metadata-Version: 2.1', `Name: ${spec.name}`, `Version: ${spec.version}`];
  if (spec.requiresPython) lines.push(`Requires-Python: ${spec.requiresPython}`);
  for (const r of spec.requires ?? []) lines.push(`Requires-Dist: ${r}`);
  return `${lines.join('\n')}\n\nA test package.\n`;
}

export function makeWheel(spec: WheelSpec): { filename: string; bytes: Uint8Array } {
  const dist = `${spec.name.replace(/-/g, '_')}-${spec.version}`;
  const contents = new Map<string, Uint8Array>();
  const add = (path: string, data: string | Uint8Array): void => {
    contents.set(path, typeof data === 'string' ? enc.encode(data) : data);
  };
  for (const [p, d] of Object.entries(spec.files ?? {})) add(p, d);
  for (const [p, d] of Object.entries(spec.data ?? {})) add(`${dist}.data/${p}`, d);
  add(`${dist}.dist-info/METADATA`, metadataText(spec));
  const wheelTags = (spec.tags ?? 'py3-none-any').split('-');
  add(
    `${dist}.dist-info/WHEEL`,
    `Wheel-Version: 1.0\nGenerator: kubox-test\nRoot-Is-Purelib: ${spec.rootIsPurelib ?? true}\nTag: ${wheelTags.join('-')}\n\n`,
  );
  if (spec.entryPoints) add(`${dist}.dist-info/entry_points.txt`, spec.entryPoints);
  const record = [...contents].map(
    ([p, d]) => `${p},sha256=${createHash('sha256').update(d).digest('base64url')},${d.length}`,
  );
  record.push(`${dist}.dist-info/RECORD,,`);
  add(`${dist}.dist-info/RECORD`, `${record.join('\n')}\n`);
  const exec = new Set(spec.executable ?? []);
  const zippable: Zippable = {};
  for (const [p, d] of contents) {
    zippable[p] = [d, { os: 3, attrs: ((exec.has(p) ? 0o100755 : 0o100644) << 16) >>> 0 }];
  }
  return { filename: wheelFilename(spec), bytes: zipSync(zippable) };
}
