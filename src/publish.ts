/**
 * The publish stage: where a built image goes, whichever engine built it. An
 * OCI archive at a path, a push with kubox's registry client, or an archive
 * handed to `docker load`. The image is published as it was built (and, with
 * --scan, as it was scanned): nothing is rebuilt or pulled again here.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { dockerLoad } from './docker.js';
import type { BuildOutput, BuiltImage } from './engines/options.js';
import { writeOutput } from './fs.js';
import type { ImageNode } from './image/model.js';
import { writeLayout } from './image/write.js';
import { packLayout } from './oci/layout.js';
import { parseReference, qualifiedName } from './oci/reference.js';
import { pushImage, type PushResult } from './registry/push.js';

/** What publishing needs of a build: the image, and the archive it already is, if any. */
export type Publishable = Pick<BuiltImage, 'image' | 'archive'>;

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

/** The archive at `path`: the engine's own, byte for byte, when it wrote one. */
async function archiveTo(built: Publishable, path: string, tags: readonly string[]) {
  const from = built.archive;
  if (from) await writeOutput(path, (out) => pipeline(createReadStream(from), out));
  else await writeArchive(built.image, path, tags);
}

/** `docker load` of the engine's archive, or of one written for it and removed after. */
async function load(built: Publishable, tags: readonly string[]) {
  if (built.archive) return dockerLoad(built.archive, tags);
  const work = await mkdtemp(join(tmpdir(), 'kubox-load-'));
  try {
    const archive = join(work, 'image.oci.tar');
    await writeArchive(built.image, archive, tags);
    await dockerLoad(archive, tags);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function publish(
  built: Publishable,
  output: BuildOutput,
  tags: readonly string[],
  log: (msg: string) => void,
): Promise<{ pushed?: PushResult }> {
  switch (output.type) {
    case 'oci':
      await archiveTo(built, output.path, tags);
      return {};
    case 'load':
      await load(built, tags);
      return {};
    case 'push':
      log(`pushing ${tags.join(', ')}`);
      // pushImage mounts the base's layers from the repository the base.name label names.
      return { pushed: await pushImage(built.image, tags, { log }) };
  }
}
