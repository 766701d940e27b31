/** What a registry sends, checked before use: digests, manifests and indexes (tables of cases). */
import { describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import {
  checkDigest,
  checkManifestReference,
  isDigest,
  parseManifestDocument,
} from '../../../src/oci/validate.js';

const HEX64 = 'a'.repeat(64);
const desc = (over: Record<string, unknown> = {}) => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${HEX64}`,
  size: 10,
  ...over,
});

describe('digests', () => {
  it.each([
    [`sha256:${HEX64}`, true],
    [`sha512:${'b'.repeat(128)}`, true],
    ['sha256:../../x', false],
    [`sha256:${'A'.repeat(64)}`, false],
    [`sha256:${'a'.repeat(63)}`, false],
    [`sha256:${'a'.repeat(65)}`, false],
    [`sha512:${HEX64}`, false],
    [`md5:${'a'.repeat(32)}`, false],
    [`sha256:${HEX64}\n`, false],
    [`sha256:${HEX64}/../x`, false],
    [42, false],
  ])('%j is a digest: %s', (d, ok) => {
    expect(isDigest(d)).toBe(ok);
    if (ok) expect(checkDigest(d, 'x')).toBe(d);
    else expect(() => checkDigest(d, 'index entry')).toThrow(KuboxError);
  });

  it('names where a bad digest came from, quoted, control characters escaped', () => {
    expect(() => checkDigest('sha256:../\n../x', 'manifests[0] of r/a:1')).toThrow(
      'manifests[0] of r/a:1: "sha256:../\\n../x" is not a valid digest',
    );
  });

  it.each(['1.0', 'latest', `sha256:${HEX64}`])('takes the reference %s', (r) => {
    expect(checkManifestReference(r, 'x')).toBe(r);
  });
  it.each(['../x', 'sha256:../../x', '.hidden', 'a/b', ''])('refuses the reference %j', (r) => {
    expect(() => checkManifestReference(r, 'x')).toThrow(KuboxError);
  });
});

describe('manifest documents', () => {
  const where = 'manifest 127.0.0.1:5000/team/img:1.0';
  const parse = (doc: unknown) =>
    parseManifestDocument(Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc)), where);

  it.each([
    ['null', 'null', 'it is null, not an object'],
    ['not JSON', '{"schemaVersion": 2,', 'not JSON'],
    ['an array', '[]', 'not an object'],
    ['manifests as an object', { manifests: { a: 1 } }, '`manifests` is not an array'],
    ['no config', { schemaVersion: 2, layers: [] }, 'neither `manifests` nor `config`'],
    ['config null', { config: null, layers: [] }, 'config is not an object'],
    ['layers missing', { config: desc() }, '`layers` is not an array'],
    [
      'a traversal digest',
      { manifests: [desc({ digest: 'sha256:../../x' })] },
      'manifests[0].digest',
    ],
    ['a negative size', { config: desc({ size: -1 }), layers: [] }, 'config.size -1'],
    ['a fractional size', { config: desc(), layers: [desc({ size: 1.5 })] }, 'layers[0].size'],
    ['no media type', { config: desc({ mediaType: 7 }), layers: [] }, 'config.mediaType'],
    ['a bad platform', { manifests: [desc({ platform: 'linux' })] }, 'manifests[0].platform'],
  ])('refuses %s, naming the reference', (_name, doc, why) => {
    let err: unknown;
    try {
      parse(doc);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).kind).toBe('registry');
    expect((err as KuboxError).exitCode).toBe(1);
    expect((err as KuboxError).message).toContain(where);
    expect((err as KuboxError).message).toContain(why);
  });

  it('reads a valid index and a valid manifest', () => {
    expect(
      parse({
        schemaVersion: 2,
        manifests: [desc({ platform: { os: 'linux', architecture: 'amd64' } })],
      }),
    ).toHaveProperty('manifests');
    expect(parse({ schemaVersion: 2, config: desc(), layers: [desc()] })).toHaveProperty('config');
  });
});
