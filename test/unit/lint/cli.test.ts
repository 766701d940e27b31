import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kubox } from './kubox-cli.js';

const SEED = fileURLToPath(new URL('../../fixtures/seed/Dockerfile', import.meta.url));
const PINNED = `FROM debian:12@sha256:${'a'.repeat(64)}\nUSER 1000\n`;

const tmp = () => mkdtempSync(join(tmpdir(), 'kubox-lint-'));

describe('kubox lint (CLI)', { timeout: 30_000 }, () => {
  it('exit 1 on findings at the threshold, 0 below it, text lines', async () => {
    const dir = tmp();
    const r = await kubox(['lint', SEED, '--no-shellcheck'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')).toHaveLength(5);
    expect(r.stdout).toMatch(/Dockerfile:42:1 KBX003 warning USER kuser/);
    expect((await kubox(['lint', SEED, '--failure-threshold', 'error'], dir)).code).toBe(0);
  });

  it('walks directories for Dockerfile, *.Dockerfile and Dockerfile.*', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'a/b'), { recursive: true });
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'a/Dockerfile'), PINNED);
    writeFileSync(join(dir, 'a/b/api.Dockerfile'), PINNED);
    writeFileSync(join(dir, 'a/b/Dockerfile.dev'), 'FROM debian\nUSER 1000\n');
    writeFileSync(join(dir, 'a/b/Dockerfile.dockerignore'), 'x');
    writeFileSync(join(dir, 'node_modules/Dockerfile'), 'FROM x');
    const r = await kubox(['lint', '.', '--format', 'json'], dir);
    expect(r.code).toBe(1);
    const files = new Set((JSON.parse(r.stdout) as { file: string }[]).map((f) => f.file));
    expect([...files]).toEqual(['a/b/Dockerfile.dev']);
    expect(r.stderr).toContain('3 files');
  });

  it('bad input is exit 2: a missing path, a bad config', async () => {
    const dir = tmp();
    expect((await kubox(['lint', 'nope'], dir)).code).toBe(2);
    writeFileSync(join(dir, 'Dockerfile'), PINNED);
    writeFileSync(join(dir, '.kubox-lint.yaml'), 'ignord: [DL3003]\n');
    const r = await kubox(['lint'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('.kubox-lint.yaml:1:1');
  });

  it('with no path: the Dockerfile kubox.yaml renders, else ./Dockerfile, else exit 2', async () => {
    const dir = tmp();
    expect((await kubox(['lint'], dir)).code).toBe(2);
    writeFileSync(join(dir, 'Dockerfile'), 'FROM debian:latest\n');
    expect((await kubox(['lint'], dir)).stdout).toContain('DL3007');
    await kubox(['init'], dir);
    // ShellCheck's SC2174 on the rendering's `mkdir -p -m 755` is src/dockerfile's to fix.
    const r = await kubox(['lint', '--no-shellcheck'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('rendered from');
  });

  it('honours .hadolint.yaml and writes SARIF to a file', async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, '.hadolint.yaml'),
      'ignored: [KBX003, KBX006]\nfailure-threshold: warning\n',
    );
    const r = await kubox(
      ['lint', SEED, '--format', 'sarif', '-o', 'out.sarif', '--no-shellcheck'],
      dir,
    );
    expect(r.code).toBe(1); // DL4006 is a warning
    const log = JSON.parse(readFileSync(join(dir, 'out.sarif'), 'utf8')) as {
      runs: { results: { ruleId: string }[] }[];
    };
    expect(log.runs[0]!.results.map((x) => x.ruleId)).toEqual(['KBX008', 'DL4006', 'DL3015']);
  });

  it('reads stdin with -, checkstyle output', async () => {
    const r = await kubox(
      ['lint', '-', '--format', 'checkstyle'],
      tmp(),
      'FROM debian:12\nRUN cd /x\n',
    );
    expect(r.stdout).toContain('<file name="-">');
    expect(r.stdout).toContain('source="DL3003"');
  });
});
