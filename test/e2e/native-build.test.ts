/**
 * The native engine end to end, on real parts: the loopback base image from
 * the registry, real Debian packages from deb.debian.org (signed InRelease,
 * Packages hashes, .deb hashes), the loopback signed kubectl repository, the
 * MinIO client binaries and the pip index. The images it makes are checked
 * with `kubox verify` in Docker (linux/arm64 under QEMU) and with dpkg and
 * apt-get inside them; Docker is used only to look at the result.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArchive } from '../../src/image/summary.js';
import { NO_PYTHON, pythonArgv } from '../../src/verify/checks.js';
import type { Lock } from '../../src/engines/native/lock.js';
import { kubox } from '../support/cli.js';
import { makeWheel } from '../unit/python/make-wheel.js';
import { startIndex } from '../unit/python/index-server.js';
import {
  loadEnv,
  localSpec,
  SEED_PIP_CHECKS,
  SEED_PIP_PACKAGES,
  specYaml,
  type E2eEnv,
} from '../support/e2e-env.js';

let env: E2eEnv;
let dir: string;
let cliEnv: Record<string, string>;
let lock: Lock;
/** What the spec asks apt for by name (the rest of the lock's debs are dependencies). */
let specPackages: { apt: string[]; repositories: string[] };
let firstDigest: string;
const archive = () => join(dir, 'out', 'native.oci.tar');

// A cache shared by runs on the same machine keeps the suite quick; the
// reproducibility test below starts from an empty one.
const SHARED_CACHE = '/var/cache/kubox-e2e/native-cache';

// Every directory a test makes goes when the file is done: the caches hold hundreds of MB.
const made: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

const docker = (args: string[]) => execa('docker', args, { env: cliEnv, reject: false });

async function loadArchive(path: string): Promise<string> {
  const res = await docker(['load', '--input', path]);
  expect(res.exitCode, res.stderr).toBe(0);
  return /Loaded image(?: ID)?: (\S+)/.exec(res.stdout)![1]!;
}

beforeAll(() => {
  env = loadEnv();
  dir = tempDir('kubox-native-');
  mkdirSync(SHARED_CACHE, { recursive: true });
  const spec = localSpec(env, { engine: 'native' });
  const named = (p: string | { name: string }) => (typeof p === 'string' ? p : p.name);
  specPackages = {
    apt: (spec.apt?.packages ?? []).map(named),
    repositories: (spec.apt?.repositories ?? []).flatMap((r) => (r.packages ?? []).map(named)),
  };
  delete (spec as { builder?: unknown }).builder;
  writeFileSync(join(dir, 'kubox.yaml'), specYaml(spec));
  cliEnv = { DOCKER_CONFIG: env.dockerConfig, KUBOX_CACHE_DIR: SHARED_CACHE };
});

