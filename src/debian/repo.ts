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
import { parseParagraphs } from './control.js';
import { describeKeys } from './keyring.js';
import { PackageList } from './package-list.js';
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

/**
 * The decompressed text of a Packages index, derived once per index hash:
 * xz-decompressing bookworm's main index (9 MB to 50 MB) takes ~0.6 s,
 * reading the text back a fraction of that. Keyed by the compressed index's
 * sha256 from the signed InRelease, so it is exactly as trustworthy as the
 * cached index itself. (v2 kept every record parsed, as JSON: package-list.ts
 * says why no more.)
 */
function derivedPath(cache: ContentCache, sha256: string): string {
  return join(cache.root, 'derived', 'packages-v3', `${sha256}.txt`);
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

/**
 * Indexes being read now, by derived path: a flat repository has one index
 * for every architecture, and platforms resolve at once.
 */
const reading = new Map<string, Promise<Buffer>>();

/** Fetches (or reuses) one verified index and returns its text. */
function indexText(release: Release, loc: IndexLocation, cache: ContentCache): Promise<Buffer> {
  const derived = derivedPath(cache, release.files.get(loc.path)!.sha256);
  let text = reading.get(derived);
  if (!text) {
    text = readIndexText(release, loc, cache, derived).finally(() => reading.delete(derived));
    reading.set(derived, text);
  }
  return text;
}

async function readIndexText(
  release: Release,
  loc: IndexLocation,
  cache: ContentCache,
  derived: string,
): Promise<Buffer> {
  const entry = release.files.get(loc.path)!;
  try {
    return await readFile(derived);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
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
  const text = await decompressIndex(await readFile(path), loc);
  // Only a speed-up: failing to store it is not an error.
  await writeFileAtomic(derived, text).catch(() => {});
  return text;
}

/**
 * Every package of `arch` (and arch `all`, which Debian lists in each
 * architecture's index) in the release's components, read where the
 * resolver looks (package-list.ts). Each Packages index is the first of .xz,
 * .gz and plain that InRelease lists, checked against its signed SHA256 and
 * kept in the cache, so a second run reads it from disk.
 */
export async function fetchPackages(
  release: Release,
  arch: string,
  cache: ContentCache,
): Promise<PackageList> {
  const source = release.source;
  const components = isFlat(source) ? [''] : source.components;
  const texts = await Promise.all(
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
      return indexText(release, loc, cache);
    }),
  );
  return new PackageList(
    texts.map((text, i) => ({
      text,
      where: `${release.url} ${components[i] || 'Packages'}`,
      source: source.name,
      url: (filename: string) => poolUrl(source, filename),
    })),
  );
}
