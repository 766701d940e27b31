/** `kubox sbom`: an image's SBOM as SPDX 2.3 or CycloneDX 1.6 JSON. */
import { KuboxError } from '../errors.js';
import { readLock } from '../engines/native/lock.js';
import { writeFileAtomic } from '../fs.js';
import { parseImageName, type ImageName } from '../image/name.js';
import { openImage } from '../image/open.js';
import { ReferenceError } from '../oci/reference.js';
import { formatCycloneDx } from '../sbom/cyclonedx.js';
import { sbomFor } from '../sbom/sbom.js';
import { formatSpdx } from '../sbom/spdx.js';
import type { Context } from './context.js';

export interface SbomFlags {
  format: 'spdx-json' | 'cyclonedx-json';
  output?: string;
  lock?: string;
  platform?: string;
}

/** IMAGE as a registry reference or oci:PATH; anything else is a usage error (exit 2). */
function imageName(image: string): ImageName {
  let name: ImageName;
  try {
    name = parseImageName(image);
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    throw new KuboxError('usage', `"${image}" is not an image reference: ${e.message}`, {
      hint: 'give a registry reference (ghcr.io/acme/py-kube:0.9.0) or oci:PATH',
    });
  }
  if (name.kind === 'layout' && !name.path)
    throw new KuboxError('usage', 'oci: needs a path, e.g. oci:out/py-kube.oci.tar');
  return name;
}

export async function runSbom(ctx: Context, image: string, o: SbomFlags): Promise<void> {
  const name = imageName(image);
  let lock;
  if (o.lock !== undefined) {
    lock = await readLock(o.lock);
    if (!lock)
      throw new KuboxError('io', `${o.lock} does not exist`, {
        hint: 'give the kubox.lock the native build used (kubox lock writes one), or leave out --lock',
      });
  }
  const node = await openImage(name, { log: (m) => ctx.out.info(`kubox: ${m}`) });
  const model = await sbomFor(node, {
    ...(lock ? { lock } : {}),
    ...(o.platform !== undefined ? { platform: o.platform } : {}),
    name: image,
  });
  const text = o.format === 'cyclonedx-json' ? formatCycloneDx(model) : formatSpdx(model);
  const counts = ['deb', 'pypi', 'binary']
    .map((k) => [k, model.components.filter((c) => c.kind === k).length] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const summary = `${model.image.platform} ${model.image.digest}: ${counts || 'no packages'}`;
  if (o.output === undefined) {
    process.stdout.write(text);
    ctx.out.info(`kubox: SBOM of ${summary}`);
    return;
  }
  await writeFileAtomic(o.output, text);
  ctx.out.info(`kubox: wrote the SBOM of ${summary} to ${o.output}`);
}
