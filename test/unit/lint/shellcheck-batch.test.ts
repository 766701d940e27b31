/**
 * How lint hands RUNs to ShellCheck over many files: the same script text is
 * checked once and its comments reach every RUN that has it; the scripts are
 * spread over few processes. A stand-in shellcheck (a shell script written
 * here) logs the files of each call and answers one comment per file.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src/lint/config.js';
import { parseDockerfile } from '../../../src/lint/document.js';
import { shellcheckDocuments } from '../../../src/lint/shellcheck/run.js';
import { BASE } from './support.js';

function standInShellcheck(): { binary: string; calls: () => string[][] } {
  const dir = mkdtempSync(join(tmpdir(), 'kubox-sc-standin-'));
  const log = join(dir, 'calls.log');
  const binary = join(dir, 'shellcheck');
  writeFileSync(
    binary,
    `#!/bin/sh
# One SC2086 on the last line of every file named (the RUN's own line), like shellcheck --format=json1.
files=''
printf '{"comments":['
sep=''
for a in "$@"; do
  case "$a" in --*) continue ;; esac
  files="$files $a"
  n=$(wc -l < "$a")
  printf '%s{"file":"%s","line":%d,"endLine":%d,"column":1,"endColumn":5,"level":"info","code":2086,"message":"stand-in"}' "$sep" "$a" "$n" "$n"
  sep=','
done
printf ']}\\n'
echo "$files" >> '${log}'
exit 1
`,
  );
  chmodSync(binary, 0o755);
  const calls = () =>
    readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.trim().split(' '));
  return { binary, calls };
}

describe('ShellCheck over many files', { timeout: 30_000 }, () => {
  it('checks a script text once and reports it on every RUN that has it', async () => {
    const { binary, calls } = standInShellcheck();
    const docs = [
      parseDockerfile(`${BASE}\nRUN apt-get update\nRUN echo a`, 'a/Dockerfile'),
      parseDockerfile(`${BASE}\nUSER 1000\nRUN apt-get update`, 'b/Dockerfile'),
      parseDockerfile(`${BASE}\nRUN apt-get update`, 'c/Dockerfile'),
    ];
    const r = await shellcheckDocuments(binary, docs, DEFAULT_CONFIG);
    expect(r.problem).toBeUndefined();
    // Four RUNs, two distinct texts: two files checked, in all.
    expect(calls().flat()).toHaveLength(2);
    expect(r.findings.map((f) => `${f.file}:${f.span.start.line} ${f.code}`)).toEqual([
      'a/Dockerfile:2 SC2086',
      'a/Dockerfile:3 SC2086',
      'b/Dockerfile:3 SC2086',
      'c/Dockerfile:2 SC2086',
    ]);
  });

  it('spreads many scripts over two processes, not one per fifty', async () => {
    const { binary, calls } = standInShellcheck();
    const runs = Array.from({ length: 240 }, (_, k) => `RUN echo ${k}`).join('\n');
    const r = await shellcheckDocuments(
      binary,
      [parseDockerfile(`${BASE}\n${runs}`, 'Dockerfile')],
      DEFAULT_CONFIG,
    );
    expect(r.findings).toHaveLength(240);
    expect(calls().map((files) => files.length)).toEqual([120, 120]);
  });
});
