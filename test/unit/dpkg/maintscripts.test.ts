import { describe, expect, it } from 'vitest';
import { scriptEffects } from '../../../src/dpkg/maintscripts.js';

const scripts = (s: Record<string, string>) =>
  new Map(Object.entries(s).map(([k, v]) => [k, new TextEncoder().encode(v)]));

// The dh_installsystemd/dh_installinit blocks every service package has (redis-server 5:7.0.15).
const SERVICE_POSTINST = `#!/bin/sh
set -e
dpkg-maintscript-helper rm_conffile /etc/redis/redis-server.post-down.d/00_example 4:4.0.2-3\\~ -- "$@"
if [ "$1" = "configure" ] || [ "$1" = "abort-upgrade" ] ; then
	if [ -z "\${DPKG_ROOT:-}" ] && [ -x "/etc/init.d/redis-server" ]; then
		update-rc.d redis-server defaults >/dev/null
		invoke-rc.d --skip-systemd-native redis-server start || exit 1
	fi
	if deb-systemd-helper --quiet was-enabled 'redis-server.service'; then
		deb-systemd-helper enable 'redis-server.service' >/dev/null || true
	fi
	if [ -d /run/systemd/system ]; then
		systemctl --system daemon-reload >/dev/null || true
	fi
fi
`;

describe('scriptEffects', () => {
  it('ignores init-system and upgrade-only commands without a warning', () => {
    const e = scriptEffects('redis-server', scripts({ postinst: SERVICE_POSTINST }));
    expect(e.warnings).toEqual([]);
    expect(e.ignored).toEqual([
      'dpkg-maintscript-helper: only acts on upgrade from older versions',
      'update-rc.d: no init system runs in a container',
      'invoke-rc.d: no init system runs in a container',
      'deb-systemd-helper: no init system runs in a container',
      'systemctl: no init system runs in a container',
    ]);
  });

  it('reads adduser and dpkg-statoverride as effects, and reports what it cannot do', () => {
    const e = scriptEffects(
      'redis-tools',
      scripts({
        postinst: `#!/bin/sh
set -eu
USER="redis"
if [ "$1" = "configure" ]
then
	adduser \\
		--system \\
		--home /var/lib/redis \\
		--quiet \\
		--group \\
		\${USER} || true
	dpkg-statoverride --update --add \${USER} \${USER} 640 /etc/redis/redis.conf
	chown -R \${USER} /var/lib/redis
fi
`,
      }),
    );
    expect(e.systemUsers).toEqual([{ name: 'redis', group: true, home: '/var/lib/redis' }]);
    expect(e.ops).toEqual([
      {
        script: 'postinst',
        op: { op: 'account', account: { name: 'redis', group: true, home: '/var/lib/redis' } },
      },
      {
        script: 'postinst',
        op: {
          op: 'statoverride',
          owner: 'redis',
          group: 'redis',
          mode: 0o640,
          path: '/etc/redis/redis.conf',
          update: true,
        },
      },
    ]);
    expect(e.emulated).toEqual(['adduser', 'dpkg-statoverride']);
    expect(e.warnings).toEqual([
      'redis-tools: postinst runs `chown -R redis /var/lib/redis` (option -R is not emulated); not run',
    ]);
  });

  it('emulates update-alternatives and update-ca-certificates, and reads triggers', () => {
    const e = scriptEffects(
      'mawk',
      scripts({
        postinst:
          '#!/bin/sh\nupdate-alternatives --install /usr/bin/awk awk /usr/bin/mawk 5\nupdate-ca-certificates\n',
        prerm: '#!/bin/sh\nsomething-only-on-removal\n',
        triggers:
          'activate-noawait ldconfig\ninterest-noawait /usr/share/man\nactivate-noawait update-initramfs\n',
      }),
    );
    expect(e.emulated).toEqual(['update-alternatives --install', 'update-ca-certificates']);
    expect(e.ignored).toContain(
      'ldconfig: libraries land in the default search path, which ld.so searches without a cache',
    );
    expect(e.warnings).toEqual([
      "mawk: activates trigger update-initramfs; the interested package's postinst is not run",
    ]);
  });

  it('warns about ldconfig only when the package adds a non-standard library directory', () => {
    const ldconfig = scripts({ triggers: 'activate-noawait ldconfig\n' });
    expect(
      scriptEffects('libfoo1', ldconfig, ['usr/lib/x86_64-linux-gnu/libfoo.so.1']).warnings,
    ).toEqual([]);
    expect(scriptEffects('libc-bin', ldconfig, ['etc/ld.so.conf.d/libc.conf']).warnings).toEqual(
      [],
    );
    expect(
      scriptEffects('fakeroot', ldconfig, ['etc/ld.so.conf.d/fakeroot-x86_64-linux-gnu.conf'])
        .warnings,
    ).toEqual([
      'fakeroot: ships an /etc/ld.so.conf.d file but ldconfig is not run; libraries outside the default search path will not be found',
    ]);
  });

  it('ignores debconf, function calls, case patterns and shell plumbing; warns about unknown commands', () => {
    const e = scriptEffects(
      'pkg',
      scripts({
        config: '#!/bin/sh\n. /usr/share/debconf/confmodule\ndb_input high pkg/q || true\n',
        postinst: `#!/bin/sh
set -e
. /usr/share/debconf/confmodule
helper() {
  echo "$1" | tr ',' '\\n' | sed -e 's/^ *//'
}
case "$1" in
  configure|reconfigure)
    db_get pkg/q
    helper "$RET"
    rm -f /etc/pkg/old.conf
    mknod /dev/pkg c 1 2
  ;;
  abort-upgrade|abort-remove)
  ;;
esac
exit 0
`,
      }),
    );
    expect(e.warnings).toEqual(['pkg: postinst runs `mknod /dev/pkg c 1 2`; not run']);
    expect(e.ignored).toEqual([
      'config: debconf questions take their defaults (noninteractive)',
      'debconf: questions take their defaults (noninteractive)',
      'rm: removes leftovers of older versions, absent on a fresh install',
    ]);
  });
});

