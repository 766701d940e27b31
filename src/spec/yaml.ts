/** YAML with positions, for every file kubox reads (kubox.yaml, lint configs). */
import { LineCounter, parseDocument, type Document } from 'yaml';
import { KuboxError, type Problem } from '../errors.js';

/** Parses YAML; a syntax error is a KuboxError (exit 2) naming file:line:column. */
export function parseYaml(text: string, file: string): { doc: Document; counter: LineCounter } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
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
  return { doc, counter };
}
