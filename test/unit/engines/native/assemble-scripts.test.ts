/**
 * Maintainer-script effects in the native engine's state layer, on a
 * hand-made redis-like package and a small bookworm-shaped base: the layer
 * carries the directories and the config the postinsts change, whole, and
 * dpkg's statoverride; the user layer the accounts.
 */
import { describe, expect, it } from 'vitest';
import type { Deb } from '../../../../src/debian/deb.js';
import {
  scriptDebs,
  stateLayer,
  systemAccounts,
  userLayer,
  type DebInput,
} from '../../../../src/engines/native/assemble.js';
import { debMeta } from '../../../../src/engines/native/deb-meta.js';
import { parseDpkgFilters } from '../../../../src/engines/native/dpkg-filter.js';
import { baseFacts } from '../../../../src/engines/native/facts.js';
import { BaseTree } from '../../../../src/oci/base-tree.js';
import type { FileEntry } from '../../../../src/oci/file-entry.js';
import { makePlan } from '../../../../src/plan/plan.js';
import { loadPreset } from '../../../../src/spec/load.js';

function base(): BaseTree {
  const t = new BaseTree();
  const dir = { type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0 } as const;
  for (const d of [
    'etc',
    'etc/skel',
    'usr',
    'usr/bin',
    'var',
    'var/lib',
    'var/lib/dpkg',
    'var/log',
    'home',
  ])
    t.set(d, dir);
  t.set('bin', { type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, linkname: 'usr/bin' });
  const put = (path: string, body: string, mode = 0o644) =>
    t.set(path, { type: 'file', mode, uid: 0, gid: 0, size: body.length }, Buffer.from(body));
  put('etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n');
  put('etc/group', 'root:x:0:\nadm:x:4:\nshadow:x:42:\nusers:x:100:\n');
  put('etc/shadow', 'root:*:19000:0:99999:7:::\n', 0o640);
  put('etc/gshadow', 'root:*::\nadm:*::\nshadow:*::\nusers:*::\n', 0o640);
  put('etc/os-release', 'ID=debian\nVERSION_CODENAME=bookworm\n');
  put('var/lib/dpkg/status', '');
  put('var/lib/dpkg/diversions', '/bin/sh\n/bin/sh.distrib\ndash\n');
  return t;
}

const file = (path: string, data: string, mode = 0o644): FileEntry => ({
  path,
  type: 'file',
  mode,
  uid: 0,
  gid: 0,
  data: Buffer.from(data),
});
const dir = (path: string): FileEntry => ({ path, type: 'directory', mode: 0o755, uid: 0, gid: 0 });

/** redis-tools' and redis-server's postinsts in one package, and the files they act on. */
function redis(): DebInput {
  const postinst = `#!/bin/sh
set -eu
USER="redis"
Setup_dir () {
	DIR="\${1}"; MODE="\${2}"; GROUP="\${3}"
	mkdir -p \${DIR}
	if ! dpkg-statoverride --list \${DIR} >/dev/null 2>&1
	then
		chown \${USER}:\${GROUP} \${DIR}
		chmod \${MODE} \${DIR}
	fi
}
if [ "$1" = "configure" ]
then
	adduser --system --home /var/lib/redis --quiet --group \${USER} || true
	Setup_dir /var/log/redis 2750 adm
	Setup_dir /var/lib/redis 750 \${USER}
	Setup_dir /etc/redis 2770 \${USER}
	if ! dpkg-statoverride --list /etc/redis/redis.conf >/dev/null 2>&1
	then
		dpkg-statoverride --update --add redis redis 640 /etc/redis/redis.conf
	fi
fi
if [ "$1" = "configure" ] && [ -n "$2" ]; then chmod 600 /etc/redis/redis.conf; fi
`;
  const deb: Deb = {
    control: new Map([
      ['control', Buffer.from('Package: redis-server\nVersion: 5:7.0.15-1\nArchitecture: amd64\n')],
      ['postinst', Buffer.from(postinst)],
      [
        'preinst',
        Buffer.from(
          '#!/bin/sh\nset -e\ndpkg-divert --package redis-server --add --rename --divert /usr/bin/redis.real /bin/redis\n',
        ),
      ],
    ]),
    files: [
      dir('etc'),
      dir('etc/redis'),
      file('etc/redis/redis.conf', 'daemonize yes\n'),
      dir('usr'),
      dir('usr/bin'),
      file('usr/bin/redis-server', 'ELF', 0o755),
    ],
  };
  return { name: 'redis-server', architecture: 'amd64', source: 'debian', deb };
}

const brief = (e: FileEntry) => `${e.type} ${e.path} ${e.uid}:${e.gid} ${e.mode.toString(8)}`;

