/**
 * A package index's Simple API (PEP 503 HTML, PEP 691 JSON), and downloads
 * from it checked against the hashes it publishes, over the HTTP layer
 * (retries, time-outs; credentials in the index URL never in a message).
 * Effects: network.
 */
import { createHash } from 'node:crypto';
import { KuboxError } from '../errors.js';
import { http, httpOf, type BodyLimit, type Fetcher } from '../http/client.js';
import { redact, statusError } from '../http/error.js';
import { normalizeName, parseSdistFilename, parseWheelFilename } from './name.js';
import { readWheelMetadata } from './wheel.js';

export interface Distribution {
  /** Normalised (PEP 503) project name. */
  name: string;
  version: string;
  filename: string;
  /** Absolute download URL, without the #sha256= fragment. */
  url: string;
  /** Hex sha256 the index publishes; undefined when it publishes none. */
  sha256?: string;
  requiresPython?: string;
  yanked: boolean;
  yankedReason?: string;
  kind: 'wheel' | 'sdist';
  /** Expanded PEP 425 tags (wheels only). */
  tags?: string[];
  /** PEP 658/714: the core metadata is served on its own at `<url>.metadata`. */
  metadataUrl?: string;
  metadataSha256?: string;
  /** Bytes, when the index says (PEP 700 `size`, JSON only): enforced while downloading. */
  size?: number;
}

const ACCEPT =
  'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01';

function projectUrl(indexUrl: string, project: string): string {
  const base = indexUrl.endsWith('/') ? indexUrl : `${indexUrl}/`;
  return new URL(`${normalizeName(project)}/`, base).href;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, e: string) => {
    if (e[0] === '#')
      return String.fromCodePoint(
        e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10),
      );
    return ENTITIES[e.toLowerCase()] ?? whole;
  });
}

interface RawFile {
  filename: string;
  href: string;
  sha256?: string;
  requiresPython?: string;
  yanked: boolean | string;
  /** true, or a hash, when the index offers PEP 658 metadata. */
  metadata?: boolean | string;
  size?: number;
}

