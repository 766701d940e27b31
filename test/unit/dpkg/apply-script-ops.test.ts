import { describe, expect, it } from 'vitest';
import { applyScriptOps, type OpsInput, type RunOp } from '../../../src/dpkg/apply-script-ops.js';
import { formatDiversions, parseDiversions } from '../../../src/dpkg/diversions.js';
import { scriptOps, type ScriptOp } from '../../../src/dpkg/script-ops.js';
import { formatStatOverrides, parseStatOverrides } from '../../../src/dpkg/statoverride.js';
import type { FileEntry } from '../../../src/oci/file-entry.js';

const dir = (path: string, mode = 0o755, uid = 0, gid = 0): FileEntry => ({
  path,
  type: 'directory',
  mode,
  uid,
  gid,
});
const file = (path: string, text: string, mode = 0o644): FileEntry => ({
  path,
  type: 'file',
  mode,
  uid: 0,
  gid: 0,
  data: Buffer.from(text),
});

/** The image before the scripts: a base with etc, var/log, a dash diversion; redis-server's files. */
const BASE = new Map<string, FileEntry>(
  [
    dir('etc'),
    dir('var'),
    dir('var/log'),
    dir('var/lib'),
    dir('usr'),
    dir('usr/share'),
    file('usr/share/doc.txt', 'base doc'),
  ].map((e) => [e.path, e]),
);
const UNPACKED = new Map<string, FileEntry>(
  [dir('etc/redis'), file('etc/redis/redis.conf', 'bind 127.0.0.1\n')].map((e) => [e.path, e]),
);

/** Ops read from script lines, as the scripts of `pkg` run them. */
function steps(pkg: string, script: string, lines: string[]): RunOp[] {
  return lines.flatMap((line) => {
    const [cmd, ...args] = line.split(' ');
    const read = scriptOps(cmd!, args, pkg);
    if (typeof read === 'string') throw new Error(read);
    return read.map((op: ScriptOp) => ({ pkg, script, op }));
  });
}

function apply(ops: RunOp[], over: Partial<OpsInput> = {}) {
  return applyScriptOps({
    ops,
    lookup: (p) => UNPACKED.get(p) ?? BASE.get(p),
    base: (p) => BASE.get(p),
    shippedBy: (p) => (UNPACKED.has(p) ? ['redis-server'] : []),
    canonical: (p) => p.replace(/^\/+/, ''),
    users: {
      passwd: 'root:x:0:0::/root:/bin/bash\nredis:x:100:101::/var/lib/redis:/usr/sbin/nologin\n',
      group: 'root:x:0:\nadm:x:4:\nredis:x:101:\n',
    },
    statoverride: '',
    diversions: '/bin/sh\n/bin/sh.distrib\ndash\n',
    ...over,
  });
}

const brief = (e: FileEntry) =>
  `${e.type} ${e.path} ${e.uid}:${e.gid} ${e.mode.toString(8)}${e.linkname ? ` -> ${e.linkname}` : ''}`;

