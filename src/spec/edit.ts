/**
 * Changing one value in kubox.yaml in place: only the bytes of that scalar
 * change, so comments, order, blank lines and quoting stay as the person
 * wrote them.
 */
import { isScalar, parse } from 'yaml';
import { parseYaml } from './yaml.js';
import { KuboxError } from '../errors.js';

export function replaceScalar(
  text: string,
  path: readonly (string | number)[],
  value: string,
  file = 'kubox.yaml',
): string {
  const { doc } = parseYaml(text, file);
  const node = doc.getIn(path, true);
  if (!isScalar(node) || !node.range) {
    throw new KuboxError(
      'spec',
      `${file}: ${path.join('.')} is not a plain value that kubox can update`,
    );
  }
  const [start, end] = node.range;
  const original = text.slice(start, end);
  let written: string;
  if (original.startsWith("'")) written = `'${value.replace(/'/g, "''")}'`;
  else if (original.startsWith('"') || !readsBackAs(value)) written = JSON.stringify(value);
  else written = value;
  // A block scalar's range runs to the end of its last line: keep that line break.
  const tail = /^[|>]/.test(original) && original.endsWith('\n') ? '\n' : '';
  return text.slice(0, start) + written + tail + text.slice(end);
}

/** True when `value` written plain after a key parses back to exactly itself. */
function readsBackAs(value: string): boolean {
  try {
    return (parse(`k: ${value}\n`) as { k?: unknown }).k === value;
  } catch {
    return false;
  }
}
