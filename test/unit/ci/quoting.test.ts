/**
 * `kubox ci github -f PATH` with a hostile PATH (issue 15, item 10): every
 * generated `run:` line is run by bash in a temporary directory with $KUBOX
 * standing in as a program that prints its arguments; the path must arrive
 * as one argument, and nothing in it may run.
 */
import { execa } from 'execa';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BUILD_JSON, renderWorkflow } from '../../../src/ci/github.js';
import { KuboxError } from '../../../src/errors.js';
import { makePlan } from '../../../src/plan/plan.js';
import { loadPreset } from '../../../src/spec/load.js';

const preset = loadPreset('py-kube').spec;
const plan = makePlan({ ...preset, image: { ...preset.image, repository: 'ghcr.io/acme/x' } });

interface Step {
  run?: string;
  name?: string;
}
type Workflow = {
  on: { push: { paths: string[] } };
  jobs: Record<string, { steps: Step[] }>;
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubox-ci-quote-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hostile spec paths in the generated workflow', () => {
  it.each([
    'x$(touch PWNED).yaml',
    'x`touch PWNED`.yaml',
    "it's; touch PWNED #.yaml",
    'a b/"quoted" && touch PWNED.yaml',
    'x: y/$HOME|touch PWNED>z.yaml',
    '- [x]*?!.yaml',
  ])(
    '%s: parses as YAML, and each run line passes it as one argument, running nothing',
    async (path) => {
      const text = renderWorkflow(plan, { specPath: path, kuboxVersion: '0.1.0' });
      const wf = parse(text) as Workflow;
      expect(wf.on.push.paths[0]!.replace(/\\(.)/g, '$1')).toBe(path);
      // The lines that run kubox are the ones the path is written into.
      const runs = Object.values(wf.jobs)
        .flatMap((j) => j.steps.flatMap((s) => s.run ?? []))
        .filter((r) => r.includes('$KUBOX'));
      expect(runs).toHaveLength(4);
      for (const run of runs) {
        const out = await execa('bash', ['-c', run], {
          cwd: dir,
          // The stand-in for kubox: one argument per line.
          env: { KUBOX: `printf %s\\n`, GITHUB_OUTPUT: join(dir, 'out') },
        });
        // The build step writes its (JSON) output to a file.
        const printed = run.includes(`> ${BUILD_JSON}`)
          ? await readFile(join(dir, BUILD_JSON), 'utf8')
          : out.stdout;
        const args = run.includes('GITHUB_OUTPUT') ? [] : printed.trimEnd().split('\n');
        if (args.length > 0) expect(args.slice(1, 3)).toEqual(['-f', path]);
        expect(await readdir(dir)).not.toContain('PWNED');
      }
    },
  );

  it.each([
    ['a newline', 'x\nrun: touch PWNED.yaml'],
    ['a GitHub expression', 'x${{ github.token }}.yaml'],
    ['a carriage return', 'x\r.yaml'],
  ])('refuses a path with %s (exit 2)', (_what, path) => {
    try {
      renderWorkflow(plan, { specPath: path, kuboxVersion: '0.1.0' });
      expect.unreachable('the path was accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(KuboxError);
      expect((e as KuboxError).exitCode).toBe(2);
    }
  });
});
