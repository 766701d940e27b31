import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../../../src/lint/document.js';
import { analyzeShell } from '../../../src/lint/shell/analyze.js';
import { expandVars } from '../../../src/lint/shell/expand.js';

const analyze = (s: string) =>
  analyzeShell({ text: s, origin: (i) => i }, { vars: new Map(), pipefail: false });

describe('shell model', () => {
  it('splits chains, pipes, subshells and groups, with quoting', () => {
    const a = analyze(`a "x y" 'z' && (b | c) || { d; e; }; f\\ g`);
    expect(a.commands.map((c) => c.argv)).toEqual([
      ['a', 'x y', 'z'],
      ['b'],
      ['c'],
      ['d'],
      ['e'],
      ['f g'],
    ]);
    expect(a.pipes).toHaveLength(1);
    expect(a.errors).toEqual([]);
  });

  it('looks through wrappers and expands known variables', () => {
    const a = analyzeShell(
      { text: 'sudo -u root env A=1 /usr/bin/apt-get $OPTS install x', origin: (i) => i },
      { vars: new Map([['OPTS', '-y -q']]), pipefail: false },
    );
    expect(a.commands[0]).toMatchObject({
      name: 'apt-get',
      argv: ['/usr/bin/apt-get', '-y', '-q', 'install', 'x'],
      wrappers: ['sudo', 'env'],
    });
  });

  it('reads commands inside $(...), backticks and sh -c', () => {
    const a = analyze('x="$(curl -s u | tr a b)" && y=`id -u` && sh -c "apt-get update"');
    expect(a.commands.map((c) => c.name)).toEqual(
      ['curl', 'tr', '', 'id', '', 'sh', 'apt-get'].filter(Boolean),
    );
  });

  it('reports syntax errors with offsets instead of throwing', () => {
    expect(analyze('echo "x').errors[0]).toMatchObject({ offset: 5 });
    expect(analyze('a &&').errors[0]!.message).toContain('&&');
    expect(analyze('a ) b').errors).toHaveLength(1);
  });

  it('expands ${X:-default} and leaves unknowns', () => {
    const v = new Map<string, string | undefined>([
      ['A', '1'],
      ['B', undefined],
    ]);
    expect(expandVars('$A ${A} ${C:-d} ${B:-d} $Z', v)).toBe('1 1 d ${B:-d} $Z');
  });

  it('joins continuations with the escape directive and drops comment lines', () => {
    const doc = parseDockerfile('# escape=`\nFROM x\nRUN echo a `\n  # note\n  && echo b', 'D');
    const run = doc.instructions[1]!;
    expect(
      run.shell!.commands.map((c) => [c.argv.join(' '), doc.source.posAt(c.start).line]),
    ).toEqual([
      ['echo a', 3],
      ['echo b', 5],
    ]);
  });

  it('maps heredoc bodies to their lines and treats non-shell heredocs as data', () => {
    const doc = parseDockerfile(
      'FROM x\nRUN cat <<A > /f && <<B bash\nnot | a command\nA\napt-get update\nB\n',
      'D',
    );
    const cmds = doc.instructions[1]!.shell!.commands;
    expect(cmds.map((c) => [c.name, doc.source.posAt(c.start).line])).toEqual([
      ['cat', 2],
      ['bash', 2],
      ['apt-get', 5],
    ]);
  });
});
