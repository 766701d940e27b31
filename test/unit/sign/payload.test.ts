/** The simple-signing payload and the .sig manifest: pure documents, exact bytes. */
import { describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import {
  dockerReference,
  makePayload,
  readPayload,
  sameRepository,
} from '../../../src/sign/payload.js';
import {
  existingLayers,
  signatureImage,
  signatureLayer,
  sigTag,
} from '../../../src/sign/sig-manifest.js';
import { parseReference } from '../../../src/oci/reference.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('simple-signing payload', () => {
  it("is cosign's exact JSON: critical identity/image/type, optional null without annotations", () => {
    expect(makePayload('127.0.0.1:5000/team/app', DIGEST).toString()).toBe(
      `{"critical":{"identity":{"docker-reference":"127.0.0.1:5000/team/app"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"},"optional":null}`,
    );
    expect(JSON.parse(makePayload('r/a', DIGEST, { sha: '0123' }).toString()).optional).toEqual({
      sha: '0123',
    });
  });

  it('names the repository as cosign does: no tag or digest, Docker Hub as index.docker.io', () => {
    expect(dockerReference(parseReference(`127.0.0.1:5000/team/app:1@${DIGEST}`))).toBe(
      '127.0.0.1:5000/team/app',
    );
    expect(dockerReference(parseReference('python:3.13'))).toBe('index.docker.io/library/python');
    expect(sameRepository('index.docker.io/library/python', 'docker.io/library/python')).toBe(true);
    expect(sameRepository('ghcr.io/a/b', 'ghcr.io/a/c')).toBe(false);
  });

  it('reads back its claims, and says why a payload is not one', () => {
    expect(readPayload(makePayload('r.io/a', DIGEST))).toEqual({
      ok: true,
      repository: 'r.io/a',
      digest: DIGEST,
    });
    expect(readPayload(Buffer.from('{'))).toMatchObject({
      ok: false,
      reason: 'the signed payload is not JSON',
    });
    expect(
      readPayload(Buffer.from('{"critical":{"type":"atomic container signature"}}')),
    ).toMatchObject({
      ok: false,
      reason: expect.stringContaining('type is not'),
    });
  });
});

describe('the sha256-<hex>.sig manifest', () => {
  it("tags by cosign's scheme", () => {
    expect(sigTag(DIGEST)).toBe(`sha256-${'ab'.repeat(32)}.sig`);
  });

  it('one simplesigning layer per signature; the config lists them as diff_ids', () => {
    const a = signatureLayer(Buffer.from('one'), 'c2ln');
    const b = signatureLayer(Buffer.from('two'), 'c2lnMg==');
    const { config, configDigest, manifest } = signatureImage([a, b]);
    const m = JSON.parse(manifest.toString());
    expect(m.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(m.layers).toEqual([a, b]);
    expect(m.layers[0]).toMatchObject({
      mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
      size: 3,
      annotations: { 'dev.cosignproject.cosign/signature': 'c2ln' },
    });
    expect(m.config.digest).toBe(configDigest);
    expect(JSON.parse(config.toString()).rootfs.diff_ids).toEqual([a.digest, b.digest]);
  });

  it('keeps the layers already there, and refuses to replace a tag that holds something else', () => {
    const layer = signatureLayer(Buffer.from('x'), 's');
    const doc = JSON.parse(signatureImage([layer]).manifest.toString());
    expect(existingLayers(doc, 'r/a:t')).toEqual([layer]);
    expect(existingLayers(undefined, 'r/a:t')).toEqual([]);
    expect(() =>
      existingLayers(
        { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] },
        'r/a:sha256-x.sig',
      ),
    ).toThrow(KuboxError);
  });
});
