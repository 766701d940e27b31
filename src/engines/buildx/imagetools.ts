/**
 * Reading an image from a registry through `docker buildx imagetools`, which
 * uses docker's own credentials. (The daemonless registry client replaces this.)
 */
import { KuboxError } from '../../errors.js';
import { parseReference } from '../../oci/reference.js';
import { resolveImage, type ImageSummary } from '../../oci/archive.js';
import type { Descriptor } from '../../oci/types.js';
import { docker } from './docker.js';

async function imagetools(ref: string, format: string): Promise<unknown> {
  const res = await docker([
    'buildx',
    'imagetools',
    'inspect',
    ref,
    ...(format === 'raw' ? ['--raw'] : ['--format', format]),
  ]);
  if (res.exitCode !== 0) {
    throw new KuboxError(
      'io',
      `cannot read ${ref} from its registry: ${res.stderr.trim().split('\n').pop()}`,
      {
        hint: 'check the reference, and `docker login` to its registry if it is private',
      },
    );
  }
  return JSON.parse(res.stdout);
}

export async function inspectRemote(ref: string): Promise<ImageSummary> {
  const parsed = parseReference(ref);
  const repo = `${parsed.registry}/${parsed.repository}`;
  const root = (await imagetools(ref, '{{json .Manifest}}')) as Descriptor;
  // Configs are not separate documents here: imagetools renders them per manifest.
  const configs = new Map<string, unknown>();
  return resolveImage(root, async (d) => {
    if (configs.has(d.digest)) return configs.get(d.digest);
    const isConfig = /config/.test(d.mediaType);
    if (isConfig) throw new Error('unreachable: configs are fetched with their manifest');
    const manifest = await imagetools(`${repo}@${d.digest}`, 'raw');
    const m = manifest as { config?: Descriptor };
    if (m.config)
      configs.set(m.config.digest, await imagetools(`${repo}@${d.digest}`, '{{json .Image}}'));
    return manifest;
  });
}
