/**
 * The commands a maintainer script would run, read with the shared shell
 * reader and never run. Plain assignments are bound, `for` loops over
 * literal lists unrolled (`for i in vi view ex; do ... $i ...; done`), and a
 * call to a function the script defines runs its body with the call's words
 * as `$1`, `$2`, `"$@"` (a function never called runs nothing).
 *
 * Control flow: given the script's arguments (`postinst configure`, `preinst
 * install`: a fresh install has no `$2`), the conditions those arguments
 * decide are evaluated (`[ "$1" = configure ]`, `!=`, `-n`, `-z`, `!`, `&&`,
 * `||`, if/elif/else, `case "$1" in`), so an upgrade-only branch is not
 * listed. A condition that depends on the system (`[ -x /etc/init.d/x ]`,
 * `getent`) may go either way: its branch is listed, and so are the ones
 * after it. Without arguments every branch is listed, which is what "what
 * might this script do" needs. A word that depends on run-time state
 * (`$(...)`, backquotes, unknown variables, `${v:-x}`) stays undefined, so a
 * caller can tell "this word is known" from "this depends on the system".
 * Pure.
 */
import { parseScript, type AndOr, type Command, type Pipeline } from '../shell/parse.js';
import type { WordToken } from '../shell/tokens.js';
import { knownValue, type KnownVars, type WordPart } from '../shell/words.js';

/**
 * A command as the script would run it: its words after expansion (undefined
 * where unknown). A `NAME=value` prefix stays among the words: it is not
 * known what the command makes of it.
 */
export interface RunCommand {
  words: (string | undefined)[];
}

export interface ScriptCommands {
  commands: RunCommand[];
  /** The functions the script defines; a call to one is replaced by the commands of its body. */
  functions: Set<string>;
}

export interface ScriptOptions {
  /**
   * The script's arguments, as dpkg passes them (`['configure']` for a
   * postinst on a fresh install): `$1`... are known, unset ones empty, and the
   * conditions they decide are evaluated. Without it `$1` is unknown and every
   * branch is listed.
   */
  args?: readonly string[];
}

/** A condition's outcome: true, false, or undefined when it depends on the system. */
type Status = boolean | undefined;

/** Nested calls deeper than this are not followed (a script that recurses). */
const MAX_DEPTH = 16;

interface Ctx {
  vars: Map<string, string>;
  /** Positional parameters; undefined when not known (a script read without its arguments). */
  args: readonly (string | undefined)[] | undefined;
  /** Whether conditions are evaluated. */
  decide: boolean;
  functions: Map<string, Command>;
  /** The functions being expanded, innermost last: a recursive call is not followed. */
  calling: string[];
  out: RunCommand[];
}

export function scriptCommands(script: string, opts: ScriptOptions = {}): ScriptCommands {
  const parsed = parseScript(script);
  const ctx: Ctx = {
    vars: new Map(),
    args: opts.args,
    decide: opts.args !== undefined,
    functions: new Map(),
    calling: [],
    out: [],
  };
  walkList(parsed.body, ctx);
  return { commands: ctx.out, functions: new Set(parsed.functions) };
}

/** `$1`, `$#`, `$@` from the context's arguments, everything else from its variables. */
function lookup(ctx: Ctx): KnownVars {
  return {
    get: (name) => {
      if (/^[1-9][0-9]*$/.test(name))
        return ctx.args ? (ctx.args[Number(name) - 1] ?? '') : undefined;
      if (name === '#') return ctx.args ? String(ctx.args.length) : undefined;
      if (name === '@' || name === '*') {
        if (!ctx.args || ctx.args.some((a) => a === undefined)) return undefined;
        return ctx.args.join(' ');
      }
      return ctx.vars.get(name);
    },
  };
}

