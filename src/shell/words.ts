/**
 * What a shell word is made of. The tokenizer builds two views of each word
 * at once: its value for the linter (quotes removed, expansions kept as
 * written, so `$X` can be looked up in ARG/ENV later), and its parts for a
 * reader that must know which pieces are literal and which are only known
 * when the script runs: `'$x'` is text, `"$x"` a parameter, `$(ls)` not
 * knowable. Maintainer-script analysis reads the parts.
 */

/** Literal text, a parameter (`$x`, `${x}`, `$1`, `$@`), or an expansion only known at run time. */
export type WordPart = { text: string } | { param: string } | { dynamic: string };

/** A command substitution inside a word: `$(...)` or backticks; `start` is its inner text's offset. */
export interface Substitution {
  text: string;
  start: number;
}

export class WordBuilder {
  value = '';
  readonly parts: WordPart[] = [];
  /**
   * Offset up to which characters belong to a part already recorded. Inside
   * double quotes `${...}` and `$((...))` become one part while their
   * characters still go to the value one by one, escapes and substitutions
   * included, as the linter always read them.
   */
  private covered = -1;

  /** Literal characters found at `at`. */
  text(s: string, at: number): void {
    this.value += s;
    if (s === '' || at <= this.covered) return;
    const last = this.parts[this.parts.length - 1];
    if (last && 'text' in last) last.text += s;
    else this.parts.push({ text: s });
  }

  /** An expansion written as `raw` at `at`: the value keeps it as written. */
  expansion(raw: string, part: WordPart, at: number): void {
    this.value += raw;
    this.part(part, at, at + raw.length);
  }

  /** An expansion only known at run time (`$(...)`, backquotes), written as `raw` at `at`. */
  dynamic(raw: string, at: number): void {
    this.expansion(raw, { dynamic: raw }, at);
  }

  /** Records a part over [at, end) without adding to the value. */
  part(part: WordPart, at: number, end: number): void {
    if (at <= this.covered) return;
    this.parts.push(part);
    this.covered = end - 1;
  }
}

const PARAM = /[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-]/y;

/** The parameter named right after the `$` at `at`: `$name`, `$1`, `$@`...; undefined for a lone `$`. */
export function paramAt(text: string, at: number): string | undefined {
  PARAM.lastIndex = at + 1;
  return PARAM.exec(text)?.[0];
}

/** `${name}` and `${1}` are parameters; `${name:-x}`, `${#name}` depend on more than a name's value. */
export function bracedPart(raw: string): WordPart {
  const name = /^\$\{([A-Za-z_][A-Za-z0-9_]*|[0-9]+)\}$/.exec(raw)?.[1];
  return name !== undefined ? { param: name } : { dynamic: raw };
}

/** Reads a double-quoted string's inside, text[from, to): a backslash escapes only $ ` " \ and a newline. */
export function readDouble(
  text: string,
  from: number,
  to: number,
  subs: Substitution[],
  w: WordBuilder,
): void {
  for (let k = from; k < to; k++) {
    const c = text[k]!;
    if (c === '\\' && k + 1 < to && '$`"\\\n'.includes(text[k + 1]!)) {
      if (text[k + 1] !== '\n') w.text(text[k + 1]!, k + 1);
      k++;
    } else if (c === '$' && text[k + 1] === '(' && text[k + 2] !== '(') {
      // Find the matching paren inside this quoted string (nesting-aware, quotes ignored: rough).
      const j = closingParen(text, k + 1, to);
      subs.push({ text: text.slice(k + 2, j), start: k + 2 });
      w.dynamic(text.slice(k, Math.min(j + 1, to)), k);
      k = j;
    } else if (c === '`') {
      const found = text.indexOf('`', k + 1);
      const end = found === -1 || found >= to ? to : found;
      subs.push({ text: text.slice(k + 1, end), start: k + 1 });
      w.dynamic(text.slice(k, Math.min(end + 1, to)), k);
      k = end;
    } else {
      if (c === '$') quotedDollar(text, k, to, w);
      w.text(c, k);
    }
  }
}

/** `$name`, `${...}` or `$((...))` inside double quotes, recorded as one part. */
function quotedDollar(text: string, at: number, to: number, w: WordBuilder): void {
  if (text[at + 1] === '{') {
    const close = text.indexOf('}', at + 2);
    const end = close === -1 || close >= to ? to : close + 1;
    w.part(bracedPart(text.slice(at, end)), at, end);
  } else if (text[at + 1] === '(') {
    const end = Math.min(closingParen(text, at + 1, to) + 1, to);
    w.part({ dynamic: text.slice(at, end) }, at, end);
  } else {
    const name = paramAt(text, at);
    if (name !== undefined && at + name.length < to)
      w.part({ param: name }, at, at + name.length + 1);
  }
}

/** Offset of the `)` closing the `(` at `open`, or `to` when there is none before it. */
function closingParen(text: string, open: number, to: number): number {
  let depth = 0;
  let j = open;
  for (; j < to; j++) {
    if (text[j] === '(') depth++;
    else if (text[j] === ')' && --depth === 0) break;
  }
  return j;
}

/** Variables whose values are known statically (a Map, or a lookup that also knows `$1`...). */
export interface KnownVars {
  get(name: string): string | undefined;
}

/** The word's value, or undefined when it depends on something only known at run time. */
export function knownValue(parts: readonly WordPart[], vars: KnownVars): string | undefined {
  let out = '';
  for (const p of parts) {
    const v = 'text' in p ? p.text : 'param' in p ? vars.get(p.param) : undefined;
    if (v === undefined) return undefined;
    out += v;
  }
  return out;
}
