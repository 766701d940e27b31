/**
 * Attaching evidence as OCI referrers, against the registry STAND-IN
 * (fake-registry.ts) in both shapes a real registry has: without the
 * referrers API (like distribution 2.8: kubox keeps the `sha256-<hex>`
 * fallback index, which the e2e test checks on the real registry too), and
 * with it (the registry indexes referrers itself; kubox writes no tag).
 */
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaType, type Descriptor } from '../../../src/oci/types.js';
import { RegistryClient } from '../../../src/registry/client.js';
import {
  artifactManifest,
  attachArtifact,
  EMPTY_CONFIG,
  listReferrers,
  referrersTag,
} from '../../../src/registry/referrers.js';
import { createTransport } from '../../../src/registry/transport.js';
import { digestOf, startFakeRegistry, PASSWORD, USER, type FakeRegistry } from './fake-registry.js';
import type { Recorded } from './http-server.js';

const fakes: FakeRegistry[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const SUBJECT_BYTES = Buffer.from(
  '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}',
);
const subject: Descriptor = {
  mediaType: MediaType.ociIndex,
  digest: digestOf(SUBJECT_BYTES),
  size: SUBJECT_BYTES.length,
};
const sbom = {
  artifactType: 'application/spdx+json',
  mediaType: 'application/spdx+json',
  bytes: Buffer.from('{"spdxVersion":"SPDX-2.3"}'),
};
const provenance = {
  artifactType: 'application/vnd.in-toto+json',
  mediaType: 'application/vnd.in-toto+json',
  bytes: Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}'),
};

/** Manifest PUTs, which the stand-in leaves to its tests: stored under their tag or digest. */
function putManifests(fake: () => FakeRegistry) {
  return (rec: Recorded, res: ServerResponse): boolean => {
    const m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(rec.url);
    if (rec.method !== 'PUT' || !m) return false;
    const mediaType = String(rec.headers['content-type']);
    fake().manifests.set(`${m[1]}:${m[2]}`, { bytes: rec.body, mediaType });
    res.writeHead(201, { 'docker-content-digest': digestOf(rec.body) }).end();
    return true;
  };
}

/** A referrers API over the fake's stored manifests: those whose subject is the digest asked for. */
function referrersApi(fake: () => FakeRegistry) {
  return (rec: Recorded, res: ServerResponse): boolean => {
    const m = /^\/v2\/(.+)\/referrers\/(sha256:[a-f0-9]{64})$/.exec(rec.url);
    if (!m) return false;
    const manifests = [...fake().manifests.entries()]
      .filter(([key]) => key.startsWith(`${m[1]}:sha256:`))
      .map(([, v]) => ({ ...v, doc: JSON.parse(v.bytes.toString()) }))
      .filter((v) => v.doc.subject?.digest === m[2])
      .map((v) => ({
        mediaType: v.mediaType,
        digest: digestOf(v.bytes),
        size: v.bytes.length,
        artifactType: v.doc.artifactType,
      }));
    res.writeHead(200, { 'content-type': MediaType.ociIndex });
    res.end(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }));
    return true;
  };
}

async function setup(withApi: boolean) {
  const put = putManifests(() => fake);
  const api = referrersApi(() => fake);
  // The handlers run on requests, after the registry is up.
  const fake: FakeRegistry = await startFakeRegistry({
    auth: 'basic',
    intercept: (rec, res) => put(rec, res) || (withApi && api(rec, res)),
  });
  fakes.push(fake);
  const client = await RegistryClient.connect(fake.host, {
    credential: { kind: 'basic', username: USER, password: PASSWORD },
    transport: createTransport({ sleep: async () => {} }),
    env: {},
  });
  fake.manifests.set(`acme/img:${subject.digest}`, {
    bytes: SUBJECT_BYTES,
    mediaType: MediaType.ociIndex,
  });
  return { fake, client };
}

describe('artifact manifests', () => {
  it('are OCI 1.1 artifacts: artifactType, the empty config, one layer, the subject', () => {
    const { bytes, descriptor } = artifactManifest(subject, sbom);
    const doc = JSON.parse(bytes.toString());
    expect(doc).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: 'application/spdx+json',
      config: EMPTY_CONFIG,
      layers: [
        {
          mediaType: 'application/spdx+json',
          digest: digestOf(sbom.bytes),
          size: sbom.bytes.length,
        },
      ],
      subject,
    });
    expect(EMPTY_CONFIG.digest).toBe(digestOf('{}'));
    expect(descriptor).toMatchObject({
      digest: digestOf(bytes),
      artifactType: 'application/spdx+json',
    });
  });
});

describe('attaching to a registry without the referrers API', () => {
  it('keeps the sha256-<hex> fallback index, once per artifact', async () => {
    const { fake, client } = await setup(false);
    const a = await attachArtifact(client, 'acme/img', subject, sbom);
    const b = await attachArtifact(client, 'acme/img', subject, provenance);
    await attachArtifact(client, 'acme/img', subject, sbom); // again: not listed twice
    const fallback = fake.manifests.get(`acme/img:${referrersTag(subject.digest)}`)!;
    expect(fallback.mediaType).toBe(MediaType.ociIndex);
    expect(
      JSON.parse(fallback.bytes.toString()).manifests.map((m: Descriptor) => m.digest),
    ).toEqual([a.digest, b.digest]);
    expect(fake.blobs.get(EMPTY_CONFIG.digest)?.toString()).toBe('{}');
    expect(fake.blobs.get(digestOf(sbom.bytes))?.equals(sbom.bytes)).toBe(true);
    const listed = await listReferrers(client, 'acme/img', subject.digest);
    expect(listed.map((d) => [d.digest, d.artifactType])).toEqual([
      [a.digest, 'application/spdx+json'],
      [b.digest, 'application/vnd.in-toto+json'],
    ]);
  });
});

describe('attaching to a registry with the referrers API', () => {
  it('pushes the artifact only: the registry lists it, no fallback tag is written', async () => {
    const { fake, client } = await setup(true);
    const a = await attachArtifact(client, 'acme/img', subject, sbom);
    expect(fake.manifests.has(`acme/img:${referrersTag(subject.digest)}`)).toBe(false);
    const listed = await listReferrers(client, 'acme/img', subject.digest);
    expect(listed).toEqual([
      expect.objectContaining({ digest: a.digest, artifactType: 'application/spdx+json' }),
    ]);
  });
});