/** A word's values: `"$@"` alone is one value per argument, any other word one value. */
function expand(w: WordToken, ctx: Ctx): (string | undefined)[] {
  const [only] = w.parts;
  if (w.parts.length === 1 && only && 'param' in only && only.param === '@' && ctx.args)
    return [...ctx.args];
  return [knownValue(w.parts, lookup(ctx))];
}

/** The status of the last command of the list. */
function walkList(body: AndOr[], ctx: Ctx): Status {
  let status: Status = true;
  for (const chain of body) status = walkAndOr(chain, ctx);
  return status;
}

function walkAndOr(chain: AndOr, ctx: Ctx): Status {
  let status = walkPipeline(chain.pipelines[0]!, ctx);
  chain.operators.forEach((op, i) => {
    // `a && b` skips b when a failed; `a || b` skips b when a succeeded.
    if (status === (op === '||')) return;
    const next = walkPipeline(chain.pipelines[i + 1]!, ctx);
    if (status !== undefined) status = next;
    // b may not have run: only an outcome both paths share is known.
    else status = op === '&&' ? (next === false ? false : undefined) : next === true || undefined;
  });
  return status;
}

function walkPipeline(pipeline: Pipeline, ctx: Ctx): Status {
  let status: Status = true;
  for (const command of pipeline.commands) status = walkCommand(command, ctx);
  return pipeline.negated && status !== undefined ? !status : status;
}

function walkCommand(command: Command, ctx: Ctx): Status {
  if (command.defines !== undefined) {
    ctx.functions.set(command.defines, command);
    return true;
  }
  return run(command, ctx);
}

function run(command: Command, ctx: Ctx): Status {
  if (command.type === 'simple') return runSimple(command, ctx);
  const { loop, clause } = command;
  if (loop) {
    // One pass per word; an unknown word (or no `in` list) leaves the variable unknown.
    // Without `in`, the loop runs over "$@".
    const items = loop.items
      ? loop.items.flatMap((w) => expand(w, ctx))
      : ctx.args
        ? [...ctx.args]
        : [undefined];
    for (const item of items) {
      if (item === undefined) ctx.vars.delete(loop.variable);
      else ctx.vars.set(loop.variable, item);
      walkList(command.body, ctx);
    }
    return undefined;
  }
  if (clause?.kind === 'if') {
    for (const { condition, body } of clause.branches) {
      const taken = condition === undefined ? true : walkList(condition, ctx);
      if (taken === false) continue;
      walkList(body, ctx);
      if (taken) break;
    }
    return undefined;
  }
  if (clause?.kind === 'case') {
    const subject = clause.subject ? knownValue(clause.subject.parts, lookup(ctx)) : undefined;
    for (const { patterns, body } of clause.branches) {
      const taken = ctx.decide ? matchAny(subject, patterns, ctx) : undefined;
      if (taken === false) continue;
      walkList(body, ctx);
      if (taken) break;
    }
    return undefined;
  }
  // A subshell's assignments stay inside it.
  if (command.type === 'subshell')
    return walkList(command.body, { ...ctx, vars: new Map(ctx.vars) });
  return walkList(command.body, ctx);
}

function matchAny(subject: string | undefined, patterns: WordToken[], ctx: Ctx): Status {
  let status: Status = false;
  for (const p of patterns) {
    const pattern = knownValue(p.parts, lookup(ctx));
    if (
      pattern !== undefined &&
      (pattern === '*' || (subject !== undefined && glob(pattern).test(subject)))
    )
      return true;
    if (pattern === undefined || subject === undefined) status = undefined;
  }
  return status;
}

