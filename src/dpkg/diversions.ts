/**
 * /var/lib/dpkg/diversions, as dpkg-divert writes it: three lines per
 * diversion (the path, where it is diverted to, the package, ":" for a
 * local one), in dpkg's hash order of the diverted path (fsys-hash.ts). Pure.
 */
import { inDpkgOrder } from './fsys-hash.js';

export interface Diversion {
  path: string;
  divertTo: string;
  package: string;
}

export function parseDiversions(text: string): Diversion[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: Diversion[] = [];
  for (let i = 0; i + 2 < lines.length; i += 3)
    out.push({ path: lines[i]!, divertTo: lines[i + 1]!, package: lines[i + 2]! });
  return out;
}

export function formatDiversions(diversions: readonly Diversion[]): string {
  return inDpkgOrder(diversions, (d) => d.path)
    .map((d) => `${d.path}\n${d.divertTo}\n${d.package}\n`)
    .join('');
}
