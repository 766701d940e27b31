/**
 * An apt repository client: the signed InRelease of a source, and its
 * Packages indexes checked against it, downloaded through the content cache.
 * Nothing read from a repository is used before its signature, or the hash
 * the signed InRelease gives it, has been checked.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import lzma from '@napi-rs/lzma';
import * as openpgp from 'openpgp';
import type { ContentCache } from '../cache.js';
import { KuboxError } from '../errors.js';
import type { Http } from '../http/client.js';
import { download, fetchBytes } from '../http/download.js';
import { HttpError } from '../http/error.js';
import { writeFileAtomic } from '../fs.js';
import { ControlError, parseParagraphs, RelationParser, scanFields } from './control.js';
import { describeKeys } from './keyring.js';
import { IndexedPackage, type RelationField, type StoredPackage } from './indexed-package.js';
import { multiArchOf, type PackageRecord } from './resolve.js';
import {
  byHashUrl,
  isFlat,
  packagesUrls,
  poolUrl,
  releaseUrl,
  type AptSource,
  type IndexLocation,
} from './sources.js';

const gunzipAsync = promisify(gunzip);

export interface Release {
  source: AptSource;
  /** The InRelease URL, for messages. */
  url: string;
  date: string;
  validUntil?: string;
  /** sha256 (hex) of the InRelease file as downloaded: what a lock pins. */
  inReleaseSha256: string;
  /** Acquire-By-Hash: yes: indexes can be fetched by their hash, immune to a mirror updating mid-run. */
  acquireByHash: boolean;
  /** The SHA256 section: path relative to the release directory -> hash and size. */
  files: Map<string, { sha256: string; size: number }>;
}

const MAX_INRELEASE = 16 * 1024 * 1024;

/** Verifies a clearsigned InRelease with `keys` and returns the signed text. */
export async function verifyInRelease(
  text: string,
  keys: readonly openpgp.PublicKey[],
  where: { url: string; keys: AptSource['keys'] },
): Promise<string> {
  const fail = (why: string) =>
    new KuboxError(
      'integrity',
      `${where.url}: signature does not verify against ${describeKeys(where.keys)}${why ? ` (${why})` : ''}`,
      {
        hint:
          where.keys === 'debian'
            ? 'the mirror may be serving tampered or stale files: try again, or use another mirror'
            : 'check that the repository key URL is the one that signs this repository, and that the repository URL is right',
      },
    );
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: text });
  } catch (e) {
    throw fail(`not a clearsigned file: ${(e as Error).message}`);
  }
  let result: Awaited<ReturnType<typeof openpgp.verify>>;
  try {
    result = await openpgp.verify({ message, verificationKeys: [...keys] });
  } catch (e) {
    throw fail((e as Error).message);
  }
  // InRelease files carry several signatures (one per archive key in
  // rotation); one by a key we trust that verifies is enough, as for apt.
  const reasons: string[] = [];
  for (const sig of result.signatures) {
    try {
      await sig.verified;
      return result.data as string;
    } catch (e) {
      reasons.push(`${sig.keyID.toHex()}: ${(e as Error).message}`);
    }
  }
  throw fail(reasons.join('; ') || 'no signatures');
}

/** Parses the signed Release text: dates, Acquire-By-Hash and the SHA256 section. */
export function parseRelease(
  text: string,
  source: AptSource,
  url: string,
  inReleaseSha256: string,
): Release {
  let p;
  try {
    p = parseParagraphs(text)[0];
  } catch (e) {
    throw new KuboxError('integrity', `${url}: ${(e as Error).message}`, { cause: e });
  }
  if (!p) throw new KuboxError('integrity', `${url} is empty`);
  const files = new Map<string, { sha256: string; size: number }>();
  for (const line of (p.get('SHA256') ?? '').split('\n')) {
    const [sha256, size, path] = line.trim().split(/\s+/);
    if (sha256 && size && path && /^[0-9a-f]{64}$/.test(sha256))
      files.set(path, { sha256, size: Number.parseInt(size, 10) });
  }
  if (files.size === 0)
    throw new KuboxError('integrity', `${url} lists no SHA256 checksums`, {
      hint: 'kubox needs SHA256 entries to check the indexes; the repository is too old or broken',
    });
  const validUntil = p.get('Valid-Until');
  return {
    source,
    url,
    date: p.get('Date') ?? '',
    ...(validUntil ? { validUntil } : {}),
    inReleaseSha256,
    acquireByHash: p.get('Acquire-By-Hash')?.toLowerCase() === 'yes',
    files,
  };
}

