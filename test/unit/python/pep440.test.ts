import { describe, expect, it } from 'vitest';
import {
  compare,
  filterVersions,
  formatVersion,
  InvalidSpecifier,
  parseSpecifierSet,
  parseVersion,
  satisfies,
} from '../../../src/python/pep440.js';

describe('PEP 440 versions', () => {
  it.each([
    ['1.0', '1.0'],
    ['v1.0', '1.0'],
    ['1.0-1', '1.0.post1'],
    ['1.0.Alpha1', '1.0a1'],
    ['1.0c2', '1.0rc2'],
    ['1.0preview', '1.0rc0'],
    ['1.0-r4', '1.0.post4'],
    ['1.0.dev', '1.0.dev0'],
    ['1!2.0-DEV.3', '1!2.0.dev3'],
    ['1.0+Ubuntu-1', '1.0+ubuntu.1'],
  ])('normalises %s to %s', (input, canonical) => {
    expect(formatVersion(parseVersion(input))).toBe(canonical);
  });

  it('rejects what is not a version', () => {
    expect(() => parseVersion('1.0-foo')).toThrow(/PEP 440/);
    expect(() => parseVersion('latest')).toThrow();
  });

  // Each row is strictly ascending, as packaging's Version ordering has it.
  const ascending = [
    '1.0.dev456',
    '1.0a1',
    '1.0a2.dev456',
    '1.0a12.dev456',
    '1.0a12',
    '1.0b1.dev456',
    '1.0b2',
    '1.0b2.post345.dev456',
    '1.0b2.post345',
    '1.0rc1.dev456',
    '1.0rc1',
    '1.0',
    '1.0+abc.5',
    '1.0+abc.7',
    '1.0+5',
    '1.0.post456.dev34',
    '1.0.post456',
    '1.0.15',
    '1.1.dev1',
    '1!0.1',
  ];
  it('orders dev < pre < final < local < post, and epochs above all', () => {
    for (let i = 1; i < ascending.length; i++) {
      expect(
        compare(ascending[i - 1]!, ascending[i]!),
        `${ascending[i - 1]} < ${ascending[i]}`,
      ).toBeLessThan(0);
      expect(compare(ascending[i]!, ascending[i - 1]!)).toBeGreaterThan(0);
    }
  });

  it('ignores trailing zeros of the release', () => {
    expect(compare('1.0', '1.0.0.0')).toBe(0);
    expect(compare('1.0a1', '1.0.0a1')).toBe(0);
  });
});

describe('PEP 440 specifiers', () => {
  it.each<[string, string, boolean]>([
    ['2.2', '~=2.2', true],
    ['2.9.9', '~=2.2', true],
    ['3.0', '~=2.2', false],
    ['2.1', '~=2.2', false],
    ['1.4.9', '~=1.4.5', true],
    ['1.5.0', '~=1.4.5', false],
    ['2.2.post3', '~=2.2.post3', true],
    ['2.3', '~=2.2.post3', true],
    ['3.0', '~=2.2.post3', false],
    ['1.4.5a5', '~=1.4.5a4', true],
    ['1.1.3', '==1.1.*', true],
    ['1.1', '==1.1.*', true],
    ['1.10', '==1.1.*', false],
    ['1.1.0+local', '==1.1.*', true],
    ['1.1rc1', '==1.1.*', true],
    ['1.2', '!=1.1.*', true],
    ['1.1.5', '!=1.1.*', false],
    ['1.0', '==1', true],
    ['1.0+ubuntu1', '==1.0', true],
    ['1.0', '==1.0+ubuntu1', false],
    ['1.0+ubuntu1', '==1.0+ubuntu1', true],
    ['1.0+ubuntu1', '!=1.0', false],
    ['1.0', '<=1.0', true],
    ['1.0+local', '<=1.0', true],
    ['3.0a1', '<3.0', false],
    ['2.9', '<3.0', true],
    ['3.0a1', '<3.0rc1', true],
    ['3.0.post1', '>3.0', false],
    ['3.0.1', '>3.0', true],
    ['3.0+local', '>3.0', false],
    ['3.0.post2', '>3.0.post1', true],
    ['1.0', '>=1.0,<2.0,!=1.5', true],
    ['1.5', '>=1.0,<2.0,!=1.5', false],
    ['foobar', '===foobar', true],
    ['1.0', '===1.0', true],
    ['1.0.0', '===1.0', false],
  ])('%s against %s is %s (pre-releases allowed)', (version, spec, expected) => {
    expect(satisfies(version, parseSpecifierSet(spec), true)).toBe(expected);
  });

  it('refuses pre-releases unless asked for or named in the specifier', () => {
    expect(satisfies('2.0b1', parseSpecifierSet('>=1.0'))).toBe(false);
    expect(satisfies('2.0b1', parseSpecifierSet('>=1.0'), true)).toBe(true);
    expect(satisfies('2.0b2', parseSpecifierSet('>=2.0b1'))).toBe(true);
    expect(satisfies('1.0.dev1', parseSpecifierSet('==1.0.dev1'))).toBe(true);
  });

  it('filters like SpecifierSet.filter: pre-releases only when nothing final matches', () => {
    expect(filterVersions(['1.0', '2.0b1', '1.5'], parseSpecifierSet('>=1.0'))).toEqual([
      '1.0',
      '1.5',
    ]);
    expect(filterVersions(['1.0', '2.0b1'], parseSpecifierSet('>=1.5'))).toEqual(['2.0b1']);
    expect(filterVersions(['1.0', '2.0b1'], parseSpecifierSet(''))).toEqual(['1.0']);
  });

  it('rejects malformed specifiers', () => {
    for (const bad of ['~=1', '>=1.0.*', '<1.0+local', '>=x', '=1.0']) {
      expect(() => parseSpecifierSet(bad), bad).toThrow(InvalidSpecifier);
    }
  });
});
