/**
 * Installing a wheel the way pip does, into FileEntry form for an image layer
 * (PEP 427 / the binary distribution format spec). Pure: bytes in, files out,
 * nothing run. Unlike pip, no .pyc files are written.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { unzipSync } from 'fflate';
import { KuboxError } from '../errors.js';
import type { FileEntry } from '../oci/file-entry.js';
import { parseCoreMetadata, parseHeaders } from './metadata.js';
import { normalizeName, parseWheelFilename } from './name.js';
import type { PythonTarget } from './target.js';
import { zipModes } from './zip-modes.js';
import { unpackBomb, unpackLimit } from '../unpack-limit.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function unzip(
  bytes: Uint8Array,
  filename: string,
  filter?: (f: { name: string }) => boolean,
): Record<string, Uint8Array> {
  // fflate allocates each member at the size the central directory declares and never
  // writes past it, so checking the declared sizes first bounds the memory (a member
  // that inflates to more is cut there, and fails its RECORD hash).
  const limit = unpackLimit(bytes.length);
  let total = 0;
  const bounded = (f: { name: string; originalSize: number }) => {
    if (filter && !filter(f)) return false;
    total += f.originalSize;
    if (total > limit) throw unpackBomb(filename, bytes.length, limit);
    return true;
  };
  try {
    return unzipSync(bytes, { filter: bounded });
  } catch (err) {
    if (err instanceof KuboxError) throw err;
    throw new KuboxError(
      'integrity',
      `${filename} is not a readable wheel (zip): ${(err as Error).message}`,
      {
        hint: 'download it again; if the index serves it like this, pin another version',
        cause: err,
      },
    );
  }
}

function findDistInfo(names: readonly string[], filename: string): string {
  const dirs = [
    ...new Set(names.map((n) => n.split('/')[0]!).filter((d) => d.endsWith('.dist-info'))),
  ];
  const parsed = parseWheelFilename(filename);
  const want =
    parsed && dirs.find((d) => normalizeName(d.slice(0, d.lastIndexOf('-'))) === parsed.name);
  const dir = want ?? (dirs.length === 1 ? dirs[0] : undefined);
  if (dir === undefined) {
    throw new KuboxError(
      'integrity',
      `${filename} has ${dirs.length === 0 ? 'no' : 'more than one'} .dist-info directory`,
      {
        hint: 'this is not a valid wheel; pin another version',
      },
    );
  }
  return dir;
}

/** The METADATA text of a wheel, for resolving when the index offers no PEP 658 metadata file. */
export function readWheelMetadata(wheelBytes: Uint8Array, filename = 'wheel'): string {
  const files = unzip(wheelBytes, filename, (f) => /^[^/]+\.dist-info\/METADATA$/.test(f.name));
  const dir = findDistInfo(Object.keys(files), filename);
  const data = files[`${dir}/METADATA`];
  if (!data) throw new KuboxError('integrity', `${filename} has no ${dir}/METADATA`);
  return decoder.decode(data);
}

/**
 * Name to version of the distributions already installed in a base image,
 * given the text of each `*.dist-info/METADATA` (or `*.egg-info/PKG-INFO`)
 * keyed by its path; the directory name stands in for a missing Name.
 */
export function installedDistributions(files: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, text] of files) {
    const meta = parseCoreMetadata(text);
    let { name, version } = meta;
    if (!name || !version) {
      const dir = posix.basename(posix.dirname(path)).replace(/\.(dist|egg)-info$/, '');
      const dash = dir.indexOf('-');
      if (dash < 0) continue;
      name ||= normalizeName(dir.slice(0, dash));
      version ||= dir.slice(dash + 1);
    }
    out.set(name, version);
  }
  return out;
}

/** RFC 4180-ish CSV as Python's csv module writes and reads RECORD. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function recordHash(data: Uint8Array, algorithm = 'sha256'): string {
  return createHash(algorithm).update(data).digest('base64url');
}

const SCHEMES = ['purelib', 'platlib', 'scripts', 'data', 'headers'] as const;
type Scheme = (typeof SCHEMES)[number];

/**
 * Refuses a name no pip install would create as such: a whiteout (`.wh.`)
 * would delete the base's files once in a layer instead of being a file, and
 * a control character has no place in a path.
 */
