import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src/lint/config.js';
import { parseConfig } from '../../../src/lint/config-file.js';
import { fails } from '../../../src/lint/lint.js';
import { KuboxError } from '../../../src/errors.js';
import { BASE, codes, lint } from './support.js';

const SRC = `${BASE}\n# hadolint ignore=DL3003,DL4006\nRUN cd /x && echo a | tee b\nRUN cd /y`;

describe('ignore pragmas', () => {
  it('hadolint ignore= silences the next instruction only', () => {
    expect(codes(SRC, 'DL3003')).toEqual(['DL3003:4']);
    expect(codes(SRC, 'DL4006')).toEqual([]);
  });

  it('kubox ignore= works the same, also spanning a multi-line instruction', () => {
    const src = `${BASE}\n# a comment\n# kubox ignore=DL3003\nRUN true && \\\n  cd /x`;
    expect(codes(src, 'DL3003')).toEqual([]);
  });

  it('a blank line between pragma and instruction breaks it', () => {
    expect(codes(`${BASE}\n# kubox ignore=DL3003\n\nRUN cd /x`, 'DL3003')).toEqual(['DL3003:4']);
  });

  it('global ignore applies to the file', () => {
    expect(
      codes(`# hadolint global ignore=DL3003\n${BASE}\nRUN cd /x\nENV A=1\nRUN cd /y`, 'DL3003'),
    ).toEqual([]);
  });

  it('disable-ignore-pragma makes them inert', () => {
    expect(codes(SRC, 'DL3003', { disableIgnorePragma: true })).toEqual(['DL3003:3', 'DL3003:4']);
  });
});

describe('configuration', () => {
  it('reads .hadolint.yaml keys', () => {
    const c = parseConfig(
      'ignored: [DL3003]\ntrustedRegistries: [docker.io]\noverride:\n  error: [DL3015]\n  info: [DL3008]\nfailure-threshold: warning\nlabel-schema:\n  maintainer: text\nstrict-labels: false\n',
      '.hadolint.yaml',
      'hadolint',
    );
    expect(c).toMatchObject({
      ignored: ['DL3003'],
      trustedRegistries: ['docker.io'],
      override: { error: ['DL3015'], info: ['DL3008'] },
      failureThreshold: 'warning',
      requiredLabels: ['maintainer'],
    });
    const src = `${BASE}\nRUN apt-get install -y curl && cd /x\nUSER 1000`;
    const found = lint(src, c).map((f) => `${f.code}:${f.severity}`);
    expect(found).toEqual(['DL3049:info', 'DL3008:info', 'DL3015:error', 'KBX005:info']);
  });

  it('reads .kubox-lint.yaml with enable and requiredLabels', () => {
    const c = parseConfig(
      'enable: [DL3013]\nrequiredLabels: [a]\nfailureThreshold: none\n',
      '.kubox-lint.yaml',
      'kubox',
    );
    expect(c.enable).toEqual(['DL3013']);
    expect(c.failureThreshold).toBe('none');
  });

  it('rejects unknown keys and bad values with file:line (exit 2)', () => {
    const bad = () => parseConfig('ignored: [DL3003]\nignore: [x]\n', '.kubox-lint.yaml', 'kubox');
    expect(bad).toThrow(KuboxError);
    try {
      bad();
    } catch (e) {
      expect((e as KuboxError).exitCode).toBe(2);
    }
    expect(() => parseConfig('failure-threshold: loud\n', '.hadolint.yaml', 'hadolint')).toThrow(
      /not a valid/,
    );
    expect(() => parseConfig('ignored: [\n', '.hadolint.yaml', 'hadolint')).toThrow(
      /not valid YAML/,
    );
  });

  it('failure threshold decides', () => {
    const f = lint(`${BASE}\nRUN a\nRUN b\nUSER 1000`); // DL3059 info only
    expect(f.map((x) => x.code)).toEqual(['DL3059']);
    expect(fails(f, 'info')).toBe(true);
    expect(fails(f, 'warning')).toBe(false);
    expect(fails(f, 'none')).toBe(false);
    expect(DEFAULT_CONFIG.failureThreshold).toBe('info');
  });
});
