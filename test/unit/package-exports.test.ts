/**
 * The library's entry points, as a user reaches them: a child node process
 * imports `kubox` and each `kubox/<part>` by the package's own name (node
 * resolves it through package.json "exports" from the repository root, over
 * dist/). What each exports, values and types, is what the README's table
 * under "## Library" says, and no name comes from two entry points.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ciOutputs, renderCi, renderWorkflow } from '../../src/api/ci.js';
import { loadPreset, makePlan, planChecks, PRESETS, render } from '../../src/index.js';
import { CLI_TEST_TIMEOUT } from '../support/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

type Conditions = { types: string; import: string };
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, Conditions | string>;
};

/** `kubox`, `kubox/registry`, ...: the "exports" entries that are modules, with their files. */
const ENTRIES = Object.entries(pkg.exports).flatMap(([key, target]) =>
  typeof target === 'object' ? [{ name: pkg.name + key.slice(1), ...target }] : [],
);

/** The README's table: entry point -> the names it lists. */
function readmeTable(): Map<string, string[]> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Library\n'), readme.indexOf('## The spec'));
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const m = /^\| `(kubox[^`]*)` +\| (.*) \|$/.exec(line);
    if (m) rows.set(m[1]!, [...m[2]!.matchAll(/`([A-Za-z_]\w*)`/g)].map((n) => n[1]!).sort());
  }
  return rows;
}

/** Every name (value or type) the entry's declaration file exports. */
function declaredNames(): Map<string, string[]> {
  const files = ENTRIES.map((e) => join(ROOT, e.types));
  const program = ts.createProgram(files, { skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  return new Map(
    ENTRIES.map((e, i) => {
      const module = checker.getSymbolAtLocation(program.getSourceFile(files[i]!)!)!;
      return [
        e.name,
        checker
          .getExportsOfModule(module)
          .map((s) => s.name)
          .sort(),
      ];
    }),
  );
}

describe('package entry points', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('are kubox and kubox/registry, image, lint, scan, native, ci, sign, sbom, each built', () => {
    expect(ENTRIES.map((e) => e.name)).toEqual([
      'kubox',
      'kubox/registry',
      'kubox/image',
      'kubox/lint',
      'kubox/scan',
      'kubox/native',
      'kubox/ci',
      'kubox/sign',
      'kubox/sbom',
    ]);
    for (const e of ENTRIES) {
      expect(existsSync(join(ROOT, e.import)), e.import).toBe(true);
      expect(existsSync(join(ROOT, e.types)), e.types).toBe(true);
    }
  });

  it('load by the package name from dist and export what the README lists', async () => {
    const script = `
      const names = {};
      for (const entry of ${JSON.stringify(ENTRIES.map((e) => e.name))})
        names[entry] = Object.keys(await import(entry)).sort();
      console.log(JSON.stringify(names));`;
    const r = await execa(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      reject: false,
      stdin: 'ignore',
      timeout: CLI_TEST_TIMEOUT - 10_000,
    });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const runtime = JSON.parse(String(r.stdout)) as Record<string, string[]>;
    const readme = readmeTable();
    const declared = declaredNames();
    expect([...readme.keys()]).toEqual(ENTRIES.map((e) => e.name));
    for (const { name } of ENTRIES) {
      // Values and types together are exactly the README's row; the values are loaded.
      expect(declared.get(name), name).toEqual(readme.get(name));
      expect(readme.get(name), name).toEqual(expect.arrayContaining(runtime[name]!));
      expect(runtime[name]!.length, name).toBeGreaterThan(0);
    }
    const all = [...declared.values()].flat();
    expect(all.filter((n, i) => all.indexOf(n) !== i)).toEqual([]);
    // No internals, and one Severity per part.
    for (const gone of ['buildArgv', 'createBuilderArgv', 'BuildxRequest', 'Severity', 'toPlan'])
      expect(all, gone).not.toContain(gone);
  });
});

describe('every entry that takes a spec', () => {
  it('takes a Spec or a Plan, as the CLI does, with the same answer', () => {
    const { spec } = loadPreset(PRESETS[0]!);
    const plan = makePlan(spec);
    const ci = { specPath: 'kubox.yaml', kuboxVersion: '0.1.0' };
    expect(render(spec)).toEqual(render(plan));
    // A check may carry a function (its own judge): compare what it says.
    expect(JSON.stringify(planChecks(spec))).toBe(JSON.stringify(planChecks(plan)));
    expect(renderCi(spec, ci)).toEqual(renderCi(plan, ci));
    expect(renderWorkflow(spec, ci)).toEqual(renderWorkflow(plan, ci));
    expect(ciOutputs(spec, 'ghcr.io')).toEqual(ciOutputs(plan, 'ghcr.io'));
  });
});
