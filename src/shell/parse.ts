/**
 * Shell tokens to a small command tree: lists of and-or chains of pipelines
 * of commands, where a command is a simple command, a subshell `( ... )` or a
 * brace group `{ ...; }`. Control structures are read roughly: `if`, `while`,
 * `case` and function bodies become groups of the commands inside them, in
 * the order they are written, so a reader that walks `body` sees every
 * branch: the linter finds `apt-get install` in `if ...; then apt-get install
 * ...; fi`. A reader that must know which branch runs (maintainer scripts on
 * a fresh install) reads `clause` instead: the conditions and bodies of an
 * `if`, the subject and patterns of a `case`. A function's body stays where it
 * is defined, marked with `defines`; `for` keeps its variable and words, so a
 * loop over a literal list can be unrolled.
 */
import {
  tokenize,
  type RedirToken,
  type ShellSyntaxError,
  type Token,
  type WordToken,
} from './tokens.js';

export interface Redirect {
  op: string;
  fd: string | undefined;
  target: WordToken | undefined;
  token: RedirToken;
}

export interface SimpleCommand {
  type: 'simple';
  /** Leading `NAME=value` words. */
  assignments: WordToken[];
  words: WordToken[];
  redirects: Redirect[];
  start: number;
  end: number;
  /** Set when this command is the body of a function definition `name() ...`: it runs when called. */
  defines?: string;
}

/** `if`: its branches in order, the last without a condition for `else`. */
export interface IfClause {
  kind: 'if';
  branches: { condition: AndOr[] | undefined; body: AndOr[] }[];
}

/** `case WORD in PATTERN|PATTERN) ...;; esac`. */
export interface CaseClause {
  kind: 'case';
  subject: WordToken | undefined;
  branches: { patterns: WordToken[]; body: AndOr[] }[];
}

export interface CompoundCommand {
  type: 'subshell' | 'group';
  body: AndOr[];
  redirects: Redirect[];
  start: number;
  end: number;
  /** `for NAME [in WORDS]`: the words the variable takes; undefined without `in` ("$@"). */
  loop?: { variable: string; items: WordToken[] | undefined };
  /** The structure of an `if` or `case`; `body` still holds every command of every branch. */
  clause?: IfClause | CaseClause;
  /** Set when this command is the body of a function definition `name() ...`: it runs when called. */
  defines?: string;
}

export type Command = SimpleCommand | CompoundCommand;

export interface Pipeline {
  commands: Command[];
  /** Offsets of the `|` operators, one fewer than commands. */
  pipes: number[];
  negated: boolean;
}

export interface AndOr {
  pipelines: Pipeline[];
  /** `&&` or `||` between pipelines i and i+1. */
  operators: string[];
}

export interface Script {
  body: AndOr[];
  errors: ShellSyntaxError[];
  /** Names of the functions defined (`name() ...`, `function name() ...`), anywhere. */
  functions: string[];
}

