import { describe, expect, it } from 'vitest';
import { formatError, KuboxError, type Problem } from '../../src/errors.js';
import { makePlan } from '../../src/plan/plan.js';
import { loadPreset, parseSpec } from '../../src/spec/load.js';

const DIGEST = 'sha256:21e39cf1815802d4c6f89a0d3a166cc67ce58f95b6d1639e68a394c99310d2e5';
const BASE = `python:3.13-slim@${DIGEST}`;
const HEX = 'a'.repeat(64);
const FILE = 'kubox.yaml';

/**
 * Template tag for YAML: drops the first (empty) line and the common
 * indentation, so line 1 of the document is the line right after the backtick.
 */
function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce(
    (acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''),
    '',
  );
  const lines = raw.replace(/^\n/, '').split('\n');
  if (lines.at(-1)?.trim() === '') lines.pop();
  const indent = Math.min(
    ...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length),
  );
  return lines.map((l) => l.slice(indent)).join('\n') + '\n';
}

function specError(text: string): KuboxError {
  try {
    parseSpec(text, FILE);
  } catch (e) {
    if (e instanceof KuboxError) return e;
    throw e;
  }
  throw new Error('expected parseSpec to reject the spec');
}

/** The single problem of an invalid spec, after checking the error is a spec error (exit 2). */
function oneProblem(text: string): { err: KuboxError; problem: Problem } {
  const err = specError(text);
  expect(err.kind).toBe('spec');
  expect(err.exitCode).toBe(2);
  expect(err.problems).toHaveLength(1);
  return { err, problem: err.problems[0]! };
}

/** Asserts file:line, the key path, and that formatError prints them the CLI way. */
function expectAt(err: KuboxError, problem: Problem, line: number, path?: string) {
  expect(problem.location?.file).toBe(FILE);
  expect(problem.location?.line).toBe(line);
  expect(problem.location?.path).toBe(path);
  const col = problem.location?.column;
  expect(formatError(err)).toContain(`${FILE}:${line}:${col}: ${path ? `${path}: ` : ''}`);
}

