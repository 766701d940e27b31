import { describe, expect, it } from 'vitest';
import {
  formatReference,
  isDigest,
  parseReference,
  qualifiedName,
  ReferenceError as ImageReferenceError,
} from '../../src/oci/reference.js';

const DIGEST = 'sha256:21e39cf1815802d4c6f89a0d3a166cc67ce58f95b6d1639e68a394c99310d2e5';

describe('parseReference', () => {
  it('defaults to docker.io and adds library/ to one-segment names', () => {
    expect(parseReference('python')).toEqual({
      registry: 'docker.io',
      repository: 'library/python',
    });
    expect(parseReference('python:3.13-slim')).toEqual({
      registry: 'docker.io',
      repository: 'library/python',
      tag: '3.13-slim',
    });
  });

  it('keeps multi-segment Docker Hub names as written', () => {
    expect(parseReference('g1g1/py-kube:0.9.0')).toEqual({
      registry: 'docker.io',
      repository: 'g1g1/py-kube',
      tag: '0.9.0',
    });
    expect(parseReference('a/b/c')).toEqual({ registry: 'docker.io', repository: 'a/b/c' });
  });

  it('adds library/ when docker.io is written explicitly', () => {
    expect(parseReference('docker.io/python')).toEqual({
      registry: 'docker.io',
      repository: 'library/python',
    });
    expect(parseReference('docker.io/library/python:3')).toEqual({
      registry: 'docker.io',
      repository: 'library/python',
      tag: '3',
    });
  });

  it('reads a registry with a port, and a tag after it', () => {
    expect(parseReference('127.0.0.1:5000/x/y:tag')).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'x/y',
      tag: 'tag',
    });
  });

  it('reads localhost with and without a port as a registry, without library/', () => {
    expect(parseReference('localhost:5000/img')).toEqual({
      registry: 'localhost:5000',
      repository: 'img',
    });
    expect(parseReference('localhost/img:1')).toEqual({
      registry: 'localhost',
      repository: 'img',
      tag: '1',
    });
  });

  it('reads an IPv6 registry', () => {
    expect(parseReference('[::1]:5000/x:1')).toEqual({
      registry: '[::1]:5000',
      repository: 'x',
      tag: '1',
    });
  });

  it('reads a name:port without a slash as a Docker Hub image with a tag, as docker does', () => {
    expect(parseReference('myhost:5000')).toEqual({
      registry: 'docker.io',
      repository: 'library/myhost',
      tag: '5000',
    });
  });

  it('reads a tag and a digest together', () => {
    expect(parseReference(`ghcr.io/acme/py-kube:0.9.0@${DIGEST}`)).toEqual({
      registry: 'ghcr.io',
      repository: 'acme/py-kube',
      tag: '0.9.0',
      digest: DIGEST,
    });
  });

  it('reads a digest without a tag', () => {
    expect(parseReference(`python@${DIGEST}`)).toEqual({
      registry: 'docker.io',
      repository: 'library/python',
      digest: DIGEST,
    });
    expect(parseReference(`127.0.0.1:5000/x@${DIGEST}`)).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'x',
      digest: DIGEST,
    });
  });

  it('ignores surrounding whitespace', () => {
    expect(parseReference('  python:3  ')).toEqual({
      registry: 'docker.io',
      repository: 'library/python',
      tag: '3',
    });
  });

  it.each([
    ['', 'the image reference is empty'],
    ['   ', 'the image reference is empty'],
    [
      'Python:3',
      '"Python" is not a valid repository name (lowercase letters, digits and . _ - separators)',
    ],
    [
      'ghcr.io/Acme/x',
      '"ghcr.io/Acme/x" is not a valid repository name (lowercase letters, digits and . _ - separators)',
    ],
    [
      'a//b',
      '"a//b" is not a valid repository name (lowercase letters, digits and . _ - separators)',
    ],
    ['-x', '"-x" is not a valid repository name (lowercase letters, digits and . _ - separators)'],
    [
      'x___y',
      '"x___y" is not a valid repository name (lowercase letters, digits and . _ - separators)',
    ],
    [
      `@${DIGEST}`,
      '"" is not a valid repository name (lowercase letters, digits and . _ - separators)',
    ],
    ['x:', '"" is not a valid tag'],
    ['x:-1', '"-1" is not a valid tag'],
    [`x:${'t'.repeat(129)}`, `"${'t'.repeat(129)}" is not a valid tag`],
    ['exa_mple.com:5000/x', '"exa_mple.com:5000" is not a valid registry host'],
    [
      'python:3@sha256:abc',
      '"sha256:abc" is not a sha256 digest (expected sha256: followed by 64 lowercase hex digits)',
    ],
    [
      `python:3@${DIGEST.toUpperCase().replace('SHA256', 'sha256')}`,
      `"${DIGEST.toUpperCase().replace('SHA256', 'sha256')}" is not a sha256 digest (expected sha256: followed by 64 lowercase hex digits)`,
    ],
    [
      `python:3@md5:${'a'.repeat(32)}`,
      `"md5:${'a'.repeat(32)}" is not a sha256 digest (expected sha256: followed by 64 lowercase hex digits)`,
    ],
  ])('rejects %j', (input, message) => {
    expect(() => parseReference(input)).toThrow(ImageReferenceError);
    expect(() => parseReference(input)).toThrow(message);
  });

  it('accepts the longest valid tag (128 characters)', () => {
    expect(parseReference(`x:${'t'.repeat(128)}`).tag).toHaveLength(128);
  });
});