const RESERVED = new Set(['then', 'else', 'elif', 'fi', 'do', 'done', 'esac', '}', 'in']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*\+?=/;
type Closers = ReadonlySet<string>;
const NONE: Closers = new Set();

export function parseScript(text: string): Script {
  const { tokens, errors } = tokenize(text);
  const p = new Parser(tokens, errors, text.length);
  const body = p.list(NONE);
  while (!p.done()) {
    // A stray `)`, `fi`, `done`... at the top: report it, skip it, keep going.
    const t = p.next()!;
    errors.push({ message: `unexpected "${tokenText(t)}"`, offset: t.start });
    body.push(...p.list(NONE));
  }
  return { body, errors, functions: p.functions };
}

function tokenText(t: Token): string {
  return t.kind === 'word' ? t.raw : t.op;
}

class Parser {
  private i = 0;
  readonly functions: string[] = [];
  constructor(
    private readonly tokens: Token[],
    private readonly errors: ShellSyntaxError[],
    private readonly length: number,
  ) {}

  done(): boolean {
    return this.i >= this.tokens.length;
  }

  next(): Token | undefined {
    return this.tokens[this.i++];
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private isOp(t: Token | undefined, ...ops: string[]): boolean {
    return t !== undefined && t.kind === 'op' && ops.includes(t.op);
  }

  private isWord(t: Token | undefined, ...words: string[]): boolean {
    return t !== undefined && t.kind === 'word' && !t.quoted && words.includes(t.value);
  }

  private isCloser(t: Token | undefined, closers: Closers): boolean {
    if (t === undefined) return false;
    if (t.kind === 'op') return closers.has(t.op);
    return t.kind === 'word' && !t.quoted && closers.has(t.value);
  }

  private skipNewlines(): void {
    while (this.isOp(this.peek(), '\n')) this.i++;
  }

  /** Commands until the end or a closer (`)`, `}`, `fi`, `done`, `;;`...), left unconsumed. */
  list(closers: Closers): AndOr[] {
    const out: AndOr[] = [];
    for (;;) {
      while (this.isOp(this.peek(), ';', '&', '\n') && !this.isCloser(this.peek(), closers))
        this.i++;
      const t = this.peek();
      if (t === undefined || this.isCloser(t, closers)) return out;
      if (this.isOp(t, ')', ';;') || this.isWord(t, ...RESERVED)) return out; // the caller reports it
      if (this.isOp(t, '&&', '||', '|', '|&')) {
        this.errors.push({
          message: `"${tokenText(t)}" without a command before it`,
          offset: t.start,
        });
        this.i++;
        continue;
      }
      const chain = this.andOr();
      if (chain) out.push(chain);
      else if (this.peek() === t) this.i++; // never loop on a token nobody consumes
    }
  }

  private andOr(): AndOr | undefined {
    const first = this.pipeline();
    if (!first) return undefined;
    const chain: AndOr = { pipelines: [first], operators: [] };
    while (this.isOp(this.peek(), '&&', '||')) {
      const op = this.next() as Token & { op: string };
      this.skipNewlines();
      const next = this.pipeline();
      if (!next) {
        this.errors.push({ message: `"${op.op}" is not followed by a command`, offset: op.start });
        break;
      }
      chain.operators.push(op.op);
      chain.pipelines.push(next);
    }
    return chain;
  }

  private pipeline(): Pipeline | undefined {
    let negated = false;
    while (this.isWord(this.peek(), '!', 'time')) {
      negated = negated || (this.peek() as WordToken).value === '!';
      this.i++;
    }
    const first = this.command();
    if (!first) return undefined;
    const line: Pipeline = { commands: [first], pipes: [], negated };
    while (this.isOp(this.peek(), '|', '|&')) {
      const op = this.next()!;
      this.skipNewlines();
      const next = this.command();
      if (!next) {
        this.errors.push({ message: '"|" is not followed by a command', offset: op.start });
        break;
      }
      line.pipes.push(op.start);
      line.commands.push(next);
    }
    return line;
  }

  private command(): Command | undefined {
    const t = this.peek();
    if (t === undefined) return undefined;
    if (this.isOp(t, '(')) {
      this.i++;
      return this.compound('subshell', t, [this.list(new Set([')']))], ')');
    }
    if (t.kind !== 'word' || t.quoted) return this.simple();
    switch (t.value) {
      case '{':
        this.i++;
        return this.compound('group', t, [this.list(new Set(['}']))], '}');
      case 'if':
        return this.ifClause(t);
      case 'while':
      case 'until': {
        this.i++;
        const cond = this.list(new Set(['do']));
        const body = this.expect('do', t) ? this.list(new Set(['done'])) : [];
        return this.compound('group', t, [cond, body], 'done');
      }
      case 'for':
      case 'select': {
        // `for NAME in WORDS;` is a header, not a command.
        this.i++;
        const loop = t.value === 'for' ? this.forHeader() : undefined;
        while (this.peek() && !this.isWord(this.peek(), 'do')) this.i++;
        const body = this.expect('do', t) ? this.list(new Set(['done'])) : [];
        return this.compound('group', t, [body], 'done', loop);
      }
      case 'case':
        return this.caseClause(t);
      default:
        return this.simple();
    }
  }

  private expect(word: string, opener: Token): boolean {
    if (this.isWord(this.peek(), word)) {
      this.i++;
      return true;
    }
    this.errors.push({ message: `"${tokenText(opener)}" without "${word}"`, offset: opener.start });
    return false;
  }

  /** `NAME [in WORDS]` after `for`, up to the separator before `do`. */
  private forHeader(): CompoundCommand['loop'] {
    const name = this.peek();
    if (name?.kind !== 'word') return undefined;
    this.i++;
    if (!this.isWord(this.peek(), 'in')) return { variable: name.value, items: undefined };
    this.i++;
    const items: WordToken[] = [];
    for (let w = this.peek(); w?.kind === 'word'; w = this.peek()) {
      items.push(w);
      this.i++;
    }
    return { variable: name.value, items };
  }

  private ifClause(t: Token): CompoundCommand {
    this.i++;
    const parts: AndOr[][] = [this.list(new Set(['then']))];
    const branches: IfClause['branches'] = [];
    if (this.expect('then', t)) {
      for (;;) {
        const condition = parts[parts.length - 1]!;
        const body = this.list(new Set(['elif', 'else', 'fi']));
        parts.push(body);
        branches.push({ condition, body });
        if (this.isWord(this.peek(), 'elif')) {
          this.i++;
          parts.push(this.list(new Set(['then'])));
          if (!this.expect('then', t)) break;
        } else if (this.isWord(this.peek(), 'else')) {
          this.i++;
          const otherwise = this.list(new Set(['fi']));
          parts.push(otherwise);
          branches.push({ condition: undefined, body: otherwise });
          break;
        } else break;
      }
    }
    const clause: IfClause = { kind: 'if', branches };
    return { ...this.compound('group', t, parts, 'fi'), clause };
  }

  private caseClause(t: Token): CompoundCommand {
    this.i++;
    const parts: AndOr[][] = [];
    const first = this.peek();
    const subject = first?.kind === 'word' && !this.isWord(first, 'in') ? first : undefined;
    while (this.peek() && !this.isWord(this.peek(), 'in')) this.i++; // the subject word
    this.i++;
    const branches: CaseClause['branches'] = [];
    for (;;) {
      this.skipNewlines();
      const p = this.peek();
      if (p === undefined || this.isWord(p, 'esac')) break;
      // A pattern list up to its `)`: `amd64)`, `(a|b)`, `*)`.
      if (this.isOp(p, '(')) this.i++;
      const patterns: WordToken[] = [];
      for (let w = this.peek(); w && !this.isOp(w, ')'); w = this.peek()) {
        if (w.kind === 'word') patterns.push(w);
        this.i++;
      }
      this.i++;
      const body = this.list(new Set([';;', 'esac']));
      parts.push(body);
      branches.push({ patterns, body });
      if (this.isOp(this.peek(), ';;')) this.i++;
    }
    const clause: CaseClause = { kind: 'case', subject, branches };
    return { ...this.compound('group', t, parts, 'esac'), clause };
  }

  private compound(
    type: 'subshell' | 'group',
    open: Token,
    parts: AndOr[][],
    closer: string,
    loop?: CompoundCommand['loop'],
  ): CompoundCommand {
    const close = this.peek();
    let end = this.length;
    if (close && (closer === ')' ? this.isOp(close, ')') : this.isWord(close, closer))) {
      this.i++;
      end = close.end;
    } else {
      this.errors.push({
        message: `"${tokenText(open)}" without a matching "${closer}"`,
        offset: open.start,
      });
    }
    const redirects = this.redirects();
    const body = parts.flat();
    return { type, body, redirects, start: open.start, end, ...(loop ? { loop } : {}) };
  }

  private redirects(): Redirect[] {
    const out: Redirect[] = [];
    while (this.peek()?.kind === 'redir') out.push(this.redirect());
    return out;
  }

  private redirect(): Redirect {
    const token = this.next() as RedirToken;
    const target = this.peek()?.kind === 'word' ? (this.next() as WordToken) : undefined;
    if (!target)
      this.errors.push({ message: `"${token.op}" without a target`, offset: token.start });
    return { op: token.op, fd: token.fd, target, token };
  }

  private simple(): Command | undefined {
    const cmd: SimpleCommand = {
      type: 'simple',
      assignments: [],
      words: [],
      redirects: [],
      start: -1,
      end: -1,
    };
    for (;;) {
      const t = this.peek();
      if (t === undefined || t.kind === 'op') {
        // `name() { ... }`: a function definition; its body is the next command.
        const name = functionName(cmd.words);
        if (this.isOp(t, '(') && name !== undefined && this.isOp(this.tokens[this.i + 1], ')')) {
          this.functions.push(name);
          this.i += 2;
          this.skipNewlines();
          const body = this.command();
          if (body) body.defines = name;
          return body;
        }
        break;
      }
      if (t.kind === 'redir') {
        const r = this.redirect();
        cmd.redirects.push(r);
        if (cmd.start < 0) cmd.start = r.token.start;
        cmd.end = r.target?.end ?? r.token.end;
        continue;
      }
      if (cmd.words.length > 0 && this.isWord(t, '}')) break; // `{ a; }` written as `{ a }` is an error in sh, tolerated here
      this.i++;
      if (cmd.start < 0) cmd.start = t.start;
      cmd.end = t.end;
      if (cmd.words.length === 0 && ASSIGNMENT.test(t.raw)) cmd.assignments.push(t);
      else cmd.words.push(t);
    }
    if (cmd.start < 0) return undefined;
    return cmd;
  }
}

/** `name` or bash's `function name`, when followed by `()`. */
function functionName(words: WordToken[]): string | undefined {
  const [first, second] = words;
  if (words.length === 1) return first!.value;
  const keyword = words.length === 2 && !first!.quoted && first!.value === 'function';
  return keyword ? second!.value : undefined;
}