describe('parseSpec: malformed YAML', () => {
  const YAML_HINT = 'fix the YAML syntax (indentation, quotes, a missing ":")';

  it('reports a key indented deeper than its siblings at its line', () => {
    const text = yaml`
      name: t
      version: '1'
        base: x
      user:
        name: kuser
    `;
    const { err, problem } = oneProblem(text);
    expect(err.message).toBe('kubox.yaml is not valid YAML');
    expect(problem.message).toBe('All mapping items must start at the same column');
    expect(problem.hint).toBe(YAML_HINT);
    expectAt(err, problem, 3);
  });

  it('reports a nested key that falls back out of its mapping', () => {
    const text = yaml`
      name: t
      user:
          name: kuser
        uid: 1000
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('All mapping items must start at the same column');
    expectAt(err, problem, 4);
  });

  it('reports an unclosed quote', () => {
    const text = yaml`
      name: t
      version: '1
      base: x
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe("Missing closing 'quote");
    expect(problem.hint).toBe(YAML_HINT);
    // The parser only notices at the end of the document, after the last line.
    expectAt(err, problem, 4);
  });

  it('reports a duplicate key at the second occurrence', () => {
    const text = yaml`
      name: t
      version: '1'
      name: u
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('Map keys must be unique');
    expectAt(err, problem, 3);
  });

  it.each([
    ['a list', '- a\n- b\n'],
    ['a scalar', 'hello\n'],
  ])('rejects a document that is %s', (_, text) => {
    const { err, problem } = oneProblem(text);
    expect(err.message).toBe(
      'kubox.yaml must be a YAML mapping of keys (name:, version:, base: ...)',
    );
    expect(problem.message).toBe('the document is not a mapping');
    expectAt(err, problem, 1);
  });

  it('treats an empty document as a mapping with every required key missing', () => {
    const err = specError('');
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('kubox.yaml has 4 problems');
    expect(err.problems.map((p) => p.location?.path)).toEqual(['name', 'version', 'base', 'user']);
    expect(err.problems.every((p) => p.message === 'is required')).toBe(true);
  });
});

describe('parseSpec: keys and types', () => {
  it('names an unknown top-level key at its own line', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      colour: red
    `;
    const { err, problem } = oneProblem(text);
    expect(err.message).toBe('kubox.yaml has 1 problem');
    expect(problem.message).toBe('unknown key "colour"');
    expect(problem.hint).toMatch(/remove it or fix its spelling/);
    expectAt(err, problem, 5, 'colour');
    expect(problem.location?.column).toBe(1);
  });

  it('names an unknown nested key with its full path', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user:
        name: kuser
        uidd: 1000
        uid: 1000
        gid: 1000
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('unknown key "uidd"');
    expectAt(err, problem, 6, 'user.uidd');
    expect(problem.location?.column).toBe(3);
    expect(formatError(err)).toContain('kubox.yaml:6:3: user.uidd: unknown key "uidd"');
  });

  it('names an unknown key inside the {name, check} form of a package', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      apt:
        packages:
          - name: vim
            chek: {run: [vim, --version]}
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('unknown key "chek"');
    expectAt(err, problem, 8, 'apt.packages[0].chek');
  });

  it('explains that an unquoted 1.30 version is the number 1.3 and says to quote it', () => {
    const text = yaml`
      name: t
      version: 1.30
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('expected string, got number 1.3');
    expect(problem.hint).toMatch(/^quote it: '1.30' /);
    expect(problem.hint).toContain('YAML reads an unquoted 1.30 as the number 1.3');
    expectAt(err, problem, 2, 'version');
  });

  it('rejects platforms given as a string instead of a list', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      platforms: linux/amd64
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('expected array, got string "linux/amd64"');
    expectAt(err, problem, 5, 'platforms');
  });

  it('rejects cmd given as a string instead of a list', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      cmd: bash
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('expected array, got string "bash"');
    expectAt(err, problem, 5, 'cmd');
  });

  it('says a missing base is required and how to add it', () => {
    const text = yaml`
      name: t
      version: '1'
      user: {name: kuser, uid: 1000, gid: 1000}
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('is required');
    expect(problem.hint).toBe('add `base:`');
    expectAt(err, problem, 1, 'base');
    expect(formatError(err)).toContain('kubox.yaml:1:1: base: is required\n    fix: add `base:`');
  });

  it('says a missing user is required', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('is required');
    expect(problem.hint).toBe('add `user:`');
    expectAt(err, problem, 1, 'user');
  });

  it('sorts several problems by line', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      platforms: [linux/amd64]
      binaries:
        - name: tool
          url: https://example.com/tool
          checksumUrl: https://example.com/tool.sha256
          mode: 999
          dest: usr/local/bin/tool
    `;
    const err = specError(text);
    expect(err.message).toBe('kubox.yaml has 2 problems');
    expect(err.problems.map((p) => [p.location?.line, p.location?.path, p.message])).toEqual([
      [10, 'binaries[0].mode', 'expected string, got number 999'],
      [11, 'binaries[0].dest', 'must be an absolute path'],
    ]);
  });
});

describe('parseSpec: base image', () => {
  const withBase = (base: string) => yaml`
    name: t
    version: '1'
    base: ${base}
    user: {name: kuser, uid: 1000, gid: 1000}
  `;

  it('rejects an uppercase repository name', () => {
    const { err, problem } = oneProblem(withBase(`Python:3.13-slim@${DIGEST}`));
    expect(problem.message).toBe(
      'invalid image reference: "Python" is not a valid repository name (lowercase letters, digits and . _ - separators)',
    );
    expectAt(err, problem, 3, 'base');
    expect(problem.location?.column).toBe(7);
  });

  it('rejects a digest of the wrong length', () => {
    const { err, problem } = oneProblem(withBase('python:3.13-slim@sha256:abc123'));
    expect(problem.message).toBe(
      'invalid image reference: "sha256:abc123" is not a sha256 digest (expected sha256: followed by 64 lowercase hex digits)',
    );
    expectAt(err, problem, 3, 'base');
  });

  it('rejects a digest with another algorithm', () => {
    const { err, problem } = oneProblem(withBase(`python:3.13-slim@sha512:${'b'.repeat(128)}`));
    expect(problem.message).toMatch(/^invalid image reference: "sha512:b+" is not a sha256 digest/);
    expectAt(err, problem, 3, 'base');
  });

  it('rejects a base that is not pinned by digest', () => {
    const { err, problem } = oneProblem(withBase('python:3.13-slim'));
    expect(problem.message).toBe(
      '"python:3.13-slim" is not pinned by digest; write it as name:tag@sha256:<digest> (`kubox pin` or `docker buildx imagetools inspect` shows the digest)',
    );
    expectAt(err, problem, 3, 'base');
  });

  it('rejects a base with a digest but no tag', () => {
    const { err, problem } = oneProblem(withBase(`python@${DIGEST}`));
    expect(problem.message).toBe(
      `"python@${DIGEST}" has no tag; keep the tag next to the digest (name:tag@sha256:...) so readers and \`kubox pin\` know what it tracks`,
    );
    expectAt(err, problem, 3, 'base');
  });

  it('reports both problems for a bare name', () => {
    const err = specError(withBase('python'));
    expect(err.problems.map((p) => p.location?.path)).toEqual(['base', 'base']);
    expect(err.problems.map((p) => p.message)).toEqual([
      expect.stringContaining('is not pinned by digest'),
      expect.stringContaining('has no tag'),
    ]);
  });
});

