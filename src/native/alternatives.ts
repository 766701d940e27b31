/**
 * update-alternatives, emulated: which `--install` calls a postinst makes,
 * and the symlinks and /var/lib/dpkg/alternatives/<name> files they leave.
 *
 * Reading the calls needs a little POSIX shell (quoting, continuations,
 * `variant=basic`, `for i in vi view ex; do ... $i ...; done`): enough to
 * read maintainer scripts without running them. Anything dynamic (`$(...)`,
 * backticks, unknown variables, `${v:-x}`) stays opaque, so a caller can
 * tell "this word is known" from "this depends on run-time state". Pure.
 */
import type { FileEntry } from '../oci/file-entry.js';

type Segment = { lit: string } | { var: string } | { opaque: string };
type Token = { word: Segment[] } | { sep: string };

function isWord(t: Token): t is { word: Segment[] } {
  return 'word' in t;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Reads `$...` at s[i] ('$'); returns the segment and the index after it. */
function dollar(s: string, i: number): [Segment, number] {
  const next = s[i + 1];
  if (next === '{') {
    const end = s.indexOf('}', i + 2);
    if (end < 0) return [{ opaque: s.slice(i) }, s.length];
    const inner = s.slice(i + 2, end);
    return [/^[A-Za-z_][A-Za-z0-9_]*$/.test(inner) ? { var: inner } : { opaque: inner }, end + 1];
  }
  if (next === '(') {
    let depth = 0;
    let j = i + 1;
    for (; j < s.length; j++) {
      if (s[j] === '(') depth++;
      else if (s[j] === ')' && --depth === 0) break;
    }
    return [{ opaque: s.slice(i, j + 1) }, j + 1];
  }
  const name = NAME.exec(s.slice(i + 1));
  if (name) return [{ var: name[0] }, i + 1 + name[0].length];
  if (next !== undefined && /[0-9@*#?$!-]/.test(next)) return [{ var: next }, i + 2];
  return [{ lit: '$' }, i + 1];
}

/** Splits a script into words and separators (newline, ; & | ( ) and redirections). */
function tokenize(script: string): Token[] {
  const s = script.replace(/\\\r?\n/g, '');
  const out: Token[] = [];
  let word: Segment[] | undefined;
  const lit = (c: string) => {
    word ??= [];
    const last = word[word.length - 1];
    if (last && 'lit' in last) last.lit += c;
    else word.push({ lit: c });
  };
  const seg = (x: Segment) => {
    word ??= [];
    word.push(x);
  };
  const end = () => {
    if (word) out.push({ word });
    word = undefined;
  };
  const heredocs: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '#' && !word) {
      while (i < s.length && s[i] !== '\n') i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      end();
      i++;
    } else if (c === '\n' || c === ';' || c === '&' || c === '|' || c === '(' || c === ')') {
      end();
      const two = s.slice(i, i + 2);
      const op = two === ';;' || two === '&&' || two === '||' ? two : c;
      out.push({ sep: op });
      i += op.length;
      if (c === '\n') {
        for (const delim of heredocs.splice(0)) {
          while (i < s.length) {
            const eol = s.indexOf('\n', i);
            const line = s.slice(i, eol < 0 ? s.length : eol);
            i = eol < 0 ? s.length : eol + 1;
            if (line.replace(/^\t+/, '') === delim) break;
          }
        }
      }
    } else if (c === '<' || c === '>') {
      // "2>/dev/null": the fd number belongs to the redirection, not the command.
      if (word && word.length === 1 && 'lit' in word[0]! && /^\d+$/.test(word[0].lit))
        word = undefined;
      end();
      const here = /^<<-?[ \t]*(['"]?)([A-Za-z0-9_]+)\1/.exec(s.slice(i));
      if (here) {
        // A here-document's body is data, not commands: skip it at the next newline.
        heredocs.push(here[2]!);
        i += here[0].length;
        continue;
      }
      let j = i + 1;
      while (j < s.length && /[<>&|]/.test(s[j]!)) j++;
      out.push({ sep: 'redir' });
      i = j;
    } else if (c === "'") {
      const close = s.indexOf("'", i + 1);
      const stop = close < 0 ? s.length : close;
      word ??= [];
      lit(s.slice(i + 1, stop));
      i = stop + 1;
    } else if (c === '"') {
      word ??= [];
      i++;
      while (i < s.length && s[i] !== '"') {
        const d = s[i]!;
        if (d === '\\' && i + 1 < s.length && /["\\$`]/.test(s[i + 1]!)) {
          lit(s[i + 1]!);
          i += 2;
        } else if (d === '$') {
          const [x, j] = dollar(s, i);
          seg(x);
          i = j;
        } else if (d === '`') {
          const close = s.indexOf('`', i + 1);
          seg({ opaque: s.slice(i, close < 0 ? s.length : close + 1) });
          i = close < 0 ? s.length : close + 1;
        } else {
          lit(d);
          i++;
        }
      }
      i++;
    } else if (c === '\\') {
      if (i + 1 < s.length) lit(s[i + 1]!);
      i += 2;
    } else if (c === '$') {
      const [x, j] = dollar(s, i);
      seg(x);
      i = j;
    } else if (c === '`') {
      const close = s.indexOf('`', i + 1);
      seg({ opaque: s.slice(i, close < 0 ? s.length : close + 1) });
      i = close < 0 ? s.length : close + 1;
    } else {
      lit(c);
      i++;
    }
  }
  end();
  return out;
}

/** One simple command: its words, still unexpanded. */
type Command = Segment[][];

/**
 * Groups words into simple commands. Case patterns ("configure)",
 * "abort-upgrade|abort-remove)") and function headers ("name() {") are not
 * commands and are dropped; redirection targets are dropped too.
 */
function commands(tokens: Token[]): Command[] {
  const out: Command[] = [];
  let cur: Command = [];
  let dropNext = false;
  /** Commands pushed since the last separator other than "|": a case pattern's alternatives. */
  let piped = 0;
  let open = 0;
  /** After `case WORD in` or ";;": the words up to the next ")" are a pattern, not commands. */
  let pattern = false;
  const isCaseIn = (cmd: Command | undefined) => {
    const c = cmd && stripLeading(cmd); // "then case ... in", "do case ... in"
    return c !== undefined && literal(c[0]) === 'case' && literal(c[c.length - 1]) === 'in';
  };
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (isWord(t)) {
      if (dropNext) dropNext = false;
      else cur.push(t.word);
      continue;
    }
    if (t.sep === 'redir') {
      dropNext = true;
      continue;
    }
    // `esac` where a pattern could start ends the case instead.
    if (pattern && literal(cur[0]) === 'esac') pattern = false;
    // Words then a newline are a command: a pattern never ends a line without its ")".
    if (pattern && t.sep === '\n' && cur.length) pattern = false;
    if (pattern) {
      // "(configure)", "a|b)": a pattern may open with "(", and its words are not a command.
      if (t.sep === ')') {
        cur = [];
        pattern = false;
        continue;
      }
      if (t.sep === '(' || t.sep === '|' || t.sep === '\n') continue;
      pattern = false; // not a pattern after all (e.g. `esac;`)
    }
    // `case "$1" in (configure) ...` on one line: this "(" opens a pattern, not a subshell.
    if (t.sep === '(' && isCaseIn(cur)) {
      out.push(cur);
      cur = [];
      piped = 0;
      pattern = true;
      continue;
    }
    const next = tokens[k + 1];
    if (t.sep === '(' && cur.length === 1 && next && !isWord(next) && next.sep === ')') {
      cur = []; // "name()": a function definition
      k++;
      continue;
    }
    if (t.sep === '(') open++;
    if (t.sep === ')' && open > 0) {
      open--; // closes a subshell: its last command is a command
    } else if (t.sep === ')') {
      out.splice(out.length - piped, piped);
      cur = [];
      piped = 0;
      continue;
    }
    if (cur.length) {
      out.push(cur);
      piped = t.sep === '|' ? piped + 1 : 0;
      if (isCaseIn(cur)) pattern = true;
    } else if (t.sep !== '|') piped = 0;
    cur = [];
    if (t.sep === ';;') pattern = true;
  }
  if (cur.length) out.push(cur);
  return out;
}

export type Vars = Map<string, string>;

/** The word's value, or undefined when it depends on something only known at run time. */
export function expand(word: Segment[], vars: Vars): string | undefined {
  let out = '';
  for (const s of word) {
    if ('lit' in s) out += s.lit;
    else if ('var' in s) {
      const v = vars.get(s.var);
      if (v === undefined) return undefined;
      out += v;
    } else return undefined;
  }
  return out;
}

/** Keywords that may open a command line without being the command itself. */
const LEADING = new Set(['then', 'do', 'else', 'elif', 'if', 'while', 'until', '!', '{', '}']);

function literal(word: Segment[] | undefined): string | undefined {
  return word && word.length === 1 && 'lit' in word[0]! ? word[0].lit : undefined;
}

function stripLeading(cmd: Command): Command {
  let i = 0;
  while (i < cmd.length && LEADING.has(literal(cmd[i]) ?? '')) i++;
  return i ? cmd.slice(i) : cmd;
}

/** A command as the script would run it: its words after expansion (undefined where unknown). */
export interface RunCommand {
  words: (string | undefined)[];
}

const ASSIGN = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/**
 * Walks the script's commands in order, binding plain assignments and
 * unrolling `for` loops over literal lists, and calls `visit` for every
 * command with its words expanded. Control flow (if/case) is not evaluated:
 * every branch is visited, which is what "what might this script do" needs.
 */
export function walkCommands(script: string, visit: (cmd: RunCommand) => void): void {
  const cmds = commands(tokenize(script));
  const vars: Vars = new Map();
  run(cmds, vars, visit);
}

function run(cmds: Command[], vars: Vars, visit: (cmd: RunCommand) => void): void {
  for (let i = 0; i < cmds.length; i++) {
    const cmd = stripLeading(cmds[i]!);
    if (cmd.length === 0) continue;
    const first = literal(cmd[0]);
    if (first === 'for' && cmd.length >= 2) {
      const name = literal(cmd[1]) ?? '';
      const items =
        literal(cmd[2]) === 'in' ? cmd.slice(3).map((w) => expand(w, vars)) : [undefined];
      // The body runs from the next command (after "do") up to the matching "done".
      let depth = 1;
      let j = i + 1;
      for (; j < cmds.length; j++) {
        const head = literal(stripLeadingDo(cmds[j]!)[0]);
        if (head === 'for' || head === 'while' || head === 'until') depth++;
        if (literal(cmds[j]![0]) === 'done' && --depth === 0) break;
      }
      const body = cmds.slice(i + 1, j);
      for (const item of items) {
        const inner = new Map(vars);
        if (item === undefined) inner.delete(name);
        else inner.set(name, item);
        run(body, inner, visit);
      }
      i = j;
      continue;
    }
    if (first === 'done' || first === 'fi' || first === 'esac') continue;
    let words = cmd;
    if (first === 'local' || first === 'export' || first === 'readonly') words = cmd.slice(1);
    const assigns =
      words.length > 0 && words.every((w) => ASSIGN.test(literal(w.slice(0, 1)) ?? ''));
    if (assigns) {
      for (const w of words) {
        const head = w[0] as { lit: string };
        const m = ASSIGN.exec(head.lit)!;
        const rest: Segment[] = [{ lit: head.lit.slice(m[0].length) }, ...w.slice(1)];
        const value = expand(rest, vars);
        if (value === undefined) vars.delete(m[1]!);
        else vars.set(m[1]!, value);
      }
      continue;
    }
    visit({ words: cmd.map((w) => expand(w, vars)) });
  }
}

function stripLeadingDo(cmd: Command): Command {
  return literal(cmd[0]) === 'do' ? cmd.slice(1) : cmd;
}

export interface Alternative {
  link: string;
  name: string;
  path: string;
  priority: number;
  slaves: { link: string; name: string; path: string }[];
}

/** Options of update-alternatives that take a value and do not change what is installed. */
const UA_OPTS_WITH_ARG = new Set(['--altdir', '--admindir', '--log', '--instdir', '--root']);

function isUpdateAlternatives(word: string | undefined): boolean {
  return word === 'update-alternatives' || (word?.endsWith('/update-alternatives') ?? false);
}

/**
 * The `update-alternatives --install` calls of a postinst. `unparsed` is true
 * when the script calls update-alternatives in a way this reader could not
 * resolve (a word depending on run-time state, a malformed call) or names it
 * without any call being found; the caller should warn that the package's
 * alternatives may be missing.
 */
export function alternativesFromPostinst(script: string): {
  alternatives: Alternative[];
  unparsed: boolean;
} {
  const alternatives: Alternative[] = [];
  let unparsed = false;
  let calls = 0;
  walkCommands(script, ({ words }) => {
    const at = words.findIndex(isUpdateAlternatives);
    if (at < 0) return;
    calls++;
    const args = words.slice(at + 1);
    let install: Alternative | undefined;
    let bad = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === undefined) {
        bad = true;
        break;
      }
      if (UA_OPTS_WITH_ARG.has(a)) i++;
      else if (a === '--install') {
        const [link, name, path, prio] = args.slice(i + 1, i + 5);
        const priority = prio === undefined ? NaN : Number(prio);
        if (!link || !name || !path || !Number.isInteger(priority)) {
          bad = true;
          break;
        }
        install = { link, name, path, priority, slaves: [] };
        i += 4;
      } else if (a === '--slave') {
        const [link, name, path] = args.slice(i + 1, i + 4);
        if (!install || !link || !name || !path) {
          bad = true;
          break;
        }
        install.slaves.push({ link, name, path });
        i += 3;
      }
      // Everything else (--quiet, --force, --remove <name> <path>, ...) installs nothing.
    }
    if (bad) unparsed = true;
    else if (install) alternatives.push(install);
  });
  // A mention outside any command we could read (a heredoc, an eval) is just as unknown.
  const mentioned = script
    .split('\n')
    .some((l) => /update-alternatives/.test(l.replace(/(^|\s)#.*$/, '')));
  if (mentioned && calls === 0) unparsed = true;
  return { alternatives, unparsed };
}

interface Choice {
  path: string;
  priority: number;
  /** Slave name -> path ("" when this choice has none). */
  slaves: Map<string, string>;
}

interface Group {
  status: 'auto' | 'manual';
  link: string;
  slaves: { name: string; link: string }[];
  choices: Choice[];
}

/** Parses an admin file as update-alternatives writes it; undefined when it is not one. */
function parseAdmin(text: string): Group | undefined {
  const lines = text.split('\n');
  let i = 0;
  const next = () => lines[i++];
  const status = next();
  const link = next();
  if ((status !== 'auto' && status !== 'manual') || !link) return undefined;
  const slaves: Group['slaves'] = [];
  for (let name = next(); name; name = next()) slaves.push({ name, link: next() ?? '' });
  const choices: Choice[] = [];
  for (let path = next(); path; path = next()) {
    const priority = Number(next());
    if (!Number.isInteger(priority)) return undefined;
    const map = new Map<string, string>();
    for (const s of slaves) map.set(s.name, next() ?? '');
    choices.push({ path, priority, slaves: map });
  }
  return { status, link, slaves, choices };
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The admin file text; slaves sorted by name, choices by path, unused slaves dropped, as dpkg does. */
function formatAdmin(g: Group): string {
  const used = g.slaves.filter((s) => g.choices.some((c) => (c.slaves.get(s.name) ?? '') !== ''));
  const slaves = [...used].sort((a, b) => byString(a.name, b.name));
  const choices = [...g.choices].sort((a, b) => byString(a.path, b.path));
  const lines = [g.status, g.link];
  for (const s of slaves) lines.push(s.name, s.link);
  lines.push('');
  for (const c of choices) {
    lines.push(c.path, String(c.priority));
    for (const s of slaves) lines.push(c.slaves.get(s.name) ?? '');
  }
  lines.push('');
  return `${lines.join('\n')}\n`;
}

/** Auto mode picks the highest priority; on a tie, the first in path order. */
function best(g: Group): Choice | undefined {
  let top: Choice | undefined;
  for (const c of [...g.choices].sort((a, b) => byString(a.path, b.path)))
    if (!top || c.priority > top.priority) top = c;
  return top;
}

const rel = (p: string) => p.replace(/^\/+/, '');
const symlink = (path: string, target: string): FileEntry => ({
  path: rel(path),
  type: 'symlink',
  mode: 0o777,
  uid: 0,
  gid: 0,
  linkname: target,
});

/**
 * What `update-alternatives --install` for each of `add` (in order) leaves
 * behind, merged with the base's alternatives (`existing`: name -> admin file
 * text). For every group touched: its admin file, and in auto mode the
 * /etc/alternatives/<name> -> <best path> link plus <link> ->
 * /etc/alternatives/<name>, slaves likewise when their target exists.
 *
 * `pathExists` answers for absolute paths as written in the scripts ("/bin/nc");
 * resolve merged-usr there. `isRegularFile` says a link path is taken by a
 * real file, which update-alternatives does not replace without --force.
 * Entry paths are as written too: run them through `mapEntries` on a
 * merged-usr base.
 */
export function applyAlternatives(
  existing: Map<string, string>,
  add: Alternative[],
  pathExists: (p: string) => boolean,
  isRegularFile: (p: string) => boolean = () => false,
): { entries: FileEntry[]; warnings: string[] } {
  const warnings: string[] = [];
  const groups = new Map<string, Group>();
  const touched: string[] = [];
  const load = (name: string): Group | undefined => {
    if (groups.has(name)) return groups.get(name);
    const text = existing.get(name);
    if (text === undefined) return undefined;
    const g = parseAdmin(text);
    if (!g) {
      warnings.push(
        `/var/lib/dpkg/alternatives/${name} in the base is not an alternatives file; rewriting it`,
      );
      return undefined;
    }
    // Like update-alternatives, forget choices whose file is gone.
    g.choices = g.choices.filter((c) => pathExists(c.path));
    groups.set(name, g);
    return g;
  };
  for (const alt of add) {
    if (!pathExists(alt.path)) {
      warnings.push(
        `alternative ${alt.name}: ${alt.path} does not exist in the image; not installed`,
      );
      continue;
    }
    let g = load(alt.name);
    if (!g) {
      g = { status: 'auto', link: alt.link, slaves: [], choices: [] };
      groups.set(alt.name, g);
    }
    g.link = alt.link;
    for (const s of alt.slaves) {
      const known = g.slaves.find((x) => x.name === s.name);
      if (known) known.link = s.link;
      else g.slaves.push({ name: s.name, link: s.link });
    }
    const choice: Choice = { path: alt.path, priority: alt.priority, slaves: new Map() };
    for (const s of alt.slaves) choice.slaves.set(s.name, s.path);
    const at = g.choices.findIndex((c) => c.path === alt.path);
    if (at >= 0) g.choices[at] = choice;
    else g.choices.push(choice);
    if (!touched.includes(alt.name)) touched.push(alt.name);
  }

  const entries: FileEntry[] = [];
  const encoder = new TextEncoder();
  for (const name of touched) {
    const g = groups.get(name)!;
    entries.push({
      path: `var/lib/dpkg/alternatives/${name}`,
      type: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
      data: encoder.encode(formatAdmin(g)),
    });
    // A manual choice made in the base stays; its links are already there.
    if (g.status !== 'auto') continue;
    const top = best(g)!;
    entries.push(symlink(`/etc/alternatives/${name}`, top.path));
    if (isRegularFile(g.link))
      warnings.push(`alternative ${name}: ${g.link} is a regular file; not replaced`);
    else entries.push(symlink(g.link, `/etc/alternatives/${name}`));
    for (const s of g.slaves) {
      const target = top.slaves.get(s.name) ?? '';
      // update-alternatives sets a slave up only when its file exists (man pages may be excluded).
      if (target === '' || !pathExists(target)) continue;
      entries.push(symlink(`/etc/alternatives/${s.name}`, target));
      if (!isRegularFile(s.link)) entries.push(symlink(s.link, `/etc/alternatives/${s.name}`));
    }
  }
  return { entries, warnings };
}
