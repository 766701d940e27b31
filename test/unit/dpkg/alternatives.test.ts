import { describe, expect, it } from 'vitest';
import { applyAlternatives } from '../../../src/dpkg/alternatives.js';
import { alternativesFromPostinst } from '../../../src/dpkg/maintscripts.js';

// netcat-openbsd 1.219-1's postinst, verbatim: one literal call with continuations.
const NETCAT = `#!/bin/sh

set -e

if [ "$1" = "configure" ]; then
    update-alternatives \\
        --install /bin/nc nc /bin/nc.openbsd 50 \\
        --slave /bin/netcat netcat /bin/nc.openbsd \\
        --slave /usr/share/man/man1/nc.1.gz nc.1.gz \\
                /usr/share/man/man1/nc_openbsd.1.gz \\
        --slave /usr/share/man/man1/netcat.1.gz netcat.1.gz \\
                /usr/share/man/man1/nc_openbsd.1.gz
fi


exit 0
`;

// The shape of older vim postinsts: a loop over names with a variable variant.
const VIM_LOOP = `#!/bin/sh -e
variant=basic
pri=30
case "$1" in
  configure)
    for i in vi view ex editor; do   # every name
      update-alternatives --install "/usr/bin/$i" "$i" /usr/bin/vim.$variant $pri \\
        --slave /usr/share/man/man1/$i.1.gz $i.1.gz /usr/share/man/man1/vim.1.gz
    done
    update-alternatives --quiet --install /usr/bin/vimdiff vimdiff "/usr/bin/vim.\${variant}" "$pri" 2>/dev/null
    ;;
  abort-upgrade|abort-remove)
    ;;
esac
`;

describe('alternativesFromPostinst', () => {
  it('reads a literal call with line continuations', () => {
    const { alternatives, unparsed } = alternativesFromPostinst(NETCAT);
    expect(unparsed).toBe(false);
    expect(alternatives).toEqual([
      {
        link: '/bin/nc',
        name: 'nc',
        path: '/bin/nc.openbsd',
        priority: 50,
        slaves: [
          { link: '/bin/netcat', name: 'netcat', path: '/bin/nc.openbsd' },
          {
            link: '/usr/share/man/man1/nc.1.gz',
            name: 'nc.1.gz',
            path: '/usr/share/man/man1/nc_openbsd.1.gz',
          },
          {
            link: '/usr/share/man/man1/netcat.1.gz',
            name: 'netcat.1.gz',
            path: '/usr/share/man/man1/nc_openbsd.1.gz',
          },
        ],
      },
    ]);
  });

  it('unrolls for loops and expands plain variables', () => {
    const { alternatives, unparsed } = alternativesFromPostinst(VIM_LOOP);
    expect(unparsed).toBe(false);
    expect(
      alternatives.map((a) => [a.link, a.name, a.path, a.priority, a.slaves[0]?.link]),
    ).toEqual([
      ['/usr/bin/vi', 'vi', '/usr/bin/vim.basic', 30, '/usr/share/man/man1/vi.1.gz'],
      ['/usr/bin/view', 'view', '/usr/bin/vim.basic', 30, '/usr/share/man/man1/view.1.gz'],
      ['/usr/bin/ex', 'ex', '/usr/bin/vim.basic', 30, '/usr/share/man/man1/ex.1.gz'],
      ['/usr/bin/editor', 'editor', '/usr/bin/vim.basic', 30, '/usr/share/man/man1/editor.1.gz'],
      ['/usr/bin/vimdiff', 'vimdiff', '/usr/bin/vim.basic', 30, undefined],
    ]);
  });

  it('reports calls that depend on run-time values, and mentions it cannot read', () => {
    expect(
      alternativesFromPostinst(
        '#!/bin/sh\nupdate-alternatives --install /usr/bin/x x "$(ls /opt/x*)" 10\n',
      ),
    ).toEqual({ alternatives: [], unparsed: true });
    expect(alternativesFromPostinst('#!/bin/sh\neval "update-alternatives $ARGS"\n').unparsed).toBe(
      true,
    );
    // A here-document body is data, not a call; "--remove" installs nothing; comments are not calls.
    expect(
      alternativesFromPostinst(
        '#!/bin/sh\ncat <<EOF\nupdate-alternatives --install a b\nEOF\nupdate-alternatives --remove pager /bin/less\n# update-alternatives --install x\n',
      ),
    ).toEqual({ alternatives: [], unparsed: false });
  });
});

// /var/lib/dpkg/alternatives/pager on bookworm with util-linux's more only.
const PAGER_MORE = `auto
/usr/bin/pager
pager.1.gz
/usr/share/man/man1/pager.1.gz

/bin/more
50
/usr/share/man/man1/more.1.gz

`;

