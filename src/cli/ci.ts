import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { ciOutputs, renderCi } from '../ci/github.js';
import { ExitCode, KuboxError } from '../errors.js';
import { writeFileAtomic } from '../fs.js';
import { parseReference } from '../oci/reference.js';
import { makePlan } from '../plan/plan.js';
import { DEFAULT_SPEC_FILE, loadSpec } from '../spec/load.js';
import { kuboxVersion } from '../version.js';
import type { Context } from './main.js';

export function registerCi(program: Command, ctx: Context): void {
  const ci = program.command('ci').description('CI pipelines generated from kubox.yaml');

  ci.command('github')
    .description('write .github/workflows/build-<name>.yml and .github/dependabot.yml')
    .option('-f, --file <path>', 'spec file', DEFAULT_SPEC_FILE)
    .option('--out <dir>', 'repository root to write under', '.')
    .option(
      '--check',
      'write nothing; exit 1 when the files on disk differ from what kubox.yaml gives',
      false,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  kubox ci github\n  kubox ci github --check   # in CI: is the workflow current?',
    )
    .action(async (o: { file: string; out: string; check: boolean }) => {
      const { spec, source } = loadSpec(o.file);
      const plan = makePlan(spec, source);
      if (!spec.image.repository) {
        throw new KuboxError('usage', `${o.file} has no image.repository`, {
          hint: 'the pipeline pushes: set image.repository (e.g. ghcr.io/acme/py-kube)',
        });
      }
      const specPath = relative(resolve(o.out), resolve(o.file)).split('\\').join('/');
      const files = renderCi(plan, { specPath, kuboxVersion: kuboxVersion() });
      if (o.check) {
        const stale = Object.entries(files).filter(([path, text]) => {
          try {
            return readFileSync(join(o.out, path), 'utf8') !== text;
          } catch {
            return true;
          }
        });
        for (const [path] of stale) ctx.out.print(`out of date: ${path}`);
        if (stale.length) process.exitCode = ExitCode.failed;
        else ctx.out.print('the workflow files match kubox.yaml');
        return;
      }
      for (const [path, text] of Object.entries(files)) {
        await writeFileAtomic(join(o.out, path), text);
        ctx.out.info(`wrote ${join(o.out, path)}`);
      }
    });

  ci.command('outputs')
    .description('print name=value lines for $GITHUB_OUTPUT (registry, name, version, tags)')
    .option('-f, --file <path>', 'spec file', DEFAULT_SPEC_FILE)
    .action((o: { file: string }) => {
      const { spec, source } = loadSpec(o.file);
      const plan = makePlan(spec, source);
      const registry = spec.image.repository
        ? parseReference(spec.image.repository).registry
        : undefined;
      process.stdout.write(ciOutputs(plan, registry));
    });
}