describe('parseSpec: platforms', () => {
  const PLATFORM_LIST =
    'must be one of: linux/amd64, linux/arm64, linux/arm/v7, linux/arm/v6, linux/386, linux/ppc64le, linux/s390x, linux/riscv64';

  it('rejects windows/amd64 at its list item', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      platforms:
        - linux/amd64
        - windows/amd64
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe(PLATFORM_LIST);
    expectAt(err, problem, 7, 'platforms[1]');
  });

  it('rejects linux/mips in a flow list', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      platforms: [linux/mips]
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe(PLATFORM_LIST);
    expectAt(err, problem, 5, 'platforms[0]');
    expect(problem.location?.column).toBe(13);
  });

  it('rejects a platform listed twice', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      platforms:
        - linux/amd64
        - linux/amd64
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('a platform is listed twice');
    // Points at the list (its first item), the value of `platforms`.
    expectAt(err, problem, 6, 'platforms');
  });
});

describe('parseSpec: binaries', () => {
  it('names the architecture that has no sha256 pin', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      platforms: [linux/amd64, linux/arm64]
      binaries:
        - name: tool
          url: https://example.com/tool-\${TARGETARCH}
          dest: /usr/local/bin/tool
          sha256:
            amd64: ${HEX}
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe(
      'no sha256 for arm64 (the spec builds linux/amd64, linux/arm64); add sha256.arm64: <64 hex digits> or a checksumUrl',
    );
    expectAt(err, problem, 11, 'binaries[0].sha256');
  });

  it('accepts a binary verified by checksumUrl alone', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      binaries:
        - name: tool
          url: https://example.com/linux-\${TARGETARCH}/tool
          checksumUrl: https://example.com/linux-\${TARGETARCH}/tool.sha256sum
          dest: /usr/local/bin/tool
    `;
    const spec = parseSpec(text, FILE);
    expect(spec.binaries).toEqual([
      {
        name: 'tool',
        url: 'https://example.com/linux-${TARGETARCH}/tool',
        checksumUrl: 'https://example.com/linux-${TARGETARCH}/tool.sha256sum',
        dest: '/usr/local/bin/tool',
        mode: '0755',
      },
    ]);
  });

  it('accepts a binary pinned for every platform', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      binaries:
        - name: tool
          url: https://example.com/tool-\${TARGETARCH}
          dest: /usr/local/bin/tool
          sha256: {amd64: ${HEX}, arm64: ${'b'.repeat(64)}}
    `;
    expect(parseSpec(text, FILE).binaries[0]?.sha256).toEqual({
      amd64: HEX,
      arm64: 'b'.repeat(64),
    });
  });

  it('rejects a sha256 that is not 64 lowercase hex digits', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      platforms: [linux/amd64]
      binaries:
        - name: tool
          url: https://example.com/tool
          dest: /usr/local/bin/tool
          sha256:
            amd64: ${'A'.repeat(64)}
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('must be 64 lowercase hex digits');
    expectAt(err, problem, 11, 'binaries[0].sha256.amd64');
  });

  it('rejects a mode that is not octal', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      platforms: [linux/amd64]
      binaries:
        - name: tool
          url: https://example.com/tool
          checksumUrl: https://example.com/tool.sha256
          dest: /usr/local/bin/tool
          mode: '999'
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('must be an octal mode such as 0755');
    expectAt(err, problem, 11, 'binaries[0].mode');
  });

  it('rejects a relative dest', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      binaries:
        - name: tool
          url: https://example.com/tool
          checksumUrl: https://example.com/tool.sha256
          dest: bin/tool
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('must be an absolute path');
    expectAt(err, problem, 9, 'binaries[0].dest');
  });
});

