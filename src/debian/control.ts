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

/**
 * A fast reader for large indexes (bookworm's Packages is 50 MB, 63k
 * paragraphs): only the named fields, as raw strings in `fields` order, one
 * row per paragraph. Field names match case-insensitively; continuation lines
 * join with "\n" as in parseParagraphs. Text it cannot read is a ControlError.
 */
export function scanFields(
  text: string,
  fields: readonly string[],
  /** The line `text` starts at, for errors: a piece of a larger file. */
  firstLine = 1,
): (string | undefined)[][] {
  const wanted = new Map(fields.map((f, i) => [f.toLowerCase(), i]));
  const rows: (string | undefined)[][] = [];
  let row: (string | undefined)[] | undefined;
  let last = -1;
  let pos = 0;
  let lineNo = firstLine - 1;
  const n = text.length;
  while (pos < n) {
    lineNo++;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    const stop = end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    const first = text.charCodeAt(pos);
    if (stop === pos || (first <= 32 && text.slice(pos, stop).trim() === '')) {
      row = undefined;
      last = -1;
    } else if (first === 32 || first === 9) {
      if (!row)
        throw new ControlError(`line ${lineNo}: a continuation line with no field before it`);
      if (last >= 0) {
        const cont = text.slice(pos, stop).trim();
        row[last] += `\n${cont === '.' ? '' : cont}`;
      }
    } else if (first !== 35 /* # */) {
      const colon = text.indexOf(':', pos);
      if (colon <= pos || colon >= stop)
        throw new ControlError(
          `line ${lineNo}: "${text.slice(pos, Math.min(stop, pos + 40))}" is not "Field: value"`,
        );
      if (!row) {
        row = new Array<string | undefined>(fields.length);
        rows.push(row);
      }
      const name = text.slice(pos, colon);
      const i = wanted.get(name) ?? wanted.get(name.toLowerCase());
      last = i ?? -1;
      if (i !== undefined) row[i] = text.slice(colon + 1, stop).trim();
    }
    pos = end + 1;
  }
  return rows;
}

/**
 * parseRelations for many records at once: the same atoms ("libc6 (>= 2.34)")
 * recur hundreds of thousands of times across an archive, so each distinct
 * atom is parsed once and its frozen Dependency shared.
 */
export class RelationParser {
  private readonly atoms = new Map<string, Dependency>();

  parse(field: string | undefined): DependencyGroup[] {
    if (!field || !field.trim()) return [];
    const out: DependencyGroup[] = [];
    for (const group of field.split(',')) {
      const alts: Dependency[] = [];
      for (const raw of group.split('|')) {
        const atom = raw.trim();
        let d = this.atoms.get(atom);
        if (!d) {
          d = Object.freeze(parseRelations(atom)[0]?.[0]);
          if (!d) throw new ControlError(`"${field.trim()}" has an empty relation`);
          this.atoms.set(atom, d);
        }
        alts.push(d);
      }
      out.push(alts);
    }
    return out;
  }
}
