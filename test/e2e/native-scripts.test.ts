/**
 * The native engine's maintainer-script emulation against real bookworm
 * packages (prefetched by scripts/test-env/setup.sh, listed in env.json's
 * scriptDebs): the alternatives their postinsts install, how their scripts
 * are classified, and dpkg's status/info records compared byte for byte with
 * this (Debian bookworm) machine's own, for the packages setup.sh installed
 * here; then redis and vim built natively and run in Docker, where the
 * scripts' file effects must let redis-server start as user redis. Every
 * tool runs as an async child process: a blocked event loop would cut the
 * vitest worker off.
 */
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAlternatives } from '../../src/dpkg/alternatives.js';
import { caCertificates, subjectHash } from '../../src/dpkg/ca-certificates.js';
import { dpkgListPaths, infoFiles, statusParagraph } from '../../src/dpkg/dpkg-state.js';
import { alternativesFromPostinst, scriptEffects } from '../../src/dpkg/maintscripts.js';
import { build, SpecSchema } from '../../src/index.js';
import { pool } from '../../src/pool.js';
import { loadEnv, localSpec } from '../support/e2e-env.js';

/** The py-kube tool set (vim, curl, tree, dnsutils, apt-transport-https, netcat-openbsd, redis, gpg, bsdextrautils) and a few dependencies. */
const PACKAGES = [
  'vim',
  'vim-tiny',
  'vim-common',
  'vim-runtime',
  'curl',
  'tree',
  'dnsutils',
  'bind9-dnsutils',
  'apt-transport-https',
  'netcat-openbsd',
  'redis-server',
  'redis-tools',
  'gpg',
  'bsdextrautils',
  'mawk',
  'less',
  'ca-certificates',
  'libc-bin',
];

/** Installed here by setup.sh, so their dpkg records exist to compare with. */
const COMPARED = [
  'mawk',
  'less',
  'vim',
  'vim-common',
  'libc-bin',
  'tree',
  'curl',
  'netcat-openbsd',
  'gpg',
];

interface Fetched {
  deb: string;
  control: Map<string, Buffer>;
  data: string;
}

const env = loadEnv();
let work: string;
const pkgs = new Map<string, Fetched>();

function debOf(kind: 'current' | 'installed', name: string): string {
  const deb = env.scriptDebs?.[kind][name];
  if (!deb || !existsSync(deb))
    throw new Error(`no ${kind} .deb of ${name} in env.json: run scripts/test-env/setup.sh`);
  return deb;
}

async function unpack(deb: string, dir: string): Promise<Fetched> {
  const ctl = join(dir, 'control');
  const data = join(dir, 'data');
  await execa('dpkg-deb', ['-e', deb, ctl]);
  await execa('dpkg-deb', ['-x', deb, data]);
  const control = new Map(readdirSync(ctl).map((f) => [f, readFileSync(join(ctl, f))]));
  return { deb, control, data };
}

/** data.tar member names, in archive order ("./", "./usr/", ...). */
const tarNames = async (deb: string) =>
  (
    await execa('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -t', 'sh', deb], {
      maxBuffer: 256 << 20,
    })
  ).stdout
    .split('\n')
    .filter(Boolean);

