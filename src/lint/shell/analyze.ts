/**
 * From a shell script to the facts rules ask about: every simple command in
 * execution order (with variables expanded where known, and wrappers such as
 * sudo or env looked through), every pipeline with whether pipefail was on,
 * and syntax errors. Command substitutions, `sh -c '...'` strings and here
 * documents fed to a shell are analyzed too, as part of the same RUN.
 */
import { nested, type MappedText } from '../source.js';
import { expandVars, isBareReference, type Vars } from './expand.js';
import { parseScript, type AndOr, type Command, type SimpleCommand } from '../../shell/parse.js';
import type { WordToken } from '../../shell/tokens.js';

export interface CommandRef {
  /** Words after expansion, before wrappers are removed. */
  words: string[];
  /** The command that actually runs: `sudo -u x env A=1 apt-get ...` gives `apt-get ...`. */
  argv: string[];
  /** Basename of argv[0] (`/usr/bin/apt-get` is `apt-get`); '' for a bare redirection. */
  name: string;
  /** Basenames of the wrappers looked through, outermost first. */
  wrappers: string[];
  /** `NAME=value` given to this command alone (inline or through env). */
  env: Map<string, string>;
  redirects: { op: string; target: string | undefined }[];
  /** Position in execution order within the RUN. */
  order: number;
  /** Source offsets of the command. */
  start: number;
  end: number;
  pipelineId: number;
  pipelineIndex: number;
  pipelineSize: number;
  /** Inside `$(...)` or backticks: its output is captured, not shown or written. */
  inSubstitution: boolean;
  node: SimpleCommand;
}

export interface PipeRef {
  /** Source offset of the first `|`. */
  offset: number;
  pipefail: boolean;
  pipelineId: number;
}

export interface ShellAnalysis {
  commands: CommandRef[];
  pipes: PipeRef[];
  errors: { message: string; offset: number }[];
}

export interface AnalyzeOptions {
  vars: Vars;
  /** pipefail is on from the start (SHELL ["/bin/bash", "-o", "pipefail", "-c"]). */
  pipefail: boolean;
  /** Bodies of the here documents the Dockerfile parser found, in order of their `<<`. */
  heredocs?: MappedText[];
}

export const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'busybox-sh']);
const MAX_DEPTH = 8;

interface State {
  vars: Map<string, string | undefined>;
  pipefail: boolean;
}

interface Ctx {
  out: ShellAnalysis;
  heredocQueue: MappedText[];
  nextPipeline: number;
}

export function analyzeShell(text: MappedText, options: AnalyzeOptions): ShellAnalysis {
  const ctx: Ctx = {
    out: { commands: [], pipes: [], errors: [] },
    heredocQueue: [...(options.heredocs ?? [])],
    nextPipeline: 0,
  };
  const state: State = { vars: new Map(options.vars), pipefail: options.pipefail };
  walkScript(text, state, ctx, 0, false);
  return ctx.out;
}

/** A single command given in exec form (`RUN ["apt-get", "install", "x"]`): no shell involved. */
export function analyzeExec(argv: string[], start: number, end: number): ShellAnalysis {
  const node: SimpleCommand = {
    type: 'simple',
    assignments: [],
    words: [],
    redirects: [],
    start,
    end,
  };
  const { inner, wrappers, env } = unwrap(argv);
  return {
    commands: [
      {
        words: argv,
        argv: inner,
        name: basename(inner[0] ?? ''),
        wrappers,
        env,
        redirects: [],
        order: 0,
        start,
        end,
        pipelineId: 0,
        pipelineIndex: 0,
        pipelineSize: 1,
        inSubstitution: false,
        node,
      },
    ],
    pipes: [],
    errors: [],
  };
}

function walkScript(text: MappedText, state: State, ctx: Ctx, depth: number, inSub: boolean): void {
  if (depth > MAX_DEPTH) return;
  const script = parseScript(text.text);
  for (const e of script.errors) {
    ctx.out.errors.push({ message: e.message, offset: text.origin(e.offset) });
  }
  walkList(script.body, text, state, ctx, depth, inSub);
}

