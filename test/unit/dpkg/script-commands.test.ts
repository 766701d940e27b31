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

  it('lists every branch, not the commands of substitutions or here documents, and the functions', () => {
    const read = scriptCommands(`#!/bin/sh
helper() { echo "$1"; }
if [ "$(id -u)" = 0 ]; then a; else b; fi
case "$1" in (configure) c ;; *) d ;; esac
cat <<EOF
e
EOF
`);
    expect(read.commands.map((c) => c.words[0])).toEqual(['echo', '[', 'a', 'b', 'c', 'd', 'cat']);
    expect([...read.functions]).toEqual(['helper']);
  });
});
