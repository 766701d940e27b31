import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  parseVersion,
  satisfies,
  VersionError,
} from '../../../src/debian/version.js';

const sign = (n: number) => Math.sign(n);

/** The machine's own dpkg is the reference: `dpkg --compare-versions a lt b`. */
async function dpkgSays(a: string, b: string): Promise<number> {
  const ask = async (op: string) =>
    (await execa('dpkg', ['--compare-versions', a, op, b], { reject: false })).exitCode === 0;
  return (await ask('lt')) ? -1 : (await ask('eq')) ? 0 : 1;
}

const PAIRS: [string, string][] = [
  ['1.0', '1.0'],
  ['1.0', '1.1'],
  ['1.0~rc1', '1.0'],
  ['1.0~rc1', '1.0~rc2'],
  ['1.0~~', '1.0~'],
  ['1.0', '1.0-1'],
  ['1.0-1', '1.0-2'],
  ['1.0-1', '1.0-1+deb12u1'],
  ['2:1.0', '1:9.9'],
  ['1:2.38.1-5+deb12u3', '2.38.1-5+deb12u3'],
  ['7.88.1-10+deb12u8', '7.88.1-10+deb12u12'],
  ['1.0a', '1.0+'],
  ['1.0.0', '1.0'],
  ['1.001', '1.1'],
  ['9.18.28-1~deb12u2', '9.18.28-1'],
  ['1.32.5-1.1', '1.32.10-1.1'],
  ['2.36-9+deb12u4', '2.36-9+deb12u10'],
  ['0.5.12-2', '0.5.12-2.1'],
  ['1.0+dfsg', '1.0'],
  ['1.0-0.1', '1.0-0'],
];

describe('Debian version ordering', () => {
  it.each(PAIRS)('%s vs %s orders as dpkg does', async (a, b) => {
    const expected = await dpkgSays(a, b);
    expect(sign(compareVersions(a, b))).toBe(expected);
    expect(sign(compareVersions(b, a))).toBe(-expected || 0);
  });

  it('parses epoch, upstream and revision', () => {
    expect(parseVersion('1:2.38.1-5+deb12u3')).toEqual({
      epoch: 1,
      upstream: '2.38.1',
      revision: '5+deb12u3',
    });
    expect(parseVersion('1.0-rc1-2')).toEqual({ epoch: 0, upstream: '1.0-rc1', revision: '2' });
    expect(parseVersion('3.0')).toEqual({ epoch: 0, upstream: '3.0', revision: '' });
  });

  it('rejects what dpkg rejects', () => {
    expect(() => parseVersion('a1.0')).toThrow(VersionError);
    expect(() => parseVersion('x:1.0')).toThrow(/epoch/);
    expect(() => parseVersion('1.0-')).toThrow(/revision/);
  });

  it('decides the relations of Depends fields', () => {
    expect(satisfies('2.36-9+deb12u4', '>=', '2.36')).toBe(true);
    expect(satisfies('2.35', '>=', '2.36')).toBe(false);
    expect(satisfies('1.0~rc1', '<<', '1.0')).toBe(true);
    expect(satisfies('1.0', '=', '1.0')).toBe(true);
    expect(satisfies('1.0', '>>', '1.0')).toBe(false);
    expect(satisfies('1.0', '<=', '1.0-0')).toBe(true);
  });
});
