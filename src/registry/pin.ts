/**
 * `kubox pin`: resolve the base image's tag to the digest it points at now,
 * check every platform the spec builds is in that index, and rewrite
 * kubox.yaml in place (or, with check, only report that the tag moved).
 */
import { readFileSync } from 'node:fs';
import { KuboxError } from '../errors.js';
import { writeFileAtomic } from '../fs.js';
import { formatPlatform } from '../oci/platform.js';
import { parseReference } from '../oci/reference.js';
import { SCRATCH } from '../spec/schema.js';
import { isAttestation } from '../oci/types.js';
import { platformOf, type ImageNode } from '../image/model.js';
import { openRemote } from '../image/registry.js';
import { replaceScalar } from '../spec/edit.js';
import { parseSpec } from '../spec/load.js';
import type { ClientOptions } from './client.js';

export interface PinResult {
  file: string;
  base: string;
  old: string;
  new: string;
  moved: boolean;
  platforms: string[];
  /** True when kubox.yaml was rewritten. */
  written: boolean;
}

/** The platforms an image offers: its index entries, or the one manifest's config. */
function platformsOf(root: ImageNode): string[] {
  if (root.kind === 'image') return [platformOf(root)];
  return root.manifest.manifests
    .filter((d) => !isAttestation(d) && d.platform)
    .map((d) => formatPlatform(d.platform!));
}

export async function pin(
  file: string,
  opts: ClientOptions & { check?: boolean } = {},
): Promise<PinResult> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new KuboxError('usage', `cannot read ${file}`, {
      hint: 'kubox pin rewrites a kubox.yaml; write one with `kubox init`',
    });
  }
  const spec = parseSpec(text, file);
  if (spec.base === SCRATCH)
    throw new KuboxError('usage', `${file} builds from scratch: there is no base image to pin`);
  const ref = parseReference(spec.base);
  const [name] = spec.base.split('@');
  // By its tag: where the tag points now is what pin is asked.
  const root = await openRemote(
    { registry: ref.registry, repository: ref.repository, tag: ref.tag! },
    opts,
  );
  const digest = root.descriptor.digest;
  const platforms = platformsOf(root);
  const missing = spec.platforms.filter((p) => !platforms.some((q) => q === p || q === `${p}/v8`));
  if (missing.length > 0) {
    throw new KuboxError(
      'not-found',
      `${name} (${digest}) has no ${missing.join(', ')} image; it offers ${platforms.join(', ')}`,
      {
        hint: 'pick a tag that is built for every platform in kubox.yaml, or drop the platform from `platforms:`',
      },
    );
  }
  const pinned = `${name}@${digest}`;
  const moved = ref.digest !== digest;
  const result: PinResult = {
    file,
    base: name!,
    old: ref.digest!,
    new: digest,
    moved,
    platforms,
    written: false,
  };
  if (moved && !opts.check) {
    await writeFileAtomic(file, replaceScalar(text, ['base'], pinned, file));
    result.written = true;
  }
  return result;
}
