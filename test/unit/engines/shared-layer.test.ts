import { describe, expect, it } from 'vitest';
import { BaseTree, type TreeNode } from '../../../src/oci/base-tree.js';
import { parseDpkgFilters } from '../../../src/engines/native/dpkg-filter.js';
import { baseViewDigest, byArchitecture } from '../../../src/engines/native/shared-layer.js';

const node = (type: TreeNode['type'], linkname?: string): TreeNode => ({
  type,
  mode: type === 'directory' ? 0o755 : 0o777,
  uid: 0,
  gid: 0,
  size: 0,
  ...(linkname ? { linkname } : {}),
});

/** A merged-/usr base with the directories of one architecture's multiarch tuple. */
function base(tuple: string): BaseTree {
  const t = new BaseTree();
  for (const d of ['usr', 'usr/bin', 'usr/lib', `usr/lib/${tuple}`, 'usr/share', 'usr/share/doc'])
    t.set(d, node('directory'));
  t.set('bin', node('symlink', 'usr/bin'));
  t.set('lib', node('symlink', 'usr/lib'));
  return t;
}
const topLinks = new Map([
  ['bin', 'usr/bin'],
  ['lib', 'usr/lib'],
]);
const vimRuntime = {
  paths: ['usr/share/vim/vim90/doc/help.txt', 'usr/share/doc/vim-runtime/copyright'],
};

describe('layers of Architecture: all packages, shared across platforms', () => {
  it('splits arch-all packages from the rest, keeping the resolver order', () => {
    const debs = [
      { name: 'a', architecture: 'amd64' },
      { name: 'b', architecture: 'all' },
      { name: 'c', architecture: 'amd64' },
      { name: 'd', architecture: 'all' },
    ];
    const { specific, shared } = byArchitecture(debs);
    expect(specific.map((d) => d.name)).toEqual(['a', 'c']);
    expect(shared.map((d) => d.name)).toEqual(['b', 'd']);
  });

  it('two bases that differ only where the packages do not look give the same view', () => {
    // bookworm's amd64 base has lib64 -> usr/lib64, its arm64 base has no lib64 at all.
    const amd64Base = base('x86_64-linux-gnu');
    amd64Base.set('lib64', node('symlink', 'usr/lib64'));
    const amd64Links = new Map([...topLinks, ['lib64', 'usr/lib64']]);
    const amd64 = baseViewDigest([vimRuntime], amd64Base, amd64Links, []);
    const arm64 = baseViewDigest([vimRuntime], base('aarch64-linux-gnu'), topLinks, []);
    expect(amd64).toBe(arm64);
    // A package that ships under lib64 does see the difference.
    const loader = { paths: ['lib64/ld-linux-x86-64.so.2'] };
    expect(baseViewDigest([loader], amd64Base, amd64Links, [])).not.toBe(
      baseViewDigest([loader], base('aarch64-linux-gnu'), topLinks, []),
    );
  });

  it('a directory the packages unpack into that exists in one base only changes the view', () => {
    const withVim = base('x86_64-linux-gnu');
    withVim.set('usr/share/vim', node('directory'));
    expect(baseViewDigest([vimRuntime], withVim, topLinks, [])).not.toBe(
      baseViewDigest([vimRuntime], base('x86_64-linux-gnu'), topLinks, []),
    );
  });

  it('a merged-/usr link, or dpkg filters that keep other paths, change the view', () => {
    const pkg = { paths: ['bin/tool', 'usr/share/doc/tool/copyright'] };
    const merged = baseViewDigest([pkg], base('x86_64-linux-gnu'), topLinks, []);
    const split = base('x86_64-linux-gnu');
    split.set('bin', node('directory'));
    expect(baseViewDigest([pkg], split, new Map([['lib', 'usr/lib']]), [])).not.toBe(merged);
    const slim = parseDpkgFilters(new Map([['docker', 'path-exclude /usr/share/doc/*\n']]));
    expect(baseViewDigest([pkg], base('x86_64-linux-gnu'), topLinks, slim)).not.toBe(merged);
  });
});
