/**
 * The native engine's assembly on small, hand-made packages and a base tree
 * shaped like Debian bookworm (merged /usr, slim dpkg filters): what lands
 * in which layer, and where.
 */
import { execa } from 'execa';
import { generateKey } from 'openpgp';
import { describe, expect, it } from 'vitest';
import type { Deb } from '../../../src/debian/deb.js';
import {
  aptLeftovers,
  dearmor,
  debLayer,
  repositoryFiles,
  stateLayer,
  userLayer,
  withParents,
  type DebInput,
} from '../../../src/engines/native/assemble.js';
import { debMeta, formatDebMeta, parseDebMeta } from '../../../src/engines/native/deb-meta.js';
import { parseDpkgFilters } from '../../../src/engines/native/dpkg-filter.js';
import { baseFacts } from '../../../src/engines/native/facts.js';
import { BaseTree, type TreeNode } from '../../../src/oci/base-tree.js';
import type { FileEntry } from '../../../src/oci/file-entry.js';
import { makePlan } from '../../../src/plan/plan.js';
import { loadPreset } from '../../../src/spec/load.js';

const dirNode = (mode = 0o755): TreeNode => ({ type: 'directory', mode, uid: 0, gid: 0, size: 0 });
const fileNode = (size: number, mode = 0o644): TreeNode => ({
  type: 'file',
  mode,
  uid: 0,
  gid: 0,
  size,
});

/** A bookworm-slim-like base: merged /usr, a dpkg status, users, skel, the slim filters. */
function bookworm(): BaseTree {
  const t = new BaseTree();
  for (const d of [
    'usr',
    'usr/bin',
    'usr/lib',
    'usr/sbin',
    'usr/share',
    'usr/share/doc',
    'etc',
    'etc/skel',
    'etc/dpkg',
    'etc/dpkg/dpkg.cfg.d',
    'var',
    'var/lib',
    'var/lib/dpkg',
    'var/lib/apt',
    'var/lib/apt/lists',
    'home',
    'usr/local',
    'usr/local/bin',
  ])
    t.set(d, dirNode());
  t.set('tmp', dirNode(0o1777));
  for (const [l, target] of [
    ['bin', 'usr/bin'],
    ['sbin', 'usr/sbin'],
    ['lib', 'usr/lib'],
  ] as const)
    t.set(l, { type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, linkname: target });
  const put = (path: string, body: string, mode = 0o644) =>
    t.set(path, fileNode(body.length, mode), Buffer.from(body));
  put('etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n');
  put('etc/group', 'root:x:0:\nshadow:x:42:\n');
  put('etc/shadow', 'root:*:19000:0:99999:7:::\n', 0o640);
  put('etc/gshadow', 'root:*::\nshadow:*::\n', 0o640);
  // bookworm ships them empty; useradd then gives a new user the first range.
  put('etc/subuid', '');
  put('etc/subgid', '');
  put('etc/skel/.bashrc', '# bashrc\n');
  put(
    'usr/lib/os-release',
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_CODENAME=bookworm\n',
  );
  t.set('etc/os-release', {
    type: 'symlink',
    mode: 0o777,
    uid: 0,
    gid: 0,
    size: 0,
    linkname: '../usr/lib/os-release',
  });
  put(
    'var/lib/dpkg/status',
    'Package: libc6\nStatus: install ok installed\nVersion: 2.36-9+deb12u10\nArchitecture: amd64\n\n',
  );
  put(
    'etc/dpkg/dpkg.cfg.d/docker',
    'path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\n',
  );
  put('var/lib/apt/lists/lock', '');
  put('usr/local/bin/python3.13', 'ELF');
  t.set('usr/local/lib', dirNode());
  t.set('usr/local/lib/python3.13', dirNode());
  t.set('usr/local/lib/python3.13/site-packages', dirNode());
  t.set('usr/local/lib/python3.13/site-packages/pip-24.0.dist-info', dirNode());
  return t;
}

const f = (path: string, data = '', mode = 0o644): FileEntry => ({
  path,
  type: 'file',
  mode,
  uid: 0,
  gid: 0,
  data: Buffer.from(data),
});
const d = (path: string): FileEntry => ({ path, type: 'directory', mode: 0o755, uid: 0, gid: 0 });

