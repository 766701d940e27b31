/**
 * The packages of Packages indexes, read only where the resolver looks.
 *
 * bookworm's main index is 50 MB of text for 63k packages, and a resolution
 * reads a few hundred of them. So the text is kept as bytes, and one pass
 * over it notes where each paragraph starts, which paragraphs carry a name,
 * and which a Provides line (~60 ms). A paragraph is decoded and parsed the
 * first time a name it holds is asked for. Parsing every record up front,
 * as kubox did before, cost ~0.8 s of the main thread and ~150 MB of heap
 * per platform on a cold cache, and reading them back as JSON ~0.4 s on a
 * warm one.
 *
 * Field names are found as dpkg-scanpackages, apt-ftparchive and dak write
 * them ("Package:", "Provides:" at the start of a line); a paragraph is
 * parsed by the same scanner as before, so what it yields is unchanged. A
 * paragraph that is never read is not checked: the index as a whole is
 * checked against its signed hash before it gets here.
 */
import { KuboxError } from '../errors.js';
import { ControlError, RelationParser, scanFields } from './control.js';
import { IndexedPackage, type RelationField, type StoredPackage } from './indexed-package.js';
import { multiArchOf, type PackageSource } from './resolve.js';

/** The fields a PackageRecord is built from. */
const FIELDS = [
  'Package',
  'Version',
  'Architecture',
  'Essential',
  'Multi-Arch',
  'Pre-Depends',
  'Depends',
  'Recommends',
  'Conflicts',
  'Breaks',
  'Provides',
  'Filename',
  'SHA256',
  'Size',
] as const;
type Row = (string | undefined)[];

/** Pre-Depends .. Breaks, in FIELDS' order (columns 5 to 9 of a row). */
const RELATION_FIELDS: readonly RelationField[] = [
  'preDepends',
  'depends',
  'recommends',
  'conflicts',
  'breaks',
];

function storedRecord(row: Row, relations: RelationParser, where: string): StoredPackage {
  const [name = '', version = '', architecture = 'all', essential, multiArch] = row;
  const [prov, filename, sha256, size] = row.slice(10);
  const ma = multiArchOf(multiArch);
  const out: StoredPackage = { name, version, architecture };
  if (essential === 'yes') out.essential = true;
  if (ma) out.multiArch = ma;
  const raw: Partial<Record<RelationField, string>> = {};
  RELATION_FIELDS.forEach((field, i) => {
    const value = row[5 + i]?.trim();
    if (value) raw[field] = value;
  });
  if (Object.keys(raw).length > 0) out.relations = raw;
  try {
    if (prov) out.provides = relations.parse(prov).flat();
  } catch (e) {
    if (!(e instanceof ControlError)) throw e;
    throw new KuboxError('integrity', `${where}: package ${name} ${version}: ${e.message}`, {
      cause: e,
    });
  }
  if (filename) out.filename = filename;
  if (sha256) out.sha256 = sha256.toLowerCase();
  if (size) out.size = Number.parseInt(size, 10);
  return out;
}

/** One index's text and where it came from. */
export interface IndexText {
  text: Buffer;
  /** The index, for errors ("http://deb.debian.org/debian bookworm main"). */
  where: string;
  /** The apt source's name, which every record carries. */
  source: string;
  /** The .deb's URL from a record's Filename. */
  url: (filename: string) => string;
}

const NL = 0x0a;

/** Offsets in `text` of every line that starts with `field` (its first byte). */
function linesStarting(text: Buffer, field: string): number[] {
  const out: number[] = [];
  if (text.toString('latin1', 0, field.length) === field) out.push(0);
  const needle = Buffer.from(`\n${field}`, 'latin1');
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) out.push(at + 1);
  return out;
}

