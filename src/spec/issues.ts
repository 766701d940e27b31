/**
 * Turns zod's validation issues into problems a person can act on: which key,
 * what is wrong, what to write instead.
 */
import type { z } from 'zod';
import type { KeyPath } from './locate.js';

export interface SpecIssue {
  path: KeyPath;
  message: string;
  hint?: string;
  /** The problem is the key itself (unknown key), not its value. */
  atKey?: boolean;
}

type ZodIssue = z.core.$ZodIssue;

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** The text a value was written as in the file (1.30, not the number 1.3). */
export type RawText = (path: KeyPath) => string | undefined;

export function describeIssues(
  issues: readonly ZodIssue[],
  raw: RawText = () => undefined,
): SpecIssue[] {
  return issues.flatMap((i) => describeIssue(i, [], raw));
}

function describeIssue(issue: ZodIssue, prefix: KeyPath, raw: RawText): SpecIssue[] {
  const path = [...prefix, ...issue.path];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => ({
        path: [...path, k],
        atKey: true,
        message: `unknown key "${k}"`,
        hint: 'remove it or fix its spelling; the README lists every key (or see the JSON Schema)',
      }));
    case 'invalid_type': {
      if (issue.input === undefined) {
        return [{ path, message: 'is required', hint: `add \`${String(path.at(-1))}:\`` }];
      }
      const message = `expected ${issue.expected}, got ${typeName(issue.input)}`;
      if (issue.expected === 'string' && typeof issue.input === 'number') {
        // YAML reads 1.30 as the number 1.3: the classic version-string trap.
        return [
          {
            path,
            message,
            hint: `quote it: '${raw(path) ?? String(issue.input)}' (YAML reads an unquoted 1.30 as the number 1.3 and 0755 as 755)`,
          },
        ];
      }
      return [{ path, message }];
    }
    case 'invalid_value':
      return [
        {
          path,
          message: `must be one of: ${issue.values.map((v) => String(v)).join(', ')}`,
        },
      ];
    case 'invalid_union': {
      // Report the alternative that got furthest: for a mapping, the mapping form's problems.
      const branches = issue.errors;
      const best =
        branches.find((b) => !b.some((i) => i.code === 'invalid_type' && i.path.length === 0)) ??
        branches[0] ??
        [];
      return best.flatMap((i) => describeIssue(i, path, raw));
    }
    case 'too_small':
      if (issue.origin === 'array')
        return [{ path, message: `needs at least ${String(issue.minimum)} item(s)` }];
      return [{ path, message: `must be at least ${String(issue.minimum)}` }];
    case 'too_big':
      return [{ path, message: `must be at most ${String(issue.maximum)}` }];
    case 'invalid_key':
      return issue.issues
        .flatMap((i) => describeIssue(i, path, raw))
        .map((i) => ({ ...i, atKey: true }));
    case 'invalid_element':
      return issue.issues.flatMap((i) => describeIssue(i, path, raw));
    default:
      return [{ path, message: issue.message }];
  }
}
