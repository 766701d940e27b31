/**
 * Options that several commands share, and the constants their help texts
 * show. Light on purpose: every command is defined at start-up (commander
 * needs them all for --help), so nothing here may load the spec schema,
 * the engines or the registry client.
 */
import { Option } from 'commander';
import { KuboxError } from '../errors.js';

export const specOption = () =>
  new Option('-f, --file <path>', 'spec file (default: ./kubox.yaml, else the py-kube preset)');

/** "a, b,,c" -> ['a', 'b', 'c']: the comma-separated values of a flag. */
export const commaList = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `--build-arg` and other repeatable flags: each use adds one value. */
export const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The repeatable --build-arg flag, the same on build and lock. */
export const buildArgOption = () =>
  new Option(
    '--build-arg <NAME=VALUE>',
    'override a build arg declared in the spec (repeatable)',
  ).argParser(collect);

/** --build-arg's values, NAME=VALUE each, as a record. */
export function parseBuildArgs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new KuboxError('usage', `--build-arg ${p} is not NAME=VALUE`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

export { DEFAULT_SPEC_FILE, SEVERITIES } from '../spec/constants.js';