/** A case pattern as a regular expression: `*`, `?` and `[...]`; the rest literal. */
function glob(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const close = c === '[' ? pattern.indexOf(']', i + 2) : -1;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (close > 0) {
      re += `[${pattern
        .slice(i + 1, close)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\')}]`;
      i = close;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/** Words that declare variables: `local x=1` binds x like `x=1`. */
const DECLARE = new Set(['local', 'export', 'readonly']);

function runSimple(command: Extract<Command, { type: 'simple' }>, ctx: Ctx): Status {
  const { assignments, words } = command;
  // `x=1` alone sets x for the rest of the script; as a prefix (`x=1 cmd`) only for cmd.
  if (words.length === 0) {
    bind(assignments, ctx);
    return true;
  }
  const declared = words.slice(1);
  if (DECLARE.has(literal(words[0]!) ?? '') && declared.length > 0 && declared.every(assignment)) {
    bind(declared, ctx);
    return true;
  }
  const values = words.flatMap((w) => expand(w, ctx));
  const body = values[0] !== undefined ? ctx.functions.get(values[0]) : undefined;
  if (
    assignments.length === 0 &&
    body &&
    !ctx.calling.includes(values[0]!) &&
    ctx.calling.length < MAX_DEPTH
  ) {
    const inner: Ctx = { ...ctx, args: values.slice(1), calling: [...ctx.calling, values[0]!] };
    run(body, inner);
    return undefined;
  }
  const lookupCtx = lookup(ctx);
  const prefix = assignments.map((w) => knownValue(w.parts, lookupCtx));
  ctx.out.push({ words: [...prefix, ...values] });
  return ctx.decide && assignments.length === 0 ? outcome(values) : undefined;
}

/** What a command returns on a fresh install, where that does not depend on the system. */
function outcome(words: (string | undefined)[]): Status {
  const [cmd, ...args] = words;
  if (cmd === 'true' || cmd === ':') return true;
  if (cmd === 'false') return false;
  if (cmd === 'test') return test(args);
  if (cmd === '[') return args[args.length - 1] === ']' ? test(args.slice(0, -1)) : undefined;
  // No statoverride exists before the package that adds it is configured.
  if (cmd === 'dpkg-statoverride' && args.includes('--list')) return false;
  return undefined;
}

/** `test`'s string forms; file tests and anything unknown depend on the system. */
function test(args: (string | undefined)[]): Status {
  if (args[0] === '!' && args.length > 1) {
    const inner = test(args.slice(1));
    return inner === undefined ? undefined : !inner;
  }
  if (args.some((a) => a === undefined)) return undefined;
  const a = args as string[];
  if (a.length === 0) return false;
  if (a.length === 1) return a[0] !== '';
  if (a.length === 2 && a[0] === '-n') return a[1] !== '';
  if (a.length === 2 && a[0] === '-z') return a[1] === '';
  if (a.length === 3 && (a[1] === '=' || a[1] === '==')) return a[0] === a[2];
  if (a.length === 3 && a[1] === '!=') return a[0] !== a[2];
  return undefined;
}

const ASSIGN = /^([A-Za-z_][A-Za-z0-9_]*)(\+?)=/;

/** For `x=value`: x, whether it appends (`x+=`), and the value's parts. */
function assignment(
  w: WordToken,
): { name: string; append: boolean; value: WordPart[] } | undefined {
  const head = w.parts[0];
  const m = head && 'text' in head ? ASSIGN.exec(head.text) : null;
  if (!m) return undefined;
  const value: WordPart[] = [{ text: m.input.slice(m[0].length) }, ...w.parts.slice(1)];
  return { name: m[1]!, append: m[2] === '+', value };
}

function bind(words: WordToken[], ctx: Ctx): void {
  for (const w of words) {
    const a = assignment(w);
    if (!a) continue;
    const before = a.append ? ctx.vars.get(a.name) : '';
    const value = knownValue(a.value, lookup(ctx));
    if (before === undefined || value === undefined) ctx.vars.delete(a.name);
    else ctx.vars.set(a.name, before + value);
  }
}

/** The word when it is one piece of literal text (`local`, `"local"`). */
function literal(w: WordToken): string | undefined {
  const [only] = w.parts;
  return w.parts.length === 1 && only && 'text' in only ? only.text : undefined;
}
