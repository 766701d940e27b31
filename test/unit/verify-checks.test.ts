import { describe, expect, it } from 'vitest';
import { shellWord } from '../../src/dockerfile/quote.js';
import type { ImageConfig } from '../../src/oci/types.js';
import { makePlan, OCI } from '../../src/plan/plan.js';
import { loadPreset, parseSpec } from '../../src/spec/load.js';
import {
  judgeExec,
  NO_PYTHON,
  planChecks,
  pythonArgv,
  type ConfigCheck,
  type ExecCheck,
  type VerifyCheck,
} from '../../src/verify/checks.js';

const plan = makePlan(loadPreset('py-kube').spec);
const checks = planChecks(plan);
const execs = checks.filter((c): c is ExecCheck => c.kind === 'exec');
const configs = checks.filter((c): c is ConfigCheck => c.kind === 'config');

function byName<T extends VerifyCheck>(list: readonly T[], name: string): T {
  const c = list.find((x) => x.name === name);
  if (!c) throw new Error(`no check named "${name}" in: ${list.map((x) => x.name).join(' | ')}`);
  return c;
}

/** An image config that satisfies every config check of the preset. */
function goodConfig(): ImageConfig {
  return {
    architecture: 'amd64',
    os: 'linux',
    config: {
      User: '1000:1000',
      WorkingDir: '/app',
      Cmd: ['bash'],
      Env: ['PATH=/usr/local/bin:/usr/bin:/bin'],
      Labels: { ...plan.labels, [`${OCI}.created`]: '2025-06-01T10:00:00Z' },
    },
  };
}

function withConfig(patch: NonNullable<ImageConfig['config']>): ImageConfig {
  const c = goodConfig();
  return { ...c, config: { ...c.config, ...patch } };
}

