/**
 * What each package's maintainer scripts would have done on a fresh install
 * (preinst install, postinst configure, triggers), sorted into what kubox
 * emulates, what does not matter in a container image, and what it cannot do
 * (a warning naming the package and the command). Nothing is run. Pure.
 */
import { installedBy, type Alternative } from './alternatives.js';
import { scriptCommands } from './script-commands.js';
import { EFFECT_COMMANDS, scriptOps, type ScriptOp, type SystemAccount } from './script-ops.js';

/** A system account a script creates with `adduser --system` (or a group, `addgroup --system`). */
export type SystemUser = SystemAccount;

/** One file-system effect of a script, in the order the script performs them. */
export interface ScriptStep {
  script: 'preinst' | 'postinst';
  op: ScriptOp;
}

export interface ScriptEffects {
  emulated: string[];
  ignored: string[];
  warnings: string[];
  /** `adduser --system` / `addgroup --system` calls understood, in order; the caller creates them. */
  systemUsers: SystemUser[];
  /** The file-system effects kubox applies (apply-script-ops.ts), in order. */
  ops: ScriptStep[];
}

/**
 * Scripts that run on a fresh install, with the arguments dpkg gives them
 * then (no old version: no `$2`). prerm/postrm run only on removal and
 * upgrade; `config` only asks debconf questions (policy forbids it to change
 * the system), whose defaults apply.
 */
const INSTALL_SCRIPTS = [
  ['preinst', ['install']],
  ['postinst', ['configure']],
] as const;

/** Commands without effect on the image's files. */
const HARMLESS = new Set([
  '[',
  '[[',
  'test',
  'set',
  'echo',
  'printf',
  'exit',
  'return',
  'true',
  'false',
  ':',
  'shift',
  'unset',
  'trap',
  'cd',
  'read',
  'command',
  'which',
  'type',
  'hash',
  'sleep',
  'grep',
  'egrep',
  'fgrep',
  'getent',
  'id',
  'cmp',
  'md5sum',
  'readlink',
  'basename',
  'dirname',
  'stat',
  'dpkg-query',
  'wait',
  'break',
  'continue',
  'logger',
  'local',
  'export',
  'readonly',
  'umask',
  // Text filters: their output goes to a pipe or a variable in these scripts.
  'tr',
  'sort',
  'uniq',
  'cut',
  'head',
  'tail',
  'wc',
]);

const INIT = new Set([
  'deb-systemd-helper',
  'deb-systemd-invoke',
  'invoke-rc.d',
  'update-rc.d',
  'systemctl',
  'service',
  'start-stop-daemon',
  'initctl',
  'systemd-tmpfiles',
  'systemd-sysusers',
]);

/** Caches and indexes rebuilt on demand or only useful interactively. */
const CACHES = new Map<string, string>([
  ['mandb', 'man page index, rebuilt by man-db when used'],
  ['install-info', 'info directory index'],
  ['update-info-dir', 'info directory index'],
  ['update-mime', 'mailcap entries for desktop use'],
  ['update-mime-database', 'desktop MIME cache'],
  ['update-desktop-database', 'desktop entry cache'],
  ['gtk-update-icon-cache', 'icon cache'],
  ['update-icon-caches', 'icon cache'],
  ['fc-cache', 'font cache, rebuilt by fontconfig when missing'],
  ['update-menus', 'desktop menus'],
  ['glib-compile-schemas', 'GSettings schema cache'],
  ['gio-querymodules', 'GIO module cache'],
  ['helpztags', 'vim help tags of add-ons'],
  ['update-fonts-dir', 'X font index'],
  ['mkfontdir', 'X font index'],
  ['mkfontscale', 'X font index'],
  ['py3compile', 'Python byte-code, compiled on first import'],
  ['pycompile', 'Python byte-code, compiled on first import'],
  ['py3clean', 'Python byte-code cleanup'],
  ['pyclean', 'Python byte-code cleanup'],
  ['update-catalog', 'SGML catalog'],
  ['update-xmlcatalog', 'XML catalog'],
  ['ucf', 'configuration merge, only differs from the shipped file on upgrade'],
  ['ucfr', 'configuration merge registry'],
]);

const DEBCONF = /^db_[a-z_]+$/;

function base(cmd: string): string {
  return cmd.slice(cmd.lastIndexOf('/') + 1);
}

/**
 * Classifies the install-time effects of one package's control scripts.
 * `dataPaths`: the package's data.tar paths (to see whether an ldconfig call
 * matters: only when it ships a file in /etc/ld.so.conf.d).
 */
