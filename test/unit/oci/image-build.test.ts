import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  appendLayers,
  canonicalJson,
  describe as describeBlob,
  indexFor,
  manifestFor,
  OciMediaType,
  type AppendedLayer,
} from '../../../src/image/append.js';
import type { LayerBlob } from '../../../src/image/write-layer.js';
import {
  MediaType,
  type Descriptor,
  type FullImageConfig,
  type ImageConfig,
} from '../../../src/oci/types.js';

const hex = (c: string) => c.repeat(64);

/** Shaped like python:3.13-slim's amd64 config on Docker Hub (built by BuildKit). */
const python: FullImageConfig = {
  architecture: 'amd64',
  os: 'linux',
  created: '2025-06-03T17:49:40Z',
  config: {
    Env: [
      'PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'LANG=C.UTF-8',
      'GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305',
      'PYTHON_VERSION=3.13.4',
    ],
    Cmd: ['python3'],
    Labels: { 'org.example.base': 'yes' },
  },
  rootfs: { type: 'layers', diff_ids: [`sha256:${hex('1')}`, `sha256:${hex('2')}`] },
  history: [
    { created: '2025-06-02T00:00:00Z', created_by: '# debian.sh', comment: 'debuerreotype' },
    {
      created: '2025-06-03T17:49:40Z',
      created_by: 'ENV LANG=C.UTF-8',
      comment: 'buildkit.dockerfile.v0',
      empty_layer: true,
    },
    { created: '2025-06-03T17:49:40Z', created_by: 'RUN /bin/sh -c set -eux; ...' },
  ],
};

/** A Docker-engine config: the build container's leftovers must not be carried over. */
const dockerBuilt = {
  architecture: 'arm64',
  variant: 'v8',
  os: 'linux',
  docker_version: '24.0.7',
  container: 'abc123',
  container_config: { Cmd: ['/bin/sh', '-c', '#(nop) CMD ["bash"]'] },
  config: { Env: ['PATH=/usr/bin'], Cmd: ['bash'], Entrypoint: ['/entry.sh'] },
  rootfs: { type: 'layers', diff_ids: [`sha256:${hex('3')}`] },
} as ImageConfig;

const blob = (c: string, diff: string, size: number): LayerBlob => ({
  digest: `sha256:${hex(c)}`,
  diffId: `sha256:${hex(diff)}`,
  size,
  path: `/tmp/${hex(c)}`,
});
const layers: AppendedLayer[] = [
  { blob: blob('a', 'c', 100), createdBy: 'kubox: Debian packages (42)' },
  { blob: blob('b', 'd', 200), createdBy: 'kubox: user and config' },
];
const created = '2024-01-01T00:00:00Z';