describe('parseSpec: URLs and build args', () => {
  it('rejects a ${NAME} that is not a declared build arg', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      apt:
        repositories:
          - name: kubernetes
            url: https://pkgs.k8s.io/core:/stable:/v\${UNDECLARED}/deb/
            key: https://pkgs.k8s.io/core:/stable:/v1.36/deb/Release.key
            packages: [kubectl]
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe(
      '${UNDECLARED} is not a build arg; declare it under args (args: { UNDECLARED: "..." })',
    );
    expectAt(err, problem, 8, 'apt.repositories[0].url');
  });

  it('accepts declared args and the ones BuildKit defines', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      args:
        KVER: '1.36'
      apt:
        repositories:
          - name: kubernetes
            url: https://pkgs.k8s.io/v\${KVER}/\${TARGETARCH}/deb/
            key: https://pkgs.k8s.io/v\${KVER}/deb/Release.key
            packages: [kubectl]
    `;
    expect(parseSpec(text, FILE).apt.repositories[0]?.suite).toBe('/');
  });

  const URL_MESSAGE =
    'mirror must be an http(s) URL; ${NAME} may refer to a build arg, other shell characters (quotes, spaces, $, backticks) are not allowed';

  it.each([
    [
      'a single quote',
      `"http://deb.example.com/debian'x"`,
      'mirror must not contain a single quote',
    ],
    ['a double quote', `'http://deb.example.com/debian"x'`, URL_MESSAGE],
    ['a space', `"http://deb.example.com/deb ian"`, URL_MESSAGE],
    ['a backtick', "'http://deb.example.com/`id`'", URL_MESSAGE],
    ['a bare $', `'http://deb.example.com/$HOME'`, URL_MESSAGE],
    ['another scheme', `ftp://deb.example.com/debian`, URL_MESSAGE],
  ])('rejects a URL with %s', (_, url, message) => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      apt:
        mirror: ${url}
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe(message);
    expectAt(err, problem, 6, 'apt.mirror');
  });
});

describe('parseSpec: user', () => {
  it('rejects uid 0 while nonRoot is true (the default)', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user:
        name: root
        uid: 0
        gid: 0
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe(
      'uid/gid 0 is root, but user.nonRoot is true; pick a non-zero id such as 1000, or set nonRoot: false (a root debug image cannot run in pods with runAsNonRoot)',
    );
    expectAt(err, problem, 6, 'user.uid');
  });

  it('rejects gid 0 at user.gid', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user:
        name: kuser
        uid: 1000
        gid: 0
    `;
    const { err, problem } = oneProblem(text);
    expectAt(err, problem, 7, 'user.gid');
  });

  it('accepts uid 0 with nonRoot: false', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user:
        name: root
        uid: 0
        gid: 0
        nonRoot: false
    `;
    expect(parseSpec(text, FILE).user).toEqual({
      name: 'root',
      uid: 0,
      gid: 0,
      nonRoot: false,
      shell: '/bin/bash',
    });
  });
});

