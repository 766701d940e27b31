/**
 * The model rules work on, built once per file from dockerfile-ast's parse:
 * instructions with their stage, the ARG/ENV values known at each one, FROM
 * references resolved, and every RUN analyzed as shell. Pure: text in, model
 * out; nothing here throws on bad input (bad input becomes data the syntax
 * rule reports).
 */
import {
  Arg,
  DockerfileParser,
  Env,
  From,
  Label,
  Onbuild,
  Run,
  Shell,
  type Instruction,
} from 'dockerfile-ast';
import { analyzeExec, analyzeShell, type ShellAnalysis } from './shell/analyze.js';
import { expandVars, hasVariable, type Vars } from './shell/expand.js';
import { SourceText, type MappedText } from './source.js';
import type { Span } from './span.js';

export interface Instr {
  /** Upper case, as written (`RUNN` stays `RUNN`). */
  keyword: string;
  node: Instruction;
  span: Span;
  start: number;
  end: number;
  /** Argument values as dockerfile-ast splits them (flags excluded). */
  args: string[];
  flags: { name: string; value: string | null }[];
  /** The strings of an exec-form (JSON array) argument list. */
  json: string[] | undefined;
  /** A trigger inside ONBUILD: it runs in images built FROM this one, not in this one. */
  onbuild: boolean;
  stage: Stage | undefined;
  /** ARG and ENV values known at this instruction. */
  vars: Vars;
  /** RUN only: the shell model of its commands (exec form: a single command). */
  shell: ShellAnalysis | undefined;
  /** RUN only: here documents whose terminator is missing. */
  openHeredocs: string[];
  /**
   * RUN in shell form with a POSIX shell: the command text as the shell gets
   * it (continuations joined), the SHELL it runs under, and the bodies of its
   * here documents. ShellCheck reads this.
   */
  script?: { text: MappedText; shell: string[]; heredocs: MappedText[] };
}

export interface ImageRef {
  /** As written in FROM, variables unexpanded. */
  raw: string;
  /** With ARG defaults expanded. */
  text: string;
  /** Still contains a variable we cannot know (a build arg without default). */
  unresolved: boolean;
  registry: string | undefined;
  /** Repository path without registry, tag or digest. */
  name: string;
  tag: string | undefined;
  digest: string | undefined;
  scratch: boolean;
  /** FROM an earlier stage of this file. */
  stage: Stage | undefined;
}

export interface Stage {
  index: number;
  name: string | undefined;
  from: Instr;
  image: ImageRef | undefined;
  /** The earlier stage this one builds on (FROM <stage>), whose config it inherits. */
  parent: Stage | undefined;
  /** Instructions after FROM, ONBUILD triggers included (flagged). */
  instructions: Instr[];
  final: boolean;
  /** The final stage or one of its FROM ancestors: what it leaves is in the image. */
  inFinalImage: boolean;
  /** SHELL in effect at the end of the stage. */
  shell: string[];
}

export interface LintDocument {
  file: string;
  source: SourceText;
  escape: string;
  directives: { name: string; value: string; line: number }[];
  /** Every instruction in file order; ONBUILD triggers follow their ONBUILD. */
  instructions: Instr[];
  stages: Stage[];
  /** ARGs declared before the first FROM. */
  globalVars: Vars;
}

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

export function parseDockerfile(text: string, file: string): LintDocument {
  const source = new SourceText(text);
  const ast = DockerfileParser.parse(text);
  const escape = ast.getEscapeCharacter();
  const doc: LintDocument = {
    file,
    source,
    escape,
    directives: ast.getDirectives().map((d) => ({
      name: d.getName().toLowerCase(),
      value: d.getValue(),
      line: d.getRange().start.line + 1,
    })),
    instructions: [],
    stages: [],
    globalVars: new Map(),
  };
  const globals = new Map<string, string | undefined>();
  let stage: Stage | undefined;
  let vars = new Map<string, string | undefined>();
  let shell = DEFAULT_SHELL;

  for (const node of ast.getInstructions()) {
    const instr = makeInstr(node, source, false, undefined, vars);
    doc.instructions.push(instr);
    if (node instanceof From) {
      const image = resolveImage(node, globals, doc.stages);
      stage = {
        index: doc.stages.length,
        name: node.getBuildStage() ?? undefined,
        from: instr,
        image,
        parent: image?.stage,
        instructions: [],
        final: false,
        inFinalImage: false,
        shell: image?.stage?.shell ?? DEFAULT_SHELL,
      };
      doc.stages.push(stage);
      instr.stage = stage;
      vars = new Map(image?.stage ? finalVars(image.stage) : []);
      shell = stage.shell;
      continue;
    }
    instr.stage = stage;
    stage?.instructions.push(instr);
    if (node instanceof Arg) {
      const prop = node.getProperty();
      if (prop) {
        const name = prop.getName();
        const value = prop.getValue();
        const target = stage ? vars : globals;
        target.set(
          name,
          value !== null ? expandVars(value, target) : stage ? globals.get(name) : undefined,
        );
      }
    } else if (node instanceof Env) {
      for (const p of node.getProperties())
        vars.set(p.getName(), expandVars(p.getValue() ?? '', vars));
    } else if (node instanceof Shell) {
      const strings = node.getJSONStrings().map((s) => s.getJSONValue());
      if (strings.length > 0) shell = strings;
      if (stage) stage.shell = shell;
    } else if (node instanceof Onbuild) {
      const trigger = node.getTriggerInstruction();
      if (trigger) {
        const t = makeInstr(trigger, source, true, stage, vars);
        doc.instructions.push(t);
        stage?.instructions.push(t);
      }
    }
    instr.vars = new Map(vars);
    if (node instanceof Run) analyzeRun(instr, node, source, escape, shell);
  }
  for (const [k, v] of globals) (doc.globalVars as Map<string, string | undefined>).set(k, v);
  const last = doc.stages.at(-1);
  if (last) last.final = true;
  for (let s = last; s; s = s.parent) s.inFinalImage = true;
  // ONBUILD RUN triggers are analyzed with the stage's shell too: a sensible guess.
  for (const i of doc.instructions) {
    if (i.onbuild && i.node instanceof Run)
      analyzeRun(i, i.node, source, escape, i.stage?.shell ?? DEFAULT_SHELL);
  }
  return doc;
}

