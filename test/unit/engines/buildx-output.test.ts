/**
 * The buildx engine's outputs with a docker STAND-IN (src/exec.js's run is
 * replaced; no Docker is involved): an OCI archive goes to a temporary file
 * beside a regular target and is renamed, or is copied into a FIFO or device;
 * --load takes its digest from buildx's metadata file and fails clearly when
 * that file is missing or unusable.
 */
import {
  copyFileSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { build } from '../../../src/engines/buildx/build.js';
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
  /** What it writes to --metadata-file; undefined: no file. */
  metadata: undefined as string | undefined,
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
      const out = args.includes('--output') ? args[args.indexOf('--output') + 1] : undefined;
      if (out) copyFileSync(standin.archive, /dest=(.*)$/.exec(out)![1]!);
      const metadataFile = args[args.indexOf('--metadata-file') + 1]!;
      if (standin.metadata !== undefined) writeFileSync(metadataFile, standin.metadata);
      return ok();
    }
    throw new Error(`the stand-in has no docker ${args.join(' ')}`);
  },
}));

const plan = makePlan(loadPreset('py-kube').spec);
const isRoot = process.getuid?.() === 0;
const DIGEST = `sha256:${'c3'.repeat(32)}`;
let image: MadeImage;

function workdir(): string {
  return mkdtempSync(join(tmpdir(), 'kubox-buildx-out-'));
}

const buildTo = (opts: BuildOptions, cwd: string) =>
  build(plan, { ...opts, platforms: ['linux/amd64'], cwd, progress: 'quiet' });

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
  standin.metadata = undefined;
  standin.exitCode = 0;
  standin.builds = [];
  expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
});

describe('buildx --output oci:PATH', { timeout: 60_000 }, () => {
  it('a regular file: buildx writes a temporary file beside it, renamed when read back', async () => {
    const cwd = workdir();
    const target = join(cwd, 'out', 'img.oci.tar');
    const res = await buildTo({ output: { type: 'oci', path: target } }, cwd);
    expect(res.digest).toBe(image.digest);
    expect(res.images).toEqual(image.platforms);
    const dest = /dest=(.*)$/.exec(
      standin.builds[0]![standin.builds[0]!.indexOf('--output') + 1]!,
    )!;
    expect(dest[1]).toMatch(/out\/img\.oci\.tar\.kubox-[0-9a-f]{24}\.tmp$/);
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

  it('needs no metadata file: the digest comes from the archive', async () => {
    const cwd = workdir();
    standin.metadata = undefined;
    const res = await buildTo({ output: { type: 'oci', path: join(cwd, 'a.tar') } }, cwd);
    expect(res.digest).toBe(image.digest);
  });
});

describe('buildx --load', { timeout: 60_000 }, () => {
  it("reports the digest from buildx's metadata file", async () => {
    standin.metadata = JSON.stringify({ 'containerimage.digest': DIGEST });
    const res = await buildTo({ output: { type: 'load' } }, workdir());
    expect(res.digest).toBe(DIGEST);
    expect(standin.builds[0]).toContain('--load');
  });

  it('no metadata file after a successful build is an error naming it', async () => {
    const err = await buildTo({ output: { type: 'load' } }, workdir()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).kind).toBe('build-failed');
    expect((err as KuboxError).message).toMatch(
      /^buildx succeeded but its metadata file \S+metadata\.json cannot be read \(ENOENT\)$/,
    );
  });

  it('an unparsable metadata file is an error naming it', async () => {
    standin.metadata = '{"containerimage.digest": ';
    await expect(buildTo({ output: { type: 'load' } }, workdir())).rejects.toThrow(
      /buildx's metadata file \S+metadata\.json is not JSON/,
    );
  });
});
