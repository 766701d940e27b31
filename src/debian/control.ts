/**
 * Debian control data (deb822): the paragraphs of Packages, Release and
 * /var/lib/dpkg/status, and relationship fields such as Depends. Pure.
 */
import type { Relation } from './version.js';

/** One paragraph; field names are matched case-insensitively, as dpkg does. */
export class Paragraph {
  private readonly fields = new Map<string, { name: string; value: string }>();

  set(name: string, value: string): void {
    this.fields.set(name.toLowerCase(), { name, value });
  }

  get(name: string): string | undefined {
    return this.fields.get(name.toLowerCase())?.value;
  }

  names(): string[] {
    return [...this.fields.values()].map((f) => f.name);
  }
}

export class ControlError extends Error {}

/** Splits deb822 text into paragraphs. Continuation lines keep their line breaks; `.` alone is an empty line. */
export function parseParagraphs(text: string): Paragraph[] {
  const out: Paragraph[] = [];
  let current: Paragraph | undefined;
  let last: string | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') {
      current = undefined;
      last = undefined;
      return;
    }
    if (line.startsWith('#')) return;
    if (/^[ \t]/.test(line)) {
      if (!current || !last)
        throw new ControlError(`line ${i + 1}: a continuation line with no field before it`);
      const cont = line.trim() === '.' ? '' : line.trim();
      current.set(last, `${current.get(last)}\n${cont}`);
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0)
      throw new ControlError(`line ${i + 1}: "${line.slice(0, 40)}" is not "Field: value"`);
    if (!current) {
      current = new Paragraph();
      out.push(current);
    }
    last = line.slice(0, colon);
    current.set(last, line.slice(colon + 1).trim());
  });
  return out;
}

export interface Dependency {
  name: string;
  /** `any`, `native` or an architecture, from `name:qualifier`. */
  archQualifier?: string;
  relation?: Relation;
  version?: string;
  /** Architecture restriction list, `[amd64 !arm64]`. */
  architectures?: string[];
}

/** An alternative group: `a | b` is satisfied by either. */
export type DependencyGroup = Dependency[];

const ATOM =
  /^([a-z0-9][a-z0-9+.-]+)(?::([a-z0-9-]+))?\s*(?:\(\s*(<<|<=|=|>=|>>|<|>)\s*([0-9][^)\s]*)\s*\))?\s*(?:\[([^\]]*)\])?\s*(?:<[^>]*>\s*)*$/;

/** Parses Depends, Pre-Depends, Recommends, Conflicts, Provides and the like. */
export function parseRelations(field: string | undefined): DependencyGroup[] {
  if (!field || !field.trim()) return [];
  return field.split(',').map((group) =>
    group.split('|').map((alt) => {
      const m = ATOM.exec(alt.trim());
      if (!m) throw new ControlError(`"${alt.trim()}" is not a package relation`);
      const [, name, qualifier, op, version, arches] = m;
      // `<` and `>` are obsolete spellings of `<=` and `>=`.
      const relation = op === '<' ? '<=' : op === '>' ? '>=' : (op as Relation | undefined);
      return {
        name: name!,
        ...(qualifier ? { archQualifier: qualifier } : {}),
        ...(relation ? { relation, version: version! } : {}),
        ...(arches ? { architectures: arches.trim().split(/\s+/) } : {}),
      };
    }),
  );
}