function parseHtml(html: string): RawFile[] {
  const out: RawFile[] = [];
  for (const m of html.matchAll(/<a\s([^>]*)>([\s\S]*?)<\/a\s*>/gi)) {
    const attrs = new Map<string, string>();
    for (const a of m[1]!.matchAll(/([\w-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
      attrs.set(a[1]!.toLowerCase(), decodeEntities(a[2] ?? a[3] ?? a[4] ?? ''));
    }
    const href = attrs.get('href');
    if (href === undefined) continue;
    const text = decodeEntities(m[2]!.replace(/<[^>]*>/g, '')).trim();
    const meta = attrs.get('data-core-metadata') ?? attrs.get('data-dist-info-metadata');
    const metaHash = meta?.startsWith('sha256=') ? meta.slice(7) : undefined;
    out.push({
      filename:
        text || decodeURIComponent(new URL(href, 'http://x/').pathname.split('/').pop() ?? ''),
      href,
      ...(attrs.has('data-requires-python')
        ? { requiresPython: attrs.get('data-requires-python')! }
        : {}),
      yanked: attrs.has('data-yanked') ? attrs.get('data-yanked') || true : false,
      ...(meta !== undefined && meta !== 'false' ? { metadata: metaHash ?? true } : {}),
    });
  }
  return out;
}

interface JsonFile {
  filename?: unknown;
  url?: unknown;
  hashes?: unknown;
  'requires-python'?: unknown;
  yanked?: unknown;
  'core-metadata'?: unknown;
  'dist-info-metadata'?: unknown;
  size?: unknown;
}

function parseJson(body: unknown, url: string): RawFile[] {
  const files = (body as { files?: unknown } | null)?.files;
  if (!Array.isArray(files)) {
    throw new KuboxError(
      'network',
      `${redact(url)} answered JSON without a "files" list, which is not the PEP 691 Simple API`,
    );
  }
  return (files as JsonFile[]).flatMap((f): RawFile[] => {
    if (typeof f.filename !== 'string' || typeof f.url !== 'string') return [];
    const hashes = (f.hashes ?? {}) as Record<string, unknown>;
    const meta = f['core-metadata'] ?? f['dist-info-metadata'];
    const metaHash = (meta as Record<string, unknown> | null)?.sha256;
    return [
      {
        filename: f.filename,
        href: f.url,
        ...(typeof f.size === 'number' && Number.isSafeInteger(f.size) && f.size >= 0
          ? { size: f.size }
          : {}),
        ...(typeof hashes.sha256 === 'string' ? { sha256: hashes.sha256 } : {}),
        ...(typeof f['requires-python'] === 'string'
          ? { requiresPython: f['requires-python'] }
          : {}),
        yanked: typeof f.yanked === 'string' ? f.yanked || true : f.yanked === true,
        ...(meta && meta !== false
          ? { metadata: typeof metaHash === 'string' ? metaHash : true }
          : {}),
      },
    ];
  });
}

/**
 * Every wheel and sdist of `project` on a Simple API index. JSON (PEP 691)
 * is asked for first; an index that answers HTML (PEP 503) is read as HTML.
 * Files that are neither a wheel nor an sdist of this project are skipped.
 */
export async function listDistributions(
  indexUrl: string,
  project: string,
  fetcher: Fetcher = http,
): Promise<Distribution[]> {
  const url = projectUrl(indexUrl, project);
  const { raw, pageUrl } = await httpOf(fetcher).read(
    {
      url,
      headers: { Accept: ACCEPT },
      limit: { bytes: MAX_PAGE_BYTES, what: 'the cap on index pages' },
    },
    async (res) => {
      if (res.status === 404)
        throw await statusError(res, {
          method: 'GET',
          url,
          kind: 'not-found',
          message: `no project "${project}" on the index ${indexUrl} (${url} answered 404)`,
          hint: 'check the spelling of the package, and that the index URL is a Simple API root (ends in /simple/)',
        });
      if (!res.ok)
        throw await statusError(res, {
          method: 'GET',
          url,
          message: `${url} answered ${res.status} ${res.statusText}`,
        });
      const type = res.headers.get('content-type') ?? '';
      return {
        // Where the page really is, after redirects, without credentials: its links are relative to it.
        pageUrl: res.url || redact(url),
        raw: await readBody(url, async () =>
          type.includes('json') ? parseJson(await res.json(), url) : parseHtml(await res.text()),
        ),
      };
    },
  );
  const name = normalizeName(project);
  const out: Distribution[] = [];
  for (const f of raw) {
    let abs: URL;
    try {
      abs = new URL(f.href, pageUrl);
    } catch {
      continue; // a link that is not a URL names no file kubox could fetch
    }
    const fragment = /^#sha256=([0-9a-f]{64})$/i.exec(abs.hash);
    abs.hash = '';
    const sha256 = (f.sha256 ?? fragment?.[1])?.toLowerCase();
    const wheel = parseWheelFilename(f.filename);
    const sdist = wheel ? undefined : parseSdistFilename(f.filename, name);
    if (wheel && wheel.name !== name) continue;
    const version = wheel?.version ?? sdist?.version;
    if (version === undefined) continue;
    out.push({
      name,
      version,
      filename: f.filename,
      url: abs.href,
      ...(sha256 !== undefined ? { sha256 } : {}),
      ...(f.requiresPython !== undefined && f.requiresPython.trim() !== ''
        ? { requiresPython: f.requiresPython }
        : {}),
      yanked: f.yanked !== false,
      ...(typeof f.yanked === 'string' ? { yankedReason: f.yanked } : {}),
      kind: wheel ? 'wheel' : 'sdist',
      ...(wheel ? { tags: wheel.tags } : {}),
      ...(f.metadata !== undefined ? { metadataUrl: `${abs.href}.metadata` } : {}),
      ...(typeof f.metadata === 'string' ? { metadataSha256: f.metadata.toLowerCase() } : {}),
      ...(f.size !== undefined ? { size: f.size } : {}),
    });
  }
  return out;
}

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A body that breaks off or does not parse is the index's failure, named by its URL. */
async function readBody<T>(url: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof KuboxError) throw e;
    throw new KuboxError('network', `${redact(url)}: ${(e as Error).message}`, {
      hint: 'the index answered with a broken or cut-off response; try again, or check pip.indexUrl',
      cause: e,
    });
  }
}

/**
 * Caps on what has no declared size (the Simple API gives none in HTML). A
 * project page lists every file of every release: PyPI's largest are a few
 * MiB. Wheels are held in memory until installed: 1 GiB is above any wheel
 * a debug image would carry, and keeps an endless body from taking the
 * machine's memory. A METADATA file is a few KiB.
 */
const MAX_PAGE_BYTES = 64 * 1024 * 1024;
const MAX_DISTRIBUTION_BYTES = 1024 * 1024 * 1024;
const MAX_METADATA_BYTES = 16 * 1024 * 1024;

async function download(
  url: string,
  fetcher: Fetcher,
  what: string,
  expected: string | undefined,
  limit: BodyLimit,
): Promise<Uint8Array> {
  const bytes = await httpOf(fetcher).read({ url, limit }, async (res) => {
    if (!res.ok)
      throw await statusError(res, {
        method: 'GET',
        url,
        kind: res.status === 404 ? 'not-found' : 'network',
        message: `${what}: ${url} answered ${res.status} ${res.statusText}`,
      });
    return readBody(url, async () => new Uint8Array(await res.arrayBuffer()));
  });
  if (expected !== undefined && sha256Hex(bytes) !== expected) {
    throw new KuboxError(
      'integrity',
      `${what} from ${redact(url)} has sha256 ${sha256Hex(bytes)}, the index says ${expected}`,
      {
        hint: 'the download is corrupt or was replaced; try again, and do not use this index if it repeats',
      },
    );
  }
  return bytes;
}

/**
 * Downloads a distribution, checked against the index's sha256 when it has
 * one. The returned sha256 is what to lock: the index's, or, when it
 * published none, the hash of what was downloaded.
 */
export async function downloadDistribution(
  d: Pick<Distribution, 'url' | 'filename' | 'sha256' | 'size'>,
  fetcher: Fetcher = http,
): Promise<{ bytes: Uint8Array; sha256: string }> {
  const limit: BodyLimit =
    d.size !== undefined && d.size <= MAX_DISTRIBUTION_BYTES
      ? { bytes: d.size, what: 'the size the index gives', kind: 'integrity' }
      : { bytes: MAX_DISTRIBUTION_BYTES, what: 'the cap on one distribution' };
  const bytes = await download(d.url, fetcher, d.filename, d.sha256, limit);
  return { bytes, sha256: d.sha256 ?? sha256Hex(bytes) };
}

/** The PEP 658 metadata file of a distribution, or undefined when the index offers none. */
export async function fetchCoreMetadata(
  d: Distribution,
  fetcher: Fetcher = http,
): Promise<string | undefined> {
  if (d.metadataUrl === undefined) return undefined;
  const bytes = await download(
    d.metadataUrl,
    fetcher,
    `metadata of ${d.filename}`,
    d.metadataSha256,
    { bytes: MAX_METADATA_BYTES, what: 'the cap on metadata files' },
  );
  return new TextDecoder().decode(bytes);
}

/**
 * A `fetchWheelMetadata` for resolveWheels that downloads the whole wheel and
 * reads its METADATA; pass a cache to keep the bytes for installing later.
 */
export function metadataByDownload(
  fetcher: Fetcher = http,
  cache?: Map<string, { bytes: Uint8Array; sha256: string }>,
): (d: Distribution) => Promise<string> {
  const client = httpOf(fetcher);
  return async (d) => {
    const got = cache?.get(d.url) ?? (await downloadDistribution(d, client));
    cache?.set(d.url, got);
    return readWheelMetadata(got.bytes, d.filename);
  };
}