describe('parseSpec: packages', () => {
  it('rejects a package listed twice in apt.packages, pins included', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      apt:
        packages:
          - curl
          - curl=7.88.1-10
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('package "curl" is already listed at apt.packages[0]');
    expectAt(err, problem, 8, 'apt.packages[1]');
  });

  it('rejects a package listed both in apt.packages and in a repository', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      apt:
        packages: [curl, kubectl]
        repositories:
          - name: kubernetes
            url: https://pkgs.k8s.io/core:/stable:/v1.36/deb/
            key: https://pkgs.k8s.io/core:/stable:/v1.36/deb/Release.key
            packages:
              - kubectl
    `;
    const { problem } = oneProblem(text);
    expect(problem.message).toBe('package "kubectl" is already listed at apt.packages[1]');
    expect(problem.location).toMatchObject({ line: 12, path: 'apt.repositories[0].packages[0]' });
  });

  it.each([
    ['uppercase letters', 'Vim'],
    ['a shell separator', "'vim;rm'"],
    ['a single character', 'v'],
  ])('rejects a Debian package name with %s', (_, name) => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      apt:
        packages:
          - curl
          - ${name}
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('not a valid Debian package name');
    expectAt(err, problem, 8, 'apt.packages[1]');
  });

  it('checks the name inside the {name, check} form', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      apt:
        packages:
          - name: Vim
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('not a valid Debian package name');
    expectAt(err, problem, 7, 'apt.packages[0].name');
  });

  it.each([
    ['a space', `'requests >=2'`],
    ['a ;', `'requests; rm -rf /'`],
    ['an environment marker', `'requests;python_version>"3"'`],
  ])('rejects a pip requirement with %s', (_, req) => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      pip:
        packages:
          - requests
          - ${req}
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('not a valid pip requirement name');
    expectAt(err, problem, 8, 'pip.packages[1]');
  });

  it('accepts pip requirements with extras and version ranges', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      pip:
        packages:
          - 'requests[socks]>=2.31,<3'
          - httpie==3.2.4
    `;
    expect(parseSpec(text, FILE).pip.packages).toEqual([
      'requests[socks]>=2.31,<3',
      'httpie==3.2.4',
    ]);
  });
});

