import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_TEST_TIMEOUT, kubox } from '../support/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'kubox-cli-'));

describe('kubox CLI (no docker needed)', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('init writes the commented preset with the schema modeline, and refuses to overwrite', async () => {
    const dir = tmp();
    const first = await kubox(['init'], { cwd: dir });
    expect(first.exitCode).toBe(0);
    const text = readFileSync(join(dir, 'kubox.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe(
      '# yaml-language-server: $schema=./node_modules/kubox/schema/kubox.schema.json',
    );
    expect(text).toContain('# kubectl is not in Debian');
    writeFileSync(join(dir, 'kubox.yaml'), 'mine');
    const again = await kubox(['init'], { cwd: dir });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('kubox.yaml already exists');
    expect(readFileSync(join(dir, 'kubox.yaml'), 'utf8')).toBe('mine');
    expect((await kubox(['init', '--preset', 'nope'], { cwd: dir })).stderr).toContain(
      'unknown preset "nope"',
    );
  });

  it('render of the init file equals render of the built-in preset (no kubox.yaml)', async () => {
    const withFile = tmp();
    const without = tmp();
    await kubox(['init'], { cwd: withFile });
    expect((await kubox(['render'], { cwd: withFile })).exitCode).toBe(0);
    expect((await kubox(['render'], { cwd: without })).exitCode).toBe(0);
    const a = readFileSync(join(withFile, 'Dockerfile'), 'utf8');
    expect(a).toBe(readFileSync(join(without, 'Dockerfile'), 'utf8'));
    expect(a).toBe(
      readFileSync(new URL('../fixtures/golden/py-kube.Dockerfile', import.meta.url), 'utf8'),
    );
    expect(readFileSync(join(without, '.dockerignore'), 'utf8')).toContain('build.sh');
  });

  it('a bad spec exits 2 with file:line and key, and writes nothing', async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'kubox.yaml'),
      'name: x\nversion: "1"\nbase: python:3.13-slim\nuser: {name: u, uid: 1000, gid: 1000}\n',
    );
    const res = await kubox(['render', '--out', 'build'], { cwd: dir });
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain(
      'kubox.yaml:3:7: base: "python:3.13-slim" is not pinned by digest',
    );
    expect(existsSync(join(dir, 'build'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['kubox.yaml']);
  });

  it('build validates its flags before touching docker', async () => {
    const dir = tmp();
    const bad = await kubox(['build', '--push', '--load'], { cwd: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('choose one of --push, --load and --output');
    const arg = await kubox(['build', '--build-arg', 'NOPE=1', '--output', 'oci:x.tar'], {
      cwd: dir,
      env: { PATH: '/nonexistent' },
    });
    expect(arg.exitCode).toBe(2);
    expect(arg.stderr).toContain('--build-arg NOPE is not declared in kubox.yaml');
  });

  it('--engine buildx says docker is missing with exit 3 when it is not on PATH', async () => {
    const res = await kubox(['build', '--engine', 'buildx'], {
      cwd: tmp(),
      env: { PATH: '/nonexistent' },
    });
    expect(res.exitCode).toBe(3);
    expect(res.stderr).toContain('docker is not installed');
  });

  it('prints --json errors on stdout for scripts', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'k.yaml'), 'name: [\n');
    const res = await kubox(['build', '-f', 'k.yaml', '--json'], { cwd: dir });
    expect(res.exitCode).toBe(2);
    expect(JSON.parse(res.stdout).error.kind).toBe('spec');
  });

  it('prints the JSON Schema and help', async () => {
    const schema = JSON.parse((await kubox(['schema'])).stdout);
    expect(schema.properties.base.description).toContain('pinned by digest');
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'version', 'base', 'user']));
    const help = await kubox(['build', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('--output <oci:PATH>');
  });
});