describe('kubox lock + build --engine native', () => {
  it('locks every platform: Debian packages, the kubectl repository, mc and the wheel', async () => {
    const res = await kubox(['lock', '--json'], { cwd: dir, env: cliEnv });
    expect(res.exitCode, res.stderr.slice(-3000)).toBe(0);
    expect(JSON.parse(res.stdout).path).toBe(join(dir, 'kubox.lock'));
    lock = JSON.parse(readFileSync(join(dir, 'kubox.lock'), 'utf8')) as Lock;
    expect(Object.keys(lock.platforms).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    for (const [platform, p] of Object.entries(lock.platforms)) {
      const arch = platform.split('/')[1]!;
      const names = p.debs.map((d) => d.name);
      expect(names).toEqual(expect.arrayContaining(['vim', 'curl', 'tree', 'redis', 'kubectl']));
      for (const d of p.debs) {
        expect(d.sha256).toMatch(/^[a-f0-9]{64}$/);
        expect([arch, 'all']).toContain(d.architecture);
      }
      expect(p.debs.find((d) => d.name === 'kubectl')!.source).toBe('kubernetes');
      expect(p.binaries).toEqual([
        { name: 'mc', url: env.mcUrl.replace('${TARGETARCH}', arch), sha256: env.mcSha256[arch] },
      ]);
      // The seed's three and their dependencies (about 40), for both architectures.
      expect(p.wheels.map((w) => w.name)).toEqual(expect.arrayContaining(SEED_PIP_PACKAGES));
      expect(p.wheels.length).toBeGreaterThan(30);
    }
    expect(lock.sources.map((s) => s.suite)).toEqual(
      expect.arrayContaining(['bookworm', 'bookworm-updates', 'bookworm-security', '/']),
    );
  });

  it('builds both platforms into one index without Docker, from the lock', async () => {
    const res = await kubox(
      ['build', '--engine', 'native', '--locked', '--output', `oci:${archive()}`, '--json'],
      { cwd: dir, env: cliEnv },
    );
    expect(res.exitCode, res.stderr.slice(-3000)).toBe(0);
    const result = JSON.parse(res.stdout);
    expect(result.engine).toBe('native');
    const summary = await readArchive(archive());
    expect(summary.digest).toBe(result.digest);
    expect(summary.images.map((i) => i.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    // The config buildx would write: the Dockerfile's SHELL, which child images inherit, and
    // a PATH (the test base, a docker import, has none; BuildKit gives its default one).
    for (const i of summary.images) {
      expect(i.config.config?.Shell).toEqual(['/bin/bash', '-o', 'pipefail', '-c']);
      expect(i.config.config?.Env).toContain(
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      );
    }
    firstDigest = result.digest;
  });

  it('passes kubox verify on linux/amd64 and linux/arm64 (arm64 under QEMU)', async () => {
    const res = await kubox(['verify', `oci:${archive()}`, '--json'], { cwd: dir, env: cliEnv });
    const report = JSON.parse(res.stdout);
    const failed = report.results.filter((r: { status: string }) => r.status !== 'pass');
    expect(failed, res.stderr.slice(-3000)).toEqual([]);
    expect(res.exitCode).toBe(0);
    const platforms = new Set(report.results.map((r: { platform: string }) => r.platform));
    expect([...platforms].sort()).toEqual(['linux/amd64', 'linux/arm64']);
    for (const platform of platforms)
      expect(
        report.results
          .filter((r: { platform: string }) => r.platform === platform)
          .map((r: { check: string }) => r.check),
      ).toEqual(expect.arrayContaining(SEED_PIP_CHECKS));
  });

  it("lists exactly the locked packages plus the base's in dpkg's database", async () => {
    const image = await loadArchive(archive());
    const query = ['run', '--rm', '--network', 'none', '--platform', 'linux/amd64'];
    const fmt = '${Package}\\t${Status}\\n';
    const inImage = await docker([...query, image, 'dpkg-query', '-W', '-f', fmt]);
    const inBase = await docker([...query, env.base, 'dpkg-query', '-W', '-f', fmt]);
    expect(inImage.exitCode, inImage.stderr).toBe(0);
    const names = (out: string) =>
      out
        .trim()
        .split('\n')
        .map((l) => l.split('\t'))
        .filter(([, s]) => s === 'install ok installed')
        .map(([n]) => n!)
        .sort();
    const locked = lock.platforms['linux/amd64']!.debs.map((d) => d.name);
    expect(names(inImage.stdout)).toEqual(
      [...new Set([...names(inBase.stdout), ...locked])].sort(),
    );
    // dpkg knows where every file came from, and its database is consistent.
    const owner = await docker([...query, image, 'dpkg', '-S', '/usr/bin/vim.basic']);
    expect(owner.stdout).toMatch(/^vim: \/usr\/bin\/vim\.basic/m);
    const audit = await docker([...query, '--user', '0', image, 'dpkg', '--audit']);
    expect(audit.exitCode, audit.stdout + audit.stderr).toBe(0);
    expect(audit.stdout.trim()).toBe('');
  });

  it('leaves apt working: apt-get install runs inside the image', async () => {
    const image = await loadArchive(archive());
    const res = await docker([
      'run',
      '--rm',
      '--network',
      'host',
      '--user',
      '0',
      image,
      'sh',
      '-c',
      'apt-get update -qq && apt-get install -y -qq --no-install-recommends jq >/dev/null && jq --version && vi --version | head -1',
    ]);
    expect(res.exitCode, res.stderr.slice(-2000)).toBe(0);
    expect(res.stdout).toMatch(/^jq-1\./m);
    expect(res.stdout).toMatch(/VIM - Vi IMproved/);
  });

  it("marks what the spec did not ask for as apt does: apt-mark showauto, and the seed's apt-transport-https installed", async () => {
    const image = await loadArchive(archive());
    const res = await docker(['run', '--rm', '--network', 'none', image, 'apt-mark', 'showauto']);
    expect(res.exitCode, res.stderr).toBe(0);
    const auto = new Set(res.stdout.split('\n').filter(Boolean));
    const asked = new Set(
      [...specPackages.apt, ...specPackages.repositories].map((p) => p.split('=')[0]!),
    );
    const debs = lock.platforms['linux/amd64']!.debs.map((d) => d.name);
    expect(debs).toContain('apt-transport-https');
    for (const name of debs) expect(auto.has(name), name).toBe(!asked.has(name));
  });

  it('pushes with the registry client, mounting the base layers instead of uploading them', async () => {
    const repo = `kubox-e2e/native-${process.pid}-${Date.now()}`;
    const res = await kubox(
      [
        'build',
        '--engine',
        'native',
        '--locked',
        '--push',
        '--tag',
        `${env.registry}/${repo}:1`,
        '--json',
      ],
      { cwd: dir, env: cliEnv },
    );
    expect(res.exitCode, res.stderr.slice(-3000)).toBe(0);
    const result = JSON.parse(res.stdout);
    expect(result.digest).toBe(firstDigest);
    // The stand-in base has one layer per platform: both come by mount from its repository.
    expect(result.pushed.mounted).toBe(2);
    expect(result.pushed.uploaded).toBeGreaterThan(0);
    const head = await fetch(`http://${env.registry}/v2/${repo}/manifests/1`, {
      method: 'HEAD',
      headers: {
        accept: 'application/vnd.oci.image.index.v1+json',
        authorization: `Basic ${Buffer.from(`${env.username}:${env.password}`).toString('base64')}`,
      },
    });
    expect(head.headers.get('docker-content-digest')).toBe(firstDigest);
  });

  it('loads one platform into Docker with --load', async () => {
    const tag = `kubox-e2e/native-load:${process.pid}`;
    const res = await kubox(
      [
        'build',
        '--engine',
        'native',
        '--locked',
        '--load',
        '--platform',
        'linux/amd64',
        '--tag',
        tag,
      ],
      { cwd: dir, env: cliEnv },
    );
    expect(res.exitCode, res.stderr.slice(-3000)).toBe(0);
    const run = await docker([
      'run',
      '--rm',
      '--network',
      'none',
      `docker.io/${tag}`,
      'tree',
      '--version',
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^tree v2\./);
  });

  it('gives the same index digest from an empty cache (byte-for-byte reproducible)', async () => {
    const fresh = tempDir('kubox-native-cache-');
    const out = join(dir, 'out', 'again.oci.tar');
    const res = await kubox(
      ['build', '--engine', 'native', '--locked', '--output', `oci:${out}`, '--json'],
      { cwd: dir, env: { ...cliEnv, KUBOX_CACHE_DIR: fresh } },
    );
    expect(res.exitCode, res.stderr.slice(-3000)).toBe(0);
    expect(JSON.parse(res.stdout).digest).toBe(firstDigest);
    expect(readFileSync(out).equals(readFileSync(archive()))).toBe(true);
  });

  it('rejects a .deb and a wheel whose bytes do not match the lock, and writes nothing', async () => {
    for (const what of ['deb', 'wheel'] as const) {
      const work = tempDir('kubox-native-tamper-');
      copyFileSync(join(dir, 'kubox.yaml'), join(work, 'kubox.yaml'));
      const tampered = structuredClone(lock);
      const p = tampered.platforms['linux/amd64']!;
      // The lock says one thing, the server serves another: same as a swapped file on the mirror.
      if (what === 'deb') p.debs[0]!.sha256 = p.debs[1]!.sha256;
      else p.wheels[0]!.sha256 = 'f'.repeat(64);
      writeFileSync(join(work, 'kubox.lock'), JSON.stringify(tampered, null, 2));
      const out = join(work, 'out.tar');
      const res = await kubox(
        [
          'build',
          '--engine',
          'native',
          '--locked',
          '--platform',
          'linux/amd64',
          '--output',
          `oci:${out}`,
        ],
        { cwd: work, env: { ...cliEnv, KUBOX_CACHE_DIR: tempDir('kubox-c-') } },
      );
      expect(res.exitCode, res.stderr).toBe(1);
      expect(res.stderr).toMatch(/sha256/);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('--locked refuses a spec that no longer matches the lock, naming what changed', async () => {
    const work = tempDir('kubox-native-locked-');
    const spec = parse(readFileSync(join(dir, 'kubox.yaml'), 'utf8')) as {
      apt: { packages: string[] };
    };
    spec.apt.packages.push('jq');
    writeFileSync(join(work, 'kubox.yaml'), stringify(spec));
    copyFileSync(join(dir, 'kubox.lock'), join(work, 'kubox.lock'));
    const res = await kubox(['build', '--engine', 'native', '--locked'], {
      cwd: work,
      env: cliEnv,
    });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain('apt.packages changed');
    expect(res.stderr).toContain('kubox lock');
  });

  it('auto picks the native engine where there is no Docker, and says so', async () => {
    const empty = tempDir('kubox-nodocker-');
    const out = join(dir, 'out', 'auto.oci.tar');
    // The spec says `engine: native`; --engine auto is what a spec without engine: gets.
    const res = await kubox(
      [
        'build',
        '--engine',
        'auto',
        '--platform',
        'linux/amd64',
        '--output',
        `oci:${out}`,
        '--json',
      ],
      {
        cwd: dir,
        env: { ...cliEnv, PATH: empty },
      },
    );
    expect(res.exitCode, res.stderr.slice(-2000)).toBe(0);
    expect(res.stderr).toMatch(/engine: native/);
    expect(JSON.parse(res.stdout).engine).toBe('native');
  });
});

describe('a platform that cannot be resolved', () => {
  it('does not stop a build of the others; kubox lock names it, and --platform locks the rest', async () => {
    // A loopback index whose only project has an x86_64 wheel: linux/arm64 has nothing to install.
    const index = await startIndex(
      {
        x86only: [
          makeWheel({ name: 'x86only', version: '1.0', tags: 'cp311-cp311-manylinux_2_17_x86_64' }),
        ],
      },
      'json',
    );
    try {
      const work = tempDir('kubox-subset-');
      writeFileSync(
        join(work, 'kubox.yaml'),
        stringify({
          name: 'subset',
          version: '0.1.0',
          base: env.base,
          engine: 'native',
          platforms: ['linux/amd64', 'linux/arm64'],
          pip: { indexUrl: index.url, packages: ['x86only'] },
          user: { name: 'debug', uid: 10001, gid: 10001 },
        }),
      );
      const lockFile = join(work, 'kubox.lock');
      const at = { cwd: work, env: cliEnv };
      const full = await kubox(['lock'], at);
      expect(full.exitCode).toBe(1);
      expect(full.stderr).toContain(
        'cannot resolve the Python requirements for linux/arm64: no wheel of x86only',
      );
      expect(full.stderr).toContain('leave linux/arm64 out (--platform)');
      expect(existsSync(lockFile)).toBe(false);

      const out = join(work, 'subset.oci.tar');
      const build = await kubox(
        ['build', '--platform', 'linux/amd64', '--output', `oci:${out}`],
        at,
      );
      expect(build.exitCode, build.stderr.slice(-2000)).toBe(0);
      expect(build.stderr).toContain('linux/arm64: left out of the lock (not built now)');
      const subset = JSON.parse(readFileSync(lockFile, 'utf8')) as Lock;
      expect(Object.keys(subset.platforms)).toEqual(['linux/amd64']);
      expect(subset.platforms['linux/amd64']!.wheels.map((w) => w.filename)).toEqual([
        'x86only-1.0-cp311-cp311-manylinux_2_17_x86_64.whl',
      ]);

      // --locked wants the spec's every platform; a plain build of amd64 uses the lock as it is.
      const locked = await kubox(
        ['build', '--locked', '--platform', 'linux/amd64', '--output', `oci:${out}`],
        at,
      );
      expect(locked.exitCode).toBe(1);
      expect(locked.stderr).toContain('no linux/arm64 in the lock');
      const again = await kubox(
        ['build', '--platform', 'linux/amd64', '--output', `oci:${out}`],
        at,
      );
      expect(again.exitCode, again.stderr.slice(-2000)).toBe(0);
      expect(again.stderr).not.toContain('resolving');

      rmSync(lockFile);
      const amd = await kubox(['lock', '--platform', 'linux/amd64', '--json'], at);
      expect(amd.exitCode, amd.stderr).toBe(0);
      expect(Object.keys(JSON.parse(amd.stdout).lock.platforms)).toEqual(['linux/amd64']);
      const bad = await kubox(['lock', '--platform', 'linux/s390x'], at);
      expect(bad.exitCode).toBe(2);
    } finally {
      await index.close();
    }
  });
});

describe('base: scratch', () => {
  it('builds a root filesystem of Debian packages only, every one in dpkg status, on both platforms', async () => {
    const work = tempDir('kubox-scratch-');
    writeFileSync(
      join(work, 'kubox.yaml'),
      stringify({
        name: 'mini',
        version: '0.1.0',
        base: 'scratch',
        platforms: ['linux/amd64', 'linux/arm64'],
        // dash: the /bin/sh verify's command checks run under.
        apt: { release: 'bookworm', packages: ['bash', 'dash', 'tree'] },
        user: { name: 'debug', uid: 10001, gid: 10001 },
      }),
    );
    const out = join(work, 'mini.oci.tar');
    const res = await kubox(['build', '--output', `oci:${out}`, '--json'], {
      cwd: work,
      env: cliEnv,
    });
    expect(res.exitCode, res.stderr.slice(-3000)).toBe(0);
    const result = JSON.parse(res.stdout);
    expect(result.engine).toBe('native');
    expect(result.labels['org.opencontainers.image.base.name']).toBeUndefined();
    const scratchLock = JSON.parse(readFileSync(join(work, 'kubox.lock'), 'utf8')) as Lock;
    const image = await loadArchive(out);
    for (const platform of ['linux/amd64', 'linux/arm64']) {
      const names = scratchLock.platforms[platform]!.debs.map((d) => d.name);
      expect(names).toEqual(expect.arrayContaining(['base-files', 'bash', 'tree', 'libc6']));
      const runIn = (...argv: string[]) =>
        docker(['run', '--rm', '--network', 'none', '--platform', platform, image, ...argv]);
      // bash's own builtins only: nothing else is in the image unless a package put it there.
      const run = await runIn(
        'bash',
        '-c',
        'tree --version; echo "$(</var/lib/dpkg/status)"; echo "$(</etc/os-release)"; echo "uid=$UID"',
      );
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^tree v2\./m);
      expect(run.stdout).toMatch(/VERSION_CODENAME=bookworm/);
      expect(run.stdout).toMatch(/^uid=10001$/m);
      const inStatus = [...run.stdout.matchAll(/^Package: (\S+)$/gm)].map((m) => m[1]).sort();
      expect(inStatus).toEqual([...names].sort());
      // verify's Python checks, in an image with no Python (dash is its /bin/sh): they say so.
      const py = await runIn(...pythonArgv(['-c', 'print(1)']));
      expect(py.exitCode).toBe(127);
      expect(py.stderr.trim()).toBe(`kubox: ${NO_PYTHON}`);
    }
  });

  it('refuses scratch with buildx, and a scratch spec without a release', async () => {
    const work = tempDir('kubox-scratch-bad-');
    const spec = {
      name: 'mini',
      version: '0.1.0',
      base: 'scratch',
      apt: { packages: ['bash'] },
      user: { name: 'debug', uid: 10001, gid: 10001 },
    };
    writeFileSync(join(work, 'kubox.yaml'), stringify(spec));
    const res = await kubox(['build'], { cwd: work, env: cliEnv });
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain('apt.release');
    writeFileSync(
      join(work, 'kubox.yaml'),
      stringify({ ...spec, apt: { ...spec.apt, release: 'bookworm' } }),
    );
    const bx = await kubox(['build', '--engine', 'buildx'], { cwd: work, env: cliEnv });
    expect(bx.exitCode).toBe(2);
    expect(bx.stderr).toContain('native engine only');
  });
});