describe('planChecks for the py-kube preset', () => {
  it.each([
    ['kubectl', ['kubectl', 'version', '--client']],
    ['mc', ['mc', '--version']],
    ['httpie', ['http', '--version']],
    ['ipython', ['ipython', '--version']],
    ['dnsutils', ['dig', '-v']],
    ['netcat-openbsd', ['nc', '-h']],
    ['redis', ['redis-cli', '--version']],
    ['vim', ['vim', '--version']],
    ['tree', ['tree', '--version']],
    ['bsdextrautils', ['column', '-V']],
    ['gpg', ['gpg', '--version']],
    ['curl', ['curl', '--version']],
    ['ca-certificates', ['test', '-s', '/etc/ssl/certs/ca-certificates.crt']],
  ])('proves %s with `%s`', (tool, argv) => {
    const c = byName(execs, `${tool}: ${argv.map(shellWord).join(' ')}`);
    expect(c.argv).toEqual(argv);
    expect(c.exitCode).toBe(0);
    expect(c.asRoot).toBeUndefined();
  });

  it("proves kubernetes with the image's python3, else python (a Debian base may have no `python`)", () => {
    const c = byName(execs, "kubernetes: python -c 'import kubernetes'");
    expect(c.argv).toEqual(pythonArgv(['-c', 'import kubernetes']));
    expect(c.argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(c.argv[2]).toContain('command -v python3 || command -v python');
    expect(c.argv.slice(3)).toEqual(['sh', '-c', 'import kubernetes']);
    expect(c.python).toBe(true);
    expect(c.exitCode).toBe(0);
    expect(c.asRoot).toBeUndefined();
  });

  it("runs pip check over everything installed, with the image's Python", () => {
    const c = byName(execs, 'pip check');
    expect(c.argv.slice(3)).toEqual(['sh', '-m', 'pip', 'check']);
    expect(c.exitCode).toBe(0);
  });

  it('runs no check with a bare `python`, and marks every one that runs Python', () => {
    expect(execs.filter((c) => c.python).map((c) => c.name)).toEqual([
      'pip packages installed',
      'pip check',
      "kubernetes: python -c 'import kubernetes'",
    ]);
    for (const c of execs) {
      expect(c.argv[0], c.name).not.toBe('python');
      const viaPython = c.argv[0] === 'sh' && (c.argv[2] ?? '').includes('command -v python3');
      expect(c.python === true, c.name).toBe(viaPython);
    }
  });

  it('expects OpenBSD netcat from nc -h', () => {
    expect(byName(execs, 'netcat-openbsd: nc -h').expect).toBe('OpenBSD netcat');
  });

  it('has no proof for a package without a known command', () => {
    expect(execs.some((c) => c.name.startsWith('apt-transport-https:'))).toBe(false);
  });

  it('checks that the image runs as the numeric user', () => {
    const c = byName(execs, 'runs as kuser (1000)');
    expect(c.argv).toEqual(['id']);
    expect(
      judgeExec(c, {
        exitCode: 0,
        stdout: 'uid=1000(kuser) gid=1000(kuser) groups=1000(kuser)',
        stderr: '',
      }).ok,
    ).toBe(true);
    expect(
      judgeExec(c, { exitCode: 0, stdout: 'uid=0(root) gid=0(root) groups=0(root)', stderr: '' })
        .ok,
    ).toBe(false);
  });

  it('checks that every apt package, the binary and the pip packages are installed', () => {
    expect(byName(execs, 'apt packages installed').argv).toEqual([
      'dpkg-query',
      '--show',
      '--showformat=${Package} ${db:Status-Abbrev}\\n',
      'vim',
      'curl',
      'tree',
      'dnsutils',
      'apt-transport-https',
      'ca-certificates',
      'netcat-openbsd',
      'redis',
      'gpg',
      'bsdextrautils',
      'kubectl',
    ]);
    expect(byName(execs, 'mc: executable at /usr/local/bin/mc').argv).toEqual([
      'test',
      '-x',
      '/usr/local/bin/mc',
    ]);
    const pip = byName(execs, 'pip packages installed');
    expect(pip.argv).toEqual(
      pythonArgv(['-m', 'pip', 'show', '--quiet', 'kubernetes', 'httpie', 'ipython']),
    );
    expect(pip.python).toBe(true);
  });

  it('checks as root that no apt lists, .deb files or pip caches were left', () => {
    const lists = byName(execs, 'no apt lists left (/var/lib/apt/lists empty)');
    expect(lists.asRoot).toBe(true);
    expect(lists.argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(lists.argv[2]).toContain('ls -A /var/lib/apt/lists');

    const debs = byName(execs, 'no apt package cache (/var/cache/apt/archives/*.deb)');
    expect(debs.asRoot).toBe(true);
    expect(debs.argv).toEqual(['sh', '-c', '! ls /var/cache/apt/archives/*.deb >/dev/null 2>&1']);

    const pip = byName(execs, 'no pip cache');
    expect(pip.asRoot).toBe(true);
    expect(pip.argv[2]).toContain('/root/.cache/pip /home/kuser/.cache/pip');
  });

  it('has the config checks, and no env check when the spec sets no env', () => {
    expect(configs.map((c) => c.name)).toEqual([
      'config: user is numeric and not root',
      'config: workdir',
      'config: cmd',
      'config: labels',
    ]);
  });

  it('puts config checks first and runs every exec check with an exit code', () => {
    const firstExec = checks.findIndex((c) => c.kind === 'exec');
    expect(checks.slice(0, firstExec).every((c) => c.kind === 'config')).toBe(true);
    expect(checks.slice(firstExec).every((c) => c.kind === 'exec')).toBe(true);
    for (const c of execs) expect(Number.isInteger(c.exitCode)).toBe(true);
  });
});

describe('config checks', () => {
  const user = byName(configs, 'config: user is numeric and not root');
  const workdir = byName(configs, 'config: workdir');
  const cmd = byName(configs, 'config: cmd');
  const labels = byName(configs, 'config: labels');

  it('all pass on an image config that matches the spec', () => {
    for (const c of configs)
      expect(c.evaluate(goodConfig()), c.name).toEqual(expect.objectContaining({ ok: true }));
    expect(user.evaluate(goodConfig())).toEqual({ ok: true, detail: '1000:1000' });
    expect(labels.evaluate(goodConfig())).toEqual({ ok: true, detail: '8 labels' });
  });

  it('fails a user name, which the kubelet cannot prove non-root', () => {
    expect(user.evaluate(withConfig({ User: 'kuser' }))).toEqual({
      ok: false,
      detail: 'User is "kuser"; the kubelet can only prove runAsNonRoot for a numeric uid',
    });
  });

  it('fails an unset user as root', () => {
    expect(user.evaluate(withConfig({ User: '' }))).toEqual({
      ok: false,
      detail: 'User is "(unset: root)"; the kubelet can only prove runAsNonRoot for a numeric uid',
    });
    expect(user.evaluate({ architecture: 'amd64', os: 'linux' }).ok).toBe(false);
  });

  it('fails uid 0', () => {
    expect(user.evaluate(withConfig({ User: '0:0' }))).toEqual({
      ok: false,
      detail: 'User is uid 0 (root)',
    });
    expect(user.evaluate(withConfig({ User: '0' })).ok).toBe(false);
  });

  it('fails another numeric user than the spec says', () => {
    expect(user.evaluate(withConfig({ User: '1001:1000' }))).toEqual({
      ok: false,
      detail: 'User is 1001:1000, kubox.yaml says 1000:1000',
    });
    expect(user.evaluate(withConfig({ User: '1000' })).ok).toBe(false);
  });

  it('fails a wrong or unset workdir', () => {
    expect(workdir.evaluate(withConfig({ WorkingDir: '/' }))).toEqual({
      ok: false,
      detail: 'is /, kubox.yaml says /app',
    });
    expect(workdir.evaluate(withConfig({ WorkingDir: '' }))).toEqual({
      ok: false,
      detail: 'is (unset), kubox.yaml says /app',
    });
  });

  it('fails a different cmd', () => {
    expect(cmd.evaluate(withConfig({ Cmd: ['/bin/sh', '-c', 'bash'] }))).toEqual({
      ok: false,
      detail: 'is ["/bin/sh","-c","bash"], kubox.yaml says ["bash"]',
    });
  });

  it('fails a missing or changed label, and a missing created label', () => {
    const good = goodConfig().config!.Labels!;
    const without = (key: string) =>
      Object.fromEntries(Object.entries(good).filter(([k]) => k !== key));
    expect(labels.evaluate(withConfig({ Labels: without(`${OCI}.licenses`) }))).toEqual({
      ok: false,
      detail: `${OCI}.licenses=(missing) (want MIT)`,
    });
    expect(
      labels.evaluate(withConfig({ Labels: { ...good, [`${OCI}.version`]: '0.8.0' } })),
    ).toEqual({
      ok: false,
      detail: `${OCI}.version=0.8.0 (want 0.9.0)`,
    });
    expect(labels.evaluate(withConfig({ Labels: without(`${OCI}.created`) }))).toEqual({
      ok: false,
      detail: `${OCI}.created missing`,
    });
  });

  it('include the base image labels', () => {
    expect(plan.labels[`${OCI}.base.name`]).toBe('docker.io/library/python:3.13-slim');
    expect(plan.labels[`${OCI}.base.digest`]).toBe(
      'sha256:21e39cf1815802d4c6f89a0d3a166cc67ce58f95b6d1639e68a394c99310d2e5',
    );
  });
});

describe('checks from spec env and verify entries', () => {
  const text = `name: t
version: '1'
base: python:3.13-slim@sha256:21e39cf1815802d4c6f89a0d3a166cc67ce58f95b6d1639e68a394c99310d2e5
user: {name: dbg, uid: 2000, gid: 3000}
env:
  PAGER: less
  LANG: C.UTF-8
verify:
  - name: python is 3.13
    run: [python, --version]
    expect: '^Python 3\\.13\\.'
  - name: false fails
    run: ['false']
    exitCode: 1
`;
  const p = makePlan(parseSpec(text, 'kubox.yaml'));
  const list = planChecks(p);

  it('adds an env check that names the missing variables', () => {
    const env = byName(
      list.filter((c): c is ConfigCheck => c.kind === 'config'),
      'config: env',
    );
    expect(
      env.evaluate({
        architecture: 'arm64',
        os: 'linux',
        config: { Env: ['PAGER=less', 'LANG=C.UTF-8'] },
      }),
    ).toEqual({
      ok: true,
      detail: '2 variables',
    });
    expect(
      env.evaluate({ architecture: 'arm64', os: 'linux', config: { Env: ['PAGER=more'] } }),
    ).toEqual({
      ok: false,
      detail: 'missing PAGER=less, LANG=C.UTF-8',
    });
  });

  it('appends the spec verify entries with their exit code and pattern', () => {
    const e = list.filter((c): c is ExecCheck => c.kind === 'exec');
    expect(e.slice(-2)).toEqual([
      {
        kind: 'exec',
        name: 'python is 3.13',
        argv: ['python', '--version'],
        exitCode: 0,
        expect: '^Python 3\\.13\\.',
      },
      { kind: 'exec', name: 'false fails', argv: ['false'], exitCode: 1 },
    ]);
  });

  it('uses the spec uid:gid and home', () => {
    const user = byName(
      list.filter((c): c is ConfigCheck => c.kind === 'config'),
      'config: user is numeric and not root',
    );
    expect(
      user.evaluate({ architecture: 'amd64', os: 'linux', config: { User: '2000:3000' } }).ok,
    ).toBe(true);
    expect(
      byName(
        list.filter((c): c is ExecCheck => c.kind === 'exec'),
        'no pip cache',
      ).argv[2],
    ).toContain('/home/dbg/.cache/pip');
    expect(list.some((c) => c.name === 'apt packages installed')).toBe(false);
  });
});

describe('judgeExec', () => {
  const check: ExecCheck = {
    kind: 'exec',
    name: 'netcat-openbsd: nc -h',
    argv: ['nc', '-h'],
    exitCode: 0,
    expect: 'OpenBSD netcat',
  };

  it('passes on the expected exit code and output, showing the first line', () => {
    // nc -h prints its usage to stderr.
    expect(
      judgeExec(check, {
        exitCode: 0,
        stdout: '',
        stderr: 'OpenBSD netcat (Debian patchlevel 1.219-1)\nusage: nc [-46CDdFhklNnrStUuvZz]',
      }),
    ).toEqual({ ok: true, detail: 'OpenBSD netcat (Debian patchlevel 1.219-1)' });
  });

  it('fails on another exit code, quoting the last lines of output', () => {
    expect(
      judgeExec(check, {
        exitCode: 127,
        stdout: '',
        stderr: 'line 1\nline 2\nline 3\nsh: 1: nc: not found',
      }),
    ).toEqual({ ok: false, detail: 'exit 127 (want 0): line 2 | line 3 | sh: 1: nc: not found' });
  });

  it('fails when the output does not match the pattern', () => {
    expect(judgeExec(check, { exitCode: 0, stdout: 'GNU netcat 0.7.1\nmore', stderr: '' })).toEqual(
      { ok: false, detail: 'output does not match /OpenBSD netcat/: GNU netcat 0.7.1' },
    );
  });

  it('matches the pattern per line (multiline)', () => {
    const c: ExecCheck = { ...check, expect: '^usage: nc' };
    expect(
      judgeExec(c, { exitCode: 0, stdout: 'OpenBSD netcat\nusage: nc [-4]', stderr: '' }).ok,
    ).toBe(true);
  });

  it('passes a check that expects a non-zero exit code', () => {
    const c: ExecCheck = { kind: 'exec', name: 'false', argv: ['false'], exitCode: 1 };
    expect(judgeExec(c, { exitCode: 1, stdout: '', stderr: '' })).toEqual({
      ok: true,
      detail: 'ok',
    });
    expect(judgeExec(c, { exitCode: 0, stdout: '', stderr: '' }).ok).toBe(false);
  });

  it('says the image has no Python, whatever exit code the check expects', () => {
    const none = { exitCode: 127, stdout: '', stderr: `kubox: ${NO_PYTHON}\n` };
    const pip: ExecCheck = {
      kind: 'exec',
      name: 'pip packages installed',
      argv: pythonArgv(['-m', 'pip', 'show', 'x']),
      exitCode: 0,
      python: true,
    };
    expect(judgeExec(pip, none)).toEqual({ ok: false, detail: NO_PYTHON });
    expect(judgeExec({ ...pip, exitCode: 127 }, none)).toEqual({ ok: false, detail: NO_PYTHON });
    // A check that does not run the image's Python is judged on its own terms.
    const other: ExecCheck = { kind: 'exec', name: 'x', argv: ['x'], exitCode: 127 };
    expect(judgeExec(other, none).ok).toBe(true);
    // Python that ran and failed is reported as such.
    expect(
      judgeExec(pip, { exitCode: 1, stdout: '', stderr: 'WARNING: Package(s) not found: x' }),
    ).toEqual({ ok: false, detail: 'exit 1 (want 0): WARNING: Package(s) not found: x' });
  });

  it('cuts the detail of a pass to 100 characters', () => {
    const c: ExecCheck = { kind: 'exec', name: 'x', argv: ['x'], exitCode: 0 };
    expect(judgeExec(c, { exitCode: 0, stdout: 'y'.repeat(300), stderr: '' }).detail).toHaveLength(
      100,
    );
  });
});
