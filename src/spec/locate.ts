/**
 * Maps a key path (as zod reports it) back to a line and column in the YAML
 * text, so every spec error can name file:line and the key.
 */
import {
  isMap,
  isScalar,
  isSeq,
  type Document,
  type LineCounter,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';

export type KeyPath = readonly PropertyKey[];

export function formatPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const s = String(seg);
      out += /^[A-Za-z_$][\w$-]*$/.test(s) ? (out ? `.${s}` : s) : `[${JSON.stringify(s)}]`;
    }
  }
  return out || '(document)';
}

/**
 * Finds the line and column of key paths in one document. Each mapping's
 * keys are indexed the first time a path goes through it, so locating one
 * problem per key of a 20,000-key mapping stays linear (a search of the
 * mapping per problem made it quadratic).
 */
export class Locator {
  private readonly index = new WeakMap<object, Map<string, Pair>>();

  constructor(
    private readonly doc: Document,
    private readonly counter: LineCounter,
  ) {}

  private pair(map: YAMLMap, key: string): Pair | undefined {
    let keys = this.index.get(map);
    if (!keys) {
      keys = new Map();
      for (const p of map.items)
        if (isScalar(p.key) && !keys.has(String(p.key.value))) keys.set(String(p.key.value), p);
      this.index.set(map, keys);
    }
    return keys.get(key);
  }

  /** The node at exactly `path`, or undefined. */
  node(path: KeyPath): Node | undefined {
    let node: unknown = this.doc.contents;
    for (const seg of path) {
      if (isMap(node)) node = this.pair(node, String(seg))?.value;
      else if (isSeq(node) && typeof seg === 'number') node = node.items[seg];
      else return undefined;
    }
    return (node ?? undefined) as Node | undefined;
  }

  /** 1-based line and column of the deepest node that exists along `path`. */
  locate(path: KeyPath, opts: { key?: boolean } = {}): { line: number; column: number } {
    let node: unknown = this.doc.contents;
    let offset = (this.doc.contents as Node | null)?.range?.[0] ?? 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = this.pair(node, String(seg));
        if (!pair) break;
        const target = last && opts.key ? pair.key : (pair.value ?? pair.key);
        const range = (target as Node | null)?.range;
        if (range) offset = range[0];
        node = target;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined;
        if (!item) break;
        if (item.range) offset = item.range[0];
        node = item;
      } else break;
    }
    const pos = this.counter.linePos(offset);
    return { line: pos.line, column: pos.col };
  }
}

/** 1-based line and column of the deepest node that exists along `path` (one lookup). */
export function locate(
  doc: Document,
  counter: LineCounter,
  path: KeyPath,
  opts: { key?: boolean } = {},
): { line: number; column: number } {
  return new Locator(doc, counter).locate(path, opts);
}
