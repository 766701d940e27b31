/**
 * ShellCheck inside kubox lint: what each RUN hands to ShellCheck (pure), and
 * the real /usr/bin/shellcheck's findings mapped to Dockerfile lines and
 * columns, with pragmas, config levels and the dialect each SHELL implies.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, mergeConfig, type LintConfig } from '../../../src/lint/config.js';
import { parseDockerfile } from '../../../src/lint/document.js';
import { findShellcheck } from '../../../src/lint/shellcheck/find.js';
import { shellcheckDocuments } from '../../../src/lint/shellcheck/run.js';
import { dialectOf, shellcheckScripts } from '../../../src/lint/shellcheck/script.js';
import { BASE } from './support.js';

const binary = await findShellcheck(undefined);

async function sc(text: string, config: Partial<LintConfig> = {}): Promise<string[]> {
  const doc = parseDockerfile(text, 'Dockerfile');
  const r = await shellcheckDocuments(binary!, [doc], mergeConfig(DEFAULT_CONFIG, config));
  expect(r.problem).toBeUndefined();
  return r.findings.map(
    (f) =>
      `${f.code}@${f.span.start.line}:${f.span.start.column}-${f.span.end.column}:${f.severity}`,
  );
}

describe('ShellCheck scripts (pure)', () => {
  it('dialect: sh for /bin/sh (dash, ash), bash when SHELL says bash, none for zsh or pwsh', () => {
    expect(dialectOf(['/bin/sh', '-c'])).toBe('sh');
    expect(dialectOf(['/bin/bash', '-o', 'pipefail', '-c'])).toBe('bash');
    expect(dialectOf(['/bin/dash', '-c'])).toBe('dash');
    expect(dialectOf(['/bin/ash', '-c'])).toBe('sh');
    expect(dialectOf(['/bin/busybox', 'sh', '-c'])).toBe('sh');
    expect(dialectOf(['/bin/zsh', '-c'])).toBeUndefined();
    expect(dialectOf(['pwsh', '-Command'])).toBeUndefined();
  });

  it("dialect from the base's /bin/sh: bash on the Red Hat family, also through parent stages", () => {
    const dialects = (text: string) =>
      shellcheckScripts(parseDockerfile(text, 'Dockerfile')).map((s) => s.dialect);
    expect(dialects(`FROM fedora:41\nRUN echo a`)).toEqual(['bash']);
    expect(dialects(`FROM registry.access.redhat.com/ubi9/ubi-minimal:9.5\nRUN echo a`)).toEqual([
      'bash',
    ]);
    expect(dialects(`FROM rockylinux:9 AS base\nFROM base\nRUN echo a`)).toEqual(['bash']);
    expect(dialects(`FROM debian:12\nRUN echo a`)).toEqual(['sh']);
    expect(dialects(`FROM alpine:3.20\nRUN echo a`)).toEqual(['sh']);
    // An explicit SHELL wins over the base.
    expect(dialects(`FROM fedora:41\nSHELL ["/bin/dash", "-c"]\nRUN echo a`)).toEqual(['dash']);
  });

  it('prelude: the dialect, ARG and ENV names as set, pipefail from SHELL; RUN text on one line', () => {
    const doc = parseDockerfile(
      `ARG G=1\n${BASE}\nARG V\nENV E=x\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN echo "$V" \\\n  "$E"`,
      'Dockerfile',
    );
    const [s] = shellcheckScripts(doc);
    expect(s!.dialect).toBe('bash');
    expect(s!.content).toBe(
      '# shellcheck shell=bash\nexport E=1\nexport V=1\nset -o pipefail\necho "$V"   "$E"\n',
    );
  });

  it('skipped: exec form, here documents fed to a command or a python script, pwsh', () => {
    const doc = parseDockerfile(
      `${BASE}\nRUN ["echo", "$x"]\nRUN cat <<EOF > /x\n$x\nEOF\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\nSHELL ["pwsh", "-c"]\nRUN echo $x`,
      'Dockerfile',
    );
    expect(shellcheckScripts(doc)).toEqual([]);
  });

  it('a bare here document is the script; its shebang picks the dialect', () => {
    const scripts = shellcheckScripts(
      parseDockerfile(
        `${BASE}\nRUN <<EOF\necho $x\nEOF\nRUN <<EOF\n#!/bin/bash\n[[ 1 ]]\nEOF`,
        'Dockerfile',
      ),
    );
    expect(scripts.map((s) => [s.dialect, s.content.split('\n').slice(1)])).toEqual([
      ['sh', ['echo $x', '']],
      ['bash', ['#!/bin/bash', '[[ 1 ]]', '']],
    ]);
  });
});

describe.skipIf(!binary)(
  'ShellCheck findings (needs shellcheck on PATH)',
  { timeout: 60_000 },
  () => {
    it('line and column in a multi-line RUN with continuations and a comment line', async () => {
      const text = `${BASE}\nRUN apt-get update && \\\n    # the tools\n    cp $1 \\\n\t/tmp/$name`;
      expect(await sc(text)).toEqual([
        'SC2086@4:8-10:info',
        'SC2086@5:7-12:info',
        'SC2154@5:7-12:warning',
      ]);
    });

    it('a CRLF file: positions as in an LF file, no carriage-return finding', async () => {
      const text = `${BASE}\r\nRUN true && \\\r\n    cp $1 /x\r\n`;
      expect(await sc(text)).toEqual(['SC2086@3:8-10:info']);
    });

    it('here document scripts: findings on their own lines', async () => {
      const text = `${BASE}\nRUN <<EOF\nset -e\ncp $1 /x\n[[ -f /x ]]\nEOF`;
      expect(await sc(text)).toEqual(['SC2086@4:4-6:info', 'SC3010@5:1-12:warning']);
    });

    it('ARG and ENV names count as defined; unknown lowercase names do not', async () => {
      expect(await sc(`${BASE}\nARG ver\nENV dir=/x\nRUN echo "$ver" "$dir"`)).toEqual([]);
      expect(await sc(`${BASE}\nRUN echo "$ver"`)).toEqual(['SC2154@2:11-15:warning']);
    });

    it('dialect: [[ ]] is undefined in sh, fine under SHELL bash; ONBUILD RUN is checked', async () => {
      expect(await sc(`${BASE}\nRUN [[ -f /x ]] && echo y`)).toEqual(['SC3010@2:5-16:warning']);
      expect(await sc(`${BASE}\nSHELL ["/bin/bash", "-c"]\nRUN [[ -f /x ]] && echo y`)).toEqual([]);
      expect(await sc(`${BASE}\nONBUILD RUN [[ -f /x ]]`)).toEqual(['SC3010@2:13-24:warning']);
      // Fedora's /bin/sh is bash.
      expect(await sc(`FROM fedora:41\nRUN [[ -f /x ]] && echo y`)).toEqual([]);
    });

    it('pipefail: set -o pipefail is not POSIX sh; bash takes it', async () => {
      expect(await sc(`${BASE}\nRUN set -o pipefail && echo a | cat`)).toEqual([
        'SC3040@2:12-20:warning',
      ]);
      expect(
        await sc(`${BASE}\nSHELL ["/bin/bash", "-c"]\nRUN set -o pipefail && echo a | cat`),
      ).toEqual([]);
    });

    it('pragmas: hadolint/kubox ignore (also with a trailing comment), global ignore', async () => {
      expect(
        await sc(`${BASE}\n# hadolint ignore=SC2086 # word splitting wanted\nRUN cp $1 /x`),
      ).toEqual([]);
      expect(await sc(`${BASE}\n# kubox ignore=SC2086\nRUN cp $1 /x\nRUN cp $1 /y`)).toEqual([
        'SC2086@4:8-10:info',
      ]);
      expect(await sc(`# hadolint global ignore=SC2086\n${BASE}\nRUN cp $1 /x`)).toEqual([]);
      expect(
        await sc(`${BASE}\n# hadolint ignore=SC2086\nRUN cp $1 /x`, { disableIgnorePragma: true }),
      ).toEqual(['SC2086@3:8-10:info']);
    });

    it('config: ignored codes go, override changes the level', async () => {
      expect(await sc(`${BASE}\nRUN cp $1 /x`, { ignored: ['SC2086'] })).toEqual([]);
      expect(await sc(`${BASE}\nRUN cp $1 /x`, { override: { error: ['SC2086'] } })).toEqual([
        'SC2086@2:8-10:error',
      ]);
    });

    it('a file with many RUNs is checked in a few processes', async () => {
      const runs = Array.from({ length: 240 }, (_, k) => `RUN echo $v${k}`).join('\n');
      const found = await sc(`${BASE}\n${runs}`);
      expect(found).toHaveLength(480); // SC2086 and SC2154 on each
      expect(found.at(-1)).toBe('SC2154@241:10-15:warning');
    });
  },
);