function finalVars(stage: Stage): Vars {
  const last = stage.instructions.filter((i) => !i.onbuild).at(-1);
  return last?.vars ?? stage.from.vars;
}

function makeInstr(
  node: Instruction,
  source: SourceText,
  onbuild: boolean,
  stage: Stage | undefined,
  vars: Vars,
): Instr {
  const r = node.getRange();
  const start = source.offsetAt(r.start.line, r.start.character);
  const end = source.offsetAt(r.end.line, r.end.character);
  const flagged = node as Instruction & {
    getFlags?: () => { getName(): string; getValue(): string | null }[];
  };
  const jsonNode = node as Instruction & { getJSONStrings?: () => { getJSONValue(): string }[] };
  // node.getRawArgumentsContent() is this text, but computes the arguments again: each
  // getArguments() call re-tokenizes the instruction (a third of a lint over many files).
  const argNodes = node.getArguments();
  const first = argNodes[0]?.getRange().start;
  const last = argNodes.at(-1)?.getRange().end;
  const raw =
    first && last
      ? source.text
          .slice(
            source.offsetAt(first.line, first.character),
            source.offsetAt(last.line, last.character),
          )
          .trimStart()
      : '';
  // Only exec-form candidates pay for dockerfile-ast's JSON scan.
  const isJson = raw.startsWith('[') && isJsonArray(raw);
  const jsonStrings = isJson ? (jsonNode.getJSONStrings?.() ?? []) : [];
  return {
    keyword: node.getKeyword().toUpperCase(),
    node,
    span: source.span(start, end),
    start,
    end,
    args: argNodes.map((a) => a.getValue()),
    flags: (flagged.getFlags?.() ?? []).map((f) => ({ name: f.getName(), value: f.getValue() })),
    json: isJson ? jsonStrings.map((s) => s.getJSONValue()) : undefined,
    onbuild,
    stage,
    vars: new Map(vars),
    shell: undefined,
    openHeredocs: [],
  };
}

function isJsonArray(raw: string): boolean {
  try {
    const v: unknown = JSON.parse(raw.replace(/\\\r?\n/g, ''));
    return Array.isArray(v) && v.every((x) => typeof x === 'string');
  } catch {
    return false;
  }
}

function analyzeRun(
  instr: Instr,
  node: Run,
  source: SourceText,
  escape: string,
  shell: string[],
): void {
  if (instr.json) {
    instr.shell = analyzeExec(instr.json, instr.start, instr.end);
    return;
  }
  const exe = (shell[0] ?? '').split(/[\\/]/).pop()!.toLowerCase();
  if (/^(pwsh|powershell|cmd)(\.exe)?$/.test(exe)) {
    instr.shell = { commands: [], pipes: [], errors: [] }; // not a POSIX shell: nothing we can read
    return;
  }
  const argsRange = node.getArgumentsRange();
  if (!argsRange) {
    instr.shell = { commands: [], pipes: [], errors: [] };
    return;
  }
  let start = source.offsetAt(argsRange.start.line, argsRange.start.character);
  for (const f of node.getFlags()) {
    const fr = f.getRange();
    start = Math.max(start, source.offsetAt(fr.end.line, fr.end.character));
  }
  let end = instr.end;
  const heredocs = node.getHeredocs();
  const bodies: MappedText[] = [];
  for (const h of heredocs) {
    const content = h.getContentRange();
    if (content) {
      const cs = source.offsetAt(content.start.line, content.start.character);
      const ce = source.offsetAt(content.end.line, content.end.character);
      bodies.push({ text: source.text.slice(cs, ce), origin: (i) => cs + i });
    } else bodies.push({ text: '', origin: () => instr.start });
    if (!h.getDelimiterRange()) instr.openHeredocs.push(h.getName());
  }
  const first = heredocs[0];
  if (first) {
    // The command line ends where the first here document's body begins.
    const line = first.getStartRange().start.line;
    end = Math.min(end, source.offsetAt(line + 1, 0));
  }
  const main = joinContinuations(source.text, start, end, escape);
  instr.script = { text: main, shell, heredocs: bodies };
  const pipefail = shell.some((a, k) => /^-[a-zA-Z]*o$/.test(a) && shell[k + 1] === 'pipefail');
  instr.shell = analyzeShell(main, { vars: instr.vars, pipefail, heredocs: bodies });
}

