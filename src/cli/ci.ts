/** `kubox ci github` and `kubox ci outputs`: CI pipelines generated from kubox.yaml. */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ciOutputs, renderCi } from '../ci/github.js';
import { ExitCode, KuboxError } from '../errors.js';
import { writeFileAtomic } from '../fs.js';
import { parseReference } from '../oci/reference.js';
import { makePlan } from '../plan/plan.js';
import { loadSpec } from '../spec/load.js';
import { kuboxVersion } from '../version.js';
import type { Context } from './context.js';

export interface CiGithubFlags {
  file: string;
  out: string;
  check: boolean;
}

export async function runCiGithub(ctx: Context, o: CiGithubFlags): Promise<void> {
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
}

export interface CiOutputsFlags {
  file: string;
}

export function runCiOutputs(o: CiOutputsFlags): void {
  const { spec, source } = loadSpec(o.file);
  const plan = makePlan(spec, source);
  const registry = spec.image.repository
    ? parseReference(spec.image.repository).registry
    : undefined;
  process.stdout.write(ciOutputs(plan, registry));
}
