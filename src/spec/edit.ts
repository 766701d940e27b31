/**
 * Changing one value in kubox.yaml in place: only the bytes of that scalar
 * change, so comments, order, blank lines and quoting stay as the person
 * wrote them.
 */
import { isScalar, LineCounter, parseDocument } from 'yaml';
import { KuboxError } from '../errors.js';

export function replaceScalar(
  text: string,
  path: readonly (string | number)[],
  value: string,
  file = 'kubox.yaml',
): string {
  const doc = parseDocument(text, { lineCounter: new LineCounter(), keepSourceTokens: true });
  const node = doc.getIn(path, true);
  if (!isScalar(node) || !node.range) {
    throw new KuboxError(
      'spec',
      `${file}: ${path.join('.')} is not a plain value that kubox can update`,
    );
  }
  const [start, end] = node.range;
  const original = text.slice(start, end);
  let written = value;
  if (original.startsWith('"')) written = JSON.stringify(value);
  else if (original.startsWith("'")) written = `'${value.replace(/'/g, "''")}'`;
  return text.slice(0, start) + written + text.slice(end);
}