function checkName(name: string, what: string, filename: string): void {
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f]/.test(name);
  if (control || name.split('/').some((p) => p.startsWith('.wh.')))
    throw new KuboxError(
      'integrity',
      `${filename}: ${what} ${JSON.stringify(name)} ${control ? 'has a control character in its name' : 'is named like an OCI whiteout (".wh."), which would delete files of the base instead of being a file'}`,
      { hint: 'do not install this wheel; pin another version' },
    );
}

function safeRelative(path: string, filename: string): string {
  const parts = path.split('/');
  checkName(path, 'the file', filename);
  if (path.startsWith('/') || path.includes('\\') || parts.some((p) => p === '..' || p === '.')) {
    throw new KuboxError(
      'integrity',
      `${filename} contains "${path}", which would install outside its directory`,
      {
        hint: 'do not install this wheel; report it to the project',
      },
    );
  }
  return path;
}

function verifyAgainstRecord(
  files: Record<string, Uint8Array>,
  distInfo: string,
  filename: string,
): void {
  const recordBytes = files[`${distInfo}/RECORD`];
  if (!recordBytes)
    throw new KuboxError(
      'integrity',
      `${filename} has no ${distInfo}/RECORD to verify its files against`,
    );
  const record = new Map<string, { hash: string; size: string }>();
  for (const [path = '', hash = '', size = ''] of parseCsv(decoder.decode(recordBytes)))
    record.set(path, { hash, size });
  const unsigned = new Set([
    `${distInfo}/RECORD`,
    `${distInfo}/RECORD.jws`,
    `${distInfo}/RECORD.p7s`,
  ]);
  for (const [path, data] of Object.entries(files)) {
    if (path.endsWith('/') || unsigned.has(path)) continue;
    const entry = record.get(path);
    const fail = (why: string): never => {
      throw new KuboxError('integrity', `${filename}: ${path} ${why}`, {
        hint: 'the wheel was altered after it was built, or the download is corrupt; download it again, and do not install it if this repeats',
      });
    };
    if (!entry || entry.hash === '') fail('is not listed with a hash in RECORD');
    const [algo = '', expected = ''] = entry!.hash.split('=', 2);
    if (!['sha256', 'sha384', 'sha512'].includes(algo))
      fail(`has a RECORD hash of unsupported kind "${algo}"`);
    if (recordHash(data, algo) !== expected.replace(/=+$/, ''))
      fail(`does not match its ${algo} in RECORD`);
    if (entry!.size !== '' && Number(entry!.size) !== data.length) {
      fail(`is ${data.length} bytes, RECORD says ${entry!.size}`);
    }
  }
}

interface EntryPoint {
  name: string;
  value: string;
  section: string;
}

/**
 * pip's get_console_script_specs: the `pip` and `easy_install` launchers are
 * renamed for the Python they are installed for (pip3.11 in a wheel becomes
 * pip3 and pip3.13 on a 3.13 target), dropping the versioned ones the wheel
 * was built with.
 */
function versionedScripts(eps: EntryPoint[], [major, minor]: [number, number]): EntryPoint[] {
  const out: EntryPoint[] = [];
  const consoles = eps.filter((e) => e.section === 'console_scripts');
  const pip = consoles.find((e) => e.name === 'pip');
  const easy = consoles.find((e) => e.name === 'easy_install');
  const dropped = (e: EntryPoint): boolean =>
    e.section === 'console_scripts' &&
    ((pip !== undefined && /^pip(\d+(\.\d+)?)?$/.test(e.name)) ||
      (easy !== undefined && /^easy_install(-\d+\.\d+)?$/.test(e.name)));
  if (pip) {
    for (const name of ['pip', `pip${major}`, `pip${major}.${minor}`]) out.push({ ...pip, name });
  }
  if (easy) {
    for (const name of ['easy_install', `easy_install-${major}.${minor}`])
      out.push({ ...easy, name });
  }
  return [...out, ...eps.filter((e) => !dropped(e))];
}

