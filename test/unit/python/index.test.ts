import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttp } from '../../../src/http/client.js';
import { HttpError } from '../../../src/http/error.js';
import { closedPort } from '../registry/http-server.js';
import {
  downloadDistribution,
  fetchCoreMetadata,
  listDistributions,
} from '../../../src/python/simple-index.js';
import { makeWheel, metadataText } from './make-wheel.js';
import { startIndex, type IndexServer } from './index-server.js';

const any = makeWheel({ name: 'Demo_Pkg', version: '1.0', requires: ['six'] });
const plat = makeWheel({
  name: 'Demo_Pkg',
  version: '1.1',
  tags: 'cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64',
});
const old = makeWheel({ name: 'Demo_Pkg', version: '0.9' });
const sdist = {
  filename: 'Demo-Pkg-1.1.tar.gz',
  bytes: new TextEncoder().encode('not really a tarball'),
};
const sha = (d: Uint8Array): string => createHash('sha256').update(d).digest('hex');

const project = [
  { ...any, metadata: metadataText({ name: 'Demo_Pkg', version: '1.0', requires: ['six'] }) },
  { ...plat, requiresPython: '>=3.8, <4' },
  { ...old, yanked: 'broken build', hash: false },
  sdist,
  { filename: 'Demo_Pkg-1.0-py2.7.egg', bytes: new Uint8Array() },
  { ...makeWheel({ name: 'other', version: '1.0' }) },
];

for (const form of ['json', 'html'] as const) {
  describe(`listDistributions over ${form === 'json' ? 'PEP 691 JSON' : 'PEP 503 HTML'}`, () => {
    let server: IndexServer;
    beforeAll(async () => {
      server = await startIndex({ 'demo-pkg': project }, form);
    });
    afterAll(() => server.close());

    it('lists wheels and sdists with hashes, Requires-Python, yanked state and resolved URLs', async () => {
      const ds = await listDistributions(server.url, 'Demo.Pkg');
      expect(server.requests).toContain('/simple/demo-pkg/');
      expect(ds.map((d) => [d.filename, d.kind, d.version])).toEqual([
        [any.filename, 'wheel', '1.0'],
        [plat.filename, 'wheel', '1.1'],
        [old.filename, 'wheel', '0.9'],
        ['Demo-Pkg-1.1.tar.gz', 'sdist', '1.1'],
      ]);
      const [a, p, o, s] = ds;
      expect(a!.name).toBe('demo-pkg');
      expect(a!.sha256).toBe(sha(any.bytes));
      expect(a!.url).toBe(`${server.url.replace('/simple/', '/files/')}${any.filename}`);
      expect(a!.metadataUrl).toBe(`${a!.url}.metadata`);
      expect(p!.url).toBe(`${server.url.replace('/simple/', '/files/')}${plat.filename}`);
      expect(p!.requiresPython).toBe('>=3.8, <4');
      expect(p!.tags).toEqual([
        'cp311-cp311-manylinux_2_17_x86_64',
        'cp311-cp311-manylinux2014_x86_64',
      ]);
      expect(p!.metadataUrl).toBeUndefined();
      expect(o!.yanked).toBe(true);
      expect(o!.yankedReason).toBe('broken build');
      expect(o!.sha256).toBeUndefined();
      expect(s!.yanked).toBe(false);
      expect(s!.tags).toBeUndefined();
    });

    it('downloads checked against the index hash, and fetches PEP 658 metadata', async () => {
      const [a, , o] = await listDistributions(server.url, 'demo-pkg');
      const got = await downloadDistribution(a!);
      expect(got.sha256).toBe(sha(any.bytes));
      expect(got.bytes).toEqual(any.bytes);
      expect(await fetchCoreMetadata(a!)).toContain('Requires-Dist: six');
      // No published hash: the hash of what was downloaded is what gets locked.
      expect((await downloadDistribution(o!)).sha256).toBe(sha(old.bytes));
      await expect(downloadDistribution({ ...a!, sha256: '0'.repeat(64) })).rejects.toThrow(
        /has sha256 .* the index says 0{64}/,
      );
    });

    it('says which project is missing, with the status on the error', async () => {
      const err = await listDistributions(server.url, 'nope').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpError);
      expect((err as HttpError).kind).toBe('not-found');
      expect((err as HttpError).status).toBe(404);
      expect((err as HttpError).message).toContain('"nope"');
    });

    it('names an index URL with credentials without them', async () => {
      const index = server.url.replace('://', '://alice:s3cret@');
      const [a] = await listDistributions(index, 'demo-pkg');
      expect(a!.url).not.toContain('s3cret');
      const err = await listDistributions(index, 'nope').catch((e: unknown) => e);
      expect((err as HttpError).message).toBe(
        `no project "nope" on the index ${server.url} (${server.url}nope/ answered 404)`,
      );
    });
  });
}

it('reports an unreachable index as a network error', async () => {
  const port = await closedPort();
  const http = createHttp({ sleep: async () => {} });
  const err = await listDistributions(`http://127.0.0.1:${port}/simple/`, 'x', http).catch(
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  expect((err as HttpError).kind).toBe('network');
  expect((err as HttpError).message).toBe(
    `cannot reach http://127.0.0.1:${port}/simple/x/: ECONNREFUSED`,
  );
});
