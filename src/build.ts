/**
 * `kubox build`: one engine builds (engines/select.ts), the publish stage
 * publishes (publish.ts), and the result says what was made and where it
 * went. gated-build.ts puts a scan between the two.
 */
import { checkDockerEngine } from './docker.js';
import {
  buildRequest,
  type BuildOptions,
  type BuildRequest,
  type BuildResult,
  type BuiltImage,
} from './engines/options.js';
import type { Plan } from './plan/plan.js';
import type { Attached } from './attest/attach.js';
import type { Artifact } from './registry/referrers.js';
import type { PushResult } from './registry/push.js';

/** Settles the request and builds with the chosen engine; the caller publishes and disposes. */
export async function buildUnpublished(
  plan: Plan,
  opts: BuildOptions,
): Promise<{ req: BuildRequest; built: BuiltImage }> {
  const req = buildRequest(plan, opts);
  // --load needs a Docker engine: say so before the work, not after it.
  if (req.output.type === 'load') await checkDockerEngine();
  const { buildWithEngine } = await import('./engines/select.js');
  return { req, built: await buildWithEngine(plan, opts, req) };
}

/** What a build returns to the CLI (printed, or as --json) and to the library. */
export function buildResult(
  built: BuiltImage,
  req: BuildRequest,
  pushed?: PushResult,
  attached?: Attached[],
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
    ...(attached?.length ? { attached } : {}),
    ...(pushed ? { pushed: pushed.blobs } : {}),
  };
}

/**
 * After a push, the evidence asked for, attached to the pushed image as OCI
 * referrers: provenance (about the whole image), and whatever else the caller
 * brings (the scan report that passed the gate).
 */
export async function attachAfterPush(
  plan: Plan,
  built: BuiltImage,
  req: BuildRequest,
  opts: BuildOptions,
  times: { startedOn: Date; finishedOn: Date },
  extra: Artifact[] = [],
): Promise<Attached[]> {
  const { attachEvidence, provenanceArtifact } = await import('./attest/attach.js');
  const whole = [...extra];
  if (opts.provenance)
    whole.push(
      await provenanceArtifact(plan, built, req, {
        ...(opts.specSource ? { specSource: opts.specSource } : {}),
        ...(opts.buildArgs ? { buildArgs: { ...opts.buildArgs } } : {}),
        ...times,
      }),
    );
  if (whole.length === 0) return [];
  return attachEvidence(built, req.tags, whole, async () => [], req.log);
}

/** Builds the image and publishes it where the options (else the spec) say. */
export async function buildImage(plan: Plan, opts: BuildOptions = {}): Promise<BuildResult> {
  const startedOn = new Date();
  const { req, built } = await buildUnpublished(plan, opts);
  try {
    const { publish } = await import('./publish.js');
    const finishedOn = new Date();
    const { pushed } = await publish(built, req.output, req.tags, req.log);
    const attached = pushed
      ? await attachAfterPush(plan, built, req, opts, { startedOn, finishedOn })
      : undefined;
    return buildResult(built, req, pushed, attached);
  } finally {
    await built.dispose();
  }
}