describe('formatReference', () => {
  it.each([
    'python',
    'python:3.13-slim',
    `python:3.13-slim@${DIGEST}`,
    `python@${DIGEST}`,
    'g1g1/py-kube:0.9.0',
    '127.0.0.1:5000/x/y:tag',
    'localhost:5000/img',
    `ghcr.io/acme/py-kube:0.9.0@${DIGEST}`,
  ])('writes %s back as it was written', (ref) => {
    expect(formatReference(parseReference(ref))).toBe(ref);
  });

  it('drops an explicit docker.io and library/', () => {
    expect(formatReference(parseReference('docker.io/library/python:3'))).toBe('python:3');
    expect(formatReference(parseReference('docker.io/g1g1/py-kube'))).toBe('g1g1/py-kube');
  });
});

describe('qualifiedName', () => {
  it('is registry/repository:tag without the digest', () => {
    expect(qualifiedName(parseReference(`python:3.13-slim@${DIGEST}`))).toBe(
      'docker.io/library/python:3.13-slim',
    );
    expect(qualifiedName(parseReference('127.0.0.1:5000/x/y:tag'))).toBe('127.0.0.1:5000/x/y:tag');
  });

  it('has no tag part when the reference has none', () => {
    expect(qualifiedName(parseReference(`python@${DIGEST}`))).toBe('docker.io/library/python');
    expect(qualifiedName(parseReference('localhost:5000/img'))).toBe('localhost:5000/img');
  });
});

describe('isDigest', () => {
  it('accepts sha256: and 64 lowercase hex digits', () => {
    expect(isDigest(DIGEST)).toBe(true);
  });

  it.each([
    ['uppercase hex', `sha256:${'A'.repeat(64)}`],
    ['too short', `sha256:${'a'.repeat(63)}`],
    ['too long', `sha256:${'a'.repeat(65)}`],
    ['no algorithm', 'a'.repeat(64)],
    ['another algorithm', `sha512:${'a'.repeat(128)}`],
    ['non-hex digits', `sha256:${'g'.repeat(64)}`],
    ['surrounding text', ` ${DIGEST}`],
  ])('rejects %s', (_, value) => {
    expect(isDigest(value)).toBe(false);
  });
});