/** Downloads, verifies and parses a source's InRelease. */
export async function fetchRelease(
  source: AptSource,
  opts: { keys: readonly openpgp.PublicKey[]; now?: Date; http?: Http },
): Promise<Release> {
  const url = releaseUrl(source);
  const bytes = await fetchBytes(url, {
    maxBytes: MAX_INRELEASE,
    ...(opts.http ? { http: opts.http } : {}),
  });
  const signed = await verifyInRelease(bytes.toString('utf8'), opts.keys, {
    url,
    keys: source.keys,
  });
  const release = parseRelease(
    signed,
    source,
    url,
    createHash('sha256').update(bytes).digest('hex'),
  );
  // A stale InRelease replayed by a mirror or an attacker is refused, as apt
  // does; snapshot sources opt out (checkValidUntil: false) since every
  // snapshot is by design an old, expired release file.
  if (release.validUntil && source.checkValidUntil !== false) {
    const until = Date.parse(release.validUntil);
    const now = (opts.now ?? new Date()).getTime();
    if (Number.isNaN(until))
      throw new KuboxError(
        'integrity',
        `${url}: Valid-Until "${release.validUntil}" is not a date`,
      );
    if (until < now)
      throw new KuboxError(
        'integrity',
        `${url} expired on ${release.validUntil} (Valid-Until); the mirror is serving stale metadata`,
        {
          hint: 'try again later or use another mirror; check that the clock of this machine is right',
        },
      );
  }
  return release;
}

/** The fields a PackageRecord is built from. */
const FIELDS = [
  'Package',
  'Version',
  'Architecture',
  'Essential',
  'Multi-Arch',
  'Pre-Depends',
  'Depends',
  'Recommends',
  'Conflicts',
  'Breaks',
  'Provides',
  'Filename',
  'SHA256',
  'Size',
] as const;
type Row = (string | undefined)[];

/** Pre-Depends .. Breaks, in FIELDS' order (columns 5 to 9 of a row). */
const RELATION_FIELDS: readonly RelationField[] = [
  'preDepends',
  'depends',
  'recommends',
  'conflicts',
  'breaks',
];

/**
 * A record as the derived cache stores it: independent of the source it was
 * read from (url and source are added on load), relations as written (parsed
 * when the resolver asks: indexed-package.ts), empty ones left out.
 */
function storedRecord(row: Row, relations: RelationParser, where: string): StoredPackage {
  const [name = '', version = '', architecture = 'all', essential, multiArch] = row;
  const [prov, filename, sha256, size] = row.slice(10);
  const ma = multiArchOf(multiArch);
  const out: StoredPackage = { name, version, architecture };
  if (essential === 'yes') out.essential = true;
  if (ma) out.multiArch = ma;
  const raw: Partial<Record<RelationField, string>> = {};
  RELATION_FIELDS.forEach((field, i) => {
    const value = row[5 + i]?.trim();
    if (value) raw[field] = value;
  });
  if (Object.keys(raw).length > 0) out.relations = raw;
  // Provides is read for every package (the index of virtual names), so it is parsed now.
  try {
    if (prov) out.provides = relations.parse(prov).flat();
  } catch (e) {
    if (!(e instanceof ControlError)) throw e;
    throw new KuboxError('integrity', `${where}: package ${name} ${version}: ${e.message}`, {
      cause: e,
    });
  }
  if (filename) out.filename = filename;
  if (sha256) out.sha256 = sha256.toLowerCase();
  if (size) out.size = Number.parseInt(size, 10);
  return out;
}

/**
 * Parsed records of a Packages index, derived once per index hash:
 * decompressing, scanning and parsing the relations of bookworm's 9 MB
 * Packages.xz (63k packages, 340k relation atoms) takes seconds, reading
 * them back as JSON a fraction of that. Keyed by the compressed index's
 * sha256 from the signed InRelease, so it is exactly as trustworthy as the
 * cached index itself. Bump the version when StoredPackage changes (v2: relations
 * kept as written).
 */
function derivedPath(cache: ContentCache, sha256: string): string {
  return join(cache.root, 'derived', 'packages-v2', `${sha256}.json`);
}

async function readDerived(path: string): Promise<StoredPackage[] | undefined> {
  try {
    const records = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return Array.isArray(records) ? (records as StoredPackage[]) : undefined;
  } catch {
    return undefined;
  }
}