const text = (p: Fetched, name: string) => p.control.get(name)?.toString('utf8');

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kubox-scripts-'));
  await pool(PACKAGES, 4, async (name) => {
    const dir = join(work, name);
    await mkdir(dir);
    pkgs.set(name, await unpack(debOf('current', name), dir));
  });
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('alternatives of real postinsts', () => {
  it('reads every update-alternatives call of vim, vim-tiny, netcat-openbsd, mawk and less', () => {
    const of = (name: string) => alternativesFromPostinst(text(pkgs.get(name)!, 'postinst')!);
    const vim = of('vim');
    expect(vim.unparsed).toBe(false);
    expect(vim.alternatives.map((a) => a.name).sort()).toEqual([
      'editor',
      'ex',
      'rview',
      'rvim',
      'vi',
      'view',
      'vim',
      'vimdiff',
    ]);
    expect(
      vim.alternatives.every((a) => a.path === '/usr/bin/vim.basic' && a.priority === 30),
    ).toBe(true);
    expect(vim.alternatives.find((a) => a.name === 'vi')!.slaves).toHaveLength(9);
    expect(of('vim-tiny').alternatives.map((a) => `${a.name}:${a.path}:${a.priority}`)).toContain(
      'vi:/usr/bin/vim.tiny:15',
    );
    const nc = of('netcat-openbsd').alternatives;
    expect(
      nc.map((a) => [a.link, a.name, a.path, a.priority, a.slaves.map((s) => s.name)]),
    ).toEqual([['/bin/nc', 'nc', '/bin/nc.openbsd', 50, ['netcat', 'nc.1.gz', 'netcat.1.gz']]]);
    expect(of('mawk').alternatives.map((a) => [a.name, a.path, a.priority])).toEqual([
      ['awk', '/usr/bin/mawk', 5],
    ]);
    expect(of('less').alternatives.map((a) => [a.name, a.path, a.priority])).toEqual([
      ['pager', '/usr/bin/less', 77],
    ]);
    for (const name of PACKAGES) {
      const postinst = text(pkgs.get(name)!, 'postinst');
      if (postinst) expect(alternativesFromPostinst(postinst).unparsed, name).toBe(false);
    }
  });

  it("writes the same admin files as this machine's update-alternatives did for vim", () => {
    // setup.sh installs vim and no other vi: vim.basic is the only choice in each file.
    const vim = alternativesFromPostinst(text(pkgs.get('vim')!, 'postinst')!).alternatives;
    const names = ['vi', 'view', 'ex', 'rview', 'rvim', 'vim', 'vimdiff'];
    for (const name of names) {
      const real = readFileSync(`/var/lib/dpkg/alternatives/${name}`, 'utf8');
      const choices = real
        .split('\n\n')[1]!
        .split('\n')
        .filter((l) => l.startsWith('/usr/bin/'));
      expect(choices, `${name}: other alternatives are installed on this machine`).toEqual([
        '/usr/bin/vim.basic',
      ]);
      const { entries } = applyAlternatives(
        new Map(),
        vim.filter((a) => a.name === name),
        (p) => existsSync(p),
      );
      const admin = entries.filter((e) => e.path === `var/lib/dpkg/alternatives/${name}`);
      expect(admin, name).toHaveLength(1);
      expect(new TextDecoder().decode(admin[0]!.data), name).toBe(real);
    }
  });
});

