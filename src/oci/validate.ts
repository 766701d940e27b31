/**
 * Checking what a registry sends before any of it is used: digests (which go
 * into URLs and file names), and manifests and indexes (whose fields the
 * image model reads). A registry is not trusted to send JSON, objects,
 * arrays or digests where the spec says so: a `sha256:../../x` in an index
 * would otherwise become a request path, and a `null` manifest a TypeError.
 * Pure.
 */
import { KuboxError } from '../errors.js';
import type { Descriptor, Index, Manifest } from './types.js';

/**
 * The digests kubox can check: sha256 and sha512, lower-case hex of their
 * exact length (the OCI spec's registered algorithms). Anything else is
 * refused rather than used unchecked.
 */
const DIGEST = /^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

/** A tag, as the distribution spec allows it (what may follow `/manifests/` besides a digest). */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/**
 * The caps on documents with no declared size. The distribution registry and
 * containerd refuse manifests over 4 MiB; an image config is a few KiB
 * (history included), so 16 MiB is generous; a token response is a JWT.
 */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
export const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;
/** Of an error body, only this much is read: kubox quotes 300 characters of it. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

export function isDigest(s: unknown): s is string {
  return typeof s === 'string' && DIGEST.test(s);
}

/** A hostile string shown safely: quoted, control characters escaped, and short. */
export function shown(s: unknown): string {
  if (typeof s !== 'string') return (JSON.stringify(s) ?? String(s)).slice(0, 80);
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
}

/** `digest` when it is one kubox can check; else a KuboxError naming `where` it came from. */
export function checkDigest(digest: unknown, where: string): string {
  if (isDigest(digest)) return digest;
  throw new KuboxError(
    'registry',
    `${where}: ${shown(digest)} is not a valid digest (sha256: and 64 lower-case hex digits, or sha512: and 128)`,
    { hint: 'the registry sent a malformed or hostile reference; nothing was fetched with it' },
  );
}

/** A tag or digest to put after `/manifests/`. */
export function checkManifestReference(reference: string, where: string): string {
  if (reference.includes(':')) return checkDigest(reference, where);
  if (TAG.test(reference)) return reference;
  throw new KuboxError('usage', `${where}: ${shown(reference)} is not a valid tag`, {
    hint: 'a tag is up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`',
  });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function invalid(where: string, what: string): KuboxError {
  return new KuboxError('registry', `${where} is not a valid manifest or index: ${what}`, {
    hint: 'the registry (or something between) sent a broken document; nothing from it was used',
  });
}

/** A descriptor's fields checked: a media type, a digest kubox can check, a size that is a count of bytes. */
function checkDescriptor(d: unknown, where: string, path: string): Descriptor {
  if (!isObject(d)) throw invalid(where, `${path} is not an object`);
  if (typeof d.mediaType !== 'string') throw invalid(where, `${path}.mediaType is not a string`);
  if (!isDigest(d.digest))
    throw invalid(where, `${path}.digest ${shown(d.digest)} is not a valid digest`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0)
    throw invalid(where, `${path}.size ${shown(d.size)} is not a byte count`);
  if (d.platform !== undefined) {
    const p = d.platform;
    if (!isObject(p) || typeof p.os !== 'string' || typeof p.architecture !== 'string')
      throw invalid(where, `${path}.platform has no os and architecture`);
  }
  return d as unknown as Descriptor;
}

/**
 * The manifest or index in `bytes`, checked enough for the image model to
 * read it: a JSON object with either a `manifests` array of descriptors (an
 * index) or a `config` descriptor and a `layers` array (a manifest).
 * `where` names it in errors: "manifest 127.0.0.1:5000/team/img:1.0".
 */
export function parseManifestDocument(bytes: Uint8Array, where: string): Index | Manifest {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw invalid(where, `not JSON (${(e as Error).message})`);
  }
  if (!isObject(doc))
    throw invalid(where, `it is ${doc === null ? 'null' : typeof doc}, not an object`);
  if (doc.mediaType !== undefined && typeof doc.mediaType !== 'string')
    throw invalid(where, 'mediaType is not a string');
  if ('manifests' in doc) {
    if (!Array.isArray(doc.manifests)) throw invalid(where, '`manifests` is not an array');
    doc.manifests.forEach((m, i) => checkDescriptor(m, where, `manifests[${i}]`));
    return doc as unknown as Index;
  }
  if (!('config' in doc)) throw invalid(where, 'it has neither `manifests` nor `config`');
  checkDescriptor(doc.config, where, 'config');
  if (!Array.isArray(doc.layers)) throw invalid(where, '`layers` is not an array');
  doc.layers.forEach((l, i) => checkDescriptor(l, where, `layers[${i}]`));
  return doc as unknown as Manifest;
}

/** An image config's bytes checked to be a JSON object (what the model reads fields of). */
export function checkConfigDocument(bytes: Uint8Array, where: string): void {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new KuboxError('registry', `${where} is not JSON (${(e as Error).message})`, {
      hint: 'the registry sent a broken image config; nothing from it was used',
    });
  }
  if (!isObject(doc))
    throw new KuboxError('registry', `${where} is not a JSON object`, {
      hint: 'the registry sent a broken image config; nothing from it was used',
    });
}