describe('maintainer-script effects applied', () => {
  it("redis-tools' and redis-server's postinsts", () => {
    const { entries, removed, warnings } = apply([
      ...steps('redis-tools', 'postinst', [
        'adduser --system --home /var/lib/redis --quiet --group redis',
        'mkdir -p /var/log/redis',
        'chown redis:adm /var/log/redis',
        'chmod 2750 /var/log/redis',
        'mkdir -p /var/lib/redis',
        'chown redis:redis /var/lib/redis',
        'chmod 750 /var/lib/redis',
        'mkdir -p /etc/redis',
        'chown redis:redis /etc/redis',
        'chmod 2770 /etc/redis',
      ]),
      ...steps('redis-server', 'postinst', [
        'dpkg-statoverride --update --add redis redis 640 /etc/redis/redis.conf',
      ]),
    ]);
    expect(warnings).toEqual([]);
    expect(removed).toEqual([]);
    expect(entries.map(brief)).toEqual([
      'directory etc/redis 100:101 2770',
      'file etc/redis/redis.conf 100:101 640',
      'file run/adduser 0:0 644',
      'directory var/lib/redis 100:101 750',
      'directory var/log/redis 100:4 2750',
      'file var/lib/dpkg/statoverride 0:0 644',
    ]);
    // A changed file rides whole in the layer.
    expect(Buffer.from(entries[1]!.data!).toString()).toBe('bind 127.0.0.1\n');
    expect(Buffer.from(entries[5]!.data!).toString()).toBe(
      'redis redis 640 /etc/redis/redis.conf\n',
    );
  });

  it('mkdir makes parents 0755 root and leaves an existing directory; install -d resets it', () => {
    const made = apply(
      steps('p', 'postinst', ['mkdir -p -m 700 /var/cache/p/sub', 'mkdir -m 700 /etc']),
    );
    expect(made.entries.map(brief)).toEqual([
      'directory var/cache 0:0 755',
      'directory var/cache/p 0:0 755',
      'directory var/cache/p/sub 0:0 700',
    ]);
    const installed = apply(
      steps('p', 'postinst', ['install -d -m 2750 -o redis -g adm /etc/redis']),
    );
    expect(installed.entries.map(brief)).toEqual(['directory etc/redis 100:4 2750']);
  });

  it('chgrp, symbolic chmod, ln -s[f], touch', () => {
    const { entries, warnings } = apply(
      steps('p', 'postinst', [
        'chgrp adm /etc/redis/redis.conf',
        'chmod g+w,o-r /etc/redis/redis.conf',
        'ln -s ../share/doc.txt /usr/doc.txt',
        'ln -s elsewhere /usr/share/doc.txt',
        'ln -sf new /usr/share/doc.txt',
        'touch /var/log/p.log',
        'touch /usr/share/doc.txt',
      ]),
    );
    expect(warnings).toEqual([]);
    expect(entries.map(brief)).toEqual([
      'file etc/redis/redis.conf 0:4 660',
      'symlink usr/doc.txt 0:0 777 -> ../share/doc.txt',
      'symlink usr/share/doc.txt 0:0 777 -> new',
      'file var/log/p.log 0:0 644',
    ]);
  });

  it('warns, naming the package, where the command would fail or cannot be followed', () => {
    const { entries, warnings } = apply(
      steps('p', 'postinst', [
        'chown nobody /etc/redis',
        'chmod 600 /etc/missing',
        'dpkg-statoverride --add redis redis 600 /etc/redis/redis.conf',
        'dpkg-statoverride --add redis redis 640 /etc/redis/redis.conf',
      ]),
      {
        lookup: (p) =>
          p === 'etc/redis/redis.conf'
            ? { ...UNPACKED.get(p)!, data: undefined }
            : (UNPACKED.get(p) ?? BASE.get(p)),
      },
    );
    expect(warnings).toEqual([
      'p: postinst gives /etc/redis to nobody:, who does not exist; not emulated',
      'p: postinst changes the mode of /etc/missing, which does not exist; not emulated',
      'p: postinst adds a second statoverride for /etc/redis/redis.conf; not emulated',
    ]);
    // Without --update only the record is written.
    expect(entries.map(brief)).toEqual(['file var/lib/dpkg/statoverride 0:0 644']);
  });

  it('applies an override a preinst adds to the file the install unpacks after it', () => {
    const { entries } = apply(
      steps('redis-server', 'preinst', [
        'dpkg-statoverride --add redis adm 600 /etc/redis/redis.conf',
        'dpkg-statoverride --add redis adm 700 /etc/other',
      ]),
    );
    expect(entries.map(brief)).toEqual([
      'file etc/redis/redis.conf 100:4 600',
      'file var/lib/dpkg/statoverride 0:0 644',
    ]);
  });

  it("records diversions in dpkg's order, keeping the base's; --rename moves a base file", () => {
    const { entries, removed, warnings } = apply(
      steps('vim-runtime', 'preinst', [
        'dpkg-divert --package vim-runtime --add --rename --divert /usr/share/vim/vim90/doc/help.txt.vim-tiny /usr/share/vim/vim90/doc/help.txt',
        'dpkg-divert --package vim-runtime --add --rename --divert /usr/share/vim/vim90/doc/tags.vim-tiny /usr/share/vim/vim90/doc/tags',
        'dpkg-divert --package other --add --rename --divert /usr/share/doc.txt.real /usr/share/doc.txt',
      ]),
    );
    expect(warnings).toEqual([]);
    expect(removed).toEqual(['usr/share/doc.txt']);
    expect(entries.map(brief)).toEqual([
      'file usr/share/doc.txt.real 0:0 644',
      'file var/lib/dpkg/diversions 0:0 644',
    ]);
    expect(Buffer.from(entries[0]!.data!).toString()).toBe('base doc');
    expect(Buffer.from(entries[1]!.data!).toString()).toBe(
      [
        '/usr/share/vim/vim90/doc/help.txt',
        '/usr/share/vim/vim90/doc/help.txt.vim-tiny',
        'vim-runtime',
        '/usr/share/vim/vim90/doc/tags',
        '/usr/share/vim/vim90/doc/tags.vim-tiny',
        'vim-runtime',
        '/bin/sh',
        '/bin/sh.distrib',
        'dash',
        '/usr/share/doc.txt',
        '/usr/share/doc.txt.real',
        'other',
        '',
      ].join('\n'),
    );
  });

  it("creates a system user home 0755 unless it exists, and adduser's lock file; nothing else", () => {
    const { entries } = apply(
      steps('redis-tools', 'postinst', [
        'adduser --system --home /var/lib/redis --group redis',
        'adduser --system --home /etc/redis --group redis',
        'addgroup --system redis',
      ]),
    );
    expect(entries.map(brief)).toEqual([
      'file run/adduser 0:0 644',
      'directory var/lib/redis 100:101 755',
    ]);
  });
});

describe("dpkg's database files", () => {
  it("are written in the order dpkg 1.21 wrote them (bookworm's dpkg-statoverride and dpkg-divert)", () => {
    // Added in this order in a bookworm container; dpkg wrote them out as listed here.
    const added = ['/etc/redis/redis.conf', '/var/log/x', '/etc', '/usr/bin/zz', '/a', '/b', '/c'];
    const written = [
      '/etc',
      '/a',
      '/c',
      '/b',
      '/usr/bin/zz',
      '/var/log/x',
      '/etc/redis/redis.conf',
    ];
    const text = formatStatOverrides(
      added.map((path) => ({ owner: 'root', group: 'adm', mode: 0o640, path })),
    );
    expect(text).toBe(written.map((p) => `root adm 640 ${p}\n`).join(''));
    expect(parseStatOverrides(text).map((o) => o.path)).toEqual(written);

    const diverted = parseDiversions(
      '/bin/sh\n/bin/sh.distrib\ndash\n/usr/share/vim/vim90/doc/help.txt\n/h\nvim-runtime\n/usr/share/vim/vim90/doc/tags\n/t\nvim-runtime\n/usr/bin/zz\n/usr/bin/zz.x\n:\n/aaa\n/aaa.real\nfoo\n',
    );
    expect(
      formatDiversions(diverted)
        .split('\n')
        .filter((_, i) => i % 3 === 0),
    ).toEqual([
      '/usr/share/vim/vim90/doc/help.txt',
      '/aaa',
      '/usr/share/vim/vim90/doc/tags',
      '/bin/sh',
      '/usr/bin/zz',
      '',
    ]);
  });
});