/**
 * The command text of a RUN as the shell receives it: escape + newline
 * removed, and comment or empty lines inside the continuation dropped (the
 * Dockerfile parser drops them, the shell never sees them).
 */
export function joinContinuations(
  text: string,
  start: number,
  end: number,
  escape: string,
): MappedText {
  let out = '';
  const origins: number[] = [];
  let i = start;
  while (i < end) {
    const c = text[i]!;
    if (c === escape) {
      let j = i + 1;
      while (j < end && (text[j] === ' ' || text[j] === '\t' || text[j] === '\r')) j++;
      if (j < end && text[j] === '\n') {
        i = j + 1;
        // Skip whole comment lines and blank lines that follow a continuation.
        for (;;) {
          const eol = text.indexOf('\n', i);
          const lineEnd = eol === -1 || eol > end ? end : eol;
          const line = text.slice(i, lineEnd);
          if (lineEnd < end && (/^\s*#/.test(line) || /^\s*$/.test(line))) i = lineEnd + 1;
          else break;
        }
        continue;
      }
      if (j >= end) break; // a trailing escape at the very end
    }
    if (c === '\n') break; // an unescaped newline ends the instruction
    out += c;
    origins.push(i);
    i++;
  }
  origins.push(i);
  return { text: out, origin: (k) => origins[Math.min(Math.max(k, 0), origins.length - 1)]! };
}

/** Splits `registry/name:tag@digest`, with ARG defaults from before the first FROM expanded. */
function resolveImage(node: From, globals: Vars, stages: Stage[]): ImageRef | undefined {
  const raw = node.getImage();
  if (!raw) return undefined;
  const text = expandVars(raw, globals);
  const stage = stages.find(
    (s) => s.name !== undefined && s.name.toLowerCase() === text.toLowerCase(),
  );
  return { ...parseImageRef(text), raw, text, unresolved: hasVariable(text), stage };
}

export function parseImageRef(text: string): {
  registry: string | undefined;
  name: string;
  tag: string | undefined;
  digest: string | undefined;
  scratch: boolean;
} {
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  let registry: string | undefined;
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }
  return { registry, name: rest, tag, digest, scratch: text.toLowerCase() === 'scratch' };
}

/** Labels set in a stage and its ancestors (name to value). */
export function stageLabels(stage: Stage): Map<string, string> {
  const chain: Stage[] = [];
  for (let s: Stage | undefined = stage; s; s = s.parent) chain.unshift(s);
  const out = new Map<string, string>();
  for (const s of chain) {
    for (const i of s.instructions) {
      if (i.onbuild || !(i.node instanceof Label)) continue;
      for (const p of i.node.getProperties()) out.set(unquote(p.getName()), p.getValue() ?? '');
    }
  }
  return out;
}

export function unquote(s: string): string {
  return /^(["']).*\1$/s.test(s) ? s.slice(1, -1) : s;
}

/**
 * An instruction argument as BuildKit's word lexer reads it: single quotes
 * keep everything (`'C:\'` is `C:\`), double quotes and the escape character
 * escape a quote, a `$`, a blank or themselves; the quotes themselves go. An
 * escape before anything else stays (`C:\app` keeps its backslash).
 */
export function dockerfileWord(raw: string, escape = '\\'): string {
  let out = '';
  let quote: string | undefined;
  for (let k = 0; k < raw.length; k++) {
    const c = raw[k]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else out += c;
    } else if (c === escape && k + 1 < raw.length && escapes(raw[k + 1]!, quote, escape)) {
      out += raw[++k];
    } else if (c === quote) quote = undefined;
    else if (quote === undefined && (c === '"' || c === "'")) quote = c;
    else out += c;
  }
  return out;
}

/** Instructions of a stage and its ancestors, oldest first, ONBUILD triggers excluded. */
export function lineage(stage: Stage): Instr[] {
  const chain: Stage[] = [];
  for (let s: Stage | undefined = stage; s; s = s.parent) chain.unshift(s);
  return chain.flatMap((s) => s.instructions.filter((i) => !i.onbuild));
}

function escapes(next: string, quote: string | undefined, escape: string): boolean {
  if (next === escape || next === '"' || next === '$') return true;
  return quote === undefined && (next === "'" || next === ' ' || next === '\t');
}