async function decompressIndex(bytes: Buffer, loc: IndexLocation): Promise<Buffer> {
  try {
    if (loc.compression === 'xz') return await lzma.xz.decompress(bytes);
    if (loc.compression === 'gz') return await gunzipAsync(bytes);
    return bytes;
  } catch (e) {
    throw new KuboxError('integrity', `${loc.url} does not decompress: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Text read per piece of an index: ~1 MB of paragraphs, instead of one 50 MB string. */
const INDEX_PIECE = 1 << 20;

/**
 * An index's records as JSON, a piece of the text at a time: each piece's
 * records become a comma-separated run of JSON objects before the next piece
 * is read, so the slices they hold of its text go with them. The text is read
 * as latin1: one byte per char, so no byte is lost and the string is a
 * one-byte one (decoded as UTF-8, bookworm's main index, non-ASCII in
 * Maintainer and Description, is a two-byte string of 100 MB). JSON.stringify
 * escapes only ASCII, so latin1 chars come out as the index's own bytes: a
 * run written as latin1 is that JSON in UTF-8 (see `utf8`).
 */
function indexRuns(text: Buffer, url: string): string[] {
  const relations = new RelationParser();
  const runs: string[] = [];
  let line = 1;
  for (let at = 0; at < text.length;) {
    // Pieces end after an empty line, where a paragraph ends.
    const blank = text.indexOf('\n\n', at + INDEX_PIECE);
    const end = blank < 0 ? text.length : blank + 2;
    let rows: Row[];
    try {
      rows = scanFields(text.toString('latin1', at, end), FIELDS, line);
    } catch (e) {
      if (e instanceof ControlError)
        throw new KuboxError('integrity', `${url}: ${e.message}`, { cause: e });
      throw e;
    }
    const records = rows.filter((r) => r[0] && r[1]).map((r) => storedRecord(r, relations, url));
    if (records.length > 0) runs.push(JSON.stringify(records).slice(1, -1));
    for (let nl = text.indexOf(10, at); nl >= 0 && nl < end; nl = text.indexOf(10, nl + 1)) line++;
    at = end;
  }
  return runs;
}

/** Runs of JSON objects as the bytes of one JSON array, a run at a time. */
function* jsonArray(runs: readonly string[]): Generator<Buffer> {
  yield Buffer.from('[');
  for (let i = 0; i < runs.length; i++)
    yield Buffer.from(i > 0 ? `,${runs[i]}` : runs[i]!, 'latin1');
  yield Buffer.from(']');
}

/** A string read as latin1 (one char per byte), as the UTF-8 text those bytes are. */
const utf8 = (latin1: string) =>
  /[\x80-\xff]/.test(latin1) ? Buffer.from(latin1, 'latin1').toString('utf8') : latin1;

/** Fetches (or reuses) one verified index and returns its records. */
async function indexRecords(
  release: Release,
  loc: IndexLocation,
  cache: ContentCache,
): Promise<StoredPackage[]> {
  const entry = release.files.get(loc.path)!;
  const derived = derivedPath(cache, entry.sha256);
  const cached = await readDerived(derived);
  if (cached) return cached;
  const item = { sha256: entry.sha256, size: entry.size, what: `${release.url} ${loc.path}` };
  let path: string;
  if (release.acquireByHash) {
    try {
      path = await download(cache, {
        ...item,
        url: byHashUrl(release.source, loc.path, entry.sha256),
      });
    } catch (e) {
      // A mirror that advertises by-hash but lacks the file: the plain path, still checked by hash.
      if (!(e instanceof HttpError)) throw e;
      path = await download(cache, { ...item, url: loc.url });
    }
  } else {
    path = await download(cache, { ...item, url: loc.url });
  }
  const runs = indexRuns(await decompressIndex(await readFile(path), loc), loc.url);
  // Only a speed-up: failing to store it is not an error.
  await writeFileAtomic(derived, jsonArray(runs)).catch(() => {});
  // The records as a warm run reads them back, a run at a time: fresh strings. Those
  // scanFields cut out of the text are slices that keep it alive, and a lock made from them
  // would hold it until the build ends.
  const records: StoredPackage[] = [];
  for (const run of runs)
    for (const r of JSON.parse(utf8(`[${run}]`)) as StoredPackage[]) records.push(r);
  return records;
}

/**
 * Every package of `arch` (and arch `all`, which Debian lists in each
 * architecture's index) in the release's components. Each Packages index is
 * the first of .xz, .gz and plain that InRelease lists, checked against its
 * signed SHA256 and kept in the cache, so a second run reads it from disk.
 */
export async function fetchPackages(
  release: Release,
  arch: string,
  cache: ContentCache,
): Promise<PackageRecord[]> {
  const source = release.source;
  const components = isFlat(source) ? [''] : source.components;
  const out: PackageRecord[] = [];
  const all = await Promise.all(
    components.map(async (component) => {
      const candidates = packagesUrls(source, arch, component);
      const loc = candidates.find((c) => release.files.has(c.path));
      if (!loc)
        throw new KuboxError(
          'integrity',
          `${release.url} lists no Packages index for ${isFlat(source) ? 'this flat repository' : `${component}/binary-${arch}`}`,
          {
            hint: isFlat(source)
              ? 'check the repository URL'
              : `check that ${source.suite} has component ${component} for ${arch}`,
          },
        );
      return indexRecords(release, loc, cache);
    }),
  );
  // One parser per fetch: an atom ("libc6 (>= 2.34)") met again is the same frozen object.
  const parser = new RelationParser();
  all.forEach((rows, i) => {
    const where = `${release.url} ${components[i] || 'Packages'}`;
    for (const r of rows)
      out.push(
        new IndexedPackage(r, {
          source: source.name,
          ...(r.filename ? { url: poolUrl(source, r.filename) } : {}),
          where,
          parser,
        }),
      );
  });
  return out;
}