describe('maintainer-script effects in the state layer', () => {
  const tree = base();
  const facts = baseFacts(tree, 'python:3.13-slim@sha256:x');
  const filters = parseDpkgFilters(facts.dpkgFilters);
  const meta = debMeta('redis-server', 'amd64', redis().deb);

  it('names the packages whose files the scripts change', () => {
    expect([...scriptDebs([meta], tree, facts)]).toEqual(['redis-server']);
  });

  it('does not name a package for diverting its own path: the rename moves only what the base has', () => {
    // vim-runtime's preinst diverts vim-tiny's help file to the path it ships itself.
    const help = 'usr/share/vim/vim90/doc/help.txt';
    const vimRuntime: Deb = {
      control: new Map([
        ['control', Buffer.from('Package: vim-runtime\nVersion: 2:9.0\nArchitecture: all\n')],
        [
          'preinst',
          Buffer.from(
            `#!/bin/sh\nset -e\nif [ "$1" = install ]; then\n  dpkg-divert --package vim-runtime --add --rename --divert /${help}.vim-tiny /${help}\nfi\n`,
          ),
        ],
      ]),
      files: [dir('usr'), dir('usr/share'), dir('usr/share/vim'), file(help, 'help')],
    };
    const vim = debMeta('vim-runtime', 'all', vimRuntime);
    expect([...scriptDebs([vim], tree, facts)]).toEqual([]);
    // Its .deb not read again, the state layer records the diversion all the same.
    const unread = stateLayer([vim], tree, facts, filters, new Set(), 'amd64');
    const read = stateLayer([vim], tree, facts, filters, new Set(), 'amd64', [
      { name: 'vim-runtime', architecture: 'all', source: 'debian', deb: vimRuntime },
    ]);
    expect(unread).toEqual(read);
    const diversions = unread.entries.find((e) => e.path === 'var/lib/dpkg/diversions')!;
    expect(Buffer.from(diversions.data!).toString()).toContain(
      `/${help}\n/${help}.vim-tiny\nvim-runtime\n`,
    );
  });

  it('carries the directories and the config as the postinst leaves them, and dpkg records', () => {
    const layer = () => stateLayer([meta], tree, facts, filters, new Set(), 'amd64', [redis()]);
    const { entries, warnings } = layer();
    expect(warnings).toEqual([]);
    const scripted = entries.filter((e) => /redis|statoverride|diversions/.test(e.path));
    expect(scripted.map(brief)).toEqual([
      'directory etc/redis 100:101 2770',
      'file etc/redis/redis.conf 100:101 640',
      'directory var/lib/redis 100:101 750',
      'directory var/log/redis 100:4 2750',
      'file var/lib/dpkg/statoverride 0:0 644',
      'file var/lib/dpkg/diversions 0:0 644',
    ]);
    const text = (p: string) => Buffer.from(entries.find((e) => e.path === p)!.data!).toString();
    // The upgrade-only chmod 600 did not run; the file's content is the package's.
    expect(text('etc/redis/redis.conf')).toBe('daemonize yes\n');
    expect(text('var/lib/dpkg/statoverride')).toBe('redis redis 640 /etc/redis/redis.conf\n');
    // In dpkg's order (its file-name hash), the base's entry kept.
    expect(text('var/lib/dpkg/diversions')).toBe(
      '/bin/redis\n/usr/bin/redis.real\nredis-server\n/bin/sh\n/bin/sh.distrib\ndash\n',
    );
    // The same input gives the same entries.
    expect(layer().entries).toEqual(entries);
  });

  it('warns instead of guessing when a changed file is not at hand', () => {
    const { warnings } = stateLayer([meta], tree, facts, filters, new Set(), 'amd64');
    expect(warnings).toEqual([
      'redis-server: postinst applies a statoverride to /etc/redis/redis.conf, whose content is not at hand; not emulated',
    ]);
  });

  it('says once that a postinst calls update-alternatives in a way kubox cannot follow', () => {
    const odd = debMeta('odd', 'all', {
      control: new Map([
        ['control', Buffer.from('Package: odd\nVersion: 1\nArchitecture: all\n')],
        [
          'postinst',
          Buffer.from('#!/bin/sh\nupdate-alternatives --install /usr/bin/x x "$(pick)" 50\n'),
        ],
      ]),
      files: [],
    });
    const { warnings } = stateLayer([odd], tree, facts, filters, new Set(), 'amd64');
    expect(warnings.filter((w) => w.includes('in a way kubox cannot follow'))).toEqual([
      'odd: postinst calls update-alternatives in a way kubox cannot follow; its links are missing',
    ]);
  });

  it('lists system accounts in the order the scripts run: every preinst, then every postinst', () => {
    const pkg = (name: string, preinst: string, postinst: string) =>
      debMeta(name, 'all', {
        control: new Map([
          ['control', Buffer.from(`Package: ${name}\nVersion: 1\nArchitecture: all\n`)],
          ['preinst', Buffer.from(`#!/bin/sh\n${preinst}\n`)],
          ['postinst', Buffer.from(`#!/bin/sh\n${postinst}\n`)],
        ]),
        files: [],
      });
    const accounts = systemAccounts([
      pkg('a', ':', 'adduser --system a-post'),
      pkg('b', 'addgroup --system b-pre', ':'),
    ]);
    expect(accounts.map((a) => a.name)).toEqual(['b-pre', 'a-post']);
    expect(systemAccounts([meta])).toEqual([
      { name: 'redis', group: true, home: '/var/lib/redis' },
    ]);
  });

  it('leaves the system user to the user layer, with the same ids, and without its home', () => {
    const plan = makePlan(loadPreset('py-kube').spec);
    const entries = userLayer(plan, tree, facts, 1_700_000_000, [
      { name: 'redis', home: '/var/lib/redis', group: true },
    ]);
    const text = (p: string) => Buffer.from(entries.find((e) => e.path === p)!.data!).toString();
    expect(text('etc/passwd')).toContain('redis:x:100:101::/var/lib/redis:/usr/sbin/nologin\n');
    expect(text('etc/shadow')).toContain('redis:!:19675::::::\n');
    expect(entries.some((e) => e.path === 'var/lib/redis')).toBe(false);
  });
});