/** A .deb with its metadata, as the build hands debLayer both. */
const withMeta = (input: DebInput) => ({
  input,
  meta: debMeta(input.name, input.architecture, input.deb),
});

function netcat(): DebInput {
  const deb: Deb = {
    control: new Map([
      [
        'control',
        Buffer.from(
          'Package: netcat-openbsd\nVersion: 1.219-1\nArchitecture: amd64\nMulti-Arch: foreign\nDescription: TCP/IP swiss army knife\n',
        ),
      ],
      ['md5sums', Buffer.from('0123  bin/nc.openbsd\n')],
      [
        'postinst',
        Buffer.from(
          '#!/bin/sh\nset -e\nif [ "$1" = configure ]; then\n  update-alternatives --install /bin/nc nc /bin/nc.openbsd 50\nfi\n',
        ),
      ],
    ]),
    files: [
      d('bin'),
      f('bin/nc.openbsd', 'ELF', 0o755),
      d('usr'),
      d('usr/share'),
      d('usr/share/doc'),
      d('usr/share/doc/netcat-openbsd'),
      f('usr/share/doc/netcat-openbsd/changelog.gz', 'x'),
      f('usr/share/doc/netcat-openbsd/copyright', 'c'),
      d('usr/share/netcat'),
      f('usr/share/netcat/README', 'r'),
    ],
  };
  return { name: 'netcat-openbsd', architecture: 'amd64', source: 'debian', deb };
}

