/**
 * The buildx metadata file that `--load` takes its image digest from: a
 * missing, unparsable or digest-less file after a successful build is an
 * error naming the file, never a build result without a digest.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMetadataDigest, readMetadataDigest } from '../../../src/engines/buildx/build.js';
import { KuboxError } from '../../../src/errors.js';

const DIGEST = `sha256:${'a1'.repeat(32)}`;
const FILE = '/tmp/kubox-build-x/metadata.json';

function caught(f: () => unknown): KuboxError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(KuboxError);
    return e as KuboxError;
  }
  throw new Error('expected a KuboxError');
}

describe('parseMetadataDigest', () => {
  it("returns buildx's containerimage.digest", () => {
    const text = JSON.stringify({
      'buildx.build.ref': 'builder/builder0/abc',
      'containerimage.config.digest': `sha256:${'b2'.repeat(32)}`,
      'containerimage.digest': DIGEST,
    });
    expect(parseMetadataDigest(text, FILE)).toBe(DIGEST);
  });

  it.each([
    ['empty', '', /is not JSON/],
    ['truncated', '{"containerimage.digest": "sha', /is not JSON/],
    ['an array', '[]', /is not a JSON object/],
    ['null', 'null', /is not a JSON object/],
    [
      'without the digest',
      '{"buildx.build.ref":"x"}',
      /has no image digest \(containerimage.digest\)/,
    ],
    [
      'with a digest that is no sha256',
      '{"containerimage.digest":"sha256:zz"}',
      /has no image digest/,
    ],
    ['with a digest that is no string', '{"containerimage.digest":42}', /has no image digest/],
  ])('a file that is %s is an error naming it', (_what, text, reason) => {
    const err = caught(() => parseMetadataDigest(text, FILE));
    expect(err.kind).toBe('build-failed');
    expect(err.message).toContain(`buildx's metadata file ${FILE}`);
    expect(err.message).toMatch(reason);
    expect(err.hint).toMatch(/--output oci:PATH/);
  });
});

describe('readMetadataDigest', () => {
  it('reads the digest from the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubox-metadata-'));
    writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ 'containerimage.digest': DIGEST }));
    expect(await readMetadataDigest(join(dir, 'metadata.json'))).toBe(DIGEST);
  });

  it('a missing file after a successful build is an error naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubox-metadata-'));
    const file = join(dir, 'metadata.json');
    const err = await readMetadataDigest(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).kind).toBe('build-failed');
    expect((err as KuboxError).message).toBe(
      `buildx succeeded but its metadata file ${file} cannot be read (ENOENT)`,
    );
  });

  it('an unparsable file is an error naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubox-metadata-'));
    const file = join(dir, 'metadata.json');
    writeFileSync(file, '{not json');
    await expect(readMetadataDigest(file)).rejects.toThrow(
      `buildx's metadata file ${file} is not JSON`,
    );
  });
});
