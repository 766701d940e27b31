import { describe, expect, it } from 'vitest';
import { scriptCommands } from '../../../src/dpkg/script-commands.js';

const words = (script: string) => scriptCommands(script).commands.map((c) => c.words);

describe('scriptCommands', () => {
  it('binds assignments and declarations, and leaves run-time values unknown', () => {
    expect(
      words(`#!/bin/sh
a=1
local b="$a"2 c=x
d=$(hostname)
b+=3
run $a $b $c $d "$1"
A=1 run2
`),
    ).toEqual([
      ['run', '1', '123', 'x', undefined, undefined],
      ['A=1', 'run2'],
    ]);
  });

  it('unrolls loops over known words, once with the variable unknown otherwise', () => {
    expect(words('for i in a "b c"; do x $i; done\nfor j in $(ls); do y $j; done')).toEqual([
      ['x', 'a'],
      ['x', 'b c'],
      ['y', undefined],
    ]);
  });

  it('lists every branch without arguments, not the commands of substitutions, here documents or uncalled functions', () => {
    const read = scriptCommands(`#!/bin/sh
helper() { echo "$1"; }
if [ "$(id -u)" = 0 ]; then a; else b; fi
case "$1" in (configure) c ;; *) d ;; esac
cat <<EOF
e
EOF
`);
    expect(read.commands.map((c) => c.words[0])).toEqual(['[', 'a', 'b', 'c', 'd', 'cat']);
    expect([...read.functions]).toEqual(['helper']);
  });
});

/** The words of the commands a fresh install runs: `postinst configure` unless told. */
const run = (script: string, args: string[] = ['configure']) =>
  scriptCommands(script, { args })
    .commands.map((c) => c.words.map((w) => w ?? '?').join(' '))
    .filter((c) => !c.startsWith('[ '));

describe('conditions a fresh install decides', () => {
  it('[ "$1" = configure ], != and == fire on their argument', () => {
    const script =
      'if [ "$1" = "configure" ]; then a; fi\nif [ "$1" != upgrade ]; then b; fi\nif [ "$1" == x ]; then c; fi\n';
    expect(run(script)).toEqual(['a', 'b']);
    expect(run(script, ['upgrade'])).toEqual([]);
  });

  it('[ -n "$2" ] does not fire without an old version, [ -z "$2" ] does', () => {
    expect(run('if [ -n "$2" ]; then up; fi\nif [ -z "$2" ]; then fresh; fi\n')).toEqual(['fresh']);
    expect(run('if [ -n "$2" ]; then up; fi', ['configure', '1.0'])).toEqual(['up']);
  });

  it('evaluates && and || chains, ! and test', () => {
    expect(
      run(
        '[ "$1" = configure ] && a\n[ "$1" = remove ] && b\n[ "$1" = remove ] || c\n[ "$1" = configure ] || d\n! test -n "$2" && e\n',
      ),
    ).toEqual(['a', 'c', 'test -n ', 'e']);
    // install with no old version: the install branch is taken, the upgrade one is not.
    expect(
      run('if [ "$1" = "install" ] && [ -n "$2" ] && [ -e /etc/x ]; then chmod +x /etc/x; fi', [
        'install',
      ]),
    ).toEqual([]);
  });

  it('takes the first true branch of if/elif/else', () => {
    const script = 'if [ "$1" = upgrade ]; then a; elif [ "$1" = configure ]; then b; else c; fi';
    expect(run(script)).toEqual(['b']);
    expect(run(script, ['abort-upgrade'])).toEqual(['c']);
  });

  it('lists a branch that depends on the system, and the ones after it', () => {
    expect(
      run('if [ -x /etc/init.d/x ]; then a; else b; fi\nif getent passwd x; then c; fi'),
    ).toEqual(['a', 'b', 'getent passwd x', 'c']);
  });

  it('knows no statoverride exists before it is added', () => {
    expect(
      run(
        'if ! dpkg-statoverride --list /etc/x >/dev/null; then chown a /etc/x; fi\ndpkg-statoverride --list /y || chmod 600 /y',
      ),
    ).toEqual([
      'dpkg-statoverride --list /etc/x',
      'chown a /etc/x',
      'dpkg-statoverride --list /y',
      'chmod 600 /y',
    ]);
  });

  it('matches case patterns against "$1", and lists them all when it is unknown', () => {
    const script =
      'case "$1" in\n  configure|reconfigure) a ;;\n  abort-*) b ;;\n  *) c ;;\nesac\n';
    expect(run(script)).toEqual(['a']);
    expect(run(script, ['abort-remove'])).toEqual(['b']);
    expect(run(script, ['remove'])).toEqual(['c']);
    expect(words(script).map((w) => w[0])).toEqual(['a', 'b', 'c']);
    expect(run('case "$2" in\n  "") fresh ;;\n  *) up ;;\nesac')).toEqual(['fresh']);
  });
});

describe('function calls', () => {
  it('run the body with the positional parameters of the call, ${1} and "$@" included', () => {
    const script = `#!/bin/sh
USER=redis
Setup_dir () {
	DIR="\${1}"
	MODE="\${2}"
	mkdir -p \${DIR}
	chown \${USER}:\${3} \${DIR}
	chmod $MODE "$DIR"
	log "$@"
	echo $#
}
Setup_dir /var/log/redis 2750 adm
Setup_dir /etc/redis 2770 \${USER}
echo "$1"
`;
    expect(run(script)).toEqual([
      'mkdir -p /var/log/redis',
      'chown redis:adm /var/log/redis',
      'chmod 2750 /var/log/redis',
      'log /var/log/redis 2750 adm',
      'echo 3',
      'mkdir -p /etc/redis',
      'chown redis:redis /etc/redis',
      'chmod 2770 /etc/redis',
      'log /etc/redis 2770 redis',
      'echo 3',
      'echo configure',
    ]);
  });

  it('does not follow a recursive call, and a function never called runs nothing', () => {
    expect(run('f() { a "$1"; f x; }\ng() { never; }\nf y\n')).toEqual(['a y', 'f x']);
    expect(run('f() { g; }\ng() { f; }\nf\n')).toEqual(['f']);
  });

  it('a call before the definition is an unknown command, as in sh', () => {
    expect(run('f\nf() { a; }\nf\n')).toEqual(['f', 'a']);
  });
});