describe('parseSpec: paths and image', () => {
  it('rejects a relative workdir', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      workdir: app
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe('must be an absolute path');
    expectAt(err, problem, 5, 'workdir');
  });

  it('rejects an image.repository that carries a tag', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      image:
        repository: ghcr.io/acme/py-kube:1.0
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toBe(
      'the repository must not carry a tag or digest; put tags under image.tags',
    );
    expectAt(err, problem, 6, 'image.repository');
  });

  it('rejects an image.repository that is not a valid name', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
      image:
        repository: ghcr.io/Acme/py-kube
    `;
    const { err, problem } = oneProblem(text);
    expect(problem.message).toMatch(
      /^invalid repository: "ghcr\.io\/Acme\/py-kube" is not a valid/,
    );
    expectAt(err, problem, 6, 'image.repository');
  });
});

describe('tag templates: refused by the schema at their line and column', () => {
  const withTags = (tags: string) => yaml`
    name: t
    version: '1.2'
    base: ${BASE}
    user: {name: kuser, uid: 1000, gid: 1000}
    image:
      tags: ${tags}
  `;

  it('rejects an unknown template variable, naming the known ones', () => {
    const { err, problem } = oneProblem(withTags(`['{{version}}', '{{foo}}']`));
    expect(err.message).toBe('kubox.yaml has 1 problem');
    expect(problem.message).toBe(
      'unknown template variable {{foo}}; use one of {{name}}, {{version}}',
    );
    expect(problem.location).toEqual({ file: FILE, line: 6, column: 25, path: 'image.tags[1]' });
    expectAt(err, problem, 6, 'image.tags[1]');
  });

  it.each([
    [`['v{{version}}+build']`, '"v1.2+build" is not a valid tag'],
    [`['-{{version}}']`, '"-1.2" is not a valid tag'],
  ])('rejects %s, which expands to an invalid tag', (tags, start) => {
    const { err, problem } = oneProblem(withTags(tags));
    expect(problem.message).toBe(
      `${start} (letters, digits, _ . -; at most 128; not starting with . or -)`,
    );
    expect(problem.location).toEqual({ file: FILE, line: 6, column: 10, path: 'image.tags[0]' });
    expectAt(err, problem, 6, 'image.tags[0]');
  });

  it('makePlan still refuses a bad tag in a spec built in code, naming the key', () => {
    const spec = parseSpec(withTags(`['ok']`), FILE);
    const bad = { ...spec, image: { ...spec.image, tags: ['a b'] } };
    expect(() => makePlan(bad, FILE)).toThrow(KuboxError);
  });

  it('expands {{name}} and {{version}} into full references', () => {
    const spec = parseSpec(withTags(`['{{ version }}', '{{name}}-{{version}}', latest]`), FILE);
    expect(makePlan(spec, FILE).tags).toEqual(['t:1.2', 't:t-1.2', 't:latest']);
  });
});

describe('parseSpec: valid specs', () => {
  it('parses the py-kube preset', () => {
    const { spec, source } = loadPreset('py-kube');
    expect(source).toBe('preset:py-kube');
    expect(spec.name).toBe('py-kube');
    expect(spec.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(spec.args).toEqual({ KUBECTL_VERSION: '1.36' });
    expect(spec.user).toMatchObject({ name: 'kuser', uid: 1000, gid: 1000, nonRoot: true });
  });

  it('fills in the documented defaults for a minimal spec', () => {
    const text = yaml`
      name: t
      version: '1'
      base: ${BASE}
      user: {name: kuser, uid: 1000, gid: 1000}
    `;
    const spec = parseSpec(text, FILE);
    expect(spec.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(spec.image).toEqual({ tags: ['{{version}}', 'latest'] });
    expect(spec.workdir).toBe('/app');
    expect(spec.cmd).toEqual(['bash']);
    expect(spec.syntax).toBe(false);
    expect(spec.user).toEqual({
      name: 'kuser',
      uid: 1000,
      gid: 1000,
      shell: '/bin/bash',
      nonRoot: true,
    });
    expect(spec.apt).toEqual({ packages: [], repositories: [] });
    expect(spec.pip).toEqual({ packages: [] });
    expect(spec.binaries).toEqual([]);
    expect(spec.args).toEqual({});
    expect(spec.env).toEqual({});
    expect(spec.labels).toEqual({});
    expect(spec.verify).toEqual([]);
    expect(spec.builder).toBeUndefined();
  });
});

describe('parseSpec: native engine keys', () => {
  const head = "name: mini\nversion: '1'\nuser: { name: debug, uid: 10001, gid: 10001 }\n";
  const scratch = (extra: string) => `${head}base: scratch\n${extra}\n`;
  const based = (extra: string) => `${head}base: ${BASE}\n${extra}\n`;

  it('base: scratch needs apt.release', () => {
    const { err, problem } = oneProblem(scratch('apt: { packages: [bash] }'));
    expect(problem.message).toBe(
      'base: scratch has no Debian release to follow; name one (apt.release: bookworm)',
    );
    expectAt(err, problem, 5, 'apt.release');
  });

  it('base: scratch has no Python for pip packages', () => {
    const { problem } = oneProblem(
      scratch('apt: { release: bookworm, packages: [bash] }\npip: { packages: [httpie] }'),
    );
    expect(problem.location?.path).toBe('pip.packages');
    expect(problem.message).toMatch(/^base: scratch has no Python to install wheels into/);
  });

  it('base: scratch with engine: buildx is refused', () => {
    const { problem } = oneProblem(scratch('apt: { release: bookworm }\nengine: buildx'));
    expect(problem.location?.path).toBe('engine');
    expect(problem.message).toMatch(/native engine only/);
  });

  it('apt.snapshot is a timestamp, and not together with a mirror', () => {
    const bad = oneProblem(based('apt: { snapshot: yesterday }'));
    expect(bad.problem.location?.path).toBe('apt.snapshot');
    expect(bad.problem.message).toMatch(/snapshot\.debian\.org timestamp such as 20251101T000000Z/);
    const both = oneProblem(
      based('apt: { snapshot: 20251101T000000Z, mirror: "http://deb.example/debian" }'),
    );
    expect(both.problem.location?.path).toBe('apt.snapshot');
    expect(both.problem.message).toMatch(/keep one/);
  });

  it('apt.release is a Debian codename, and engine one of auto, native, buildx', () => {
    expect(oneProblem(based('apt: { release: Bookworm-12 }')).problem.location?.path).toBe(
      'apt.release',
    );
    expect(oneProblem(based('engine: docker')).problem.location?.path).toBe('engine');
  });
});
