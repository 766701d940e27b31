/**
 * Maps a key path (as zod reports it) back to a line and column in the YAML
 * text, so every spec error can name file:line and the key.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

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

/** 1-based line and column of the deepest node that exists along `path`. */
export function locate(
  doc: Document,
  counter: LineCounter,
  path: KeyPath,
  opts: { key?: boolean } = {},
): { line: number; column: number } {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
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
  const pos = counter.linePos(offset);
  return { line: pos.line, column: pos.col };
}
