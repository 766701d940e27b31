import { describe, expect, it } from 'vitest';
import { applyMode, scriptOps } from '../../../src/dpkg/script-ops.js';

const ops = (line: string, pkg = 'pkg') => {
  const [cmd, ...args] = line.split(' ');
  return scriptOps(cmd!, args, pkg);
};

describe('script commands read as file-system effects', () => {
  it('mkdir, with -p and -m', () => {
    expect(ops('mkdir -p /var/log/redis /run/x')).toEqual([
      { op: 'mkdir', path: '/var/log/redis', reapply: false },
      { op: 'mkdir', path: '/run/x', reapply: false },
    ]);
    expect(ops('mkdir -pm 0700 /a')).toEqual([
      { op: 'mkdir', path: '/a', mode: '0700', reapply: false },
    ]);
    expect(ops('mkdir --mode=750 /a')).toEqual([
      { op: 'mkdir', path: '/a', mode: '750', reapply: false },
    ]);
  });

  it('install -d with -m, -o and -g; install without -d copies files and is not read', () => {
    expect(ops('install -d -m 2750 -o redis -g adm /var/log/redis')).toEqual([
      {
        op: 'mkdir',
        path: '/var/log/redis',
        mode: '2750',
        owner: 'redis',
        group: 'adm',
        reapply: true,
      },
    ]);
    expect(ops('install -m 644 /a /b')).toBe('install without -d copies files');
  });

  it('chown user[:group], chown :group, chgrp; -R is not emulated', () => {
    expect(ops('chown redis:adm /var/log/redis')).toEqual([
      { op: 'chown', path: '/var/log/redis', owner: 'redis', group: 'adm' },
    ]);
    expect(ops('chown redis /a')).toEqual([{ op: 'chown', path: '/a', owner: 'redis' }]);
    expect(ops('chown :adm /a')).toEqual([{ op: 'chown', path: '/a', group: 'adm' }]);
    expect(ops('chgrp adm /a')).toEqual([{ op: 'chown', path: '/a', group: 'adm' }]);
    expect(ops('chown -R redis /a')).toBe('option -R is not emulated');
    expect(ops('chown redis a')).toBe('a relative path (the working directory is not known)');
  });

  it('chmod, octal and symbolic, "-x" as a mode', () => {
    expect(ops('chmod 2770 /etc/redis')).toEqual([
      { op: 'chmod', path: '/etc/redis', mode: '2770' },
    ]);
    expect(ops('chmod g+s,o-rwx /a')).toEqual([{ op: 'chmod', path: '/a', mode: 'g+s,o-rwx' }]);
    expect(ops('chmod -x /a')).toEqual([{ op: 'chmod', path: '/a', mode: '-x' }]);
    expect(ops('chmod -R 755 /a')).toBe('option -R is not emulated');
    expect(ops('chmod u+rw+x /a')).toBe('mode "u+rw+x" is not emulated');
  });

  it('ln -s[f]; a hard link is not emulated', () => {
    expect(ops('ln -sf ../lib/x /usr/bin/x')).toEqual([
      { op: 'symlink', target: '../lib/x', path: '/usr/bin/x', force: true },
    ]);
    expect(ops('ln -s /a /b')).toEqual([{ op: 'symlink', target: '/a', path: '/b', force: false }]);
    expect(ops('ln /a /b')).toBe('a hard link is not emulated');
  });

  it('touch', () => {
    expect(ops('touch /var/log/x.log')).toEqual([{ op: 'touch', path: '/var/log/x.log' }]);
    expect(ops('touch -d yesterday /a')).toBe('option -d is not emulated');
  });

  it('dpkg-statoverride --add [--update]', () => {
    expect(ops('dpkg-statoverride --update --add redis redis 640 /etc/redis/redis.conf')).toEqual([
      {
        op: 'statoverride',
        owner: 'redis',
        group: 'redis',
        mode: 0o640,
        path: '/etc/redis/redis.conf',
        update: true,
      },
    ]);
    expect(ops('dpkg-statoverride --add root adm 0750 /usr/bin/x/')).toEqual([
      {
        op: 'statoverride',
        owner: 'root',
        group: 'adm',
        mode: 0o750,
        path: '/usr/bin/x',
        update: false,
      },
    ]);
    expect(ops('dpkg-statoverride --add root adm u+x /x')).toBe('mode "u+x" is not octal');
  });

  it("dpkg-divert --add: --package, --local, or the script's package; --divert or .distrib", () => {
    expect(
      ops(
        'dpkg-divert --package vim-runtime --add --rename --divert /d/help.txt.vim-tiny /d/help.txt',
      ),
    ).toEqual([
      {
        op: 'divert',
        path: '/d/help.txt',
        divertTo: '/d/help.txt.vim-tiny',
        package: 'vim-runtime',
        rename: true,
      },
    ]);
    expect(ops('dpkg-divert --add /bin/sh', 'dash')).toEqual([
      {
        op: 'divert',
        path: '/bin/sh',
        divertTo: '/bin/sh.distrib',
        package: 'dash',
        rename: false,
      },
    ]);
    expect(ops('dpkg-divert --local --add --divert=/x.real /x')).toEqual([
      { op: 'divert', path: '/x', divertTo: '/x.real', package: ':', rename: false },
    ]);
  });

  it('adduser --system and addgroup --system; a login user is not emulated', () => {
    expect(ops('adduser --system --home /var/lib/redis --quiet --group redis')).toEqual([
      { op: 'account', account: { name: 'redis', group: true, home: '/var/lib/redis' } },
    ]);
    expect(ops('addgroup --system --quiet kvm')).toEqual([
      { op: 'account', account: { name: 'kvm', group: true, groupOnly: true } },
    ]);
    expect(ops('adduser bob')).toBe('adduser without --system is not emulated');
  });

  it('a word only known at run time makes the call unknown', () => {
    expect(scriptOps('chown', ['redis', undefined], 'pkg')).toBe(
      'a word is only known at run time',
    );
  });
});

describe('applyMode', () => {
  it('octal replaces the bits; a directory keeps set-id bits under 5 digits, as GNU chmod', () => {
    expect(applyMode(0o644, '640', false)).toBe(0o640);
    expect(applyMode(0o755, '2770', true)).toBe(0o2770);
    expect(applyMode(0o2755, '750', true)).toBe(0o2750);
    expect(applyMode(0o2755, '00750', true)).toBe(0o750);
    expect(applyMode(0o4755, '755', false)).toBe(0o755);
  });

  it('symbolic clauses, in order', () => {
    expect(applyMode(0o644, '+x', false)).toBe(0o755);
    expect(applyMode(0o755, 'g+s', true)).toBe(0o2755);
    expect(applyMode(0o777, 'o-rwx,g-w', false)).toBe(0o750);
    expect(applyMode(0o644, 'u=rwx,go=', false)).toBe(0o700);
    expect(applyMode(0o644, 'a+X', false)).toBe(0o644);
    expect(applyMode(0o744, 'a+X', false)).toBe(0o755);
    // Without who, the umask (022 under dpkg) applies: +w is the owner's only.
    expect(applyMode(0o444, '+w', false)).toBe(0o644);
    expect(applyMode(0o444, 'a+w', false)).toBe(0o666);
  });
});
