/**
 * Variable expansion with what is known statically: ARG defaults, ENV values
 * and assignments earlier in the same script. Unknown variables stay as
 * written, so a rule sees `$UNKNOWN` rather than a guess.
 */

/** Known variables; `undefined` means declared without a value we can know. */
export type Vars = ReadonlyMap<string, string | undefined>;

const REF = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+=?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Expands `$X`, `${X}`, `${X:-default}`, `${X-default}` and `${X:+alt}`. */
export function expandVars(text: string, vars: Vars): string {
  if (!text.includes('$')) return text;
  return text.replace(REF, (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
    const name = (braced ?? bare)!;
    const value = vars.get(name);
    const known = value !== undefined;
    if (op === undefined) return known ? value : whole;
    const empty = !known || (op.startsWith(':') && value === '');
    if (op.endsWith('-') || op.endsWith('=')) {
      if (known && !empty) return value;
      // Not declared at all: the default applies for sure; declared unknown: we cannot tell.
      return vars.has(name) ? whole : (arg ?? '');
    }
    if (op.endsWith('+')) return known ? (empty ? '' : (arg ?? '')) : whole;
    return known ? value : whole;
  });
}

/** Whether a string still holds a variable reference after expansion. */
export function hasVariable(text: string): boolean {
  return new RegExp(REF.source).test(text);
}

/** The whole word is one variable reference (`$X` or `${X}`): unquoted, it splits into words. */
export function isBareReference(raw: string): boolean {
  return /^\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$/.test(raw);
}
