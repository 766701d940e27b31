import { describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import { PackageList, type IndexText } from '../../../src/debian/package-list.js';
import { PackageIndex } from '../../../src/debian/resolve.js';

const index = (text: string, where = 'test main'): IndexText => ({
  text: Buffer.from(text),
  where,
  source: 'debian',
  url: (f) => `http://mirror/${f}`,
});

const MAIN = `Package: mawk
Version: 1.3.4.20200120-3.1
Architecture: amd64
Provides: awk
Depends: libc6 (>= 2.34)
Filename: pool/main/m/mawk/mawk_1.3.4_amd64.deb
Size: 100

Package: gawk
Version: 1:5.2.1-2
Architecture: amd64
Provides: awk,
 gawk-doc (= 1)
Pre-Depends: libc6 (>= 2.36)


Package: vim-runtime
Version: 2:9.0.1378-2
Architecture: all
Multi-Arch: foreign

Package: gawk
Version: 1:5.1.0-1
Architecture: arm64
Provides: awk`;

describe('PackageList', () => {
  it('finds packages by name and by what they provide, in index order', () => {
    const list = new PackageList([index(MAIN)]);
    expect(list.withName('gawk').map((r) => `${r.version}/${r.architecture}`)).toEqual([
      '1:5.2.1-2/amd64',
      '1:5.1.0-1/arm64',
    ]);
    expect(list.withProvides('awk').map((r) => `${r.name}/${r.architecture}`)).toEqual([
      'mawk/amd64',
      'gawk/amd64',
      'gawk/arm64',
    ]);
    // A Provides continued on the next line counts too.
    expect(list.withProvides('gawk-doc').map((r) => r.name)).toEqual(['gawk']);
    expect(list.withName('nothing')).toEqual([]);
    const [mawk] = list.withName('mawk');
    expect(mawk).toMatchObject({
      source: 'debian',
      url: 'http://mirror/pool/main/m/mawk/mawk_1.3.4_amd64.deb',
      size: 100,
      provides: [{ name: 'awk' }],
    });
    expect(mawk!.depends).toEqual([[{ name: 'libc6', relation: '>=', version: '2.34' }]]);
    expect(list.withName('vim-runtime')[0]).toMatchObject({ multiArch: 'foreign' });
  });

  it('reads a record once: the same object whichever way it is found', () => {
    const list = new PackageList([index(MAIN)]);
    const [byName] = list.withName('mawk');
    expect(list.withProvides('awk')[0]).toBe(byName);
    expect(list.all().map((r) => r.name)).toEqual(['mawk', 'gawk', 'vim-runtime', 'gawk']);
    expect(list.all()[0]).toBe(byName);
  });

  it('keeps components in order and each record names its own', () => {
    const list = new PackageList([
      index(MAIN, 'test main'),
      index('Package: mawk\nVersion: 1.3.4-9\nArchitecture: amd64\n', 'test contrib'),
    ]);
    expect(list.withName('mawk').map((r) => r.version)).toEqual(['1.3.4.20200120-3.1', '1.3.4-9']);
  });

  it('parses a paragraph only when it is read, and names the line of a bad one', () => {
    const bad = `${MAIN}\n\nPackage: broken\nVersion: 1\nnot a field\n`;
    const list = new PackageList([index(bad)]);
    expect(list.withName('mawk')).toHaveLength(1);
    const line = bad.split('\n').indexOf('not a field') + 1;
    let err: unknown;
    try {
      list.withName('broken');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).message).toBe(
      `test main: line ${line}: "not a field" is not "Field: value"`,
    );
  });

  it('reads paragraphs a line of blanks separates, and CRLF line ends', () => {
    const text = 'Package: aa\r\nVersion: 1\r\n \r\nPackage: bb\r\nVersion: 2\r\nProvides: cc\r\n';
    const list = new PackageList([index(text)]);
    expect(list.withName('bb').map((r) => r.version)).toEqual(['2']);
    expect(list.withName('aa').map((r) => r.version)).toEqual(['1']);
    expect(list.withProvides('cc').map((r) => r.name)).toEqual(['bb']);
  });
});

describe('PackageIndex over sources', () => {
  it('gives what adding every record one by one gives', () => {
    const list = new PackageList([index(MAIN)]);
    const lazy = new PackageIndex('amd64');
    lazy.addSource(list);
    const eager = new PackageIndex('amd64');
    for (const r of new PackageList([index(MAIN)]).all()) eager.add(r);
    for (const name of ['gawk', 'mawk', 'vim-runtime', 'awk', 'gawk-doc']) {
      expect(lazy.versions(name).map((r) => `${r.name} ${r.version}`)).toEqual(
        eager.versions(name).map((r) => `${r.name} ${r.version}`),
      );
      expect(lazy.providers(name).map((p) => `${p.pkg.name} ${p.version}`)).toEqual(
        eager.providers(name).map((p) => `${p.pkg.name} ${p.version}`),
      );
    }
    // arm64's gawk is not for amd64; the versioned Provides keeps its version.
    expect(lazy.versions('gawk').map((r) => r.version)).toEqual(['1:5.2.1-2']);
    expect(lazy.providers('gawk-doc')).toEqual([{ pkg: lazy.versions('gawk')[0], version: '1' }]);
  });

  it('puts the newest version first, and the first source among equals', () => {
    const idx = new PackageIndex('amd64');
    idx.addSource(
      new PackageList([index('Package: p\nVersion: 1\nArchitecture: amd64\n', 'main')]),
    );
    idx.addSource(
      new PackageList([
        index(
          'Package: p\nVersion: 2\nArchitecture: amd64\n\nPackage: p\nVersion: 1\nArchitecture: all\n',
          'updates',
        ),
      ]),
    );
    expect(idx.versions('p').map((r) => `${r.version}/${r.architecture}`)).toEqual([
      '2/amd64',
      '1/amd64',
      '1/all',
    ]);
  });
});