function parseEntryPoints(text: string): EntryPoint[] {
  const out: EntryPoint[] = [];
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || (section !== 'console_scripts' && section !== 'gui_scripts')) continue;
    out.push({ name: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim(), section });
  }
  return out;
}

/**
 * pip's console-script launcher (distlib's template, single quotes: pip 23.0.1 and
 * 25.1.1 write the same bytes) for `module:attr`.
 */
export function launcherScript(interpreter: string, value: string, context: string): string {
  const m = /^([\w.]+)\s*:\s*([\w.]+)\s*(?:\[.*\])?$/.exec(value);
  if (!m) {
    throw new KuboxError(
      'build-failed',
      `${context}: entry point "${value}" is not "module:function"`,
      {
        hint: 'pip refuses such entry points too; pin another version of the package',
      },
    );
  }
  const [, module, attr] = m as unknown as [string, string, string];
  return (
    `#!${interpreter}\n# -*- coding: utf-8 -*-\nimport re\nimport sys\n` +
    `from ${module} import ${attr.split('.')[0]}\n` +
    `if __name__ == '__main__':\n` +
    `    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n` +
    `    sys.exit(${attr}())\n`
  );
}

/** `#!python` at the top of a .data/scripts file means "the interpreter this is installed for". */
function fixShebang(data: Uint8Array, interpreter: string): Uint8Array {
  if (decoder.decode(data.subarray(0, 8)) !== '#!python') return data;
  let nl = data.indexOf(0x0a);
  if (nl < 0) nl = data.length;
  const rest = data.subarray(Math.min(nl + 1, data.length));
  const head = encoder.encode(`#!${interpreter}\n`);
  const out = new Uint8Array(head.length + rest.length);
  out.set(head);
  out.set(rest, head.length);
  return out;
}

export interface InstallOptions {
  /** Written to INSTALLER; "kubox" unless told. */
  installer?: string;
  /** Asked for by the user (not pulled in as a dependency): writes REQUESTED. */
  requested?: boolean;
}

/**
 * The files pip would install from this wheel: RECORD-verified, moved to the
 * target's scheme directories, with launchers for entry points, INSTALLER,
 * REQUESTED and a rewritten RECORD. Directories below the install roots are
 * included (0755); the roots themselves are the base image's.
 */
