/**
 * Reads a .deb without dpkg: the `ar` container, its control.tar (control,
 * md5sums, maintainer scripts...) and its data.tar as FileEntry values the
 * layer writer takes. Pure apart from the decompressors.
 */
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import lzma from '@napi-rs/lzma';
import { decompress as zstdDecompress } from 'fzstd';
import * as tar from 'tar-stream';
import { KuboxError } from '../errors.js';
import type { FileEntry } from '../oci/file-entry.js';

const gunzipAsync = promisify(gunzip);

export interface Deb {
  /** control.tar members by base name: "control", "md5sums", "conffiles", "postinst", "triggers"... */
  control: Map<string, Buffer>;
  /** data.tar, in archive order. */
  files: FileEntry[];
}

export interface ArMember {
  name: string;
  data: Buffer;
}

const AR_MAGIC = '!<arch>\n';

/** Splits an `ar` archive: "!<arch>\n", then 60-byte headers each followed by the member, padded to an even offset. */
export function readAr(bytes: Buffer, what: string): ArMember[] {
  const bad = (why: string) =>
    new KuboxError('integrity', `${what} is not a valid .deb: ${why}`, {
      hint: 'the file is truncated or corrupt; delete it from the kubox cache and download it again',
    });
  if (bytes.length < 8 || bytes.toString('latin1', 0, 8) !== AR_MAGIC) throw bad('no ar header');
  const members: ArMember[] = [];
  let off = 8;
  while (off < bytes.length) {
    // A single "\n" of padding may end the archive.
    if (off + 1 === bytes.length && bytes[off] === 0x0a) break;
    if (off + 60 > bytes.length) throw bad(`truncated member header at byte ${off}`);
    const header = bytes.toString('latin1', off, off + 60);
    if (header.slice(58, 60) !== '`\n') throw bad(`corrupt member header at byte ${off}`);
    // GNU ar ends names with "/"; BSD-style long names ("#1/len") do not occur in .debs.
    const name = header.slice(0, 16).trimEnd().replace(/\/$/, '');
    const size = Number.parseInt(header.slice(48, 58).trim(), 10);
    if (!Number.isFinite(size) || size < 0) throw bad(`member "${name}" has no size`);
    const start = off + 60;
    if (start + size > bytes.length) throw bad(`member "${name}" is truncated`);
    members.push({ name, data: bytes.subarray(start, start + size) });
    off = start + size + (size % 2);
  }
  return members;
}

async function decompress(member: ArMember, what: string): Promise<Buffer> {
  const ext = member.name.slice(member.name.lastIndexOf('.tar') + 4);
  try {
    switch (ext) {
      case '':
        return member.data;
      case '.gz':
        return await gunzipAsync(member.data);
      case '.xz':
        return Buffer.from(await lzma.xz.decompress(member.data));
      case '.zst':
        return Buffer.from(zstdDecompress(member.data));
    }
  } catch (e) {
    throw new KuboxError(
      'integrity',
      `${what}: ${member.name} does not decompress: ${(e as Error).message}`,
      {
        hint: 'the file is truncated or corrupt; delete it from the kubox cache and download it again',
        cause: e,
      },
    );
  }
  throw new KuboxError(
    'build-failed',
    `${what}: ${member.name} uses a compression kubox cannot read (${ext.slice(1)})`,
    {
      hint: 'kubox reads .debs compressed with gzip, xz or zstd; use another version of the package or --engine buildx',
    },
  );
}

/** "./usr/bin/vim" -> "usr/bin/vim", "./usr/" -> "usr", "./" and "." -> "". */
function normalise(path: string): string {
  let p = path;
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/^\/+/, '').replace(/\/+$/, '');
  return p === '.' ? '' : p;
}

interface TarMember {
  header: tar.Header;
  path: string;
  data?: Buffer;
}

