import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import {
  addSystemAccounts,
  addSystemGroup,
  addUser,
  homeEntries,
  loginDefsHomeMode,
  type UserFiles,
} from '../../../src/dpkg/users.js';

// The tails of debian:bookworm's /etc files.
const BASE: UserFiles = {
  passwd:
    'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  group: 'root:x:0:\nshadow:x:42:\nusers:x:100:\nnogroup:x:65534:\n',
  shadow: 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n',
  gshadow: 'root:*::\nshadow:*::\nusers:*::\nnogroup:*::\n',
};
const kube = { name: 'kube', uid: 1000, gid: 1000, home: '/home/kube', shell: '/bin/bash' };

describe('addUser', () => {
  it('adds the group, the user and their shadow entries like groupadd + useradd', () => {
    const out = addUser(BASE, kube, { days: 20000 });
    expect(out.passwd).toBe(`${BASE.passwd}kube:x:1000:1000::/home/kube:/bin/bash\n`);
    expect(out.group).toBe(`${BASE.group}kube:x:1000:\n`);
    expect(out.shadow).toBe(`${BASE.shadow}kube:!:20000:0:99999:7:::\n`);
    expect(out.gshadow).toBe(`${BASE.gshadow}kube:!::\n`);
  });

  it('reuses an existing group with that gid, and leaves absent shadow files absent', () => {
    const out = addUser(
      { passwd: BASE.passwd, group: BASE.group },
      { ...kube, gid: 100 },
      { days: 1 },
    );
    expect(out.group).toBe(BASE.group);
    expect(out.passwd.endsWith('kube:x:1000:100::/home/kube:/bin/bash\n')).toBe(true);
    expect(out.shadow).toBeUndefined();
    expect(out.gshadow).toBeUndefined();
  });

  it('allocates subordinate ids when the base has /etc/subuid and /etc/subgid', () => {
    const out = addUser({ ...BASE, subuid: 'other:100000:65536\n', subgid: '' }, kube, { days: 1 });
    expect(out.subuid).toBe('other:100000:65536\nkube:165536:65536\n');
    expect(out.subgid).toBe('kube:100000:65536\n');
  });

  it('fails like useradd on a taken name or uid, but accepts the same user again', () => {
    const once = addUser(BASE, kube, { days: 1 });
    expect(addUser(once, kube, { days: 2 })).toBe(once);
    expect(() => addUser(once, { ...kube, shell: '/bin/sh' }, { days: 1 })).toThrow(KuboxError);
    expect(() => addUser(BASE, { ...kube, name: 'other', uid: 65534 }, { days: 1 })).toThrow(
      /uid 65534 .*nobody/,
    );
    expect(() => addUser(BASE, { ...kube, name: 'users', gid: 1000 }, { days: 1 })).toThrow(
      /group "users" already exists/,
    );
  });
});

describe('home', () => {
  it('creates the home with the skel files owned by the user', () => {
    const skel = new Map([
      ['.bashrc', { data: new TextEncoder().encode('# bashrc\n'), mode: 0o100644 }],
      ['.config/x', { data: new Uint8Array(), mode: 0o600 }],
    ]);
    expect(
      homeEntries(kube, skel, { homeMode: 0o755 }).map((e) => [
        e.path,
        e.type,
        e.mode,
        e.uid,
        e.gid,
      ]),
    ).toEqual([
      ['home/kube', 'directory', 0o755, 1000, 1000],
      ['home/kube/.bashrc', 'file', 0o644, 1000, 1000],
      ['home/kube/.config', 'directory', 0o755, 1000, 1000],
      ['home/kube/.config/x', 'file', 0o600, 1000, 1000],
    ]);
  });

  it('reads HOME_MODE, else derives the mode from UMASK', () => {
    expect(loginDefsHomeMode('UMASK\t\t022\n#HOME_MODE\t0700\n')).toBe(0o755);
    expect(loginDefsHomeMode('UMASK 027\nHOME_MODE\t0700\n')).toBe(0o700);
    expect(loginDefsHomeMode('UMASK 027\n')).toBe(0o750);
    expect(loginDefsHomeMode(undefined)).toBe(0o755);
  });

  it.skipIf(!existsSync('/etc/login.defs'))(
    "gives 0755 for this Debian machine's login.defs",
    () => {
      expect(loginDefsHomeMode(readFileSync('/etc/login.defs', 'utf8'))).toBe(0o755);
    },
  );
});

describe('system accounts, as adduser 3.134 (bookworm) writes them', () => {
  it("a system user: useradd --system's shadow line, locked, without ageing fields", () => {
    // Checked by running bookworm's adduser in the python:3.13-slim base:
    // redis:x:100:101::/var/lib/redis:/usr/sbin/nologin, redis:!:DAYS::::::, redis:!::
    const out = addSystemAccounts(BASE, [{ name: 'redis', home: '/var/lib/redis', group: true }], {
      days: 20787,
    });
    expect(out.passwd).toBe(`${BASE.passwd}redis:x:100:101::/var/lib/redis:/usr/sbin/nologin\n`);
    expect(out.group).toBe(`${BASE.group}redis:x:101:\n`);
    expect(out.shadow).toBe(`${BASE.shadow}redis:!:20787::::::\n`);
    expect(out.gshadow).toBe(`${BASE.gshadow}redis:!::\n`);
  });

  it('addgroup --system: the first free system gid; an existing group stays', () => {
    const out = addSystemGroup(BASE, 'kvm')!;
    expect(out.group).toBe(`${BASE.group}kvm:x:101:\n`);
    expect(out.gshadow).toBe(`${BASE.gshadow}kvm:!::\n`);
    expect(addSystemGroup(out, 'kvm')).toBe(out);
    // In order: the group first takes 101, the user 100 with group 102.
    const both = addSystemAccounts(
      BASE,
      [
        { name: 'kvm', group: true, groupOnly: true },
        { name: 'svc', group: true },
      ],
      { days: 1 },
    );
    expect(both.passwd).toContain('svc:x:100:102::/nonexistent:/usr/sbin/nologin\n');
  });
});
