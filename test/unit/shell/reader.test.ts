import { describe, expect, it } from 'vitest';
import { parseScript, type CompoundCommand } from '../../../src/shell/parse.js';
import { tokenize, type WordToken } from '../../../src/shell/tokens.js';
import { knownValue } from '../../../src/shell/words.js';

const words = (text: string) =>
  tokenize(text).tokens.filter((t): t is WordToken => t.kind === 'word');

describe('word parts', () => {
  it('tell literal text from parameters and run-time expansions', () => {
    expect(words(`'$x' "$x" $x \\$x "\${x}" a"b"'c' $1 "$@"`).map((w) => w.parts)).toEqual([
      [{ text: '$x' }],
      [{ param: 'x' }],
      [{ param: 'x' }],
      [{ text: '$x' }],
      [{ param: 'x' }],
      [{ text: 'abc' }],
      [{ param: '1' }],
      [{ param: '@' }],
    ]);
    expect(words('$(ls) `date` "${x:-y}" ${#x} $((1+2)) "a$(b)c"').map((w) => w.parts)).toEqual([
      [{ dynamic: '$(ls)' }],
      [{ dynamic: '`date`' }],
      [{ dynamic: '${x:-y}' }],
      [{ dynamic: '${#x}' }],
      [{ dynamic: '$((1+2))' }],
      [{ text: 'a' }, { dynamic: '$(b)' }, { text: 'c' }],
    ]);
  });

  it("keep the linter's value and substitutions inside a quoted ${...}", () => {
    const [w] = words('"${V:-$(cat \\"f\\")}"');
    expect(w!.parts).toEqual([{ dynamic: '${V:-$(cat \\"f\\")}' }]);
    expect(w!.value).toBe('${V:-$(cat \\"f\\")}');
    expect(w!.substitutions.map((s) => s.text)).toEqual(['cat \\"f\\"']);
  });

  it('are known when every parameter is', () => {
    const [w] = words('"/usr/bin/vim.$variant"');
    expect(knownValue(w!.parts, new Map([['variant', 'basic']]))).toBe('/usr/bin/vim.basic');
    expect(knownValue(w!.parts, new Map())).toBeUndefined();
  });
});

describe('script tree', () => {
  it("keeps a for loop's variable and words", () => {
    const loops = ['for i in vi "view" $x; do echo $i; done', 'for i; do :; done'].map(
      (s) => (parseScript(s).body[0]!.pipelines[0]!.commands[0] as CompoundCommand).loop,
    );
    expect(loops[0]!.variable).toBe('i');
    expect(loops[0]!.items!.map((w) => w.raw)).toEqual(['vi', '"view"', '$x']);
    expect(loops[1]).toEqual({ variable: 'i', items: undefined });
  });

  it('keeps the branches of if and case, and marks function bodies', () => {
    const script = parseScript(
      'if [ "$1" = a ]; then x; elif b; then y; else z; fi\ncase "$1" in (a|b*) p ;; *) q ;; esac\nf() { r; }\n',
    );
    const [ifs, cases, def] = script.body.map(
      (c) => c.pipelines[0]!.commands[0] as CompoundCommand,
    );
    const first = (l: { pipelines: { commands: unknown[] }[] }[]) =>
      l.map((c) => (c.pipelines[0]!.commands[0] as { words: WordToken[] }).words[0]!.value);
    expect(ifs!.clause?.kind).toBe('if');
    if (ifs!.clause?.kind !== 'if') return;
    expect(
      ifs!.clause.branches.map((b) => [b.condition && first(b.condition), first(b.body)]),
    ).toEqual([
      [['['], ['x']],
      [['b'], ['y']],
      [undefined, ['z']],
    ]);
    // body still lists every command, for the linter.
    expect(first(ifs!.body)).toEqual(['[', 'x', 'b', 'y', 'z']);
    expect(cases!.clause?.kind).toBe('case');
    if (cases!.clause?.kind !== 'case') return;
    expect(cases!.clause.subject?.raw).toBe('"$1"');
    expect(
      cases!.clause.branches.map((b) => [b.patterns.map((p) => p.raw), first(b.body)]),
    ).toEqual([
      [['a', 'b*'], ['p']],
      [['*'], ['q']],
    ]);
    expect(def!.defines).toBe('f');
    expect(ifs!.defines).toBeUndefined();
    // ${1} is the first positional parameter, as $1.
    expect(words('${1} "${2}"').map((w) => w.parts)).toEqual([[{ param: '1' }], [{ param: '2' }]]);
  });

  it('names the functions defined, with or without the function keyword', () => {
    const script = parseScript('f() { a; }\nfunction g() {\n b\n}\ng\n');
    expect(script.functions).toEqual(['f', 'g']);
    expect(
      script.body.map((c) => {
        const cmd = c.pipelines[0]!.commands[0]!;
        return cmd.type === 'simple' ? cmd.words[0]!.value : cmd.type;
      }),
    ).toEqual(['group', 'group', 'g']);
    expect(script.errors).toEqual([]);
  });
});
