/**
 * What a build leaves beside the image it pushed: provenance, SBOMs and the
 * scan report as OCI referrers (attach.ts), then cosign signatures. Loaded
 * only when a push asks for some of it.
 */
import type { BuildOptions, BuildRequest, BuildResult, BuiltImage } from '../engines/options.js';
import { repositoriesOf } from '../oci/reference.js';
import type { Plan } from '../plan/plan.js';
import type { Artifact } from '../registry/referrers.js';
import { signImage } from '../sign/sign.js';
import { attachEvidence, provenanceArtifact, sbomArtifacts } from './attach.js';

/**
 * After a push, the evidence asked for: provenance (about the whole image),
 * each platform's SBOM (about its manifest) and whatever else the caller
 * brings (the scan report that passed the gate), attached as OCI referrers;
 * then, with a key, cosign signatures of the index and every platform
 * manifest, in every repository pushed to.
 */
export async function publishEvidence(
  plan: Plan,
  built: BuiltImage,
  req: BuildRequest,
  opts: BuildOptions,
  times: { startedOn: Date; finishedOn: Date },
  extra: Artifact[] = [],
): Promise<Pick<BuildResult, 'attached' | 'signed'>> {
  const whole = [...extra];
  if (opts.provenance)
    whole.push(
      await provenanceArtifact(plan, built, req, {
        ...(opts.specSource ? { specSource: opts.specSource } : {}),
        ...(opts.buildArgs ? { buildArgs: { ...opts.buildArgs } } : {}),
        ...times,
      }),
    );
  const perPlatform = opts.sbom
    ? sbomArtifacts(built, opts.sbom, req.tags[0] ?? '')
    : async () => [];
  const attached =
    whole.length || opts.sbom
      ? await attachEvidence(built, req.tags, whole, perPlatform, req.log)
      : [];
  const signed = opts.sign ? await signPushed(built, req, opts.sign) : [];
  return {
    ...(attached.length ? { attached } : {}),
    ...(signed.length ? { signed } : {}),
  };
}

/** Signs the pushed image once in each repository it went to (signatures live beside it). */
async function signPushed(
  built: BuiltImage,
  req: BuildRequest,
  key: { key: string; password: string },
): Promise<NonNullable<BuildResult['signed']>> {
  const results: NonNullable<BuildResult['signed']> = [];
  for (const { name: repo } of repositoriesOf(req.tags)) {
    const r = await signImage(`${repo}@${built.image.descriptor.digest}`, { ...key, log: req.log });
    results.push({
      image: r.image,
      digest: r.digest,
      signed: r.signed.map((s) => ({ digest: s.digest, sigTag: s.sigTag, added: s.added })),
    });
  }
  return results;
}
