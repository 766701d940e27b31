/**
 * What `kubox verify` checks, derived from the plan: the image config
 * (user, workdir, cmd, labels, env) and commands run inside the image that
 * prove each installed tool works and nothing the seed cleans up was left.
 * Pure: the runner (run.ts) executes them.
 */
import { shellWord } from '../dockerfile/quote.js';
import type { ImageConfig } from '../oci/types.js';
import { OCI, type Plan } from '../plan/plan.js';

export interface Outcome {
  ok: boolean;
  detail: string;
}

export interface ConfigCheck {
  kind: 'config';
  name: string;
  evaluate: (config: ImageConfig) => Outcome;
}

export interface ExecCheck {
  kind: 'exec';
  name: string;
  argv: string[];
  /** Run as root instead of the image's user (for looking into /root). */
  asRoot?: boolean;
  exitCode: number;
  /** Regular expression that stdout+stderr must match. */
  expect?: string;
  /** What a pass reports, for commands that print nothing useful. */
  passDetail?: string;
  /** Runs the image's Python through pythonArgv, which may find none. */
  python?: boolean;
}

export type VerifyCheck = ConfigCheck | ExecCheck;

const sh = (script: string) => ['sh', '-c', script];

/** What a Python check reports when the image has no interpreter. */
export const NO_PYTHON = 'no python3 or python in the image';
/** The exit code, and the line on stderr, by which pythonArgv says so. */
const NO_PYTHON_EXIT = 127;
const NO_PYTHON_LINE = `kubox: ${NO_PYTHON}`;

/**
 * The command line that runs the image's Python with `args`: python3 when the
 * image has one (a Debian base has no `python` without python-is-python3),
 * else python. Found by the image's shell on the image's PATH, as every other
 * check's command is; with neither, it exits 127 saying so, and judgeExec
 * reports that instead of an exec error.
 */
export function pythonArgv(args: readonly string[]): string[] {
  return [
    'sh',
    '-c',
    `py=$(command -v python3 || command -v python) || { echo '${NO_PYTHON_LINE}' >&2; exit ${NO_PYTHON_EXIT}; }; exec "$py" "$@"`,
    'sh',
    ...args,
  ];
}

/** A tool's proving command; one that runs `python` runs the image's Python instead. */
function toolArgv(run: readonly string[]): { argv: string[]; python?: boolean } {
  return run[0] === 'python'
    ? { argv: pythonArgv(run.slice(1)), python: true }
    : { argv: [...run] };
}

function configChecks(plan: Plan): ConfigCheck[] {
  const { spec, user } = plan;
  const want = `${user.uid}:${user.gid}`;
  const checks: ConfigCheck[] = [
    {
      kind: 'config',
      name: 'config: user is numeric and not root',
      evaluate: (c) => {
        const u = c.config?.User ?? '';
        if (!/^\d+(:\d+)?$/.test(u))
          return {
            ok: false,
            detail: `User is "${u || '(unset: root)'}"; the kubelet can only prove runAsNonRoot for a numeric uid`,
          };
        if (u.split(':')[0] === '0') return { ok: false, detail: 'User is uid 0 (root)' };
        if (u !== want) return { ok: false, detail: `User is ${u}, kubox.yaml says ${want}` };
        return { ok: true, detail: u };
      },
    },
    {
      kind: 'config',
      name: 'config: workdir',
      evaluate: (c) => eq(c.config?.WorkingDir ?? '', spec.workdir),
    },
    {
      kind: 'config',
      name: 'config: cmd',
      evaluate: (c) => eq(JSON.stringify(c.config?.Cmd ?? []), JSON.stringify(spec.cmd)),
    },
    {
      kind: 'config',
      name: 'config: labels',
      evaluate: (c) => {
        const labels = c.config?.Labels ?? {};
        const wrong = Object.entries(plan.labels)
          .filter(([k, v]) => labels[k] !== v)
          .map(([k, v]) => `${k}=${labels[k] ?? '(missing)'} (want ${v})`);
        if (!labels[`${OCI}.created`]) wrong.push(`${OCI}.created missing`);
        return wrong.length
          ? { ok: false, detail: wrong.join('; ') }
          : { ok: true, detail: `${Object.keys(plan.labels).length + 1} labels` };
      },
    },
  ];
  if (Object.keys(spec.env).length > 0) {
    checks.push({
      kind: 'config',
      name: 'config: env',
      evaluate: (c) => {
        const env = new Set(c.config?.Env ?? []);
        const missing = Object.entries(spec.env)
          .map(([k, v]) => `${k}=${v}`)
          .filter((e) => !env.has(e));
        return missing.length
          ? { ok: false, detail: `missing ${missing.join(', ')}` }
          : { ok: true, detail: `${Object.keys(spec.env).length} variables` };
      },
    });
  }
  return checks;
}

