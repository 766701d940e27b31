/**
 * The JSON documents of an image made by appending layers to a base: config,
 * manifest and index. Pure: the same inputs give the same bytes, which is
 * what makes a rebuild reproduce the digest.
 */
import { createHash } from 'node:crypto';
import {
  MediaType,
  type Descriptor,
  type FullImageConfig,
  type HistoryEntry,
  type ImageConfig,
  type Index,
  type Manifest,
} from '../oci/types.js';
import type { LayerBlob } from './write-layer.js';

export const OciMediaType = {
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export interface AppendedLayer {
  blob: LayerBlob;
  /** History text, e.g. "kubox: Debian packages (42)". */
  createdBy: string;
}

export interface AppendOptions {
  /** ISO 8601 time, from SOURCE_DATE_EPOCH. */
  created: string;
  /** Numeric "uid:gid". */
  user?: string;
  workdir?: string;
  cmd?: string[];
  /** null removes the base's entrypoint; undefined keeps it. */
  entrypoint?: string[] | null;
  /** Merged into the base's Env: a key already there is replaced in place, new keys appended in this order. */
  env?: Record<string, string>;
  /** The shell a child Dockerfile's RUN uses (a Dockerfile's SHELL). */
  shell?: string[];
  /** Merged over the base's labels. */
  labels?: Record<string, string>;
}

function mergeEnv(base: readonly string[], add: Record<string, string>): string[] {
  const out = [...base];
  const at = new Map(out.map((kv, i) => [kv.split('=', 1)[0]!, i]));
  for (const [k, v] of Object.entries(add)) {
    const i = at.get(k);
    if (i === undefined) {
      at.set(k, out.length);
      out.push(`${k}=${v}`);
    } else out[i] = `${k}=${v}`;
  }
  return out;
}

/**
 * The config of the base with `layers` on top. Keeps the base's platform,
 * runtime settings, diff_ids and history; drops what describes how the base
 * was built (Docker's "container", "container_config", "docker_version").
 * As in a Dockerfile, setting an entrypoint without a cmd clears the base's
 * cmd, so both engines agree on what the image runs.
 */
export function appendLayers(
  baseConfig: ImageConfig,
  layers: readonly AppendedLayer[],
  opts: AppendOptions,
): FullImageConfig {
  const base = baseConfig as Partial<FullImageConfig>;
  const runtime: Record<string, unknown> = { ...base.config };
  if (opts.user !== undefined) runtime.User = opts.user;
  if (opts.env) runtime.Env = mergeEnv(base.config?.Env ?? [], opts.env);
  if (opts.entrypoint !== undefined) {
    if (opts.entrypoint === null) delete runtime.Entrypoint;
    else runtime.Entrypoint = [...opts.entrypoint];
    if (opts.cmd === undefined) delete runtime.Cmd;
  }
  if (opts.cmd !== undefined) runtime.Cmd = [...opts.cmd];
  if (opts.workdir !== undefined) runtime.WorkingDir = opts.workdir;
  if (opts.shell !== undefined) runtime.Shell = [...opts.shell];
  if (opts.labels) runtime.Labels = { ...base.config?.Labels, ...opts.labels };

  const history: HistoryEntry[] = [
    ...(base.history ?? []),
    ...layers.map((l) => ({ created: opts.created, created_by: l.createdBy, comment: 'kubox' })),
  ];
  return {
    created: opts.created,
    ...(base.author !== undefined ? { author: base.author } : {}),
    architecture: baseConfig.architecture,
    os: baseConfig.os,
    ...(base['os.version'] !== undefined ? { 'os.version': base['os.version'] } : {}),
    ...(base['os.features'] !== undefined ? { 'os.features': base['os.features'] } : {}),
    ...(baseConfig.variant !== undefined ? { variant: baseConfig.variant } : {}),
    config: runtime as FullImageConfig['config'],
    rootfs: {
      type: 'layers',
      diff_ids: [...(base.rootfs?.diff_ids ?? []), ...layers.map((l) => l.blob.diffId)],
    },
    history,
  };
}

/** The OCI manifest: the base's layer descriptors exactly as they were (media type included), then ours. */
export function manifestFor(
  configDigest: string,
  configSize: number,
  baseLayers: Descriptor[],
  layers: LayerBlob[],
  annotations?: Record<string, string>,
): Manifest {
  return {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: OciMediaType.config, digest: configDigest, size: configSize },
    layers: [
      ...baseLayers,
      ...layers.map((l) => ({ mediaType: OciMediaType.layerGzip, digest: l.digest, size: l.size })),
    ],
    ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
  };
}

/** An OCI index over per-platform manifests, in the order given. */
export function indexFor(manifests: Descriptor[], annotations?: Record<string, string>): Index {
  return {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests,
    ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
  };
}

/**
 * Stable bytes for a config, manifest or index: keys in the order the object
 * was built (the builders above fix it), no whitespace. Not RFC 8785: digests
 * only need the same bytes from the same inputs, and base layer descriptors
 * must keep the registry's own key order anyway.
 */
export function canonicalJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** A descriptor for JSON bytes about to be stored as a blob. */
export function describe(bytes: Buffer, mediaType: string): Descriptor {
  return {
    mediaType,
    digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    size: bytes.length,
  };
}
