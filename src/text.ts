/** Text helpers shared by the CLI and the report formatters. Pure. */

/** The text without ANSI color codes: what a terminal shows. */
export function visible(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}

/** A plain left-aligned table; widths come from the visible cells, not from the terminal. */
export function table(rows: readonly (readonly string[])[], header?: readonly string[]): string {
  const all = header ? [header, ...rows] : rows;
  const columns = Math.max(0, ...all.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) =>
    Math.max(...all.map((r) => visible(r[i] ?? '').length)),
  );
  return all
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - visible(c).length)))
        .join('  '),
    )
    .join('\n');
}

/** A file name as a SARIF artifact URI relative to the repository root: forward slashes, no leading ./ */
export function toArtifactUri(file: string): string {
  return file
    .replace(/\\/g, '/')
    .replace(/^\.\//, '')
    .split('/')
    .map((p) => encodeURIComponent(p))
    .join('/');
}