describe('case patterns the way Debian scripts write them', () => {
  it('skips "(configure)" and patterns continued over lines, and keeps what follows esac', () => {
    // fix() is never called, so its mv never runs.
    const e = scriptEffects(
      'pkg',
      new Map([
        [
          'postinst',
          Buffer.from(`#!/bin/sh
fix()
(
  case "$file" in
  arch|\\
  available|available-old|\\
  status)
    continue
    ;;
  *)
  esac
  mv "$file" "alternatives/$file"
)
case "$1" in
    (configure)
	update-shells
    ;;
    (abort-upgrade|abort-remove)
    ;;
esac
mknod /dev/pkg c 1 2
`),
        ],
      ]),
    );
    expect(e.warnings).toEqual([
      'pkg: postinst runs `update-shells`; not run',
      'pkg: postinst runs `mknod /dev/pkg c 1 2`; not run',
    ]);
  });
});

describe('case patterns in odd places', () => {
  it('after a keyword, and with "(" on the case line itself; "$2" is empty on a fresh install', () => {
    const e = scriptEffects(
      'pkg',
      new Map([
        [
          'postinst',
          Buffer.from(`#!/bin/sh
if [ -n "$1" ]; then case "$1" in
  (configure) mknod /dev/a c 1 2 ;;
esac; fi
case "$1" in (configure) mknod /dev/b c 1 2 ;; esac
if true; then case "$2" in
  b) mknod /dev/c c 1 2 ;;
esac; fi
`),
        ],
      ]),
    );
    expect(e.warnings).toEqual([
      'pkg: postinst runs `mknod /dev/a c 1 2`; not run',
      'pkg: postinst runs `mknod /dev/b c 1 2`; not run',
    ]);
  });
});