describe('script effects of the py-kube set', () => {
  it('has nothing to warn about for the tools themselves', async () => {
    for (const name of [
      'vim',
      'vim-tiny',
      'curl',
      'tree',
      'dnsutils',
      'bind9-dnsutils',
      'apt-transport-https',
      'netcat-openbsd',
      'gpg',
      'bsdextrautils',
      'mawk',
      'less',
    ]) {
      const p = pkgs.get(name)!;
      const paths = (await tarNames(p.deb)).map((n) => n.replace(/^\.\//, ''));
      expect(paths.length).toBeGreaterThan(0);
      const effects = scriptEffects(name, p.control, paths);
      expect(effects.warnings, name).toEqual([]);
    }
    expect(scriptEffects('vim', pkgs.get('vim')!.control).emulated).toEqual([
      'update-alternatives --install',
    ]);
  });

  it("reads redis's system user, directories and statoverride, and emulates ca-certificates' postinst", () => {
    const tools = scriptEffects('redis-tools', pkgs.get('redis-tools')!.control);
    expect(tools.systemUsers).toEqual([{ name: 'redis', group: true, home: '/var/lib/redis' }]);
    expect(tools.warnings).toEqual([]);
    // Setup_dir's calls, expanded with their arguments; `! dpkg-statoverride --list` holds.
    expect(tools.ops.map(({ op }) => ('path' in op ? `${op.op} ${op.path}` : op.op))).toEqual([
      'account',
      'mkdir /var/log/redis',
      'chown /var/log/redis',
      'chmod /var/log/redis',
      'mkdir /var/lib/redis',
      'chown /var/lib/redis',
      'chmod /var/lib/redis',
      'mkdir /etc/redis',
      'chown /etc/redis',
      'chmod /etc/redis',
    ]);
    const server = scriptEffects('redis-server', pkgs.get('redis-server')!.control);
    expect(server.ops).toEqual([
      {
        script: 'postinst',
        op: {
          op: 'statoverride',
          owner: 'redis',
          group: 'redis',
          mode: 0o640,
          path: '/etc/redis/redis.conf',
          update: true,
        },
      },
    ]);
    // preinst's `chmod +x /etc/init.d/redis-server` runs only on upgrade ([ -n "$2" ]).
    expect(server.ops.some(({ script }) => script === 'preinst')).toBe(false);
    // The find removes redis-server.*.d directories this version does not ship: no change.
    expect(server.warnings).toEqual([
      'redis-server: postinst runs `find /etc/redis -maxdepth 1 -type d -name redis-server.*.d -empty -delete`; not run',
    ]);
    expect(server.ignored).toContain('deb-systemd-helper: no init system runs in a container');
    const vim = scriptEffects('vim-runtime', pkgs.get('vim-runtime')!.control);
    expect(vim.ops.map(({ script, op }) => [script, op])).toEqual(
      ['help.txt', 'tags'].map((f) => [
        'preinst',
        {
          op: 'divert',
          path: `/usr/share/vim/vim90/doc/${f}`,
          divertTo: `/usr/share/vim/vim90/doc/${f}.vim-tiny`,
          package: 'vim-runtime',
          rename: true,
        },
      ]),
    );
    const ca = scriptEffects('ca-certificates', pkgs.get('ca-certificates')!.control);
    expect(ca.warnings).toEqual([]);
    expect(ca.emulated).toEqual([
      'ca-certificates postinst: /etc/ca-certificates.conf and update-ca-certificates',
    ]);
  });
});

describe('ca-certificates from the .deb', () => {
  it('hashes every certificate as openssl does', async () => {
    const dir = join(pkgs.get('ca-certificates')!.data, 'usr/share/ca-certificates/mozilla');
    const files = readdirSync(dir);
    const certs = new Map(files.map((f) => [`mozilla/${f}`, readFileSync(join(dir, f))]));
    expect(certs.size).toBeGreaterThan(100);
    const want = new Map<string, string>();
    await pool(files, 4, async (f) => {
      const { stdout } = await execa('openssl', ['x509', '-hash', '-noout', '-in', join(dir, f)]);
      want.set(f, stdout.trim());
    });
    for (const f of files) expect(subjectHash(readFileSync(join(dir, f))), f).toBe(want.get(f));
    const { entries, warnings } = caCertificates(certs);
    expect(warnings).toEqual([]);
    expect(entries.filter((e) => /^etc\/ssl\/certs\/[0-9a-f]{8}\.\d$/.test(e.path))).toHaveLength(
      certs.size,
    );
  });
});

describe("dpkg records match this machine's", () => {
  const status = readFileSync('/var/lib/dpkg/status', 'utf8');

  it('status paragraph, .list and .md5sums for installed packages', async () => {
    let compared = 0;
    for (const name of COMPARED) {
      const deb = debOf('installed', name);
      const dir = join(work, `installed-${name}`);
      await mkdir(dir);
      const p = await unpack(deb, dir);
      const conffiles = text(p, 'conffiles');
      const conffileMd5 = new Map<string, string>();
      for (const c of (conffiles ?? '').split('\n').filter(Boolean))
        conffileMd5.set(
          c,
          createHash('md5')
            .update(readFileSync(join(p.data, c)))
            .digest('hex'),
        );
      const names = await tarNames(deb);
      const control = text(p, 'control')!;
      const arch = /^Architecture: (.*)$/m.exec(control)![1]!;
      const pkg = {
        name,
        arch,
        control,
        files: names,
        ...(text(p, 'md5sums') !== undefined ? { md5sums: text(p, 'md5sums') } : {}),
        ...(conffiles !== undefined ? { conffiles } : {}),
        conffileMd5,
        scripts: new Map(
          [...p.control].filter(([k]) => !['control', 'md5sums', 'conffiles'].includes(k)),
        ),
      };
      const real = status.split('\n\n').find((t) => t.startsWith(`Package: ${name}\n`));
      expect(statusParagraph(pkg), name).toBe(`${real}\n`);
      const base = /^Multi-Arch: same$/m.test(control) ? `${name}:${arch}` : name;
      for (const f of infoFiles(pkg)) {
        const on = `/${f.path}`;
        expect(existsSync(on), on).toBe(true);
        expect(Buffer.from(f.data!).equals(readFileSync(on)), on).toBe(true);
        expect(lstatSync(on).mode & 0o777, on).toBe(f.mode);
      }
      expect(readFileSync(`/var/lib/dpkg/info/${base}.list`, 'utf8')).toBe(
        `${dpkgListPaths(names).join('\n')}\n`,
      );
      compared++;
    }
    expect(compared).toBe(COMPARED.length);
  });
});

/**
 * redis and vim built by the native engine from real bookworm packages, then
 * run in Docker: the scripts' effects must make redis-server start with its
 * packaged config as user redis (issue 12, item 1) and dpkg must see the
 * statoverride and vim-runtime's diversions (item 6).
 */
describe('maintainer-script effects in a natively built image', () => {
  // Shared with native-build.test.ts: the .debs and unchanged layers are already there.
  const SHARED_CACHE = '/var/cache/kubox-e2e/native-cache';
  const tag = `kubox-e2e-scripts:${process.pid}`;
  let out: string;
  const docker = (args: string[]) =>
    execa('docker', args, { reject: false, env: { DOCKER_CONFIG: env.dockerConfig } });
  const run = (user: string, script: string) =>
    docker(['run', '--rm', '--network', 'none', '--user', user, tag, 'sh', '-c', script]);

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'kubox-scripts-build-'));
    const input = localSpec(env, {
      name: 'kubox-e2e-scripts',
      version: String(process.pid),
      engine: 'native',
      platforms: ['linux/amd64'],
      apt: { packages: ['redis', 'vim'], repositories: [] },
      binaries: [],
      pip: { packages: [] },
    });
    delete (input as { builder?: unknown }).builder;
    delete (input as { image?: unknown }).image;
    const before = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = env.dockerConfig; // the base comes from the test registry
    try {
      await build(SpecSchema.parse(input), {
        engine: 'native',
        output: { type: 'oci', path: join(out, 'image.tar') },
        cwd: out,
        specSource: join(out, 'kubox.yaml'),
        cacheDir: SHARED_CACHE,
      });
    } finally {
      if (before === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = before;
    }
    const loaded = await docker(['load', '--input', join(out, 'image.tar')]);
    expect(loaded.exitCode, loaded.stderr).toBe(0);
    expect(loaded.stdout).toContain(tag);
  }, 900_000);
  afterAll(async () => {
    await docker(['rmi', '--force', tag]);
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('gives redis its directories and config as the postinsts do', async () => {
    const res = await run(
      '0',
      "stat -c '%U:%G %a %n' /var/log/redis /etc/redis /etc/redis/redis.conf /var/lib/redis; grep ^redis: /etc/shadow",
    );
    expect(res.exitCode, res.stderr).toBe(0);
    const days = /^redis:!:(\d+)::::::$/m.exec(res.stdout)?.[1];
    expect(days, res.stdout).toBeDefined();
    expect(res.stdout.split('\n').slice(0, 4)).toEqual([
      'redis:adm 2750 /var/log/redis',
      'redis:redis 2770 /etc/redis',
      'redis:redis 640 /etc/redis/redis.conf',
      'redis:redis 750 /var/lib/redis',
    ]);
  }, 120_000);

  it('records the statoverride and the diversions where dpkg reads them', async () => {
    const res = await run('0', 'dpkg-statoverride --list; dpkg-divert --list | sort');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout.split('\n')).toEqual([
      'redis redis 640 /etc/redis/redis.conf',
      // The base's own diversion stays.
      'diversion of /bin/sh to /bin/sh.distrib by dash',
      'diversion of /usr/share/vim/vim90/doc/help.txt to /usr/share/vim/vim90/doc/help.txt.vim-tiny by vim-runtime',
      'diversion of /usr/share/vim/vim90/doc/tags to /usr/share/vim/vim90/doc/tags.vim-tiny by vim-runtime',
    ]);
  }, 120_000);

  it('starts redis-server with its packaged config as user redis', async () => {
    // The packaged config daemonizes and logs to /var/log/redis/redis-server.log.
    const res = await run(
      'redis',
      'redis-server /etc/redis/redis.conf && for i in 1 2 3 4 5 6 7 8 9 10; do redis-cli ping && break; sleep 0.5; done; id -un; cat /var/log/redis/redis-server.log',
    );
    expect(res.exitCode, `${res.stdout}\n${res.stderr}`).toBe(0);
    expect(res.stdout).toMatch(/^PONG\nredis\n/);
    expect(res.stdout).toContain('Ready to accept connections');
    // Other users cannot read the config (it holds passwords when one is set).
    const other = await run('1000', 'cat /etc/redis/redis.conf');
    expect(other.exitCode).not.toBe(0);
    expect(other.stderr).toContain('Permission denied');
  }, 120_000);
});
