/**
 * The one YAML loader, for every file kubox reads (kubox.yaml,
 * `.kubox-lint.yaml`, `.hadolint.yaml`) and the spec edits of `kubox pin`.
 * It keeps source positions, and it bounds what a hostile file can cost:
 * its size, its nesting and its aliases. Exceeding a limit is a KuboxError
 * (exit 2) naming file:line:column, never a stack trace or an exhausted heap.
 */
import {
  isAlias,
  isCollection,
  isPair,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';
import { KuboxError, type Problem } from '../errors.js';

export const YAML_LIMITS = {
  /** Bytes: a spec or lint config is a few KiB; 1 MiB is generous, and parses in well under a second. */
  bytes: 1024 * 1024,
  /** Nesting of mappings and lists: kubox's files nest 5 deep. */
  depth: 64,
  /** Aliases (`*name`): an alias bomb expands a few lines into billions of nodes. */
  aliases: 100,
};

export interface ParsedYaml {
  doc: Document;
  counter: LineCounter;
  /** The document as plain data; an empty document is undefined. */
  data: unknown;
}

function limitError(
  file: string,
  message: string,
  offset: number,
  counter?: LineCounter,
  hint?: string,
) {
  const pos = counter ? counter.linePos(offset) : { line: 1, col: 1 };
  const problem: Problem = {
    message,
    location: { file, line: pos.line, column: pos.col },
    hint: hint ?? 'this is not a file kubox should read; check where it came from',
  };
  return new KuboxError('spec', `${file} is not a YAML file kubox reads: ${message}`, {
    problems: [problem],
  });
}

/**
 * The deepest nesting of flow collections (`[`, `{`) in `text`, outside
 * quotes and comments, with the offset where it is first reached. Measured
 * before parsing: the parser recurses per level, and tens of thousands of
 * `[` exhaust its stack (or the heap, while it reports that).
 */
function flowDepth(text: string, limit: number): number | undefined {
  let depth = 0;
  let quote = '';
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (comment) {
      if (c === '\n') comment = false;
    } else if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = '';
    } else if (quote === "'") {
      if (c === "'") quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) comment = true;
    else if (c === '[' || c === '{') {
      if (++depth > limit) return i;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}

/**
 * Walks the parsed document without recursion: its depth and its aliases.
 * Returns the offset of the last alias (where an expansion is reported).
 */
function checkTree(doc: Document, file: string, counter: LineCounter): number {
  let aliases = 0;
  let lastAlias = 0;
  const stack: [unknown, number][] = [[doc.contents, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || node === undefined) continue;
    const offset = (node as Node).range?.[0] ?? 0;
    if (isAlias(node)) lastAlias = Math.max(lastAlias, offset);
    if (isAlias(node) && ++aliases > YAML_LIMITS.aliases)
      throw limitError(
        file,
        `more than ${YAML_LIMITS.aliases} aliases (*name)`,
        offset,
        counter,
        'write the values out; kubox refuses many aliases because a few lines of them can expand into billions of values',
      );
    if (isPair(node)) {
      stack.push([node.value, depth], [node.key, depth]);
    } else if (isCollection(node)) {
      if (depth > YAML_LIMITS.depth)
        throw limitError(
          file,
          `nested more than ${YAML_LIMITS.depth} levels deep`,
          offset,
          counter,
        );
      // Reversed, so that nodes are visited in document order and the error names the first.
      for (let i = node.items.length - 1; i >= 0; i--) stack.push([node.items[i], depth + 1]);
    }
  }
  return lastAlias;
}

/**
 * Parses YAML; a syntax error or an exceeded limit is a KuboxError (exit 2)
 * naming file:line:column.
 */
export function parseYaml(text: string, file: string): ParsedYaml {
  // Characters, not bytes: close enough for a limit, and no re-encoding of a huge string.
  checkYamlSize(text.length, file);
  const deep = flowDepth(text, YAML_LIMITS.depth);
  const counter = new LineCounter();
  if (deep !== undefined) {
    // Positions only, without parsing: line starts up to the offending bracket.
    counter.addNewLine(0);
    for (let i = text.indexOf('\n'); i >= 0 && i < deep; i = text.indexOf('\n', i + 1))
      counter.addNewLine(i + 1);
    throw limitError(file, `nested more than ${YAML_LIMITS.depth} levels deep`, deep, counter);
  }
  // uniqueKeys is checked below: the parser's own check compares each key with
  // every earlier one, which made 20,000 keys take seconds.
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const problems: Problem[] = doc.errors.map((e) => {
      const pos = counter.linePos(e.pos[0]);
      return {
        message: e.message.split('\n')[0]!,
        location: { file, line: pos.line, column: pos.col },
        hint: 'fix the YAML syntax (indentation, quotes, a missing ":")',
      };
    });
    throw new KuboxError('spec', `${file} is not valid YAML`, { problems });
  }
  const lastAlias = checkTree(doc, file, counter);
  const duplicates = duplicateKeys(doc, file, counter);
  if (duplicates.length > 0)
    throw new KuboxError('spec', `${file} is not valid YAML`, { problems: duplicates });
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: YAML_LIMITS.aliases });
  } catch (e) {
    // yaml refuses an alias that expands too much (ReferenceError); anything else is a bug.
    if (!(e instanceof ReferenceError)) throw e;
    throw limitError(
      file,
      'its aliases (*name) expand into too many values',
      lastAlias,
      counter,
      'write the values out; a few aliases of aliases can expand into billions of values',
    );
  }
  return { doc, counter, data };
}

/** Keys given twice in one mapping, at the second occurrence (as the parser reports them). */
function duplicateKeys(doc: Document, file: string, counter: LineCounter): Problem[] {
  const problems: Problem[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!isCollection(node)) continue;
    const seen = new Set<string>();
    for (const item of node.items as unknown[]) {
      if (isPair(item)) {
        const key = item.key as Node | null;
        const name = key && 'value' in key ? `${typeof key.value}:${String(key.value)}` : undefined;
        if (name !== undefined && isScalarKey(key)) {
          if (seen.has(name)) {
            const pos = counter.linePos(key!.range?.[0] ?? 0);
            problems.push({
              message: 'Map keys must be unique',
              location: { file, line: pos.line, column: pos.col },
              hint: 'fix the YAML syntax (indentation, quotes, a missing ":")',
            });
          }
          seen.add(name);
        }
        stack.push(item.value);
      } else stack.push(item);
    }
  }
  return problems.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0));
}

function isScalarKey(key: Node | null): boolean {
  return key !== null && !isCollection(key) && !isAlias(key);
}

/**
 * Refuses a YAML file of `size` bytes over the limit, before it is read
 * (a 200 MB kubox.yaml is not read whole). `file` names it in messages.
 */
export function checkYamlSize(size: number, file: string): void {
  if (size > YAML_LIMITS.bytes)
    throw limitError(
      file,
      `it is ${size} bytes, more than the 1 MiB (${YAML_LIMITS.bytes} bytes) kubox reads`,
      0,
      undefined,
      'a kubox.yaml or lint configuration is a few KiB; check that this is the right file',
    );
}
