import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  changedInputs,
  formatLock,
  lockInputs,
  lockPath,
  readLock,
  writeLock,
  type Lock,
} from '../../../src/engines/native/lock.js';
import { keptWheels } from '../../../src/engines/native/lock-policy.js';
import { loadPreset } from '../../../src/spec/load.js';
import { KuboxError } from '../../../src/errors.js';
import { CLI_TEST_TIMEOUT } from '../../support/cli.js';

const spec = loadPreset('py-kube').spec;

function sampleLock(): Lock {
  return {
    lockVersion: 1,
    inputs: lockInputs(spec, spec.args),
    sourceDateEpoch: 1700000000,
    sources: [
      {
        name: 'debian',
        url: 'http://deb.debian.org/debian/',
        suite: 'bookworm',
        inRelease: 'a'.repeat(64),
      },
    ],
    keys: [],
    platforms: {
      'linux/amd64': {
        base: { manifest: `sha256:${'b'.repeat(64)}`, config: `sha256:${'c'.repeat(64)}` },
        debs: [
          {
            name: 'tree',
            version: '2.1.0-1',
            architecture: 'amd64',
            source: 'debian',
            url: 'http://deb.debian.org/debian/pool/main/t/tree/tree_2.1.0-1_amd64.deb',
            sha256: 'd'.repeat(64),
            size: 47000,
          },
        ],
        binaries: [],
        wheels: [],
      },
    },
  };
}

describe('kubox.lock', () => {
  it('names exactly the spec keys that changed', () => {
    const before = lockInputs(spec, spec.args);
    const edited = { ...spec, apt: { ...spec.apt, packages: [...spec.apt.packages, 'jq'] } };
    expect(changedInputs(before, lockInputs(edited, spec.args))).toEqual(['apt.packages']);
    expect(changedInputs(before, lockInputs(spec, { KUBECTL_VERSION: '1.35' }))).toEqual([
      'args.KUBECTL_VERSION',
    ]);
    expect(changedInputs(before, lockInputs(spec, spec.args))).toEqual([]);
    const other = { ...spec, platforms: ['linux/amd64'] };
    expect(changedInputs(before, lockInputs(other, spec.args))).toEqual(['platforms']);
  });

  it('round-trips through its file with stable bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubox-lock-'));
    const path = join(dir, 'kubox.lock');
    await writeLock(path, sampleLock());
    const text = await readFile(path, 'utf8');
    expect(text).toBe(formatLock(sampleLock()));
    expect(await readLock(path)).toEqual(sampleLock());
    expect(await readLock(join(dir, 'missing.lock'))).toBeUndefined();
  });

  it('refuses a damaged lock, naming the key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubox-lock-'));
    const path = join(dir, 'kubox.lock');
    const bad = sampleLock() as unknown as {
      platforms: Record<string, { debs: { sha256: string }[] }>;
    };
    bad.platforms['linux/amd64']!.debs[0]!.sha256 = 'not-a-hash';
    await writeFile(path, JSON.stringify(bad));
    const err = await readLock(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).kind).toBe('lock');
    expect((err as KuboxError).message).toContain('platforms.linux/amd64.debs.0.sha256');
    await writeFile(path, '{ nope');
    expect(((await readLock(path).catch((e: unknown) => e)) as KuboxError).message).toMatch(
      /not valid JSON/,
    );
  });

  it('lives beside the spec, or in the working directory for a preset', () => {
    expect(lockPath('/w/team/kubox.yaml', '/cwd')).toBe('/w/team/kubox.lock');
    expect(lockPath('preset:py-kube', '/cwd')).toBe('/cwd/kubox.lock');
  });
});

describe('kubox build --locked', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('fails before pulling anything when there is no lock (works offline)', async () => {
    const { kubox } = await import('../../support/cli.js');
    const { stringify } = await import('yaml');
    const dir = await mkdtemp(join(tmpdir(), 'kubox-locked-'));
    const rest = JSON.parse(JSON.stringify(loadPreset('py-kube').spec)) as Record<string, unknown>;
    // A base on a port nothing listens on: reaching for it would be a network error instead.
    await writeFile(
      join(dir, 'kubox.yaml'),
      stringify({
        ...rest,
        base: `127.0.0.1:9/library/python:3.13-slim@sha256:${'1'.repeat(64)}`,
        apt: { packages: ['tree'] },
      }),
    );
    const res = await kubox(['build', '--engine', 'native', '--locked'], { cwd: dir });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain(`--locked, but there is no ${join(dir, 'kubox.lock')}`);
    expect(res.stderr).toContain('kubox lock');
  });
});

describe('kubox lock --platform', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('refuses an empty list and a platform the spec does not have, before any work (exit 2)', async () => {
    const { kubox } = await import('../../support/cli.js');
    const { stringify } = await import('yaml');
    const dir = await mkdtemp(join(tmpdir(), 'kubox-lock-platform-'));
    const rest = JSON.parse(JSON.stringify(loadPreset('py-kube').spec)) as Record<string, unknown>;
    // A base on a port nothing listens on: reaching for it would be a network error instead.
    await writeFile(
      join(dir, 'kubox.yaml'),
      stringify({ ...rest, base: `127.0.0.1:9/library/python:3.13-slim@sha256:${'1'.repeat(64)}` }),
    );
    const empty = await kubox(['lock', '--platform', ' , '], { cwd: dir });
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain('--platform names no platform');
    const other = await kubox(['lock', '--platform', 'linux/amd64,linux/s390x'], { cwd: dir });
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toContain(
      "--platform linux/s390x: not among the spec's platforms (linux/amd64, linux/arm64)",
    );
    expect(other.stderr).toContain('add it to platforms: in kubox.yaml first');
  });
});

describe("a build's re-resolution keeps the lock's wheels when pip's inputs did not change", () => {
  const lock = sampleLock();
  const wheel = {
    name: 'httpie',
    requested: true,
    version: '3.2.4',
    filename: 'httpie-3.2.4-py3-none-any.whl',
    url: 'http://pypi.example/httpie-3.2.4-py3-none-any.whl',
    sha256: 'e'.repeat(64),
  };
  lock.platforms['linux/amd64']!.wheels = [wheel];
  const manifest = lock.platforms['linux/amd64']!.base.manifest;

  it('keeps them after an apt package or a binary changed, for the same base', () => {
    expect(keptWheels(lock, ['apt.packages'], 'linux/amd64', manifest)).toEqual([wheel]);
    expect(keptWheels(lock, ['binaries', 'apt.mirror'], 'linux/amd64', manifest)).toEqual([wheel]);
  });

  it('resolves again when pip, the build args or the base changed, or the platform is new', () => {
    for (const changed of [['pip.packages'], ['pip.indexUrl'], ['args'], ['base']])
      expect(keptWheels(lock, changed, 'linux/amd64', manifest)).toBeUndefined();
    expect(
      keptWheels(lock, ['apt.packages'], 'linux/amd64', `sha256:${'f'.repeat(64)}`),
    ).toBeUndefined();
    expect(keptWheels(lock, ['apt.packages'], 'linux/arm64', manifest)).toBeUndefined();
  });
});