export function installWheel(
  wheelBytes: Uint8Array,
  filename: string,
  target: PythonTarget,
  opts: InstallOptions = {},
): FileEntry[] {
  const files = unzip(wheelBytes, filename);
  // An unreadable central directory is an error naming the wheel, never lost x bits.
  const modes = zipModes(wheelBytes, filename);
  const names = Object.keys(files);
  // Names first: a whiteout or a control character is refused as such, whatever RECORD says.
  for (const name of names) checkName(name, 'the file', filename);
  const distInfo = findDistInfo(names, filename);
  const wheelFile = files[`${distInfo}/WHEEL`];
  if (!wheelFile) throw new KuboxError('integrity', `${filename} has no ${distInfo}/WHEEL`);
  const wheelMeta = parseHeaders(decoder.decode(wheelFile));
  const wheelVersion = wheelMeta.get('wheel-version')?.[0] ?? '1.0';
  if (!wheelVersion.startsWith('1.')) {
    throw new KuboxError(
      'build-failed',
      `${filename} is format Wheel-Version ${wheelVersion}; kubox installs 1.x`,
      {
        hint: 'pin an older version of the package, or use `--engine buildx`',
      },
    );
  }
  verifyAgainstRecord(files, distInfo, filename);

  // pip names the headers directory with the project name as METADATA spells it.
  const metadataText = decoder.decode(files[`${distInfo}/METADATA`] ?? new Uint8Array());
  const displayName = parseHeaders(metadataText).get('name')?.[0] ?? distInfo.split('-')[0]!;
  const pureRoot = (wheelMeta.get('root-is-purelib')?.[0] ?? 'true').toLowerCase() === 'true';
  const root = pureRoot ? target.purelib : target.platlib;
  const headers =
    target.headers ??
    `${target.data}/include/python${target.version[0]}.${target.version[1]}/${displayName}`;
  const schemeDir: Record<Scheme, string> = {
    purelib: target.purelib,
    platlib: target.platlib,
    scripts: target.scripts,
    data: target.data,
    headers,
  };
  const dataDir = `${distInfo.slice(0, -'.dist-info'.length)}.data`;

  const out = new Map<string, FileEntry>();
  const put = (path: string, data: Uint8Array, mode: number): void => {
    out.set(path, { path, type: 'file', mode, uid: 0, gid: 0, data });
  };
  for (const name of names) {
    if (name.endsWith('/') || name === `${distInfo}/RECORD`) continue;
    if (name === `${distInfo}/INSTALLER` || name === `${distInfo}/REQUESTED`) continue;
    const rel = safeRelative(name, filename);
    const data = files[name]!;
    const executable = ((modes.get(name) ?? 0) & 0o111) !== 0;
    if (rel.startsWith(`${dataDir}/`)) {
      const [scheme = '', ...rest] = rel.slice(dataDir.length + 1).split('/');
      if (!(SCHEMES as readonly string[]).includes(scheme) || rest.length === 0) {
        throw new KuboxError(
          'integrity',
          `${filename}: ${rel} is in an unknown install scheme "${scheme}"`,
          {
            hint: `a wheel's .data directory holds only ${SCHEMES.join(', ')}`,
          },
        );
      }
      const dest = `${schemeDir[scheme as Scheme]}/${rest.join('/')}`;
      if (scheme === 'scripts') put(dest, fixShebang(data, target.interpreter), 0o755);
      else put(dest, data, executable ? 0o755 : 0o644);
    } else {
      put(`${root}/${rel}`, data, executable ? 0o755 : 0o644);
    }
  }

  const entryPoints = files[`${distInfo}/entry_points.txt`];
  if (entryPoints) {
    for (const ep of versionedScripts(
      parseEntryPoints(decoder.decode(entryPoints)),
      target.version,
    )) {
      // A console script is a file in the scripts directory: its name is one plain component.
      checkName(ep.name, 'the console script', filename);
      if (!/^[^/\\]+$/.test(ep.name) || ep.name === '.' || ep.name === '..')
        throw new KuboxError(
          'integrity',
          `${filename}: the console script ${JSON.stringify(ep.name)} is not a plain file name`,
          { hint: 'do not install this wheel; pin another version' },
        );
      const script = launcherScript(target.interpreter, ep.value, filename);
      put(`${target.scripts}/${ep.name}`, encoder.encode(script), 0o755);
    }
  }
  put(`${root}/${distInfo}/INSTALLER`, encoder.encode(`${opts.installer ?? 'kubox'}\n`), 0o644);
  if (opts.requested) put(`${root}/${distInfo}/REQUESTED`, new Uint8Array(), 0o644);

  const recordPath = `${root}/${distInfo}/RECORD`;
  const rows = [...out.values()].map((e) => [
    posix.relative(root, e.path),
    `sha256=${recordHash(e.data!)}`,
    String(e.data!.length),
  ]);
  rows.push([posix.relative(root, recordPath), '', '']);
  rows.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  put(
    recordPath,
    encoder.encode(rows.map((r) => `${r.map(csvField).join(',')}\n`).join('')),
    0o644,
  );

  const roots = [target.purelib, target.platlib, target.scripts, target.data];
  // Headers go below `data` on every usual layout; their per-project directory is new, so it is listed.
  if (!roots.some((r) => headers.startsWith(`${r}/`))) roots.push(headers);
  return [...directoriesFor([...out.keys()], roots), ...out.values()].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
}

/** Every directory strictly between an install root and a file below it. */
function directoriesFor(paths: readonly string[], roots: readonly string[]): FileEntry[] {
  const bases = [...new Set(roots)].sort((a, b) => b.length - a.length);
  const dirs = new Set<string>();
  for (const path of paths) {
    const base = bases.find((r) => path.startsWith(`${r}/`));
    if (base === undefined) continue;
    for (let d = posix.dirname(path); d.length > base.length; d = posix.dirname(d)) dirs.add(d);
  }
  return [...dirs].map((path) => ({ path, type: 'directory', mode: 0o755, uid: 0, gid: 0 }));
}