async function readTar(bytes: Buffer, what: string, member: string): Promise<TarMember[]> {
  const out: TarMember[] = [];
  const ex = tar.extract();
  try {
    const done = (async () => {
      for await (const entry of ex) {
        const parts: Buffer[] = [];
        for await (const c of entry) parts.push(c as Buffer);
        const path = normalise(entry.header.name);
        out.push({
          header: entry.header,
          path,
          ...(entry.header.type === 'file' ? { data: Buffer.concat(parts) } : {}),
        });
      }
    })();
    ex.end(bytes);
    await done;
  } catch (e) {
    throw new KuboxError(
      'integrity',
      `${what}: ${member} is not a readable tar archive: ${(e as Error).message}`,
      {
        hint: 'the file is truncated or corrupt; delete it from the kubox cache and download it again',
        cause: e,
      },
    );
  }
  return out;
}

function toEntry(m: TarMember, what: string): FileEntry | undefined {
  const h = m.header;
  if (m.path === '') return undefined;
  const common = {
    path: m.path,
    mode: (h.mode ?? 0o644) & 0o7777,
    uid: h.uid ?? 0,
    gid: h.gid ?? 0,
  };
  switch (h.type) {
    case 'file':
    case 'contiguous-file':
      return { ...common, type: 'file', data: m.data ?? Buffer.alloc(0) };
    case 'directory':
      return { ...common, type: 'directory' };
    case 'symlink':
      return { ...common, type: 'symlink', linkname: h.linkname ?? '' };
    case 'link':
      return { ...common, type: 'hardlink', linkname: normalise(h.linkname ?? '') };
    default:
      throw new KuboxError(
        'build-failed',
        `${what}: ${m.path} is a ${h.type ?? 'special file'}, which an image layer built by kubox cannot hold`,
        { hint: 'leave this package out, or build with --engine buildx' },
      );
  }
}

/** Reads a .deb held in memory. `what` names it in errors ("vim_2:9.0.1378-2_amd64.deb"). */
export async function readDeb(bytes: Buffer, what: string): Promise<Deb> {
  const members = readAr(bytes, what);
  if (members[0]?.name !== 'debian-binary')
    throw new KuboxError(
      'integrity',
      `${what} is not a .deb: it does not start with debian-binary`,
      {
        hint: 'check the URL: it should serve a Debian binary package',
      },
    );
  const format = members[0].data.toString('latin1').trim();
  if (!format.startsWith('2.'))
    throw new KuboxError(
      'build-failed',
      `${what} is a format ${format} .deb, which kubox cannot read`,
      {
        hint: 'only format 2.x packages exist in current Debian',
      },
    );
  const controlMember = members.find((m) => /^control\.tar(\.\w+)?$/.test(m.name));
  const dataMember = members.find((m) => /^data\.tar(\.\w+)?$/.test(m.name));
  if (!controlMember || !dataMember)
    throw new KuboxError(
      'integrity',
      `${what} has no ${controlMember ? 'data.tar' : 'control.tar'} member`,
      {
        hint: 'the file is truncated or corrupt; delete it from the kubox cache and download it again',
      },
    );

  const [controlTar, dataTar] = await Promise.all([
    decompress(controlMember, what),
    decompress(dataMember, what),
  ]);
  const control = new Map<string, Buffer>();
  for (const m of await readTar(controlTar, what, controlMember.name)) {
    if (m.header.type !== 'file' || !m.data) continue;
    control.set(m.path.slice(m.path.lastIndexOf('/') + 1), m.data);
  }
  if (!control.has('control'))
    throw new KuboxError('integrity', `${what} has no control file in ${controlMember.name}`, {
      hint: 'the file is truncated or corrupt; delete it from the kubox cache and download it again',
    });
  const files: FileEntry[] = [];
  for (const m of await readTar(dataTar, what, dataMember.name)) {
    const e = toEntry(m, what);
    if (e) files.push(e);
  }
  return { control, files };
}
