/**
 * The commands a maintainer script would run, read with the shared shell
 * reader and never run. Plain assignments are bound and `for` loops over
 * literal lists unrolled (`for i in vi view ex; do ... $i ...; done`), but
 * control flow is not evaluated: every branch of if/case/while is listed,
 * which is what "what might this script do" needs. A word that depends on
 * run-time state (`$(...)`, backquotes, unknown variables, `${v:-x}`) stays
 * undefined, so a caller can tell "this word is known" from "this depends on
 * the system". Pure.
 */
import { parseScript, type AndOr, type Command } from '../shell/parse.js';
import type { WordToken } from '../shell/tokens.js';
import { knownValue, type WordPart } from '../shell/words.js';

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
  /** The functions the script defines: a call to one runs commands already listed. */
  functions: Set<string>;
}

type Vars = Map<string, string>;

export function scriptCommands(script: string): ScriptCommands {
  const parsed = parseScript(script);
  const commands: RunCommand[] = [];
  walkList(parsed.body, new Map(), commands);
  return { commands, functions: new Set(parsed.functions) };
}

function walkList(body: AndOr[], vars: Vars, out: RunCommand[]): void {
  for (const chain of body)
    for (const pipeline of chain.pipelines)
      for (const command of pipeline.commands) walkCommand(command, vars, out);
}

/** Words that declare variables: `local x=1` binds x like `x=1`. */
const DECLARE = new Set(['local', 'export', 'readonly']);

function walkCommand(command: Command, vars: Vars, out: RunCommand[]): void {
  if (command.type !== 'simple') {
    const loop = command.loop;
    if (!loop) return walkList(command.body, vars, out);
    // One pass per word; an unknown word (or no `in` list) leaves the variable unknown.
    for (const item of loop.items?.map((w) => knownValue(w.parts, vars)) ?? [undefined]) {
      const inner = new Map(vars);
      if (item === undefined) inner.delete(loop.variable);
      else inner.set(loop.variable, item);
      walkList(command.body, inner, out);
    }
    return;
  }
  const { assignments, words } = command;
  // `x=1` alone sets x for the rest of the script; as a prefix (`x=1 cmd`) only for cmd.
  if (words.length === 0) return bind(assignments, vars);
  const declared = words.slice(1);
  if (DECLARE.has(literal(words[0]!) ?? '') && declared.length > 0 && declared.every(assignment))
    return bind(declared, vars);
  out.push({ words: [...assignments, ...words].map((w) => knownValue(w.parts, vars)) });
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

function bind(words: WordToken[], vars: Vars): void {
  for (const w of words) {
    const a = assignment(w);
    if (!a) continue;
    const before = a.append ? vars.get(a.name) : '';
    const value = knownValue(a.value, vars);
    if (before === undefined || value === undefined) vars.delete(a.name);
    else vars.set(a.name, before + value);
  }
}

/** The word when it is one piece of literal text (`local`, `"local"`). */
function literal(w: WordToken): string | undefined {
  const [only] = w.parts;
  return w.parts.length === 1 && only && 'text' in only ? only.text : undefined;
}
