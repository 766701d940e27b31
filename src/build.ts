/**
 * `kubox build`: one engine builds (engines/select.ts), the publish stage
 * publishes (publish.ts), and the result says what was made and where it
 * went. gated-build.ts puts a scan between the two.
 */
import { join } from 'node:path';
import { checkDockerEngine } from './docker.js';
import { checkOutputTarget } from './fs.js';
import { DEFAULT_SPEC_FILE } from './spec/constants.js';
import {
  buildRequest,
  type BuildOptions,
  type BuildRequest,
  type BuildResult,
  type BuiltImage,
} from './engines/options.js';
import type { Plan } from './plan/plan.js';
import type { PushResult } from './registry/push.js';

/**
 * Settles the request, picks the engine and runs `fn` with it: under the
 * spec's run lock for the native engine, so that a concurrent build of the
 * same spec waits and the kubox.lock it leaves is the one its output was
 * built from. Before any work, an archive output must be writable.
 */
export async function withBuild<T>(
  plan: Plan,
  opts: BuildOptions,
  fn: (build: () => Promise<BuiltImage>, req: BuildRequest) => Promise<T>,
): Promise<T> {
  const req = buildRequest(plan, opts);
  // --load needs a Docker engine: say so before the work, not after it.
  if (req.output.type === 'load') await checkDockerEngine();
  if (req.output.type === 'oci') await checkOutputTarget(req.output.path);
  const { engineFor, buildWithEngine } = await import('./engines/select.js');
  const engine = await engineFor(plan, opts, req.log);
  const run = () => fn(() => buildWithEngine(engine, plan, opts, req), req);
  if (engine !== 'native') return run();
  const [{ lockPath }, { runLockPath, withRunLock }] = await Promise.all([
    import('./engines/native/lock.js'),
    import('./run-lock.js'),
  ]);
  const lock = lockPath(opts.specSource ?? join(req.cwd, DEFAULT_SPEC_FILE), req.cwd);
  return withRunLock(runLockPath(lock), run, { log: req.log });
}

/** What a build returns to the CLI (printed, or as --json) and to the library. */
export function buildResult(
  built: BuiltImage,
  req: BuildRequest,
  pushed?: PushResult,
  evidence: Pick<BuildResult, 'attached' | 'signed'> = {},
): BuildResult {
  return {
    output: req.output,
    tags: req.tags,
    platforms: req.platforms,
    builder: built.builder,
    engine: built.engine,
    digest: built.image.descriptor.digest,
    images: built.images,
    labels: built.labels,
    ...(built.warnings ? { warnings: built.warnings } : {}),
    ...(built.lock ? { lock: built.lock } : {}),
    ...evidence,
    ...(pushed ? { pushed: pushed.blobs } : {}),
  };
}

/** Builds the image and publishes it where the options (else the spec) say. */
export async function buildImage(plan: Plan, opts: BuildOptions = {}): Promise<BuildResult> {
  const startedOn = new Date();
  return withBuild(plan, opts, async (build, req) => {
    const built = await build();
    try {
      const { publish } = await import('./publish.js');
      const finishedOn = new Date();
      const { pushed } = await publish(built, req.output, req.tags, req.log);
      const evidence = pushed
        ? await (
            await import('./attest/evidence.js')
          ).publishEvidence(plan, built, req, opts, { startedOn, finishedOn })
        : {};
      return buildResult(built, req, pushed, evidence);
    } finally {
      await built.dispose();
    }
  });
}
