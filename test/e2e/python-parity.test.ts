/**
 * The native engine installs what pip installs. One spec, the seed's Python
 * tools from the loopback index (built by setup.sh from Debian's own Python
 * packages), built for linux/amd64 by buildx (pip runs in the image) and by
 * the native engine (no Python runs): the installed distributions, their
 * versions, every file with its sha256, and the console scripts must be the
 * same. Only what pip writes at install time and the native engine leaves to
 * Python is left out: .pyc files, and RECORD's lines for them. INSTALLER names
 * who installed each (PEP 376): pip in one image, kubox in the other.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubox } from '../support/cli.js';
import { loadEnv, SEED_PIP_PACKAGES } from '../support/e2e-env.js';

const env = loadEnv();
const cliEnv = {
  DOCKER_CONFIG: env.dockerConfig,
  KUBOX_CACHE_DIR: '/var/cache/kubox-e2e/native-cache',
};
let dir: string;

/** Lists every distribution under /usr/local: version, files with sha256, and the scripts. */
const INVENTORY = String.raw`
import hashlib, json, os, sys, importlib.metadata as md
def sha(p):
    with open(p, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()
out = {}
for d in md.distributions():
    if not str(d.locate_file('')).startswith('/usr/local/'):
        continue
    files = {}
    for f in d.files or []:
        s = str(f)
        if s.endswith('.pyc'):
            continue
        p = d.locate_file(f)
        if s.endswith('/INSTALLER'):
            files[s] = open(p).read()
        elif s.endswith('/RECORD') or not os.path.isfile(p):
            files[s] = os.path.exists(p)
        else:
            files[s] = sha(p)
    out[d.metadata['Name'].lower()] = {'version': d.version, 'files': files}
scripts = {n: sha(os.path.join('/usr/local/bin', n)) for n in sorted(os.listdir('/usr/local/bin'))}
json.dump({'dists': out, 'scripts': scripts}, sys.stdout, sort_keys=True)
`;

interface Inventory {
  dists: Record<string, { version: string; files: Record<string, string | boolean> }>;
  scripts: Record<string, string>;
}

async function inventory(engine: 'buildx' | 'native'): Promise<Inventory> {
  const out = join(dir, `${engine}.oci.tar`);
  const build = await kubox(
    [
      'build',
      '--engine',
      engine,
      '--platform',
      'linux/amd64',
      '--output',
      `oci:${out}`,
      ...(engine === 'buildx' ? ['--network', 'host'] : []),
    ],
    { cwd: dir, env: cliEnv },
  );
  expect(build.exitCode, build.stderr.slice(-3000)).toBe(0);
  const loaded = await execa('docker', ['load', '--input', out], { env: cliEnv });
  const image = /Loaded image(?: ID)?: (\S+)/.exec(loaded.stdout)![1]!;
  const run = await execa(
    'docker',
    ['run', '-i', '--rm', '--network', 'none', '--platform', 'linux/amd64', '--user', '0', image],
    { env: cliEnv, input: INVENTORY, reject: false },
  );
  expect(run.exitCode, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Inventory;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubox-pyparity-'));
  writeFileSync(
    join(dir, 'kubox.yaml'),
    stringify({
      name: 'pyparity',
      version: '0.1.0',
      base: env.base,
      platforms: ['linux/amd64'],
      pip: { indexUrl: env.pipIndex, packages: SEED_PIP_PACKAGES },
      user: { name: 'debug', uid: 10001, gid: 10001 },
      // The image's command reads the inventory script from stdin.
      cmd: ['python3', '-'],
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Python parity: the native engine installs what pip installs', () => {
  it('the same distributions, versions, files and console scripts as pip in the buildx image', async () => {
    const pip = await inventory('buildx');
    const native = await inventory('native');
    const names = Object.keys(pip.dists).sort();
    expect(names).toEqual(expect.arrayContaining(SEED_PIP_PACKAGES));
    expect(names.length).toBeGreaterThan(30);
    expect(Object.keys(native.dists).sort()).toEqual(names);
    for (const name of names) {
      const [a, b] = [pip.dists[name]!, native.dists[name]!];
      expect(b.version, name).toBe(a.version);
      const installer = Object.keys(a.files).find((f) => f.endsWith('.dist-info/INSTALLER'))!;
      expect([a.files[installer], b.files[installer]], name).toEqual(['pip\n', 'kubox\n']);
      expect({ ...b.files, [installer]: 'pip\n' }, name).toEqual(a.files);
    }
    expect(native.scripts).toEqual(pip.scripts);
    expect(Object.keys(pip.scripts)).toEqual(expect.arrayContaining(['http', 'ipython']));
  });
});