function walkList(
  body: AndOr[],
  text: MappedText,
  state: State,
  ctx: Ctx,
  depth: number,
  inSub: boolean,
): void {
  for (const chain of body) {
    for (const pipeline of chain.pipelines) {
      const id = ctx.nextPipeline++;
      if (pipeline.commands.length > 1) {
        ctx.out.pipes.push({
          offset: text.origin(pipeline.pipes[0]!),
          pipefail: state.pipefail,
          pipelineId: id,
        });
      }
      pipeline.commands.forEach((command, index) =>
        walkCommand(command, text, state, ctx, depth, inSub, {
          id,
          index,
          size: pipeline.commands.length,
        }),
      );
    }
  }
}

function walkCommand(
  command: Command,
  text: MappedText,
  state: State,
  ctx: Ctx,
  depth: number,
  inSub: boolean,
  pipe: { id: number; index: number; size: number },
): void {
  if (command.type !== 'simple') {
    // A subshell's `set -o pipefail` and variables stay inside it; a group's do not.
    const inner =
      command.type === 'subshell' ? { vars: new Map(state.vars), pipefail: state.pipefail } : state;
    walkList(command.body, text, inner, ctx, depth, inSub);
    return;
  }
  for (const w of [...command.assignments, ...command.words]) {
    for (const sub of w.substitutions) {
      walkScript(
        nested(text, sub.start, sub.text),
        { vars: new Map(state.vars), pipefail: state.pipefail },
        ctx,
        depth + 1,
        true,
      );
    }
  }
  const words = expandWords(command.words, state.vars);
  const assigned = new Map<string, string | undefined>();
  for (const a of command.assignments) {
    const eq = a.value.indexOf('=');
    const value = a.value.slice(eq + 1);
    // The output of a command substitution is not known statically.
    const known = a.substitutions.length === 0 ? expandVars(value, state.vars) : undefined;
    assigned.set(a.value.slice(0, eq).replace(/\+$/, ''), known);
  }
  // `X=1` alone sets a shell variable for the rest of the script.
  if (words.length === 0) for (const [k, v] of assigned) state.vars.set(k, v);
  const { inner, wrappers, env } = unwrap(words);
  for (const [k, v] of assigned) env.set(k, v ?? '');
  const name = basename(inner[0] ?? '');
  const ref: CommandRef = {
    words,
    argv: inner,
    name,
    wrappers,
    env,
    redirects: command.redirects.map((r) => ({
      op: r.op,
      target: r.target ? expandVars(r.target.value, state.vars) : undefined,
    })),
    order: ctx.out.commands.length,
    start: text.origin(command.start),
    end: text.origin(command.end),
    pipelineId: pipe.id,
    pipelineIndex: pipe.index,
    pipelineSize: pipe.size,
    inSubstitution: inSub,
    node: command,
  };
  if (words.length > 0 || command.redirects.some((r) => r.op.startsWith('<<')))
    ctx.out.commands.push(ref);
  trackState(name, inner, state);

  const isShell = SHELLS.has(name);
  const dashC = isShell ? shellScriptArg(inner) : undefined;
  if (dashC) {
    const token = command.words.find((w) => expandVars(w.value, state.vars) === dashC.script);
    const base = token
      ? token.start + (token.raw.startsWith("'") || token.raw.startsWith('"') ? 1 : 0)
      : command.start;
    walkScript(
      nested(text, base, dashC.script, token?.end ?? command.end),
      { vars: new Map(state.vars), pipefail: state.pipefail || dashC.pipefail },
      ctx,
      depth + 1,
      inSub,
    );
  }
  for (const r of command.redirects) {
    if (r.op !== '<<' && r.op !== '<<-') continue;
    const h = r.token.heredoc;
    const body =
      h && h.bodyStart >= 0 ? nested(text, h.bodyStart, h.body) : ctx.heredocQueue.shift();
    if (!body) continue;
    // The body is a script when nothing else runs (RUN <<EOF) or a shell reads it from stdin.
    const bare = inner.length === 0 && !startsWithForeignShebang(body.text);
    if (bare || (isShell && !dashC)) {
      const fresh = {
        vars: new Map(state.vars),
        pipefail: bare ? state.pipefail : hasPipefailOption(inner),
      };
      walkScript(body, fresh, ctx, depth + 1, inSub);
    }
  }
}

function expandWords(tokens: WordToken[], vars: Vars): string[] {
  const out: string[] = [];
  for (const w of tokens) {
    const value = expandVars(w.value, vars);
    if (!w.quoted && isBareReference(w.raw) && value !== w.value) {
      out.push(...value.split(/\s+/).filter(Boolean));
    } else out.push(value);
  }
  return out;
}

