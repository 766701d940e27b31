/**
 * The buildx engine through the publish stage, with a docker STAND-IN
 * (src/exec.js's run is replaced; no Docker is involved): buildx always writes
 * an OCI archive into kubox's private directory; --output oci:PATH copies it
 * byte for byte to a temporary file beside a regular target that is renamed,
 * or into a FIFO or device; --load hands that same archive to `docker load`.
 * Nothing of the build is left behind.
 */
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildImage } from '../../../src/build.js';
import type { BuildOptions } from '../../../src/engines/options.js';
import { KuboxError } from '../../../src/errors.js';
import type { RunResult } from '../../../src/exec.js';
import { packLayout } from '../../../src/oci/layout.js';
import { makePlan } from '../../../src/plan/plan.js';
import { loadPreset } from '../../../src/spec/load.js';
import { makeImage, type MadeImage } from '../../support/make-image.js';

const standin = vi.hoisted(() => ({
  /** The archive `buildx build --output type=oci,dest=...` writes. */
  archive: '',
  /** The archives `docker load --input` was given, as read when it ran. */
  loaded: [] as Buffer[],
  /** Its exit code. */
  exitCode: 0,
  builds: [] as string[][],
}));

vi.mock('../../../src/exec.js', () => ({
  run: async (cmd: string, args: readonly string[]): Promise<RunResult> => {
    const ok = (stdout = ''): RunResult => ({ exitCode: 0, stdout, stderr: '', missing: false });
    if (cmd === 'git') return { exitCode: 128, stdout: '', stderr: 'not git', missing: false };
    if (cmd !== 'docker') throw new Error(`the stand-in runs no ${cmd}`);
    if (args[0] === 'version') return ok('27.0.0');
    if (args[0] === 'buildx' && args[1] === 'version')
      return ok('github.com/docker/buildx v0.17.0');
    if (args[0] === 'buildx' && args[1] === 'inspect')
      return ok('Name: the-builder\nPlatforms: linux/amd64, linux/arm64\n');
    if (args[0] === 'buildx' && args[1] === 'build') {
      standin.builds.push([...args]);
      if (standin.exitCode !== 0)
        return { exitCode: standin.exitCode, stdout: '', stderr: 'ERROR: boom', missing: false };
      const out = args[args.indexOf('--output') + 1]!;
      copyFileSync(standin.archive, /^type=oci,dest=(.*)$/.exec(out)![1]!);
      return ok();
    }
    if (args[0] === 'load' && args[1] === '--input') {
      standin.loaded.push(readFileSync(args[2]!));
      return ok('Loaded image: g1g1/py-kube:0.9.0');
    }
    if (args[0] === 'tag') return ok();
    throw new Error(`the stand-in has no docker ${args.join(' ')}`);
  },
}));

const plan = makePlan(loadPreset('py-kube').spec);
const isRoot = process.getuid?.() === 0;
let image: MadeImage;

function workdir(): string {
  return mkdtempSync(join(tmpdir(), 'kubox-buildx-out-'));
}

const buildTo = (opts: BuildOptions, cwd: string) =>
  buildImage(plan, {
    ...opts,
    engine: 'buildx',
    platforms: ['linux/amd64'],
    cwd,
    progress: 'quiet',
  });

/** The archive buildx was told to write (inside kubox's private build directory). */
const buildxDest = () =>
  /dest=(.*)$/.exec(standin.builds[0]![standin.builds[0]!.indexOf('--output') + 1]!)![1]!;

beforeAll(async () => {
  const dir = workdir();
  image = await makeImage(join(dir, 'layout'), {
    platforms: ['linux/amd64'],
    layerSizes: [64],
    seed: 7,
  });
  standin.archive = join(dir, 'image.oci.tar');
  await packLayout(join(dir, 'layout'), standin.archive);
});

afterEach(() => {
  // The engine's private directory and its archive are gone, whatever happened.
  if (standin.builds[0]) expect(existsSync(dirname(buildxDest()))).toBe(false);
  standin.loaded = [];
  standin.exitCode = 0;
  standin.builds = [];
  expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
});

describe('buildx --output oci:PATH', { timeout: 60_000 }, () => {
  it("a regular file: buildx's archive, byte for byte, renamed into place when complete", async () => {
    const cwd = workdir();
    const target = join(cwd, 'out', 'img.oci.tar');
    const res = await buildTo({ output: { type: 'oci', path: target } }, cwd);
    expect(res.digest).toBe(image.digest);
    expect(res.images).toEqual(image.platforms);
    expect(res.engine).toBe('buildx');
    expect(buildxDest()).toMatch(/\/kubox-build-[^/]+\/image\.oci\.tar$/);
    expect(readFileSync(target).equals(readFileSync(standin.archive))).toBe(true);
    expect(readdirSync(join(cwd, 'out'))).toEqual(['img.oci.tar']);
  });

  it('a failed build leaves the old archive and no temporary file', async () => {
    const cwd = workdir();
    const target = join(cwd, 'img.oci.tar');
    writeFileSync(target, 'old');
    standin.exitCode = 1;
    await expect(buildTo({ output: { type: 'oci', path: target } }, cwd)).rejects.toBeInstanceOf(
      KuboxError,
    );
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(readdirSync(cwd)).toEqual(['img.oci.tar']);
  });

  it('a FIFO: the archive is copied into it, and the digest still read', async () => {
    const cwd = workdir();
    const fifo = join(cwd, 'pipe');
    await execa('mkfifo', [fifo]);
    const copy = join(cwd, 'copy.tar');
    const reader = execa('sh', ['-c', 'cat "$1" > "$2"', 'sh', fifo, copy], { timeout: 50_000 });
    const res = await buildTo({ output: { type: 'oci', path: fifo } }, cwd);
    await reader;
    expect(res.digest).toBe(image.digest);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readFileSync(copy).equals(readFileSync(standin.archive))).toBe(true);
    expect(readdirSync(cwd).sort()).toEqual(['copy.tar', 'pipe']);
  });

  it.skipIf(!isRoot)('a character device stays one', async () => {
    const cwd = workdir();
    const dev = join(cwd, 'null');
    await execa('mknod', [dev, 'c', '1', '3']);
    const res = await buildTo({ output: { type: 'oci', path: dev } }, cwd);
    expect(res.digest).toBe(image.digest);
    expect(lstatSync(dev).isCharacterDevice()).toBe(true);
    expect(readdirSync(cwd)).toEqual(['null']);
  });
});

describe('buildx --load', { timeout: 60_000 }, () => {
  it('hands the archive buildx wrote to docker load, and reports its digest', async () => {
    const res = await buildTo({ output: { type: 'load' } }, workdir());
    expect(res.digest).toBe(image.digest);
    expect(res.output).toEqual({ type: 'load' });
    expect(standin.builds[0]).not.toContain('--load');
    expect(standin.loaded).toHaveLength(1);
    expect(standin.loaded[0]!.equals(readFileSync(standin.archive))).toBe(true);
  });

  it('a failed build loads nothing', async () => {
    standin.exitCode = 1;
    await expect(buildTo({ output: { type: 'load' } }, workdir())).rejects.toBeInstanceOf(
      KuboxError,
    );
    expect(standin.loaded).toHaveLength(0);
  });
});
