import { describe, expect, it } from 'vitest';
import { walkSymlinks, type WalkNode } from '../../../src/oci/symlink-walk.js';

const tree = new Map<string, WalkNode>([
  ['usr', { type: 'directory' }],
  ['usr/lib', { type: 'directory' }],
  ['usr/lib/libz.so.1', { type: 'symlink', linkname: 'libz.so.1.2.13' }],
  ['usr/lib/libz.so.1.2.13', { type: 'file' }],
  ['lib', { type: 'symlink', linkname: 'usr/lib' }],
  ['etc', { type: 'directory' }],
  ['etc/abs', { type: 'symlink', linkname: '/usr/lib/../lib/libz.so.1' }],
  ['loop', { type: 'symlink', linkname: 'loop' }],
]);
const lookup = (rel: string) => tree.get(rel);

describe('following symlinks inside an image', () => {
  it('resolves parents, relative and absolute targets, and never climbs above the root', () => {
    expect(walkSymlinks('lib/libz.so.1', lookup, { followFinal: false })).toEqual([
      'usr',
      'lib',
      'libz.so.1',
    ]);
    expect(walkSymlinks('/etc/abs', lookup, { followFinal: true })?.join('/')).toBe(
      'usr/lib/libz.so.1.2.13',
    );
    expect(walkSymlinks('../../usr', lookup, { followFinal: true })).toEqual(['usr']);
  });

  it('keeps a missing component when lenient, and gives up when it must exist', () => {
    expect(walkSymlinks('lib/missing', lookup, { followFinal: true })?.join('/')).toBe(
      'usr/lib/missing',
    );
    expect(walkSymlinks('lib/missing', lookup, { followFinal: true, existing: true })).toBe(
      undefined,
    );
    // Through a regular file names nothing.
    expect(
      walkSymlinks('usr/lib/libz.so.1.2.13/x', lookup, { followFinal: true, existing: true }),
    ).toBe(undefined);
  });

  it('calls more than 40 links a loop', () => {
    expect(walkSymlinks('loop', lookup, { followFinal: true })).toBe(undefined);
  });
});