describe('appendLayers', () => {
  it('keeps the base env, history and diff_ids and appends ours', () => {
    const c = appendLayers(python, layers, { created });
    expect(c.config?.Env).toEqual(python.config?.Env);
    expect(c.config?.Cmd).toEqual(['python3']);
    expect(c.rootfs.diff_ids).toEqual([
      `sha256:${hex('1')}`,
      `sha256:${hex('2')}`,
      `sha256:${hex('c')}`,
      `sha256:${hex('d')}`,
    ]);
    expect(c.history?.slice(0, 3)).toEqual(python.history);
    expect(c.history?.slice(3)).toEqual([
      { created, created_by: 'kubox: Debian packages (42)', comment: 'kubox' },
      { created, created_by: 'kubox: user and config', comment: 'kubox' },
    ]);
    // One non-empty history entry per layer, as docker and registries check.
    expect(c.history!.filter((h) => !h.empty_layer)).toHaveLength(c.rootfs.diff_ids.length);
    expect(c.created).toBe(created);
    expect([c.architecture, c.os]).toEqual(['amd64', 'linux']);
  });

  it('replaces env keys in place, appends new ones in order, and merges labels', () => {
    const c = appendLayers(python, [], {
      created,
      env: { LANG: 'en_US.UTF-8', KUBECONFIG: '/k', PATH: '/home/u/.local/bin:/usr/bin', Z: 'a=b' },
      labels: { 'org.example.base': 'overridden', 'org.opencontainers.image.base.name': 'python' },
      user: '1000:1000',
      workdir: '/home/u',
    });
    expect(c.config?.Env).toEqual([
      'PATH=/home/u/.local/bin:/usr/bin',
      'LANG=en_US.UTF-8',
      'GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305',
      'PYTHON_VERSION=3.13.4',
      'KUBECONFIG=/k',
      'Z=a=b',
    ]);
    expect(c.config?.Labels).toEqual({
      'org.example.base': 'overridden',
      'org.opencontainers.image.base.name': 'python',
    });
    expect(c.config).toMatchObject({ User: '1000:1000', WorkingDir: '/home/u' });
    // The base object is untouched.
    expect(python.config?.Env?.[1]).toBe('LANG=C.UTF-8');
    expect(python.config?.Labels).toEqual({ 'org.example.base': 'yes' });
  });

  it('sets cmd and entrypoint with Dockerfile semantics', () => {
    expect(
      appendLayers(dockerBuilt, [], { created, cmd: ['sleep', 'infinity'] }).config,
    ).toMatchObject({
      Cmd: ['sleep', 'infinity'],
      Entrypoint: ['/entry.sh'],
    });
    // A new entrypoint clears the base's cmd, as ENTRYPOINT does in a Dockerfile.
    const e = appendLayers(dockerBuilt, [], { created, entrypoint: ['/bin/bash', '-l'] }).config;
    expect(e?.Entrypoint).toEqual(['/bin/bash', '-l']);
    expect(e && 'Cmd' in e).toBe(false);
    const none = appendLayers(dockerBuilt, [], { created, entrypoint: null, cmd: ['bash'] }).config;
    expect(none && 'Entrypoint' in none).toBe(false);
    expect(none?.Cmd).toEqual(['bash']);
  });

  it('drops build-container fields and keeps the platform, variant included', () => {
    const c = appendLayers(dockerBuilt, layers, { created });
    expect(Object.keys(c)).toEqual([
      'created',
      'architecture',
      'os',
      'variant',
      'config',
      'rootfs',
      'history',
    ]);
    expect(c.variant).toBe('v8');
    expect(c.history).toHaveLength(2); // the base had none
  });
});

describe('manifestFor / indexFor', () => {
  const baseLayers: Descriptor[] = [
    {
      mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      digest: `sha256:${hex('e')}`,
      size: 29_000_000,
    },
  ];

  it('keeps the base layer descriptors exactly and appends OCI gzip layers', () => {
    const m = manifestFor(
      `sha256:${hex('f')}`,
      1234,
      baseLayers,
      layers.map((l) => l.blob),
      {
        'org.opencontainers.image.base.digest': `sha256:${hex('0')}`,
      },
    );
    expect(m).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: OciMediaType.config, digest: `sha256:${hex('f')}`, size: 1234 },
      layers: [
        baseLayers[0],
        { mediaType: OciMediaType.layerGzip, digest: `sha256:${hex('a')}`, size: 100 },
        { mediaType: OciMediaType.layerGzip, digest: `sha256:${hex('b')}`, size: 200 },
      ],
      annotations: { 'org.opencontainers.image.base.digest': `sha256:${hex('0')}` },
    });
    expect('annotations' in manifestFor(`sha256:${hex('f')}`, 1, [], [])).toBe(false);
  });

  it('makes an OCI index over per-platform manifests', () => {
    const d: Descriptor = {
      mediaType: MediaType.ociManifest,
      digest: `sha256:${hex('9')}`,
      size: 5,
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    };
    expect(indexFor([d])).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [d],
    });
  });
});

describe('canonicalJson', () => {
  it('gives the same bytes for the same inputs, without whitespace', () => {
    const a = canonicalJson(appendLayers(python, layers, { created, env: { A: '1' } }));
    const b = canonicalJson(
      appendLayers(structuredClone(python), layers, { created, env: { A: '1' } }),
    );
    expect(a.equals(b)).toBe(true);
    expect(a.toString()).not.toMatch(/\n|": /);
    expect(
      a.toString().startsWith('{"created":"2024-01-01T00:00:00Z","architecture":"amd64"'),
    ).toBe(true);
    const desc = describeBlob(a, OciMediaType.config);
    expect(desc).toEqual({
      mediaType: OciMediaType.config,
      digest: `sha256:${createHash('sha256').update(a).digest('hex')}`,
      size: a.length,
    });
  });

  it('changes when an input changes', () => {
    const a = canonicalJson(appendLayers(python, layers, { created }));
    const b = canonicalJson(appendLayers(python, layers, { created: '2024-01-01T00:00:01Z' }));
    expect(a.equals(b)).toBe(false);
  });
});
