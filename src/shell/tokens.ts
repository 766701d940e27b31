/**
 * A POSIX-ish shell tokenizer, just enough to see the commands a script runs:
 * words (see words.ts for what they are made of), control operators,
 * redirections, here documents and command substitutions. It never throws;
 * what it cannot make sense of (an unterminated quote) becomes an error with
 * an offset.
 */
import {
  bracedPart,
  paramAt,
  readDouble,
  WordBuilder,
  type Substitution,
  type WordPart,
} from './words.js';

export interface WordToken {
  kind: 'word';
  /** The word as written. */
  raw: string;
  /** Quotes and escapes removed; expansions (`$X`, `$(...)`) kept as written. */
  value: string;
  /** The same, told apart: literal text, parameters and run-time expansions. */
  parts: WordPart[];
  /** Whether any part was quoted or escaped (a quoted word is never split). */
  quoted: boolean;
  substitutions: Substitution[];
  start: number;
  end: number;
}

export interface OpToken {
  kind: 'op';
  /** `&&`, `||`, `;`, `;;`, `|`, `|&`, `&`, `(`, `)` or `\n`. */
  op: string;
  start: number;
  end: number;
}

export interface RedirToken {
  kind: 'redir';
  /** `>`, `>>`, `<`, `<<`, `<<-`, `<<<`, `>&`, `<&`, `&>`, `&>>`, `>|`, `<>`. */
  op: string;
  fd: string | undefined;
  start: number;
  end: number;
  /** For `<<` and `<<-`: the body, when it was inside the tokenized text. */
  heredoc?: { delimiter: string; body: string; bodyStart: number; quoted: boolean };
}

export type Token = WordToken | OpToken | RedirToken;

export interface ShellSyntaxError {
  message: string;
  offset: number;
}

export interface Tokenized {
  tokens: Token[];
  errors: ShellSyntaxError[];
}

const OPERATOR_CHARS = new Set([';', '&', '|', '(', ')', '<', '>', '\n']);
const BLANK = new Set([' ', '\t', '\r']);

