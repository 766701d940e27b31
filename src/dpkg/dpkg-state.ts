/**
 * dpkg's database as `dpkg --unpack && dpkg --configure` would leave it:
 * the /var/lib/dpkg/status paragraph of each package and its
 * /var/lib/dpkg/info/* files. `dpkg -l`, `dpkg -S`, scanners (Trivy, syft,
 * grype read exactly these files) and a later `apt-get install` in the image
 * all depend on them being byte-compatible with what dpkg writes. Pure.
 */
import type { FileEntry } from '../oci/file-entry.js';

export interface InstalledPackage {
  name: string;
  arch: string;
  multiArch?: string;
  /** The .deb's DEBIAN/control text, verbatim. */
  control: string;
  /**
   * Package paths as dpkg lists them, in data.tar order, original
   * (un-usrmerged) paths: "/.", "/usr", "/usr/bin", ... Raw tar names
   * ("./", "./usr/") are accepted too; see {@link dpkgListPaths}.
   */
  files: string[];
  /** DEBIAN/md5sums, verbatim. */
  md5sums?: string;
  /** DEBIAN/conffiles, verbatim. */
  conffiles?: string;
  /** Conffile path ("/etc/x") -> md5 hex of its contents in the data.tar. */
  conffileMd5: Map<string, string>;
  /** postinst, preinst, prerm, postrm, config, triggers, shlibs, symbols, templates... */
  scripts: Map<string, Uint8Array>;
}

/**
 * The order dpkg writes known fields in (lib/dpkg/parse.c `fieldinfos`);
 * fields it does not know follow in the order the control file has them.
 * Filename/Size/MD5sum belong to the available file, never to status.
 */
const FIELD_ORDER = [
  'Package',
  'Essential',
  'Protected',
  'Status',
  'Priority',
  'Section',
  'Installed-Size',
  'Origin',
  'Maintainer',
  'Bugs',
  'Architecture',
  'Multi-Arch',
  'Source',
  'Version',
  'Config-Version',
  'Replaces',
  'Provides',
  'Depends',
  'Pre-Depends',
  'Recommends',
  'Suggests',
  'Breaks',
  'Conflicts',
  'Enhances',
  'Conffiles',
  'Description',
  'Triggers-Pending',
  'Triggers-Awaited',
];
const KNOWN = new Map(FIELD_ORDER.map((name, i) => [name.toLowerCase(), i]));
/** Fields of a control file dpkg never copies into status. */
const DROPPED = new Set(['status', 'config-version', 'filename', 'size', 'md5sum']);
/** Boolean fields dpkg writes only when "yes" (w_booleandefno). */
const YES_ONLY = new Set(['essential', 'protected']);

interface RawField {
  name: string;
  /** Everything after "Name:" up to the end of the last continuation line, without the final newline. */
  value: string;
}