/** `set -o pipefail`, `set -euo pipefail`, `set +o pipefail`; `export X=1` defines X. */
function trackState(name: string, argv: string[], state: State): void {
  if (name === 'set') {
    for (let k = 1; k < argv.length; k++) {
      const a = argv[k]!;
      if (/^-[a-zA-Z]*o$/.test(a) && argv[k + 1] === 'pipefail') state.pipefail = true;
      if (/^\+[a-zA-Z]*o$/.test(a) && argv[k + 1] === 'pipefail') state.pipefail = false;
    }
  }
  if (['export', 'declare', 'typeset', 'readonly', 'local'].includes(name)) {
    for (const a of argv.slice(1)) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a);
      if (m) state.vars.set(m[1]!, m[2]!);
    }
  }
}

/** For `bash -o pipefail -ec 'script'`: the script operand, and whether pipefail is set. */
export function shellScriptArg(argv: string[]): { script: string; pipefail: boolean } | undefined {
  let sawC = false;
  for (let k = 1; k < argv.length; k++) {
    const a = argv[k]!;
    if ((a === '-o' || a === '+o') && k + 1 < argv.length) {
      k++;
      continue;
    }
    if (/^-[a-zA-Z]+$/.test(a)) {
      if (a.includes('c')) sawC = true;
      continue;
    }
    if (a.startsWith('--')) continue;
    return sawC ? { script: a, pipefail: hasPipefailOption(argv) } : undefined;
  }
  return undefined;
}

function hasPipefailOption(argv: string[]): boolean {
  return argv.some((a, k) => /^-[a-zA-Z]*o$/.test(a) && argv[k + 1] === 'pipefail');
}

function startsWithForeignShebang(body: string): boolean {
  const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(body);
  if (!m) return false;
  const interpreter = basename(m[1] === '/usr/bin/env' || m[1] === 'env' ? (m[2] ?? '') : m[1]!);
  return !SHELLS.has(interpreter);
}

export function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? path : path.slice(i + 1);
}

/** Wrappers that run another command; options that take a value; leading operands to skip. */
const WRAPPERS: Record<string, { valued: string[]; operands?: number }> = {
  sudo: {
    valued: [
      '-u',
      '-g',
      '-h',
      '-p',
      '-C',
      '-U',
      '-r',
      '-t',
      '-D',
      '--user',
      '--group',
      '--host',
      '--prompt',
      '--chdir',
    ],
  },
  env: { valued: ['-u', '--unset', '-C', '--chdir', '-S', '--split-string'] },
  nice: { valued: ['-n', '--adjustment'] },
  nohup: { valued: [] },
  time: { valued: ['-f', '-o', '--format', '--output'] },
  command: { valued: [] },
  exec: { valued: ['-a'] },
  xargs: {
    valued: [
      '-I',
      '-n',
      '-P',
      '-d',
      '-L',
      '-s',
      '-E',
      '-a',
      '--max-args',
      '--max-procs',
      '--delimiter',
      '--arg-file',
    ],
  },
  timeout: { valued: ['-s', '-k', '--signal', '--kill-after'], operands: 1 },
  stdbuf: { valued: ['-i', '-o', '-e'] },
  eatmydata: { valued: [] },
  chronic: { valued: [] },
  gosu: { valued: [], operands: 1 },
  'su-exec': { valued: [], operands: 1 },
};

function unwrap(words: string[]): {
  inner: string[];
  wrappers: string[];
  env: Map<string, string>;
} {
  const wrappers: string[] = [];
  const env = new Map<string, string>();
  let argv = words;
  for (let guard = 0; guard < 8; guard++) {
    const name = basename(argv[0] ?? '');
    const spec = WRAPPERS[name];
    if (!spec) break;
    if (name === 'command' && /^-[vV]$/.test(argv[1] ?? '')) break; // a lookup, not a run
    let k = 1;
    while (k < argv.length) {
      const a = argv[k]!;
      if (a === '--') {
        k++;
        break;
      }
      if (name === 'env' && /^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) {
        const eq = a.indexOf('=');
        env.set(a.slice(0, eq), a.slice(eq + 1));
        k++;
        continue;
      }
      if (!a.startsWith('-') || a === '-') break;
      k += spec.valued.includes(a) ? 2 : 1;
    }
    k += spec.operands ?? 0;
    wrappers.push(name);
    argv = argv.slice(k);
  }
  return { inner: argv, wrappers, env };
}
