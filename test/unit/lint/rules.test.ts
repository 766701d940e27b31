/**
 * Every rule: snippets that must fire (with the line) and snippets that must
 * not. Each case names one code and lints with the default configuration
 * (plus `config` where a rule needs one), checking only that code.
 */
import { describe, expect, it } from 'vitest';
import type { LintConfig } from '../../../src/lint/config.js';
import { RULES } from '../../../src/lint/rules/index.js';
import { BASE, codes } from './support.js';

interface Case {
  name: string;
  text: string;
  /** Lines where the code must be reported; [] means it must not fire. */
  lines: number[];
  config?: Partial<LintConfig>;
}

const cases: Record<string, Case[]> = {
  DL1000: [
    { name: 'unknown instruction', text: `${BASE}\nRUNN echo hi`, lines: [2] },
    { name: 'unterminated quote', text: `${BASE}\nRUN echo "oops`, lines: [2] },
    { name: 'dangling && at the end', text: `${BASE}\nRUN apt-get update &&`, lines: [2] },
    {
      name: 'pipe to nothing in a continuation',
      text: `${BASE}\nRUN echo a | \\\n  # c\n  `,
      lines: [2],
    },
    { name: 'unmatched paren', text: `${BASE}\nRUN (cd /x && make`, lines: [2] },
    { name: 'COPY without destination', text: `${BASE}\nCOPY onlyone`, lines: [2] },
    { name: 'unterminated heredoc', text: `${BASE}\nRUN <<EOF\necho hi\n`, lines: [2] },
    { name: 'no FROM at all', text: 'RUN echo hi', lines: [1] },
    { name: 'empty file', text: '', lines: [1] },
    {
      name: 'if/for/case/while parse',
      text: `${BASE}\nRUN if [ -f x ]; then a; elif b; then c; else d; fi && for i in 1 2; do e "$i"; done && case "$x" in a|b) f ;; *) g ;; esac && while false; do h; done`,
      lines: [],
    },
    {
      name: 'functions and groups',
      text: `${BASE}\nRUN f() { echo "$1"; } && f x && { a; b; } > /dev/null 2>&1`,
      lines: [],
    },
    {
      name: 'heredoc script is fine',
      text: `${BASE}\nRUN <<EOF\nset -e\necho "a" | tee /x\nEOF`,
      lines: [],
    },
  ],
  DL3061: [
    { name: 'RUN before FROM', text: `RUN echo\n${BASE}`, lines: [1] },
    { name: 'ARG before FROM is fine', text: `ARG X=1\n${BASE}`, lines: [] },
  ],
  DL3000: [
    { name: 'relative', text: `${BASE}\nWORKDIR app`, lines: [2] },
    { name: 'relative after ENV expansion', text: `${BASE}\nENV D=app\nWORKDIR $D/x`, lines: [3] },
    { name: 'absolute', text: `${BASE}\nWORKDIR /app`, lines: [] },
    { name: 'absolute through ARG', text: `${BASE}\nARG D=/srv\nWORKDIR \${D}/app`, lines: [] },
    { name: 'unknown variable', text: `${BASE}\nARG D\nWORKDIR $D/app`, lines: [] },
    {
      name: 'windows path with escape directive',
      text: `# escape=\`\n${BASE}\nWORKDIR C:\\app`,
      lines: [],
    },
  ],
  DL3002: [
    { name: 'last USER root', text: `${BASE}\nUSER 1000\nUSER root`, lines: [3] },
    { name: 'root uid with group', text: `${BASE}\nUSER 0:0`, lines: [2] },
    { name: 'root through ARG', text: `${BASE}\nARG U=root\nUSER $U`, lines: [3] },
    { name: 'root then back', text: `${BASE}\nUSER root\nRUN id\nUSER 1000`, lines: [] },
    {
      name: 'root only in a builder stage',
      text: `${BASE} AS b\nUSER root\n${BASE}\nUSER 1000`,
      lines: [],
    },
  ],
  DL3003: [
    { name: 'cd in a chain', text: `${BASE}\nRUN cd /src && make`, lines: [2] },
    { name: 'cd on a continuation line', text: `${BASE}\nRUN make \\\n && cd /x`, lines: [3] },
    { name: 'make -C', text: `${BASE}\nRUN make -C /src`, lines: [] },
    { name: 'cd as an argument', text: `${BASE}\nRUN echo cd`, lines: [] },
  ],
  DL3004: [
    { name: 'sudo', text: `${BASE}\nRUN sudo apt-get update`, lines: [2] },
    { name: 'sudo behind env', text: `${BASE}\nRUN env A=1 sudo -u x id`, lines: [2] },
    { name: 'ONBUILD sudo', text: `${BASE}\nONBUILD RUN sudo id`, lines: [2] },
    { name: 'the word sudo in a string', text: `${BASE}\nRUN echo "no sudo here"`, lines: [] },
  ],
  DL3006: [
    { name: 'untagged', text: 'FROM debian', lines: [1] },
    { name: 'untagged through ARG', text: 'ARG B=debian\nFROM $B', lines: [2] },
    { name: 'tagged', text: 'FROM debian:12', lines: [] },
    { name: 'digest only', text: `FROM debian@sha256:${'a'.repeat(64)}`, lines: [] },
    { name: 'earlier stage', text: `${BASE} AS base\nFROM base`, lines: [] },
    { name: 'scratch', text: 'FROM scratch', lines: [] },
    { name: 'unknown build arg', text: 'ARG B\nFROM $B', lines: [] },
  ],
  DL3007: [
    { name: 'latest', text: 'FROM debian:latest', lines: [1] },
    { name: 'latest with registry port', text: 'FROM localhost:5000/x:latest', lines: [1] },
    {
      name: 'latest pinned by digest',
      text: `FROM debian:latest@sha256:${'a'.repeat(64)}`,
      lines: [],
    },
    { name: 'registry port is not a tag', text: 'FROM localhost:5000/x:1', lines: [] },
  ],
  DL3008: [
    {
      name: 'off by default',
      text: `${BASE}\nRUN apt-get install -y --no-install-recommends curl`,
      lines: [],
    },
    {
      name: 'on when enabled',
      text: `${BASE}\nRUN apt-get install -y --no-install-recommends curl`,
      lines: [2],
      config: { enable: ['DL3008'] },
    },
    {
      name: 'pinned',
      text: `${BASE}\nRUN apt-get install -y curl=7.88.1-10`,
      lines: [],
      config: { enable: ['DL3008'] },
    },
  ],
  DL3009: [
    { name: 'lists kept', text: `${BASE}\nRUN apt-get update && apt-get install -y x`, lines: [2] },
    {
      name: 'removed before the second update',
      text: `${BASE}\nRUN apt-get update && rm -rf /var/lib/apt/lists/* && apt-get update`,
      lines: [2],
    },
    {
      name: 'removed',
      text: `${BASE}\nRUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*`,
      lines: [],
    },
    {
      name: 'cache mount',
      text: `${BASE}\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update`,
      lines: [],
    },
    { name: 'builder stage only', text: `${BASE} AS b\nRUN apt-get update\n${BASE}`, lines: [] },
    {
      name: 'inherited stage counts',
      text: `${BASE} AS b\nRUN apt-get update\nFROM b`,
      lines: [2],
    },
  ],
  DL3013: [
    { name: 'off by default', text: `${BASE}\nRUN pip install --no-cache-dir requests`, lines: [] },
    {
      name: 'unpinned when enabled',
      text: `${BASE}\nRUN pip install --no-cache-dir requests`,
      lines: [2],
      config: { enable: ['DL3013'] },
    },
    {
      name: 'pinned and files',
      text: `${BASE}\nRUN pip install --no-cache-dir requests==2.32.0 ./pkg -r req.txt`,
      lines: [],
      config: { enable: ['DL3013'] },
    },
  ],
  DL3014: [
    {
      name: 'no -y',
      text: `${BASE}\nRUN apt-get install --no-install-recommends curl`,
      lines: [2],
    },
    {
      name: '-y after the packages',
      text: `${BASE}\nRUN apt-get install --no-install-recommends curl -y`,
      lines: [],
    },
    {
      name: '-qq implies -y',
      text: `${BASE}\nRUN apt-get -qq install --no-install-recommends curl`,
      lines: [],
    },
    {
      name: 'combined -qy',
      text: `${BASE}\nRUN apt-get install -qy --no-install-recommends curl`,
      lines: [],
    },
    {
      name: 'flags through a variable',
      text: `${BASE}\nARG APT_FLAGS="-y --no-install-recommends"\nRUN apt-get install $APT_FLAGS curl`,
      lines: [],
    },
  ],
  DL3015: [
    {
      name: 'missing, multi-line with comment',
      text: `${BASE}\nRUN apt-get update && \\\n  # tools\n  apt-get install -y \\\n  curl`,
      lines: [4],
    },
    {
      name: 'given',
      text: `${BASE}\nRUN apt-get install -y --no-install-recommends curl`,
      lines: [],
    },
    {
      name: 'apt config option',
      text: `${BASE}\nRUN apt-get install -y -o APT::Install-Recommends=false curl`,
      lines: [],
    },
    {
      name: 'configured in an earlier RUN',
      text: `${BASE}\nRUN echo 'APT::Install-Recommends "false";' > /etc/apt/apt.conf.d/no-rec\nRUN apt-get install -y curl`,
      lines: [],
    },
    { name: 'exec form', text: `${BASE}\nRUN ["apt-get", "install", "-y", "curl"]`, lines: [2] },
  ],
  DL3020: [
    { name: 'plain file', text: `${BASE}\nADD app.conf /etc/`, lines: [2] },
    { name: 'archive', text: `${BASE}\nADD rootfs.tar.gz /`, lines: [] },
    {
      name: 'URL',
      text: `${BASE}\nADD --checksum=sha256:${'a'.repeat(64)} https://x.example/a /a`,
      lines: [],
    },
    { name: 'COPY', text: `${BASE}\nCOPY app.conf /etc/`, lines: [] },
  ],
  DL3024: [
    { name: 'duplicate', text: `${BASE} AS a\n${BASE} AS A`, lines: [2] },
    { name: 'unique', text: `${BASE} AS a\n${BASE} AS b`, lines: [] },
  ],
  DL3025: [
    { name: 'shell form CMD', text: `${BASE}\nCMD bash`, lines: [2] },
    { name: 'shell form ENTRYPOINT', text: `${BASE}\nENTRYPOINT /app --x`, lines: [2] },
    { name: 'exec form', text: `${BASE}\nCMD ["bash"]\nENTRYPOINT ["/app"]`, lines: [] },
  ],
  DL3026: [
    { name: 'off without a list', text: 'FROM quay.io/x/y:1', lines: [] },
    {
      name: 'untrusted',
      text: 'FROM quay.io/x/y:1',
      lines: [1],
      config: { trustedRegistries: ['docker.io'] },
    },
    {
      name: 'trusted by wildcard',
      text: 'FROM eu.gcr.io/x/y:1\nFROM debian:12',
      lines: [],
      config: { trustedRegistries: ['*.gcr.io', 'docker.io'] },
    },
  ],
  DL3027: [
    { name: 'apt', text: `${BASE}\nRUN apt install -y curl`, lines: [2] },
    {
      name: 'apt-get',
      text: `${BASE}\nRUN apt-get install -y --no-install-recommends curl`,
      lines: [],
    },
  ],
  DL3042: [
    { name: 'pip without --no-cache-dir', text: `${BASE}\nRUN pip install requests`, lines: [2] },
    { name: 'python -m pip', text: `${BASE}\nRUN python3 -m pip install requests`, lines: [2] },
    { name: 'flag', text: `${BASE}\nRUN pip3 install requests --no-cache-dir`, lines: [] },
    { name: 'ENV', text: `${BASE}\nENV PIP_NO_CACHE_DIR=1\nRUN pip install requests`, lines: [] },
    { name: 'inline', text: `${BASE}\nRUN PIP_NO_CACHE_DIR=1 pip install requests`, lines: [] },
    {
      name: 'export',
      text: `${BASE}\nRUN export PIP_NO_CACHE_DIR=1 && pip install requests`,
      lines: [],
    },
    {
      name: 'cache mount',
      text: `${BASE}\nRUN --mount=type=cache,target=/root/.cache/pip pip install requests`,
      lines: [],
    },
    { name: 'pip other subcommand', text: `${BASE}\nRUN pip list`, lines: [] },
  ],
  DL3046: [
    { name: 'high uid', text: `${BASE}\nRUN useradd -u 123456789 app`, lines: [2] },
    { name: 'with -l', text: `${BASE}\nRUN useradd -l -u 123456789 app`, lines: [] },
    { name: 'low uid', text: `${BASE}\nRUN useradd -u 1000 app`, lines: [] },
  ],
  DL3049: [
    { name: 'off by default', text: BASE, lines: [] },
    {
      name: 'missing',
      text: `${BASE}\nLABEL a=b`,
      lines: [1],
      config: { requiredLabels: ['org.opencontainers.image.source'] },
    },
    {
      name: 'present in a parent stage',
      text: `${BASE} AS b\nLABEL "org.opencontainers.image.source"="x"\nFROM b`,
      lines: [],
      config: { requiredLabels: ['org.opencontainers.image.source'] },
    },
  ],
  DL3059: [
    { name: 'two RUNs', text: `${BASE}\nRUN a\n# why\nRUN b`, lines: [4] },
    {
      name: 'different mounts',
      text: `${BASE}\nRUN --mount=type=cache,target=/x a\nRUN b`,
      lines: [],
    },
    { name: 'separated', text: `${BASE}\nRUN a\nENV X=1\nRUN b`, lines: [] },
  ],
  DL4003: [
    { name: 'two CMDs', text: `${BASE}\nCMD ["a"]\nCMD ["b"]`, lines: [3] },
    { name: 'one per stage', text: `${BASE} AS a\nCMD ["a"]\n${BASE}\nCMD ["b"]`, lines: [] },
    {
      name: 'ONBUILD CMD does not count',
      text: `${BASE}\nCMD ["a"]\nONBUILD CMD ["b"]`,
      lines: [],
    },
  ],
  DL4004: [
    { name: 'two ENTRYPOINTs', text: `${BASE}\nENTRYPOINT ["a"]\nENTRYPOINT ["b"]`, lines: [3] },
    { name: 'one', text: `${BASE}\nENTRYPOINT ["a"]`, lines: [] },
  ],
  DL4006: [
    {
      name: 'pipe without pipefail',
      text: `${BASE}\nRUN curl -fsSL https://x/key | gpg --dearmor -o /k`,
      lines: [2],
    },
    {
      name: 'pipe on a continuation line',
      text: `${BASE}\nRUN true && \\\n  echo a | tee /x`,
      lines: [3],
    },
    {
      name: 'pipe in a heredoc script',
      text: `${BASE}\nRUN <<EOF\necho a | tee /x\nEOF`,
      lines: [3],
    },
    {
      name: 'pipe in command substitution',
      text: `${BASE}\nRUN x="$(echo a | tr a b)"`,
      lines: [2],
    },
    {
      name: 'SHELL with pipefail',
      text: `${BASE}\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN echo a | tee /x`,
      lines: [],
    },
    {
      name: 'SHELL inherited from the parent stage',
      text: `${BASE} AS b\nSHELL ["/bin/bash", "-euo", "pipefail", "-c"]\nFROM b\nRUN echo a | tee /x`,
      lines: [],
    },
    {
      name: 'set -euo pipefail first',
      text: `${BASE}\nRUN set -euo pipefail; echo a | tee /x`,
      lines: [],
    },
    {
      name: 'set after the pipe',
      text: `${BASE}\nRUN echo a | tee /x; set -o pipefail`,
      lines: [2],
    },
    {
      name: 'pipefail in a heredoc bash script',
      text: `${BASE}\nRUN <<EOF bash\nset -o pipefail\necho a | tee /x\nEOF`,
      lines: [],
    },
    {
      name: 'bash -o pipefail -c',
      text: `${BASE}\nRUN bash -o pipefail -c 'echo a | tee /x'`,
      lines: [],
    },
    {
      name: 'quoted pipe is not a pipe',
      text: `${BASE}\nRUN echo "a | b" && echo 'c|d' && echo e\\|f`,
      lines: [],
    },
    {
      name: 'powershell',
      text: `${BASE}\nSHELL ["pwsh", "-c"]\nRUN Get-Item x | Remove-Item`,
      lines: [],
    },
    {
      name: 'python heredoc',
      text: `${BASE}\nRUN <<EOF\n#!/usr/bin/env python3\nprint("a | b")\nEOF`,
      lines: [],
    },
    { name: 'ONBUILD RUN', text: `${BASE}\nONBUILD RUN echo a | tee /x`, lines: [2] },
  ],
  KBX001: [
    { name: 'tag only', text: 'FROM debian:12', lines: [1] },
    { name: 'builder stage too', text: `FROM golang:1.22 AS b\n${BASE}`, lines: [1] },
    {
      name: 'ARG default with digest',
      text: `ARG B=debian:12@sha256:${'a'.repeat(64)}\nFROM \${B}`,
      lines: [],
    },
    { name: 'ARG default without digest', text: 'ARG B=debian:12\nFROM ${B}', lines: [2] },
    { name: 'pinned', text: BASE, lines: [] },
  ],
  KBX002: [
    { name: 'no USER', text: `${BASE}\nCMD ["bash"]`, lines: [1] },
    { name: 'USER in the parent stage', text: `${BASE} AS b\nUSER 1000\nFROM b`, lines: [] },
    { name: 'USER only in a builder', text: `${BASE} AS b\nUSER 1000\n${BASE}`, lines: [3] },
    { name: 'ONBUILD USER does not count', text: `${BASE}\nONBUILD USER 1000`, lines: [1] },
    { name: 'suppressed at FROM', text: `# kubox ignore=KBX002\n${BASE}`, lines: [] },
  ],
  KBX003: [
    { name: 'named', text: `${BASE}\nRUN useradd -u 1000 kuser\nUSER kuser`, lines: [3] },
    {
      name: 'named with numeric group',
      text: `${BASE}\nRUN useradd -u 1000 kuser\nUSER kuser:1000`,
      lines: [3],
    },
    { name: 'numeric', text: `${BASE}\nUSER 1000:1000`, lines: [] },
    { name: 'numeric through ARG', text: `${BASE}\nARG UID=1000\nUSER \${UID}`, lines: [] },
    { name: 'unknown ARG', text: `${BASE}\nARG UID\nUSER $UID`, lines: [] },
  ],
  KBX004: [
    { name: 'named, never created', text: `${BASE}\nUSER app`, lines: [2] },
    { name: 'uid typo', text: `${BASE}\nRUN useradd -u 1000 app\nUSER 1001`, lines: [3] },
    {
      name: 'group never created',
      text: `${BASE}\nRUN useradd -u 1000 app\nUSER 1000:staffers`,
      lines: [3],
    },
    {
      name: 'created with adduser (BusyBox)',
      text: `${BASE}\nRUN adduser -D -u 1000 app\nUSER app`,
      lines: [],
    },
    {
      name: 'created in a parent stage',
      text: `${BASE} AS b\nRUN useradd --uid 1000 app\nFROM b\nUSER 1000`,
      lines: [],
    },
    { name: 'well-known account', text: `${BASE}\nUSER nobody`, lines: [] },
    { name: 'numeric, nothing created', text: `${BASE}\nUSER 65532`, lines: [] },
  ],
  KBX005: [
    {
      name: 'install without clean',
      text: `${BASE}\nRUN apt-get update && apt-get install -y --no-install-recommends x && rm -rf /var/lib/apt/lists/*`,
      lines: [2],
    },
    {
      name: 'clean',
      text: `${BASE}\nRUN apt-get install -y --no-install-recommends x && apt-get clean`,
      lines: [],
    },
    {
      name: 'rm archives',
      text: `${BASE}\nRUN apt-get install -y --no-install-recommends x && rm -rf /var/cache/apt/archives`,
      lines: [],
    },
    {
      name: 'cache mount',
      text: `${BASE}\nRUN --mount=type=cache,target=/var/cache/apt apt-get install -y --no-install-recommends x`,
      lines: [],
    },
  ],
  KBX006: [
    {
      name: 'curl -o without check',
      text: `${BASE}\nRUN curl -fsSL https://x/mc -o /usr/local/bin/mc && chmod +x /usr/local/bin/mc`,
      lines: [2],
    },
    {
      name: 'curl -fsSLO (flag cluster)',
      text: `${BASE}\nRUN curl -fsSLO https://x/tool.tgz && tar xzf tool.tgz`,
      lines: [2],
    },
    { name: 'wget default name', text: `${BASE}\nRUN wget -q https://x/tool.tgz`, lines: [2] },
    { name: 'curl > file', text: `${BASE}\nRUN curl -fsSL https://x/t > /t`, lines: [2] },
    {
      name: 'URL from a shell variable',
      text: `${BASE}\nRUN U="https://x/t" && curl -fsSL "$U" -o /t`,
      lines: [2],
    },
    { name: 'piped into sh', text: `${BASE}\nRUN wget -qO- https://x/install.sh | sh`, lines: [2] },
    {
      name: 'verified with sha256sum -c -',
      text: `${BASE}\nRUN curl -fsSL https://x/mc -o /usr/local/bin/mc && echo "abc  /usr/local/bin/mc" | sha256sum -c -`,
      lines: [],
    },
    {
      name: 'verified with a sums file',
      text: `${BASE}\nRUN curl -fsSLO https://x/t.tgz && curl -fsSLO https://x/SHA256SUMS && sha256sum -c --ignore-missing SHA256SUMS`,
      lines: [],
    },
    {
      name: 'verified with gpg',
      text: `${BASE}\nRUN wget -O /g https://x/g && wget -O /g.asc https://x/g.asc && gpg --batch --verify /g.asc /g`,
      lines: [],
    },
    {
      name: 'verified by comparison',
      text: `${BASE}\nRUN curl -o /t https://x/t && [ "$(sha256sum /t | cut -d' ' -f1)" = "abc" ]`,
      lines: [],
    },
    {
      name: 'check before download does not count',
      text: `${BASE}\nRUN echo "abc  /t" | sha256sum -c - ; curl -o /t https://x/t`,
      lines: [2],
    },
    {
      name: 'key into gpg',
      text: `${BASE}\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN curl -fsSL https://x/key | gpg --dearmor -o /k.gpg`,
      lines: [],
    },
    {
      name: 'captured in $(...)',
      text: `${BASE}\nRUN v="$(curl -fsSL https://x/version)"`,
      lines: [],
    },
  ],
  KBX007: [
    { name: 'ADD URL', text: `${BASE}\nADD https://x/a.tgz /a.tgz`, lines: [2] },
    {
      name: 'with checksum',
      text: `${BASE}\nADD --checksum=sha256:${'a'.repeat(64)} https://x/a.tgz /a.tgz`,
      lines: [],
    },
  ],
  KBX008: [
    { name: 'unpinned frontend', text: `# syntax=docker/dockerfile:1\n${BASE}`, lines: [1] },
    {
      name: 'pinned frontend',
      text: `# syntax=docker/dockerfile:1@sha256:${'a'.repeat(64)}\n${BASE}`,
      lines: [],
    },
    { name: 'no directive', text: BASE, lines: [] },
  ],
};

describe('lint rules', () => {
  it('every rule has cases, a summary, a hint and docs', () => {
    for (const r of RULES) {
      expect(cases[r.code], r.code).toBeDefined();
      expect(
        cases[r.code]!.some((c) => c.lines.length > 0),
        `${r.code} must-fire`,
      ).toBe(true);
      expect(
        cases[r.code]!.some((c) => c.lines.length === 0),
        `${r.code} must-not-fire`,
      ).toBe(true);
      expect(r.summary.length + r.hint.length).toBeGreaterThan(20);
      expect(r.docs.length).toBeGreaterThan(40);
    }
  });

  for (const [code, list] of Object.entries(cases)) {
    describe(code, () => {
      for (const c of list) {
        it(`${c.lines.length ? 'fires' : 'quiet'}: ${c.name}`, () => {
          expect(codes(c.text, code, c.config)).toEqual(c.lines.map((l) => `${code}:${l}`));
        });
      }
    });
  }
});