/** Splits one control paragraph into fields, keeping continuation lines exactly as written. */
function rawFields(control: string): RawField[] {
  const out: RawField[] = [];
  for (const line of control.replace(/\r\n/g, '\n').split('\n')) {
    if (line.trim() === '') {
      if (out.length) break; // one paragraph only
      continue;
    }
    if (/^[ \t]/.test(line)) {
      const last = out[out.length - 1];
      if (last) last.value += `\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push({ name: line.slice(0, colon), value: line.slice(colon + 1).replace(/^[ \t]+/, '') });
  }
  return out;
}

/** The status file's Conffiles field body: " /etc/x <md5>" lines, flags as dpkg writes them. */
function conffilesField(p: InstalledPackage): string | undefined {
  if (!p.conffiles) return undefined;
  const lines: string[] = [];
  for (const raw of p.conffiles.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    // dpkg >= 1.20.1: "remove-on-upgrade /etc/x" ships no file; status says "newconffile".
    const flagged = /^(remove-on-upgrade)\s+(\/\S.*)$/.exec(line);
    if (flagged) {
      lines.push(` ${flagged[2]} newconffile ${flagged[1]}`);
      continue;
    }
    // A conffile the data.tar does not contain (or that path-exclude dropped) is "newconffile" to dpkg.
    lines.push(` ${line} ${p.conffileMd5.get(line) ?? 'newconffile'}`);
  }
  return lines.length ? `\n${lines.join('\n')}` : undefined;
}

/**
 * The status paragraph of an installed package: the control fields in dpkg's
 * order with "Status: install ok installed" and Conffiles added. Ends with
 * one newline (paragraph separators are the caller's, see {@link mergeStatus}).
 */
export function statusParagraph(p: InstalledPackage): string {
  const fields = rawFields(p.control);
  const known: (RawField | undefined)[] = FIELD_ORDER.map(() => undefined);
  const others: RawField[] = [];
  for (const f of fields) {
    const key = f.name.toLowerCase();
    if (DROPPED.has(key) || key === 'conffiles') continue;
    if (YES_ONLY.has(key) && f.value.trim() !== 'yes') continue;
    const idx = KNOWN.get(key);
    if (idx === undefined) others.push(f);
    else known[idx] = { name: FIELD_ORDER[idx]!, value: f.value };
  }
  known[KNOWN.get('status')!] = { name: 'Status', value: 'install ok installed' };
  // "Multi-Arch: no" is dpkg's default and never written.
  const ma = KNOWN.get('multi-arch')!;
  if (known[ma]?.value.trim() === 'no') known[ma] = undefined;
  const conf = conffilesField(p);
  if (conf !== undefined) known[KNOWN.get('conffiles')!] = { name: 'Conffiles', value: conf };
  return [...known, ...others]
    .filter((f): f is RawField => f !== undefined)
    .map((f) => (f.value.startsWith('\n') ? `${f.name}:${f.value}\n` : `${f.name}: ${f.value}\n`))
    .join('');
}

interface StatusEntry {
  name: string;
  arch: string;
  same: boolean;
  text: string;
}

function fieldOf(paragraph: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(paragraph);
  return m?.[1]?.trim();
}

function entryOf(text: string): StatusEntry {
  return {
    name: fieldOf(text, 'Package') ?? '',
    arch: fieldOf(text, 'Architecture') ?? '',
    same: fieldOf(text, 'Multi-Arch') === 'same',
    text,
  };
}

/** Same dpkg slot: one instance per name, unless both are Multi-Arch: same (then one per arch). */
function sameSlot(a: StatusEntry, b: StatusEntry): boolean {
  return a.name === b.name && (a.arch === b.arch || !(a.same && b.same));
}

/** dpkg writes status sorted by name, then architecture, byte-wise. */
function byNameArch(a: StatusEntry, b: StatusEntry): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.arch !== b.arch) return a.arch < b.arch ? -1 : 1;
  return 0;
}

/**
 * The new /var/lib/dpkg/status: the base's paragraphs byte-for-byte, a
 * package already present replaced in place, new ones added, the whole sorted
 * by name and architecture as dpkg writes it (each paragraph followed by a
 * blank line).
 */
export function mergeStatus(baseStatus: string, added: InstalledPackage[]): string {
  const entries = baseStatus
    .split(/\n[ \t]*\n/)
    .map((t) => t.replace(/^\n+/, '').replace(/\n+$/, ''))
    .filter((t) => t.trim() !== '')
    .map((t) => entryOf(`${t}\n`));
  for (const p of added) {
    const next = entryOf(statusParagraph(p));
    const at = entries.findIndex((e) => sameSlot(e, next));
    if (at >= 0) entries[at] = next;
    else entries.push(next);
  }
  entries.sort(byNameArch);
  return entries.map((e) => `${e.text}\n`).join('');
}

/**
 * Normalises data.tar member names to the form of dpkg's .list files:
 * "./" -> "/.", "./usr/bin/" -> "/usr/bin". Order is kept.
 */
export function dpkgListPaths(tarNames: string[]): string[] {
  return tarNames.map((n) => {
    const p = n.replace(/^\.?\/*/, '').replace(/\/+$/, '');
    return p === '' || p === '.' ? '/.' : `/${p}`;
  });
}

/** Control members dpkg keeps executable in its info directory. */
const EXECUTABLE = new Set(['preinst', 'postinst', 'prerm', 'postrm', 'config']);
/** Members written from dedicated fields, or never copied (control lives in status). */
const NOT_COPIED = new Set(['control', 'md5sums', 'conffiles', 'list']);

const encoder = new TextEncoder();

function infoEntry(path: string, data: Uint8Array, mode: number): FileEntry {
  return { path, type: 'file', mode, uid: 0, gid: 0, data };
}

/**
 * var/lib/dpkg/info/<name>.* for one package: .list, .md5sums, .conffiles
 * and the remaining control members (maintainer scripts 0755, the rest
 * 0644). Multi-Arch: same packages use "<name>:<arch>.*" as dpkg does.
 */
export function infoFiles(p: InstalledPackage): FileEntry[] {
  const multiArch = p.multiArch ?? fieldOf(p.control, 'Multi-Arch');
  const base = `var/lib/dpkg/info/${multiArch === 'same' ? `${p.name}:${p.arch}` : p.name}`;
  const list = dpkgListPaths(p.files);
  const out: FileEntry[] = [
    infoEntry(`${base}.list`, encoder.encode(`${list.join('\n')}\n`), 0o644),
  ];
  if (p.md5sums !== undefined)
    out.push(infoEntry(`${base}.md5sums`, encoder.encode(p.md5sums), 0o644));
  if (p.conffiles !== undefined && p.conffiles.trim() !== '')
    out.push(infoEntry(`${base}.conffiles`, encoder.encode(p.conffiles), 0o644));
  for (const [name, data] of [...p.scripts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (NOT_COPIED.has(name)) continue;
    out.push(infoEntry(`${base}.${name}`, data, EXECUTABLE.has(name) ? 0o755 : 0o644));
  }
  return out;
}
