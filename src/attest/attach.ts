/**
 * The build's evidence as artifacts, attached to the pushed image as OCI
 * referrers in every repository it was pushed to. Provenance is about the
 * whole image (its subject is the index); SBOMs are per platform (their
 * subjects are the platform manifests); a scan report is about what was
 * scanned, the index.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { BuiltImage, BuildRequest } from '../engines/options.js';
import { readLock } from '../engines/native/lock.js';
import type { ImageIndex } from '../image/model.js';
import { repositoriesOf } from '../oci/reference.js';
import type { Descriptor } from '../oci/types.js';
import type { Plan } from '../plan/plan.js';
import { RegistryClient } from '../registry/client.js';
import { attachArtifact, type Artifact } from '../registry/referrers.js';
import { SCRATCH } from '../spec/schema.js';
import { kuboxVersion } from '../version.js';
import { IN_TOTO_MEDIA_TYPE, provenanceStatement } from './provenance.js';

export interface Attached {
  repository: string;
  subject: string;
  artifactType: string;
  digest: string;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** The SLSA provenance statement for a build, as an artifact. */
export async function provenanceArtifact(
  plan: Plan,
  built: BuiltImage,
  req: BuildRequest,
  opts: {
    specSource?: string;
    buildArgs?: Record<string, string>;
    startedOn: Date;
    finishedOn: Date;
  },
): Promise<Artifact> {
  const specBytes = opts.specSource
    ? await readFile(opts.specSource).catch(() => undefined)
    : undefined;
  const lockBytes = built.lock ? await readFile(built.lock.path) : undefined;
  const lock = built.lock && lockBytes ? await readLock(built.lock.path) : undefined;
  const revision = built.labels['org.opencontainers.image.revision'];
  const statement = provenanceStatement({
    subjects: repositoriesOf(req.tags).flatMap(({ name: n }) => [
      { name: n, digest: built.image.descriptor.digest },
      ...built.images.map((i) => ({ name: `${n} (${i.platform})`, digest: i.digest })),
    ]),
    engine: built.engine,
    kuboxVersion: kuboxVersion(),
    specSha256: sha256(specBytes ?? JSON.stringify(plan.spec)),
    ...(opts.specSource ? { specPath: opts.specSource } : {}),
    buildArgs: { ...plan.spec.args, ...(opts.buildArgs ?? {}) },
    platforms: req.platforms,
    ...(plan.spec.base !== SCRATCH ? { base: plan.spec.base } : {}),
    ...(lock && lockBytes && built.lock
      ? { lock: { lock, sha256: sha256(lockBytes), path: built.lock.path } }
      : {}),
    ...(revision ? { revision } : {}),
    startedOn: opts.startedOn,
    finishedOn: opts.finishedOn,
  });
  return {
    artifactType: IN_TOTO_MEDIA_TYPE,
    mediaType: IN_TOTO_MEDIA_TYPE,
    bytes: Buffer.from(JSON.stringify(statement)),
    annotations: { 'in-toto.io/predicate-type': String(statement.predicateType) },
  };
}

export type SbomFormat = 'spdx-json' | 'cyclonedx-json';
const SBOM_MEDIA_TYPE: Record<SbomFormat, string> = {
  'spdx-json': 'application/spdx+json',
  'cyclonedx-json': 'application/vnd.cyclonedx+json',
};

/** Each platform's SBOM, as an artifact about that platform's manifest (with the lock, for a native build). */
export function sbomArtifacts(
  built: BuiltImage,
  format: SbomFormat,
  name: string,
): (p: { platform: string; digest: string }) => Promise<Artifact[]> {
  // Read once for every platform.
  const locked = built.lock ? readLock(built.lock.path) : Promise.resolve(undefined);
  locked.catch(() => {}); // awaited (and so reported) by the first platform
  return async (p) => {
    const [{ sbomFor, formatSpdx, formatCycloneDx }, lock] = await Promise.all([
      import('../sbom/index.js'),
      locked,
    ]);
    const model = await sbomFor(built.image, {
      platform: p.platform,
      name,
      ...(lock ? { lock } : {}),
    });
    const text = format === 'spdx-json' ? formatSpdx(model) : formatCycloneDx(model);
    const mediaType = SBOM_MEDIA_TYPE[format];
    return [{ artifactType: mediaType, mediaType, bytes: Buffer.from(text) }];
  };
}

/** Attaches every artifact to the pushed image, once per repository it was pushed to. */
export async function attachEvidence(
  built: BuiltImage,
  tags: readonly string[],
  whole: readonly Artifact[],
  perPlatform: (p: { platform: string; digest: string }) => Promise<Artifact[]>,
  log: (m: string) => void,
): Promise<Attached[]> {
  const root = built.image.descriptor;
  const children: Descriptor[] =
    built.image.kind === 'index' ? (built.image as ImageIndex).manifest.manifests : [];
  // What to attach, made once (an SBOM reads the whole image) for every repository.
  const todo: { subject: Descriptor; artifact: Artifact }[] = whole.map((artifact) => ({
    subject: root,
    artifact,
  }));
  for (const p of built.images) {
    const subject = children.find((c) => c.digest === p.digest) ?? root;
    for (const artifact of await perPlatform(p)) todo.push({ subject, artifact });
  }
  const attached: Attached[] = [];
  for (const { name, registry, repository } of repositoriesOf(tags)) {
    const client = await RegistryClient.connect(registry, { log });
    // One at a time: the fallback index is read, extended and written back.
    for (const { subject, artifact } of todo) {
      const d = await attachArtifact(client, repository, subject, artifact);
      attached.push({
        repository: name,
        subject: subject.digest,
        artifactType: artifact.artifactType,
        digest: d.digest,
      });
    }
  }
  return attached;
}
