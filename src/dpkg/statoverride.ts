/**
 * /var/lib/dpkg/statoverride, as dpkg-statoverride writes it: one
 * `user group mode path` line per override (mode in octal, no leading zero),
 * in dpkg's hash order (fsys-hash.ts). Pure.
 */
import { inDpkgOrder } from './fsys-hash.js';

export interface StatOverride {
  owner: string;
  group: string;
  /** Permission bits. */
  mode: number;
  /** Absolute path. */
  path: string;
}

export function parseStatOverrides(text: string): StatOverride[] {
  const out: StatOverride[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+) (\S+) ([0-7]+) (\/.*)$/.exec(line);
    if (m) out.push({ owner: m[1]!, group: m[2]!, mode: Number.parseInt(m[3]!, 8), path: m[4]! });
  }
  return out;
}

export function formatStatOverrides(overrides: readonly StatOverride[]): string {
  return inDpkgOrder(overrides, (o) => o.path)
    .map((o) => `${o.owner} ${o.group} ${o.mode.toString(8)} ${o.path}\n`)
    .join('');
}
