/**
 * `openImage`: the image a command names, from wherever it is. Every command
 * that reads an image (inspect, push, verify, the engines) comes through here.
 */
import { existsSync, statSync } from 'node:fs';
import { KuboxError } from '../errors.js';
import type { ClientOptions } from '../registry/client.js';
import { openArchive } from './archive.js';
import { openLayoutDir } from './layout-dir.js';
import type { ImageNode } from './model.js';
import { parseImageName, type ImageName } from './name.js';
import { openRemote } from './registry.js';

/** A layout directory, or an archive of one, at `path`. */
export async function openLayoutPath(path: string): Promise<ImageNode> {
  if (!existsSync(path))
    throw new KuboxError('io', `${path} does not exist`, {
      hint: 'give an OCI layout directory or archive (kubox build --output oci:PATH writes one)',
    });
  return statSync(path).isDirectory() ? openLayoutDir(path) : openArchive(path);
}

export async function openImage(
  name: string | ImageName,
  opts: ClientOptions = {},
): Promise<ImageNode> {
  const parsed = typeof name === 'string' ? parseImageName(name) : name;
  return parsed.kind === 'layout' ? openLayoutPath(parsed.path) : openRemote(parsed.ref, opts);
}