describe('applyAlternatives', () => {
  const exists = (paths: string[]) => (p: string) => paths.includes(p);

  it('merges a new choice into the base group, in the format update-alternatives writes', () => {
    const less = alternativesFromPostinst(
      'update-alternatives --quiet --install /usr/bin/pager pager \\\n  /usr/bin/less 77 --slave /usr/share/man/man1/pager.1.gz \\\n  pager.1.gz /usr/share/man/man1/less.1.gz\n',
    ).alternatives;
    const { entries, warnings } = applyAlternatives(
      new Map([['pager', PAGER_MORE]]),
      less,
      exists(['/bin/more', '/usr/bin/less', '/usr/share/man/man1/less.1.gz']),
    );
    expect(warnings).toEqual([]);
    const admin = entries.find((e) => e.path === 'var/lib/dpkg/alternatives/pager')!;
    // Exactly what a bookworm system with more and less installed has.
    expect(new TextDecoder().decode(admin.data)).toBe(`auto
/usr/bin/pager
pager.1.gz
/usr/share/man/man1/pager.1.gz

/bin/more
50
/usr/share/man/man1/more.1.gz
/usr/bin/less
77
/usr/share/man/man1/less.1.gz

`);
    expect(entries.filter((e) => e.type === 'symlink').map((e) => [e.path, e.linkname])).toEqual([
      ['etc/alternatives/pager', '/usr/bin/less'],
      ['usr/bin/pager', '/etc/alternatives/pager'],
      ['etc/alternatives/pager.1.gz', '/usr/share/man/man1/less.1.gz'],
      ['usr/share/man/man1/pager.1.gz', '/etc/alternatives/pager.1.gz'],
    ]);
  });

  it('picks the highest priority across packages and skips slaves whose file is absent', () => {
    const tiny = alternativesFromPostinst(
      'update-alternatives --install /usr/bin/vi vi /usr/bin/vim.tiny 15 --slave /usr/share/man/man1/vi.1.gz vi.1.gz /usr/share/man/man1/vim.1.gz\n',
    ).alternatives;
    const basic = alternativesFromPostinst(
      'update-alternatives --install /usr/bin/vi vi /usr/bin/vim.basic 30 --slave /usr/share/man/man1/vi.1.gz vi.1.gz /usr/share/man/man1/vim.1.gz\n',
    ).alternatives;
    // Man pages excluded by dpkg path-exclude, as in slim images.
    const { entries } = applyAlternatives(
      new Map(),
      [...tiny, ...basic],
      exists(['/usr/bin/vim.tiny', '/usr/bin/vim.basic']),
    );
    const admin = new TextDecoder().decode(
      entries.find((e) => e.path.endsWith('alternatives/vi') && e.type === 'file')!.data,
    );
    expect(admin).toBe(
      'auto\n/usr/bin/vi\nvi.1.gz\n/usr/share/man/man1/vi.1.gz\n\n' +
        '/usr/bin/vim.basic\n30\n/usr/share/man/man1/vim.1.gz\n/usr/bin/vim.tiny\n15\n/usr/share/man/man1/vim.1.gz\n\n',
    );
    expect(entries.filter((e) => e.type === 'symlink').map((e) => [e.path, e.linkname])).toEqual([
      ['etc/alternatives/vi', '/usr/bin/vim.basic'],
      ['usr/bin/vi', '/etc/alternatives/vi'],
    ]);
  });

  it('keeps a manual selection, refuses missing targets, and does not replace a real file', () => {
    const manual = PAGER_MORE.replace(/^auto/, 'manual');
    const less = {
      link: '/usr/bin/pager',
      name: 'pager',
      path: '/usr/bin/less',
      priority: 77,
      slaves: [],
    };
    const kept = applyAlternatives(
      new Map([['pager', manual]]),
      [less],
      exists(['/bin/more', '/usr/bin/less']),
    );
    expect(kept.entries.map((e) => e.path)).toEqual(['var/lib/dpkg/alternatives/pager']);

    const missing = applyAlternatives(new Map(), [{ ...less, path: '/usr/bin/nope' }], () => false);
    expect(missing.entries).toEqual([]);
    expect(missing.warnings[0]).toMatch(/\/usr\/bin\/nope does not exist/);

    const file = applyAlternatives(
      new Map(),
      [less],
      exists(['/usr/bin/less']),
      (p) => p === '/usr/bin/pager',
    );
    expect(file.entries.map((e) => e.path)).toEqual([
      'var/lib/dpkg/alternatives/pager',
      'etc/alternatives/pager',
    ]);
    expect(file.warnings[0]).toMatch(/\/usr\/bin\/pager is a regular file/);
  });
});
