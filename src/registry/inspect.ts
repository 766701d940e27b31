/** `kubox inspect`: what an image is made of, from a registry or an OCI layout. */
import { KuboxError } from '../errors.js';
import { layoutPath } from '../image/name.js';
import { openImage } from '../image/open.js';
import { summarize, type ImageSummary } from '../image/summary.js';
import { parseReference } from '../oci/reference.js';
import { RegistryClient, type ClientOptions } from './client.js';
import { listReferrers } from './referrers.js';

export interface PlatformReport {
  platform: string;
  digest: string;
  layers: { digest: string; size: number; mediaType: string }[];
  size: number;
  user: string;
  workdir: string;
  cmd: string[];
  entrypoint: string[];
  env: string[];
  labels: Record<string, string>;
}

/** An artifact about the image or one of its platform manifests (an SBOM, provenance, a signature...). */
export interface ReferrerReport {
  subject: string;
  digest: string;
  artifactType: string;
  size: number;
  annotations: Record<string, string>;
}

export interface InspectReport {
  image: string;
  digest: string;
  platforms: PlatformReport[];
  /** With `referrers`: what refers to the index and to each platform manifest. */
  referrers?: ReferrerReport[];
}

export function report(image: string, summary: ImageSummary): InspectReport {
  return {
    image,
    digest: summary.digest,
    platforms: summary.images.map((i) => {
      const c = i.config.config ?? {};
      const layers = i.manifest.layers.map((l) => ({
        digest: l.digest,
        size: l.size,
        mediaType: l.mediaType,
      }));
      return {
        platform: i.platform,
        digest: i.digest,
        layers,
        size: layers.reduce((n, l) => n + l.size, 0),
        user: c.User ?? '',
        workdir: c.WorkingDir ?? '',
        cmd: c.Cmd ?? [],
        entrypoint: c.Entrypoint ?? [],
        env: c.Env ?? [],
        labels: c.Labels ?? {},
      };
    }),
  };
}

export async function inspect(
  image: string,
  opts: ClientOptions & { referrers?: boolean } = {},
): Promise<InspectReport> {
  const { referrers, ...clientOpts } = opts;
  if (referrers && layoutPath(image) !== undefined)
    throw new KuboxError('usage', `--referrers reads a registry: ${image} is a local layout`, {
      hint: 'inspect the pushed image by its reference, e.g. ghcr.io/acme/py-kube:0.9.0',
    });
  const r = report(image, await summarize(await openImage(image, clientOpts)));
  if (!referrers) return r;
  const ref = parseReference(image);
  const client = await RegistryClient.connect(ref.registry, clientOpts);
  const found: ReferrerReport[] = [];
  // A single-platform image is its own platform manifest: each subject once.
  for (const subject of new Set([r.digest, ...r.platforms.map((p) => p.digest)])) {
    for (const d of await listReferrers(client, ref.repository, subject))
      found.push({
        subject,
        digest: d.digest,
        artifactType: d.artifactType ?? d.mediaType,
        size: d.size,
        annotations: d.annotations ?? {},
      });
  }
  return { ...r, referrers: found };
}
