/** The OCI documents kubox reads and writes: descriptors, manifests, indexes, configs. */

export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** The runtime part of an image config (what `docker image inspect` calls Config). */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  config?: {
    User?: string;
    WorkingDir?: string;
    Cmd?: string[];
    Entrypoint?: string[];
    /** The shell RUN uses in images built FROM this one (a Dockerfile's SHELL). */
    Shell?: string[];
    Env?: string[];
    Labels?: Record<string, string>;
  };
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The whole image config, as stored: what an image is opened with and what kubox writes. */
export interface FullImageConfig extends ImageConfig {
  created?: string;
  author?: string;
  'os.version'?: string;
  'os.features'?: string[];
  config?: NonNullable<ImageConfig['config']> & Record<string, unknown>;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
}

export function isIndex(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociIndex || mediaType === MediaType.dockerManifestList;
}

/** BuildKit adds attestation manifests to indexes; they are not runnable platforms. */
export function isAttestation(d: Descriptor): boolean {
  return (
    d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    d.platform?.os === 'unknown'
  );
}