export function scriptEffects(
  pkg: string,
  scripts: Map<string, Uint8Array>,
  dataPaths: string[] = [],
): ScriptEffects {
  const emulated = new Set<string>();
  const ignored = new Set<string>();
  const warnings = new Set<string>();
  const systemUsers: SystemUser[] = [];
  const ops: ScriptStep[] = [];
  const decoder = new TextDecoder();
  // libc.conf and <triplet>.conf name directories ld.so searches anyway; others (fakeroot's) do not.
  const ldsoConf = dataPaths.some((p) => {
    const m = /^\/?etc\/ld\.so\.conf\.d\/([^/]+\.conf)$/.exec(p);
    return m !== null && m[1] !== 'libc.conf' && !/^[a-z0-9_]+-linux-[a-z0-9_]+\.conf$/.test(m[1]!);
  });
  const ldconfig = () => {
    if (ldsoConf)
      warnings.add(
        `${pkg}: ships an /etc/ld.so.conf.d file but ldconfig is not run; libraries outside the default search path will not be found`,
      );
    else
      ignored.add(
        'ldconfig: libraries land in the default search path, which ld.so searches without a cache',
      );
  };

  if (scripts.has('config'))
    ignored.add('config: debconf questions take their defaults (noninteractive)');
  for (const [name, args] of INSTALL_SCRIPTS) {
    const bytes = scripts.get(name);
    if (!bytes) continue;
    const script = decoder.decode(bytes);
    if (!/^#!\s*\/bin\/(ba|da)?sh\b/.test(script) && /^#!/.test(script)) {
      warnings.add(`${pkg}: ${name} is not a shell script (${script.split('\n')[0]}); not run`);
      continue;
    }
    if (pkg === 'ca-certificates' && name === 'postinst') {
      // The whole configure step (ca-certificates.conf from debconf's defaults, then
      // update-ca-certificates) is what ca-certificates.ts computes.
      emulated.add(
        'ca-certificates postinst: /etc/ca-certificates.conf and update-ca-certificates',
      );
      continue;
    }
    const { commands, functions } = scriptCommands(script, { args });
    commands.forEach(({ words }) => {
      const first = words[0];
      if (first === undefined) {
        warnings.add(`${pkg}: ${name} runs a command kubox cannot determine; not run`);
        return;
      }
      if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(first)) return; // env prefix of a command we cannot see
      const cmd = base(first);
      const args = words.slice(1);
      if (HARMLESS.has(cmd) || functions.has(cmd)) return;
      if (cmd === '.' || cmd === 'source') {
        if (args[0]?.includes('debconf/confmodule'))
          ignored.add('debconf: questions take their defaults (noninteractive)');
        else warnings.add(`${pkg}: ${name} sources ${args[0] ?? 'a file'}; not run`);
        return;
      }
      if (DEBCONF.test(cmd)) {
        ignored.add('debconf: questions take their defaults (noninteractive)');
        return;
      }
      if (cmd === 'update-alternatives') {
        if (args.includes('--install')) emulated.add('update-alternatives --install');
        else if (args.includes('--remove') || args.includes('--remove-all'))
          ignored.add('update-alternatives --remove: cleans up after older versions');
        else if (args.some((a) => a === '--set' || a === '--auto' || a === '--config'))
          warnings.add(
            `${pkg}: ${name} changes an alternative's selection (update-alternatives ${args.join(' ')}); not emulated`,
          );
        return;
      }
      if (cmd === 'update-ca-certificates') {
        emulated.add('update-ca-certificates');
        return;
      }
      if (cmd === 'ldconfig') return ldconfig();
      if (cmd === 'dpkg-trigger') {
        const trigger = args.filter((a) => a !== undefined && !a.startsWith('-')).pop();
        if (trigger === 'ldconfig') return ldconfig();
        if (trigger?.startsWith('update-ca-certificates')) emulated.add('update-ca-certificates');
        else warnings.add(`${pkg}: ${name} activates trigger ${trigger ?? '(unknown)'}; not run`);
        return;
      }
      if (INIT.has(cmd)) {
        ignored.add(`${cmd}: no init system runs in a container`);
        return;
      }
      if (cmd === 'dpkg-maintscript-helper') {
        ignored.add('dpkg-maintscript-helper: only acts on upgrade from older versions');
        return;
      }
      if (cmd === 'dpkg' && args[0] === '--compare-versions') return;
      if (cmd === 'sed' && !args.some((a) => a?.startsWith('-i'))) return;
      if (
        cmd === 'dpkg-divert' &&
        args.some((a) => a === '--list' || a === '--truename' || a === '--remove')
      ) {
        if (args.includes('--remove'))
          ignored.add('dpkg-divert --remove: cleans up after older versions');
        return;
      }
      if (cmd === 'dpkg-statoverride' && args.includes('--list')) return;
      if (cmd === 'dpkg-statoverride' && args.includes('--remove')) {
        ignored.add('dpkg-statoverride --remove: cleans up after older versions');
        return;
      }
      if (cmd === 'rm' || cmd === 'rmdir') {
        ignored.add(`${cmd}: removes leftovers of older versions, absent on a fresh install`);
        return;
      }
      const cache = CACHES.get(cmd);
      if (cache !== undefined) {
        ignored.add(`${cmd}: ${cache}`);
        return;
      }
      if (cmd === 'useradd' || cmd === 'groupadd') {
        const who = args.filter((a) => a !== undefined && !a.startsWith('-')).pop() ?? '';
        const what = cmd === 'groupadd' ? 'group' : 'system user';
        warnings.add(`${pkg}: ${name} creates ${what} ${who}; not emulated`.replace(/ +;/, ';'));
        return;
      }
      if (EFFECT_COMMANDS.has(cmd)) {
        const read = scriptOps(cmd, args, pkg);
        const account = typeof read === 'string' ? undefined : read.find((o) => o.op === 'account');
        if (account?.op === 'account' && account.account.ingroup !== undefined) {
          warnings.add(
            `${pkg}: ${name} creates system user ${account.account.name} in group ${account.account.ingroup}; not emulated`,
          );
          return;
        }
        if (typeof read === 'string') {
          const shown = words.map((w) => w ?? '?').join(' ');
          warnings.add(
            `${pkg}: ${name} runs \`${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown}\` (${read}); not run`,
          );
          return;
        }
        for (const op of read) {
          ops.push({ script: name, op });
          if (op.op === 'account' && !systemUsers.some((u) => u.name === op.account.name))
            systemUsers.push(op.account);
        }
        emulated.add(cmd === 'install' ? 'install -d' : cmd);
        return;
      }
      const shown = words.map((w) => w ?? '?').join(' ');
      warnings.add(
        `${pkg}: ${name} runs \`${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown}\`; not run`,
      );
    });
    if (name === 'postinst' && alternativesFromPostinst(script).unparsed)
      warnings.add(
        `${pkg}: postinst calls update-alternatives in a way kubox cannot follow; its links are missing`,
      );
  }

  const triggers = scripts.get('triggers');
  if (triggers) {
    for (const line of decoder.decode(triggers).split('\n')) {
      const [directive, trigger] = line.replace(/#.*/, '').trim().split(/\s+/);
      if (!directive || !trigger) continue;
      if (directive.startsWith('interest')) {
        ignored.add(`trigger interest ${trigger}: runs only when other packages activate it later`);
      } else if (directive.startsWith('activate')) {
        if (trigger === 'ldconfig') ldconfig();
        else if (trigger.startsWith('update-ca-certificates'))
          emulated.add('update-ca-certificates');
        else
          warnings.add(
            `${pkg}: activates trigger ${trigger}; the interested package's postinst is not run`,
          );
      }
    }
  }
  return {
    emulated: [...emulated],
    ignored: [...ignored],
    warnings: [...warnings],
    systemUsers,
    ops,
  };
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
  const isCall = (w: string | undefined) => w !== undefined && base(w) === 'update-alternatives';
  // The calls `postinst configure` makes; a call in an upgrade-only branch still counts as read.
  for (const { words } of scriptCommands(script, { args: ['configure'] }).commands) {
    const at = words.findIndex(isCall);
    if (at < 0) continue;
    const installed = installedBy(words.slice(at + 1));
    if (installed === 'unknown') unparsed = true;
    else if (installed) alternatives.push(installed);
  }
  const calls = scriptCommands(script).commands.filter(({ words }) => words.some(isCall)).length;
  // A mention outside any command we could read (a heredoc, an eval) is just as unknown.
  const mentioned = script
    .split('\n')
    .some((l) => /update-alternatives/.test(l.replace(/(^|\s)#.*$/, '')));
  if (mentioned && calls === 0) unparsed = true;
  return { alternatives, unparsed };
}