function eq(actual: string, expected: string): Outcome {
  return actual === expected
    ? { ok: true, detail: actual }
    : { ok: false, detail: `is ${actual || '(unset)'}, kubox.yaml says ${expected}` };
}

function execChecks(plan: Plan): ExecCheck[] {
  const { user, tools, spec } = plan;
  const checks: ExecCheck[] = [
    {
      kind: 'exec',
      name: `runs as ${user.name} (${user.uid})`,
      argv: ['id'],
      exitCode: 0,
      expect: `^uid=${user.uid}\\(${user.name}\\) gid=${user.gid}\\(`,
    },
  ];
  const apt = tools.filter((t) => t.source === 'apt').map((t) => t.name);
  if (apt.length > 0) {
    checks.push({
      kind: 'exec',
      name: 'apt packages installed',
      argv: ['dpkg-query', '--show', '--showformat=${Package} ${db:Status-Abbrev}\\n', ...apt],
      exitCode: 0,
      passDetail: `${apt.length} packages`,
    });
  }
  for (const t of tools.filter((t) => t.source === 'binary')) {
    checks.push({
      kind: 'exec',
      name: `${t.name}: executable at ${t.path}`,
      argv: ['test', '-x', t.path!],
      exitCode: 0,
      passDetail: 'ok',
    });
  }
  const pip = tools.filter((t) => t.source === 'pip').map((t) => t.name);
  if (pip.length > 0) {
    checks.push({
      kind: 'exec',
      name: 'pip packages installed',
      argv: pythonArgv(['-m', 'pip', 'show', '--quiet', ...pip]),
      python: true,
      exitCode: 0,
      passDetail: `${pip.length} distributions`,
    });
    // Every installed distribution's requirements are met, as pip itself judges them.
    checks.push({
      kind: 'exec',
      name: 'pip check',
      argv: pythonArgv(['-m', 'pip', 'check']),
      python: true,
      exitCode: 0,
    });
  }
  for (const t of tools) {
    if (!t.check) continue;
    checks.push({
      kind: 'exec',
      name: `${t.name}: ${t.check.run.map(shellWord).join(' ')}`,
      ...toolArgv(t.check.run),
      exitCode: t.check.exitCode ?? 0,
      ...(t.check.expect ? { expect: t.check.expect } : {}),
    });
  }
  checks.push(
    {
      kind: 'exec',
      name: 'no apt lists left (/var/lib/apt/lists empty)',
      argv: sh(
        'test -z "$(ls -A /var/lib/apt/lists 2>/dev/null)" || { ls -A /var/lib/apt/lists | head -5; exit 1; }',
      ),
      asRoot: true,
      exitCode: 0,
    },
    {
      kind: 'exec',
      name: 'no apt package cache (/var/cache/apt/archives/*.deb)',
      argv: sh('! ls /var/cache/apt/archives/*.deb >/dev/null 2>&1'),
      asRoot: true,
      exitCode: 0,
    },
    {
      kind: 'exec',
      name: 'no pip cache',
      argv: sh(
        `for d in /root/.cache/pip ${user.home}/.cache/pip; do if [ -e "$d" ]; then echo "$d exists"; exit 1; fi; done`,
      ),
      asRoot: true,
      exitCode: 0,
    },
  );
  for (const v of spec.verify) {
    checks.push({
      kind: 'exec',
      name: v.name,
      argv: v.run,
      exitCode: v.exitCode ?? 0,
      ...(v.expect ? { expect: v.expect } : {}),
    });
  }
  return checks;
}

export function planChecks(plan: Plan): VerifyCheck[] {
  return [...configChecks(plan), ...execChecks(plan)];
}

/** Judges one command's result against what the check expects. */
export function judgeExec(
  check: ExecCheck,
  res: { exitCode: number; stdout: string; stderr: string },
): Outcome {
  const output = `${res.stdout}\n${res.stderr}`.trim();
  const firstLine = output.split('\n').find((l) => l.trim()) ?? '';
  if (check.python && res.exitCode === NO_PYTHON_EXIT && res.stderr.includes(NO_PYTHON_LINE))
    return { ok: false, detail: NO_PYTHON };
  if (res.exitCode !== check.exitCode) {
    return {
      ok: false,
      detail: `exit ${res.exitCode} (want ${check.exitCode}): ${output.split('\n').slice(-3).join(' | ')}`,
    };
  }
  if (check.expect && !new RegExp(check.expect, 'm').test(output)) {
    return { ok: false, detail: `output does not match /${check.expect}/: ${firstLine}` };
  }
  return { ok: true, detail: check.passDetail ?? (firstLine.slice(0, 100) || 'ok') };
}
