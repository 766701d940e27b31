import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { supportedTags, wheelArch, type PythonTarget } from '../../../src/python/target.js';

const fixture = (name: string): string[] =>
  JSON.parse(readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8')) as string[];

const base = {
  interpreter: '/usr/local/bin/python3',
  purelib: 'usr/local/lib/python3/site-packages',
  platlib: 'usr/local/lib/python3/site-packages',
  scripts: 'usr/local/bin',
  data: 'usr/local',
};

describe('supported tags', () => {
  it('equal packaging.tags.sys_tags() of CPython 3.11 on x86_64 glibc 2.36 (this machine), in order', () => {
    // Golden: `python3 -c "from packaging import tags; print([str(t) for t in tags.sys_tags()])"` (packaging 26.2).
    const t: PythonTarget = { ...base, version: [3, 11], arch: 'x86_64', glibc: [2, 36] };
    expect(supportedTags(t)).toEqual(fixture('sys-tags-cp311-x86_64-glibc2.36.json'));
  });

  it('equal packaging cpython_tags + compatible_tags for CPython 3.13 on aarch64 glibc 2.36', () => {
    // Golden from packaging.tags with the platform list packaging builds for aarch64 (no tags below 2.17).
    const t: PythonTarget = { ...base, version: [3, 13], arch: 'aarch64', glibc: [2, 36] };
    const tags = supportedTags(t);
    expect(tags).toEqual(fixture('tags-cp313-aarch64-glibc2.36.json'));
    expect(tags).toContain('cp313-cp313-manylinux2014_aarch64');
    expect(tags.some((x) => x.includes('manylinux_2_16'))).toBe(false);
  });

  it('admits only pure wheels without a known glibc (musl)', () => {
    const tags = supportedTags({ ...base, version: [3, 12], arch: 'x86_64' });
    expect(tags.every((x) => x.endsWith('-any'))).toBe(true);
    expect(tags.slice(0, 4)).toEqual([
      'cp312-none-any',
      'py312-none-any',
      'py3-none-any',
      'py311-none-any',
    ]);
    expect(tags.at(-1)).toBe('py30-none-any');
  });

  it('maps OCI platforms to wheel machine names', () => {
    expect(
      ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/ppc64le', 'linux/s390x'].map(wheelArch),
    ).toEqual(['x86_64', 'aarch64', 'armv7l', 'ppc64le', 's390x']);
  });
});
