/**
 * Offsets and positions in a Dockerfile's text. The shell model works on
 * strings cut out of the file (continuations joined, heredoc bodies apart), so
 * each such string carries a map back to offsets in the original text.
 */
import type { Pos, Span } from './span.js';

export class SourceText {
  readonly text: string;
  private readonly lineStarts: number[];

  constructor(text: string) {
    this.text = text;
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** Offset of a 0-based line/character pair (dockerfile-ast's positions). */
  offsetAt(line: number, character: number): number {
    const start = this.lineStarts[Math.min(Math.max(line, 0), this.lineStarts.length - 1)] ?? 0;
    return Math.min(start + Math.max(character, 0), this.text.length);
  }

  /** 1-based position of an offset. */
  posAt(offset: number): Pos {
    const o = Math.min(Math.max(offset, 0), this.text.length);
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - this.lineStarts[lo]! + 1 };
  }

  span(startOffset: number, endOffset: number): Span {
    return { start: this.posAt(startOffset), end: this.posAt(Math.max(startOffset, endOffset)) };
  }

  /** The text of a 1-based line, without its newline. */
  line(n: number): string {
    const start = this.lineStarts[n - 1];
    if (start === undefined) return '';
    const next = this.lineStarts[n];
    return this.text.slice(start, next === undefined ? undefined : next - 1).replace(/\r$/, '');
  }
}

/** A string cut out of a source, with the source offset of each of its characters. */
export interface MappedText {
  text: string;
  /** origin(i) is the source offset of text[i]; origin(text.length) is just past the end. */
  origin: (i: number) => number;
}

/** A contiguous slice of the source: offsets shift by a constant. */
export function sliceOf(source: string, start: number, end: number): MappedText {
  return { text: source.slice(start, end), origin: (i) => start + i };
}

/** A nested string whose characters sit at `base + i` in a parent mapped text, clamped to `limit`. */
export function nested(parent: MappedText, base: number, text: string, limit?: number): MappedText {
  const max = limit ?? base + text.length;
  return { text, origin: (i) => parent.origin(Math.min(base + i, max)) };
}