export function tokenize(text: string): Tokenized {
  const tokens: Token[] = [];
  const errors: ShellSyntaxError[] = [];
  const pendingHeredocs: RedirToken[] = [];
  let i = 0;
  const n = text.length;

  /** Scans a balanced `(...)` starting after the opening paren; returns the index after `)`. */
  const scanParens = (from: number): number => {
    let depth = 1;
    let j = from;
    while (j < n) {
      const c = text[j]!;
      if (c === '\\') j += 2;
      else if (c === "'") j = skipTo(text, j + 1, "'") + 1;
      else if (c === '"') j = scanDouble(j + 1) + 1;
      else if (c === '`') j = scanBacktick(j + 1) + 1;
      else if (c === '(') {
        depth++;
        j++;
      } else if (c === ')') {
        depth--;
        j++;
        if (depth === 0) return j;
      } else j++;
    }
    errors.push({ message: 'unterminated "$(" or "(": no matching ")"', offset: from - 1 });
    return n;
  };

  /** Index of the closing `"` of a double-quoted string that opened before `from`. */
  const scanDouble = (from: number): number => {
    let j = from;
    while (j < n) {
      const c = text[j]!;
      if (c === '\\') j += 2;
      else if (c === '"') return j;
      else if (c === '$' && text[j + 1] === '(') j = scanParens(j + 2);
      else if (c === '`') j = scanBacktick(j + 1) + 1;
      else j++;
    }
    errors.push({ message: 'unterminated double quote', offset: from - 1 });
    return n;
  };

  const scanBacktick = (from: number): number => {
    let j = from;
    while (j < n) {
      if (text[j] === '\\') j += 2;
      else if (text[j] === '`') return j;
      else j++;
    }
    errors.push({ message: 'unterminated backquote', offset: from - 1 });
    return n;
  };

  const readWord = (): WordToken => {
    const start = i;
    const w = new WordBuilder();
    let quoted = false;
    const substitutions: Substitution[] = [];
    while (i < n) {
      const c = text[i]!;
      if (BLANK.has(c) || OPERATOR_CHARS.has(c)) {
        // Process substitution <(...) and >(...) stays inside the word.
        if ((c === '<' || c === '>') && text[i + 1] === '(' && i === start) {
          const end = scanParens(i + 2);
          substitutions.push({ text: text.slice(i + 2, end - 1), start: i + 2 });
          w.dynamic(text.slice(i, end), i);
          i = end;
          continue;
        }
        break;
      }
      if (c === '\\') {
        quoted = true;
        if (text[i + 1] !== '\n') w.text(text[i + 1] ?? '', i + 1); // else a line continuation
        i += 2;
      } else if (c === "'") {
        quoted = true;
        const end = skipTo(text, i + 1, "'");
        if (end >= n) errors.push({ message: 'unterminated single quote', offset: i });
        w.text(text.slice(i + 1, end), i + 1);
        i = end + 1;
      } else if (c === '$' && text[i + 1] === "'") {
        quoted = true;
        let j = i + 2;
        while (j < n && text[j] !== "'") j += text[j] === '\\' ? 2 : 1;
        if (j >= n) errors.push({ message: "unterminated $'...' quote", offset: i });
        w.text(text.slice(i + 2, Math.min(j, n)), i + 2);
        i = j + 1;
      } else if (c === '"') {
        quoted = true;
        const end = scanDouble(i + 1);
        readDouble(text, i + 1, end, substitutions, w);
        i = end + 1;
      } else if (c === '$' && text[i + 1] === '(') {
        const end = scanParens(i + 2);
        if (text[i + 2] !== '(')
          substitutions.push({ text: text.slice(i + 2, end - 1), start: i + 2 });
        w.dynamic(text.slice(i, end), i);
        i = end;
      } else if (c === '$' && text[i + 1] === '{') {
        const end = skipTo(text, i + 2, '}');
        w.expansion(text.slice(i, end + 1), bracedPart(text.slice(i, end + 1)), i);
        i = end + 1;
      } else if (c === '`') {
        const end = scanBacktick(i + 1);
        substitutions.push({ text: text.slice(i + 1, end), start: i + 1 });
        w.dynamic(text.slice(i, end + 1), i);
        i = end + 1;
      } else {
        const param = c === '$' ? paramAt(text, i) : undefined;
        if (param === undefined) w.text(c, i);
        else w.expansion(`$${param}`, { param }, i);
        i += param === undefined ? 1 : param.length + 1;
      }
    }
    i = Math.min(i, n);
    const { value, parts } = w;
    return {
      kind: 'word',
      raw: text.slice(start, i),
      value,
      parts,
      quoted,
      substitutions,
      start,
      end: i,
    };
  };

  /** After a newline: consume the bodies of the here documents opened on that line. */
  const readHeredocBodies = () => {
    for (const h of pendingHeredocs.splice(0)) {
      const info = h.heredoc!;
      const bodyStart = i;
      let body = '';
      let found = false;
      while (i < n) {
        const eol = text.indexOf('\n', i);
        const lineEnd = eol === -1 ? n : eol;
        let line = text.slice(i, lineEnd).replace(/\r$/, '');
        if (h.op === '<<-') line = line.replace(/^\t+/, '');
        i = eol === -1 ? n : eol + 1;
        if (line === info.delimiter) {
          found = true;
          break;
        }
        body += `${line}\n`;
      }
      if (!found)
        errors.push({
          message: `here document "${info.delimiter}" is not terminated`,
          offset: h.start,
        });
      info.body = body;
      info.bodyStart = bodyStart;
    }
  };

  while (i < n) {
    const c = text[i]!;
    if (BLANK.has(c)) {
      i++;
      continue;
    }
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '#') {
      // A comment runs to the end of the line (a `#` inside a word is handled by readWord).
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '\n') {
      tokens.push({ kind: 'op', op: '\n', start: i, end: i + 1 });
      i++;
      if (pendingHeredocs.length > 0) readHeredocBodies();
      continue;
    }
    const redir = matchRedirection(text, i);
    if (redir) {
      const tok: RedirToken = {
        kind: 'redir',
        op: redir.op,
        fd: redir.fd,
        start: i,
        end: i + redir.length,
      };
      tokens.push(tok);
      i += redir.length;
      if (redir.op === '<<' || redir.op === '<<-') {
        while (i < n && BLANK.has(text[i]!)) i++;
        const delim = readWord();
        tokens.push(delim);
        tok.heredoc = { delimiter: delim.value, body: '', bodyStart: -1, quoted: delim.quoted };
        pendingHeredocs.push(tok);
      }
      continue;
    }
    const op = matchOperator(text, i);
    if (op) {
      tokens.push({ kind: 'op', op, start: i, end: i + op.length });
      i += op.length;
      continue;
    }
    tokens.push(readWord());
  }
  return { tokens, errors };
}

function skipTo(text: string, from: number, ch: string): number {
  const j = text.indexOf(ch, from);
  return j === -1 ? text.length : j;
}

const REDIRECTIONS = ['&>>', '&>', '<<<', '<<-', '<<', '<&', '<>', '<', '>>', '>&', '>|', '>'];

function matchRedirection(
  text: string,
  i: number,
): { op: string; fd: string | undefined; length: number } | undefined {
  let j = i;
  while (j < text.length && text[j]! >= '0' && text[j]! <= '9') j++;
  const fd = j > i ? text.slice(i, j) : undefined;
  // `2>` is a redirection, `2x` a word; `&>` only without a leading fd.
  for (const op of REDIRECTIONS) {
    if (op.startsWith('&') && fd !== undefined) continue;
    if (text.startsWith(op, j)) {
      if ((op === '<' || op === '>') && text[j + 1] === '(' && fd === undefined) return undefined;
      return { op, fd, length: j - i + op.length };
    }
  }
  return undefined;
}

const OPERATORS = ['&&', '||', ';;', '|&', ';', '|', '&', '(', ')'];

function matchOperator(text: string, i: number): string | undefined {
  return OPERATORS.find((op) => text.startsWith(op, i));
}
