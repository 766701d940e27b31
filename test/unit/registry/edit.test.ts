import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KuboxError } from '../../../src/errors.js';
import { replaceScalar } from '../../../src/spec/edit.js';

const DIGEST = 'sha256:21e39cf1815802d4c6f89a0d3a166cc67ce58f95b6d1639e68a394c99310d2e5';

const SPEC = `# kubox spec for the debug image
name: debug   # the image name

base: python:3.13-slim # pinned by kubox pin
platforms: [linux/amd64, linux/arm64]

quoted:
  double: "sha256:old"
  single: 'it''s'
  plain: keep-me

# trailing comment
list:
  - one
  - two
`;

describe('replaceScalar', () => {
  it('replaces a plain value and nothing else, comments and spacing included', () => {
    const out = replaceScalar(SPEC, ['base'], `python:3.13-slim@${DIGEST}`);
    expect(out).toBe(
      SPEC.replace('base: python:3.13-slim # pinned', `base: python:3.13-slim@${DIGEST} # pinned`),
    );
    expect(parse(out).base).toBe(`python:3.13-slim@${DIGEST}`);
  });

  it('keeps double quotes, escaping what needs it', () => {
    const out = replaceScalar(SPEC, ['quoted', 'double'], DIGEST);
    expect(out).toBe(SPEC.replace('double: "sha256:old"', `double: "${DIGEST}"`));
    const tricky = replaceScalar(SPEC, ['quoted', 'double'], 'a "b" \\ c');
    expect(tricky).toBe(SPEC.replace('double: "sha256:old"', 'double: "a \\"b\\" \\\\ c"'));
    expect(parse(tricky).quoted.double).toBe('a "b" \\ c');
  });

  it('keeps single quotes, doubling a quote inside', () => {
    const out = replaceScalar(SPEC, ['quoted', 'single'], "can't stop");
    expect(out).toBe(SPEC.replace("single: 'it''s'", "single: 'can''t stop'"));
    expect(parse(out).quoted.single).toBe("can't stop");
  });

  it('reaches into nested maps and sequences by index', () => {
    expect(replaceScalar(SPEC, ['platforms', 1], 'linux/riscv64')).toBe(
      SPEC.replace('linux/arm64]', 'linux/riscv64]'),
    );
    expect(replaceScalar(SPEC, ['list', 0], 'uno')).toBe(SPEC.replace('- one', '- uno'));
    expect(replaceScalar(SPEC, ['quoted', 'plain'], 'kept')).toBe(
      SPEC.replace('plain: keep-me', 'plain: kept'),
    );
  });

  it('leaves the text byte-identical when the value is the same', () => {
    expect(replaceScalar(SPEC, ['name'], 'debug')).toBe(SPEC);
    expect(replaceScalar(SPEC, ['quoted', 'double'], 'sha256:old')).toBe(SPEC);
  });

  it('keeps CRLF line endings', () => {
    const crlf = SPEC.replace(/\n/g, '\r\n');
    expect(replaceScalar(crlf, ['base'], 'x:1')).toBe(
      crlf.replace('base: python:3.13-slim', 'base: x:1'),
    );
  });

  it.each([[['quoted']], [['platforms']], [['list']], [['nope']], [['base', 'deeper']]])(
    'refuses %j, which is not a scalar, as a spec error naming the file',
    (path) => {
      let err: unknown;
      try {
        replaceScalar(SPEC, path, 'x', 'dir/kubox.yaml');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KuboxError);
      expect((err as KuboxError).kind).toBe('spec');
      expect((err as KuboxError).message).toBe(
        `dir/kubox.yaml: ${path.join('.')} is not a plain value that kubox can update`,
      );
    },
  );
});
