/** Quoting for the two languages a Dockerfile mixes: its own instructions and POSIX shell. */

/** A shell word: left bare when it is plainly safe, single-quoted otherwise. */
export function shellWord(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

/**
 * A double-quoted shell string that still expands `${NAME}` build args, for
 * URLs. The spec schema only lets `${NAME}` through, so nothing else expands.
 */
export function shellTemplate(value: string): string {
  return `"${value.replace(/["\\`]/g, '\\$&')}"`;
}

/** A value in LABEL or ENV: double-quoted, with `"`, `\` and `$` escaped so nothing expands. */
export function instructionValue(value: string): string {
  return `"${value.replace(/["\\$]/g, '\\$&').replace(/\n/g, '\\n')}"`;
}

/** The exec (JSON) form of CMD, ENTRYPOINT and SHELL. */
export function execForm(argv: readonly string[]): string {
  return JSON.stringify(argv).replace(/","/g, '", "');
}
