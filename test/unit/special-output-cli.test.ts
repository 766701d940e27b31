/**
 * Every command that writes to a path the user names, and runs without
 * Docker, through the real binary (bin/kubox.js over dist/; run `npm run
 * build` first): a FIFO gets the output in place for its reader, and a
 * character device (made with mknod, as root) stays a device instead of being
 * replaced by a regular file. `kubox scan` runs with the trivy STAND-IN
 * (test/fixtures/scan/bin/trivy, not Trivy) first on PATH.
 */
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_TEST_TIMEOUT, kubox } from '../support/cli.js';
import { STANDIN_BIN } from './scan/helpers.js';

const isRoot = process.getuid?.() === 0;
const SCAN_PATH = `${STANDIN_BIN}:${dirname(process.execPath)}`;
const DOCKERFILE = 'FROM debian:bookworm-slim\nRUN apt-get update\n';

/** Devices the tests made: each must still be a character device afterwards. */
const devices: string[] = [];

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubox-special-out-'));
  writeFileSync(join(dir, 'Dockerfile'), DOCKERFILE);
  writeFileSync(join(dir, 'img.oci.tar'), 'stand-in archive');
  return dir;
}

async function mkfifo(path: string): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  await execa('mkfifo', [path]);
  return path;
}

async function mknodNull(path: string): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  await execa('mknod', [path, 'c', '1', '3']);
  devices.push(path);
  return path;
}

/** Reads the FIFO in another process until its writer closes it. */
function readFifo(path: string) {
  return execa('cat', [path], { timeout: 50_000, stripFinalNewline: false });
}

afterEach(() => {
  for (const d of devices.splice(0)) expect(lstatSync(d).isCharacterDevice()).toBe(true);
  expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
});

describe('output paths that are FIFOs or devices (CLI)', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('kubox lint --format sarif --output FIFO', async () => {
    const dir = workspace();
    const fifo = await mkfifo(join(dir, 'lint.sarif'));
    const reader = readFifo(fifo);
    const res = await kubox(['lint', '--format', 'sarif', '--output', fifo, 'Dockerfile'], {
      cwd: dir,
    });
    expect(res.stderr).not.toContain('error:');
    expect([0, 1]).toContain(res.exitCode);
    expect(JSON.parse((await reader).stdout)).toMatchObject({ version: '2.1.0' });
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it.skipIf(!isRoot)('kubox lint --format sarif --output DEVICE', async () => {
    const dir = workspace();
    const dev = await mknodNull(join(dir, 'null'));
    const res = await kubox(['lint', '--format', 'sarif', '--output', dev, 'Dockerfile'], {
      cwd: dir,
    });
    expect(res.stderr).not.toContain('error:');
    expect([0, 1]).toContain(res.exitCode);
    expect(res.stdout).toBe('');
  });

  it('kubox scan --format sarif --output FIFO', async () => {
    const dir = workspace();
    const fifo = await mkfifo(join(dir, 'scan.sarif'));
    const reader = readFifo(fifo);
    const res = await kubox(
      ['scan', 'oci:img.oci.tar', '--format', 'sarif', '--output', fifo, '--scanner', 'trivy'],
      { cwd: dir, env: { PATH: SCAN_PATH } },
    );
    expect(res.exitCode).toBe(1); // the stand-in's report fails the gate
    expect(res.stderr).toContain(`kubox: wrote ${fifo}`);
    expect(JSON.parse((await reader).stdout)).toMatchObject({ version: '2.1.0' });
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it.skipIf(!isRoot)('kubox scan --format json --output DEVICE', async () => {
    const dir = workspace();
    const dev = await mknodNull(join(dir, 'null'));
    const res = await kubox(
      ['scan', 'oci:img.oci.tar', '--format', 'json', '--output', dev, '--scanner', 'trivy'],
      { cwd: dir, env: { PATH: SCAN_PATH, STANDIN_TRIVY_REPORT: 'clean.json' } },
    );
    expect(res.exitCode).toBe(0);
    expect(res.stderr).toContain(`kubox: wrote ${dev}`);
  });

  it.skipIf(!isRoot)(
    'kubox render --out DIR: Dockerfile a FIFO, .dockerignore a device',
    async () => {
      const dir = workspace();
      const out = join(dir, 'build');
      const fifo = await mkfifo(join(out, 'Dockerfile'));
      await mknodNull(join(out, '.dockerignore'));
      const reader = readFifo(fifo);
      const res = await kubox(['render', '--out', 'build'], { cwd: dir });
      expect(res.stderr).not.toContain('error:');
      expect(res.exitCode).toBe(0);
      expect((await reader).stdout).toMatch(/^FROM /m);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
    },
  );

  it.skipIf(!isRoot)(
    'kubox ci github --out DIR: the dependabot file a FIFO, the workflow a device',
    async () => {
      const dir = workspace();
      expect((await kubox(['init'], { cwd: dir })).exitCode).toBe(0);
      const spec = readFileSync(join(dir, 'kubox.yaml'), 'utf8');
      writeFileSync(
        join(dir, 'kubox.yaml'),
        spec.replace('# repository: docker.io/g1g1/py-kube', 'repository: ghcr.io/acme/py-kube'),
      );
      const fifo = await mkfifo(join(dir, 'repo', '.github', 'dependabot.yml'));
      await mknodNull(join(dir, 'repo', '.github', 'workflows', 'build-py-kube.yml'));
      const reader = readFifo(fifo);
      const res = await kubox(['ci', 'github', '--out', 'repo'], { cwd: dir });
      expect(res.stderr).not.toContain('error:');
      expect(res.exitCode).toBe(0);
      expect(res.stderr).toContain('build-py-kube.yml');
      expect((await reader).stdout).toMatch(/^version: 2$/m);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
    },
  );

  it('kubox init -f FIFO --force', async () => {
    const dir = workspace();
    const fifo = await mkfifo(join(dir, 'kubox.yaml'));
    const reader = readFifo(fifo);
    const res = await kubox(['init', '-f', fifo, '--force'], { cwd: dir });
    expect(res.stderr).not.toContain('error:');
    expect(res.exitCode).toBe(0);
    expect((await reader).stdout).toMatch(/^image:$/m);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });
});
