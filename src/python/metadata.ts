/**
 * Core metadata (METADATA, PKG-INFO) and the other RFC 822-style files of a
 * wheel (WHEEL). Only the headers matter here; the body is the description.
 * Pure.
 */
import { normalizeName } from './name.js';

/** Header name (lower-cased) to every value it has, in order. */
export function parseHeaders(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let last: string[] | undefined;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (line === '') break;
    if (/^[ \t]/.test(line) && last) {
      // A folded header: continue the value just read.
      last[last.length - 1] += `\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const list = out.get(key) ?? [];
    list.push(line.slice(colon + 1).trim());
    out.set(key, list);
    last = list;
  }
  return out;
}

export interface CoreMetadata {
  /** Normalised name. */
  name: string;
  version: string;
  requiresDist: string[];
  requiresPython?: string;
}

export function parseCoreMetadata(text: string): CoreMetadata {
  const h = parseHeaders(text);
  const requiresPython = h.get('requires-python')?.[0];
  return {
    name: normalizeName(h.get('name')?.[0] ?? ''),
    version: h.get('version')?.[0] ?? '',
    requiresDist: h.get('requires-dist') ?? [],
    ...(requiresPython ? { requiresPython } : {}),
  };
}
