/**
 * Positions in a Dockerfile: what the document model, the source mapping and
 * the findings share (kept apart from types.ts, which names the document).
 */

/** 1-based line and column, as editors and SARIF count them. */
export interface Pos {
  line: number;
  column: number;
}

export interface Span {
  start: Pos;
  /** Exclusive end; equal to start for a point. */
  end: Pos;
}