describe('native assembly on a bookworm-shaped base', () => {
  const tree = bookworm();
  const facts = baseFacts(tree, 'python:3.13-slim@sha256:x');
  const filters = parseDpkgFilters(facts.dpkgFilters);

  it('reads the facts a build needs from the base filesystem', () => {
    expect(facts.codename).toBe('bookworm');
    expect(facts.osId).toBe('debian');
    expect([...facts.topLinks]).toEqual([
      ['bin', 'usr/bin'],
      ['sbin', 'usr/sbin'],
      ['lib', 'usr/lib'],
    ]);
    expect(facts.installed.get('libc6')?.version).toBe('2.36-9+deb12u10');
    expect(facts.python).toMatchObject({
      version: [3, 13],
      interpreter: '/usr/local/bin/python3.13',
      purelib: 'usr/local/lib/python3.13/site-packages',
      glibc: [2, 36],
    });
    expect(facts.pythonInstalled.get('pip')).toBe('24.0');
  });

  it("unpacks through merged /usr, honours the base's dpkg filters, and leaves existing directories alone", () => {
    const paths = debLayer([withMeta(netcat())], tree, facts, filters)
      .map((e) => `${e.type[0]} ${e.path}`)
      .sort();
    expect(paths).toEqual([
      'd usr/share/doc/netcat-openbsd',
      'd usr/share/netcat',
      'd var/lib/dpkg/info',
      'f usr/bin/nc.openbsd',
      'f usr/share/doc/netcat-openbsd/copyright',
      'f usr/share/netcat/README',
      // dpkg's record of the package, in the same layer as its files (Trivy reads it per layer).
      'f var/lib/dpkg/info/netcat-openbsd.list',
      'f var/lib/dpkg/info/netcat-openbsd.md5sums',
      'f var/lib/dpkg/info/netcat-openbsd.postinst',
    ]);
  });

  it('records the package for dpkg and links its alternative through merged /usr', () => {
    const meta = debMeta('netcat-openbsd', 'amd64', netcat().deb);
    const { entries, warnings } = stateLayer([meta], tree, facts, filters, new Set(), 'amd64');
    expect(warnings).toEqual([]);
    const byPath = new Map(
      [...entries, ...debLayer([withMeta(netcat())], tree, facts, filters)].map((e) => [e.path, e]),
    );
    // Not asked for by name: apt would have marked it Auto-Installed.
    expect(Buffer.from(byPath.get('var/lib/apt/extended_states')!.data!).toString()).toBe(
      'Package: netcat-openbsd\nArchitecture: amd64\nAuto-Installed: 1\n',
    );
    const asked = stateLayer([meta], tree, facts, filters, new Set(['netcat-openbsd']), 'amd64');
    expect(asked.entries.find((e) => e.path === 'var/lib/apt/extended_states')?.data).toEqual(
      Buffer.from(''),
    );
    const status = Buffer.from(byPath.get('var/lib/dpkg/status')!.data!).toString();
    expect(status).toContain('Package: libc6\n');
    expect(status).toMatch(/Package: netcat-openbsd\nStatus: install ok installed\n/);
    // The list names what the package ships, as shipped (dpkg's own view), docs included.
    expect(Buffer.from(byPath.get('var/lib/dpkg/info/netcat-openbsd.list')!.data!).toString()).toBe(
      '/.\n/bin\n/bin/nc.openbsd\n/usr\n/usr/share\n/usr/share/doc\n/usr/share/doc/netcat-openbsd\n/usr/share/doc/netcat-openbsd/changelog.gz\n/usr/share/doc/netcat-openbsd/copyright\n/usr/share/netcat\n/usr/share/netcat/README\n',
    );
    expect(byPath.get('usr/bin/nc')).toMatchObject({
      type: 'symlink',
      linkname: '/etc/alternatives/nc',
    });
    expect(byPath.get('etc/alternatives/nc')).toMatchObject({
      type: 'symlink',
      linkname: '/bin/nc.openbsd',
    });
    expect(byPath.has('bin/nc')).toBe(false);
    expect(byPath.get('var/lib/dpkg/alternatives/nc')).toBeDefined();
  });

  it('adds the user to the base files, copies /etc/skel, owns the workdir, and drops apt lists', () => {
    const plan = makePlan(loadPreset('py-kube').spec);
    const entries = userLayer(plan, tree, facts, 1_700_000_000);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect(Buffer.from(byPath.get('etc/passwd')!.data!).toString()).toBe(
      'root:x:0:0:root:/root:/bin/bash\nkuser:x:1000:1000::/home/kuser:/bin/bash\n',
    );
    expect(byPath.get('etc/shadow')).toMatchObject({ mode: 0o640, gid: 42 });
    expect(Buffer.from(byPath.get('etc/shadow')!.data!).toString()).toContain(
      'kuser:!:19675:0:99999:7:::',
    );
    for (const ids of ['etc/subuid', 'etc/subgid'])
      expect(Buffer.from(byPath.get(ids)!.data!).toString()).toBe('kuser:100000:65536\n');
    expect(byPath.get('home/kuser')).toMatchObject({ type: 'directory', uid: 1000, gid: 1000 });
    expect(byPath.get('home/kuser/.bashrc')).toMatchObject({ uid: 1000, gid: 1000 });
    expect(byPath.get('app')).toMatchObject({ type: 'directory', uid: 1000, gid: 1000 });
    expect(byPath.get('var/lib/apt/lists/.wh.lock')).toBeDefined();
    expect(aptLeftovers(tree).map((e) => e.path)).toEqual(['var/lib/apt/lists/.wh.lock']);
  });

  it.each([
    // [workdir, home]: directories the base has keep their owner (a spec built in code skips the schema).
    ['/etc', '/home/kuser'],
    ['/', '/home/kuser'],
    ['/app', '/usr'],
    ['/usr/share', '/etc'],
  ])('never chowns a directory the base has: workdir %s, home %s', (workdir, home) => {
    const preset = makePlan(loadPreset('py-kube').spec);
    const plan = {
      ...preset,
      spec: { ...preset.spec, workdir },
      user: { ...preset.user, home },
    };
    const entries = userLayer(plan, tree, facts, 1_700_000_000);
    const owned = entries.filter((e) => e.uid === 1000).map((e) => e.path);
    for (const existing of [workdir, home].map((p) => p.replace(/^\//, '')))
      if (tree.get(tree.resolve(existing, true)))
        expect(owned.filter((p) => p === existing || p.startsWith(`${existing}/`))).toEqual([]);
    expect(entries.some((e) => e.path === '' || e.path === 'etc' || e.path === 'usr')).toBe(false);
  });

  it('a hard link whose target the dpkg filters drop becomes a copy, never a link to nothing', () => {
    const doc: DebInput = {
      name: 'linky',
      architecture: 'all',
      source: 'test',
      deb: {
        control: new Map([['control', Buffer.from('Package: linky\nVersion: 1\n')]]),
        files: [
          f('usr/share/doc/linky/README', 'the text', 0o644),
          {
            path: 'usr/share/linky/README',
            type: 'hardlink',
            mode: 0o644,
            uid: 0,
            gid: 0,
            linkname: 'usr/share/doc/linky/README',
          },
        ],
      },
    };
    const entries = debLayer([withMeta(doc)], tree, facts, filters);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect(byPath.has('usr/share/doc/linky/README')).toBe(false);
    expect(byPath.get('usr/share/linky/README')).toMatchObject({ type: 'file', mode: 0o644 });
    expect(Buffer.from(byPath.get('usr/share/linky/README')!.data!).toString()).toBe('the text');
    expect(entries.filter((e) => e.type === 'hardlink')).toEqual([]);
  });

  it('adds missing parents only', () => {
    const out = withParents([f('usr/share/new/deep/file')], tree)
      .map((e) => e.path)
      .sort();
    expect(out).toEqual(['usr/share/new', 'usr/share/new/deep', 'usr/share/new/deep/file']);
  });

  it('keeps an extra repository usable by apt: a dearmored keyring, as gpg --dearmor writes it, and its source', async () => {
    const { publicKey } = await generateKey({
      userIDs: [{ name: 'kubox test' }],
      format: 'armored',
    });
    const keyring = await dearmor(Buffer.from(publicKey));
    const gpg = (
      await execa('gpg', ['--dearmor'], {
        input: publicKey,
        encoding: 'buffer',
        stripFinalNewline: false,
      })
    ).stdout;
    expect(Buffer.from(keyring).equals(gpg)).toBe(true);
    expect(await dearmor(keyring)).toBe(keyring);
    const files = repositoryFiles([
      {
        name: 'kubernetes',
        url: 'https://pkgs.k8s.io/core:/stable:/v1.36/deb/',
        suite: '/',
        components: [],
        keyring,
      },
    ]);
    expect(files.map((e) => e.path)).toEqual([
      'etc/apt/keyrings/kubernetes-apt-keyring.gpg',
      'etc/apt/sources.list.d/kubernetes.list',
    ]);
    expect(Buffer.from(files[1]!.data!).toString()).toBe(
      'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.36/deb/ /\n',
    );
  });
});

describe('cached package metadata', () => {
  it('round-trips, and gets md5sums the way dpkg makes them when a package has none', () => {
    const deb = netcat().deb;
    deb.control.delete('md5sums');
    const meta = debMeta('netcat-openbsd', 'amd64', deb);
    expect(Buffer.from(meta.control.get('md5sums')!).toString()).toContain('  bin/nc.openbsd\n');
    const again = parseDebMeta(formatDebMeta(meta));
    expect(again.paths).toEqual(meta.paths);
    expect(
      Buffer.from(again.control.get('postinst')!).equals(
        Buffer.from(meta.control.get('postinst')!),
      ),
    ).toBe(true);
  });
});

describe('adduser --system, as postinsts run it', () => {
  it('takes the first free system ids, a group with --group, and leaves an existing user alone', async () => {
    const { addSystemUser } = await import('../../../src/dpkg/users.js');
    const files = {
      passwd: 'root:x:0:0:root:/root:/bin/bash\n_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n',
      group: 'root:x:0:\nusers:x:100:\n',
      shadow: 'root:*:19000:0:99999:7:::\n',
      gshadow: 'root:*::\n',
    };
    const redis = addSystemUser(
      files,
      { name: 'redis', home: '/var/lib/redis', group: true },
      { days: 20000 },
    )!;
    expect(redis.user).toEqual({
      name: 'redis',
      uid: 100,
      gid: 101,
      home: '/var/lib/redis',
      shell: '/usr/sbin/nologin',
    });
    expect(redis.files.passwd).toContain('redis:x:100:101::/var/lib/redis:/usr/sbin/nologin\n');
    expect(redis.files.group).toContain('redis:x:101:\n');
    // adduser runs `useradd --system`: locked, no ageing fields (checked with bookworm's adduser).
    expect(redis.files.shadow).toContain('redis:!:20000::::::\n');
    expect(redis.files.gshadow).toContain('redis:!::\n');
    const plain = addSystemUser(redis.files, { name: 'svc', group: false }, { days: 20000 })!;
    expect(plain.user).toMatchObject({ uid: 101, gid: 65534, home: '/nonexistent' });
    expect(addSystemUser(plain.files, { name: 'redis', group: true }, { days: 1 })!.files).toBe(
      plain.files,
    );
    expect(
      addSystemUser(files, { name: 'x', group: false, ingroup: 'nope' }, { days: 1 }),
    ).toBeUndefined();
  });
});
