/**
 * The publish stage: where a built image goes, whichever engine built it. An
 * OCI archive at a path, a push with kubox's registry client, or an archive
 * handed to `docker load`. The image is published as it was built (and, with
 * --scan, as it was scanned): nothing is rebuilt or pulled again here.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerLoad } from './docker.js';
import type { BuildOutput } from './engines/options.js';
import type { ImageNode } from './image/model.js';
import { writeLayout } from './image/write.js';
import { packLayout } from './oci/layout.js';
import { parseReference, qualifiedName } from './oci/reference.js';
import { pushImage, type PushResult } from './registry/push.js';

/** As BuildKit names an image in a layout: docker load names the image after io.containerd.image.name. */
function nameAnnotations(name: string | undefined): Record<string, string> | undefined {
  if (!name) return undefined;
  const ref = parseReference(name);
  return {
    'io.containerd.image.name': qualifiedName(ref),
    'org.opencontainers.image.ref.name': ref.tag ?? 'latest',
  };
}

/** Writes `image` as an OCI layout archive at `path`, named after its first tag. */
export async function writeArchive(
  image: ImageNode,
  path: string,
  tags: readonly string[],
): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'kubox-publish-'));
  try {
    const annotations = nameAnnotations(tags[0]);
    await writeLayout(join(work, 'layout'), image, annotations ? { annotations } : {});
    await packLayout(join(work, 'layout'), path);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function publish(
  image: ImageNode,
  output: BuildOutput,
  tags: readonly string[],
  log: (msg: string) => void,
): Promise<{ pushed?: PushResult }> {
  if (output.type === 'oci') {
    await writeArchive(image, output.path, tags);
    return {};
  }
  if (output.type === 'push') {
    log(`pushing ${tags.join(', ')}`);
    // pushImage mounts the base's layers from the repository the base.name label names.
    return { pushed: await pushImage(image, tags, { log }) };
  }
  const work = await mkdtemp(join(tmpdir(), 'kubox-load-'));
  try {
    const archive = join(work, 'image.oci.tar');
    await writeArchive(image, archive, tags);
    await dockerLoad(archive, tags);
    return {};
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