/** The last of the sorted `starts` at or before `offset`. */
function containing(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** One index, scanned: its paragraphs' offsets, and which hold which names and Provides. */
class ScannedIndex {
  /** Start of each paragraph: the text split at empty lines ("\n\n"). */
  private readonly starts: number[] = [];
  private readonly named = new Map<string, number[]>();
  private readonly providing = new Map<string, number[]>();
  private readonly parsed = new Map<number, IndexedPackage[]>();

  constructor(
    private readonly index: IndexText,
    private readonly parser: RelationParser,
  ) {
    const { text } = index;
    for (let at = 0; at < text.length;) {
      this.starts.push(at);
      const blank = text.indexOf('\n\n', at);
      if (blank < 0) break;
      at = blank + 2;
      while (at < text.length && text[at] === NL) at++;
    }
    for (const line of linesStarting(text, 'Package:'))
      this.note(this.named, this.valueAt(line, 'Package:'), line);
    // Provides names are read from the parsed field, so that "a, b (= 1) | c" counts all three.
    for (const line of linesStarting(text, 'Provides:')) {
      let groups;
      try {
        groups = this.parser.parse(this.valueAt(line, 'Provides:', true));
      } catch (e) {
        // The paragraph reports it, naming its package, when it is read.
        if (e instanceof ControlError) continue;
        throw e;
      }
      for (const group of groups) for (const d of group) this.note(this.providing, d.name, line);
    }
  }

  /** The value of the field at `line` (continuation lines too when `multiline`). */
  private valueAt(line: number, field: string, multiline = false): string {
    const { text } = this.index;
    let end = text.indexOf(NL, line);
    while (multiline && end >= 0 && (text[end + 1] === 0x20 || text[end + 1] === 0x09))
      end = text.indexOf(NL, end + 1);
    return text.toString('utf8', line + field.length, end < 0 ? text.length : end).trim();
  }

  private note(map: Map<string, number[]>, name: string, line: number): void {
    const p = containing(this.starts, line);
    const list = map.get(name);
    if (!list) map.set(name, [p]);
    else if (list[list.length - 1] !== p) list.push(p);
  }

  /** Records of the paragraphs that name `name`, in index order. */
  withName(name: string): IndexedPackage[] {
    return (this.named.get(name) ?? []).flatMap((p) =>
      this.paragraph(p).filter((r) => r.name === name),
    );
  }

  /** Records whose Provides names `name`, in index order. */
  withProvides(name: string): IndexedPackage[] {
    return (this.providing.get(name) ?? []).flatMap((p) =>
      this.paragraph(p).filter((r) => r.provides.some((d) => d.name === name)),
    );
  }

  all(): IndexedPackage[] {
    return this.starts.flatMap((_, p) => this.paragraph(p));
  }

  /** The records of paragraph `p`: usually one (a line of blanks may separate two). */
  private paragraph(p: number): IndexedPackage[] {
    let records = this.parsed.get(p);
    if (records) return records;
    const { text, where, source, url } = this.index;
    const start = this.starts[p]!;
    const end = this.starts[p + 1] ?? text.length;
    const piece = text.toString('utf8', start, end);
    let rows: Row[];
    try {
      rows = scanFields(piece, FIELDS);
    } catch (e) {
      if (!(e instanceof ControlError)) throw e;
      // Scanned again from the paragraph's own line, which only an error needs counted.
      let line = 1;
      for (let nl = text.indexOf(NL); nl >= 0 && nl < start; nl = text.indexOf(NL, nl + 1)) line++;
      let numbered = e;
      try {
        scanFields(piece, FIELDS, line);
      } catch (again) {
        numbered = again as ControlError;
      }
      throw new KuboxError('integrity', `${where}: ${numbered.message}`, { cause: numbered });
    }
    records = rows
      .filter((r) => r[0] && r[1])
      .map((r) => {
        const stored = storedRecord(r, this.parser, where);
        return new IndexedPackage(stored, {
          source,
          ...(stored.filename ? { url: url(stored.filename) } : {}),
          where,
          parser: this.parser,
        });
      });
    this.parsed.set(p, records);
    return records;
  }
}

/** The packages of one fetch: a source's indexes (components) in order. */
export class PackageList implements PackageSource {
  private readonly indexes: ScannedIndex[];

  constructor(indexes: readonly IndexText[]) {
    // One parser per fetch: an atom ("libc6 (>= 2.34)") met again is the same frozen object.
    const parser = new RelationParser();
    this.indexes = indexes.map((i) => new ScannedIndex(i, parser));
  }

  withName(name: string): IndexedPackage[] {
    return this.indexes.flatMap((i) => i.withName(name));
  }

  withProvides(name: string): IndexedPackage[] {
    return this.indexes.flatMap((i) => i.withProvides(name));
  }

  /** Every record, parsed now, in index order (tests, and tools that list an index). */
  all(): IndexedPackage[] {
    return this.indexes.flatMap((i) => i.all());
  }
}
