/**
 * A Python distribution's core metadata (`*.dist-info/METADATA`, or an
 * egg-info's PKG-INFO): the RFC 822-style header that names it, its version
 * and license. Pure.
 */
import { classifierLicense, plainLicense } from './licenses.js';

export interface DistMetadata {
  name: string;
  version: string;
  /** An SPDX expression, when the metadata says one clearly. */
  license?: string;
}

/** Header fields, each name lower-cased, repeated ones in order; the body after the blank line is ignored. */
function headers(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let last: string[] | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    if (/^[ \t]/.test(line) && last) {
      last[last.length - 1] += `\n${line.trim()}`;
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    last = out.get(key) ?? [];
    last.push(m[2]!.trim());
    out.set(key, last);
  }
  return out;
}

const SPDX_EXPRESSION = /^[A-Za-z0-9.+:-]+(?:\s+(?:AND|OR|WITH)\s+\(?[A-Za-z0-9.+:-]+\)?)*$/;

export function parseDistMetadata(text: string): DistMetadata | undefined {
  const h = headers(text);
  const name = h.get('name')?.[0];
  const version = h.get('version')?.[0];
  if (!name || !version) return undefined;
  // PEP 639's License-Expression first; then the classifiers; then a plain License: value.
  const expression = h.get('license-expression')?.[0];
  let license = expression && SPDX_EXPRESSION.test(expression) ? expression : undefined;
  if (!license) {
    const fromClassifiers = [
      ...new Set((h.get('classifier') ?? []).flatMap((c) => classifierLicense(c) ?? [])),
    ].sort();
    if (fromClassifiers.length === 1) license = fromClassifiers[0];
    else if (fromClassifiers.length > 1) license = fromClassifiers.join(' OR ');
  }
  if (!license) {
    const plain = h.get('license')?.[0];
    if (plain) license = plainLicense(plain);
  }
  return { name, version, ...(license ? { license } : {}) };
}

/** PEP 503's normalized project name: what pip, PyPI and purls compare. */
export function normalizeProjectName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}
