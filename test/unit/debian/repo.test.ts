import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentCache } from '../../../src/cache.js';
import { debianArchiveKeys, keysFingerprint, readKeys } from '../../../src/debian/keyring.js';
import { fetchPackages, fetchRelease } from '../../../src/debian/repo.js';
import type { AptSource } from '../../../src/debian/sources.js';
import { startLoopback, type Loopback } from './loopback.js';
import { caught } from '../../support/caught.js';

const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const PACKAGES = `Package: kubectl
Version: 1.32.3-1.1
Architecture: amd64
Filename: amd64/kubectl_1.32.3-1.1_amd64.deb
Size: 11300000
SHA256: ${'1'.repeat(64)}
Description: Command-line utility for interacting with a Kubernetes cluster
 Long description.

Package: kubectl
Version: 1.32.3-1.1
Architecture: arm64
Filename: arm64/kubectl_1.32.3-1.1_arm64.deb
Size: 10300000
SHA256: ${'2'.repeat(64)}

Package: kubeadm
Version: 1.32.3-1.1
Architecture: amd64
Multi-Arch: foreign
Depends: kubernetes-cni (>= 1.1.1), cri-tools (>= 1.30.0), python3:any | perl
Filename: amd64/kubeadm_1.32.3-1.1_amd64.deb
Size: 12000000
SHA256: ${'3'.repeat(64)}
`;

/** A signed flat repository, the shape of pkgs.k8s.io, served from loopback. */
async function flatRepo(
  server: Loopback,
  prefix: string,
  key: openpgp.PrivateKey,
  opts: { validUntil?: Date; packages?: string } = {},
) {
  const plain = Buffer.from(opts.packages ?? PACKAGES);
  const gz = gzipSync(plain);
  const release = [
    'Origin: kubox-test',
    `Date: ${new Date().toUTCString()}`,
    ...(opts.validUntil ? [`Valid-Until: ${opts.validUntil.toUTCString()}`] : []),
    'SHA256:',
    ` ${hex(plain)} ${plain.length} Packages`,
    ` ${hex(gz)} ${gz.length} Packages.gz`,
    '',
  ].join('\n');
  const signed = await openpgp.sign({
    message: await openpgp.createCleartextMessage({ text: release }),
    signingKeys: key,
  });
  server.files.set(`${prefix}InRelease`, Buffer.from(signed));
  server.files.set(`${prefix}Packages.gz`, gz);
  server.files.set(`${prefix}Packages`, plain);
  return { release, signed, gz };
}

let server: Loopback;
let dir: string;
let key: openpgp.PrivateKey;
let publicKeys: openpgp.PublicKey[];
let source: AptSource;

beforeAll(async () => {
  server = await startLoopback();
  dir = mkdtempSync(join(tmpdir(), 'kubox-repo-'));
  const generated = await openpgp.generateKey({
    userIDs: [{ name: 'kubox test repository' }],
    format: 'object',
  });
  key = generated.privateKey;
  publicKeys = await readKeys(Buffer.from(generated.publicKey.armor()));
  source = {
    name: 'kubernetes',
    url: `${server.url}/k8s/deb/`,
    suite: '/',
    components: [],
    keys: { url: `${server.url}/k8s/deb/Release.key` },
  };
  await flatRepo(server, '/k8s/deb/', key, { validUntil: new Date(Date.now() + 86400_000) });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('keyring', () => {
  it('ships the Debian archive keys, bookworm and trixie', async () => {
    const keys = await debianArchiveKeys();
    const fps = keysFingerprint(keys);
    // Debian 12 stable release key, 13 automatic signing key.
    expect(fps).toContain('4d64fec119c2029067d6e791f8d2585b8783d481');
    expect(fps).toContain('b8b80b5b623eab6ad8775c45b7c5d7d6350947f8');
    expect(keys.length).toBe(6);
    expect(keysFingerprint([...keys].reverse())).toBe(fps);
  });

  it('reads armored and binary keys alike, and refuses what is not a key', async () => {
    const binary = publicKeys[0]!.write();
    expect(keysFingerprint(await readKeys(binary))).toBe(keysFingerprint(publicKeys));
    await expect(readKeys(Buffer.from('<html>not found</html>'), 'Release.key')).rejects.toThrow(
      /^Release\.key is not an OpenPGP public key/,
    );
  });
});

describe('fetchRelease', () => {
  it('verifies a signed InRelease and reads its checksums', async () => {
    const release = await fetchRelease(source, { keys: publicKeys });
    expect(release.url).toBe(`${server.url}/k8s/deb/InRelease`);
    expect(release.inReleaseSha256).toBe(hex(server.files.get('/k8s/deb/InRelease')!));
    expect([...release.files.keys()]).toEqual(['Packages', 'Packages.gz']);
    expect(release.files.get('Packages.gz')!.sha256).toBe(
      hex(server.files.get('/k8s/deb/Packages.gz')!),
    );
    expect(release.acquireByHash).toBe(false);
  });

  it('refuses a signature by a key it was not given', async () => {
    const err = await caught(fetchRelease(source, { keys: await debianArchiveKeys() }));
    expect(err.kind).toBe('integrity');
    expect(err.message).toMatch(
      new RegExp(
        `^${server.url}/k8s/deb/InRelease: signature does not verify against the key at ${server.url}/k8s/deb/Release.key`,
      ),
    );
  });

  it('refuses an InRelease whose signed text was changed', async () => {
    const { signed } = await flatRepo(server, '/altered/', key);
    server.files.set(
      '/altered/InRelease',
      Buffer.from(signed.replace('Origin: kubox-test', 'Origin: kubox-tesT')),
    );
    const err = await caught(
      fetchRelease({ ...source, url: `${server.url}/altered/` }, { keys: publicKeys }),
    );
    expect(err.kind).toBe('integrity');
    expect(err.message).toContain('signature does not verify');
  });

  it('refuses an unsigned Release', async () => {
    server.files.set('/unsigned/InRelease', Buffer.from('Origin: x\nSHA256:\n'));
    const err = await caught(
      fetchRelease({ ...source, url: `${server.url}/unsigned/` }, { keys: publicKeys }),
    );
    expect(err.kind).toBe('integrity');
    expect(err.message).toContain('not a clearsigned file');
  });

  it('refuses an expired Valid-Until, except where the source opts out (snapshots)', async () => {
    await flatRepo(server, '/expired/', key, { validUntil: new Date(Date.now() - 3600_000) });
    const expired = { ...source, url: `${server.url}/expired/` };
    const err = await caught(fetchRelease(expired, { keys: publicKeys }));
    expect(err.kind).toBe('integrity');
    expect(err.message).toMatch(/InRelease expired on .* \(Valid-Until\)/);
    const ok = await fetchRelease({ ...expired, checkValidUntil: false }, { keys: publicKeys });
    expect(ok.validUntil).toBeDefined();
    // The clock used is the caller's.
    await expect(
      fetchRelease(expired, { keys: publicKeys, now: new Date(Date.now() - 7200_000) }),
    ).resolves.toBeDefined();
  });
});

describe('fetchPackages', () => {
  it('reads a flat repository, checked against InRelease, and reuses it from the cache', async () => {
    const cache = new ContentCache(join(dir, 'flat'));
    const release = await fetchRelease(source, { keys: publicKeys });
    const records = (await fetchPackages(release, 'amd64', cache)).all();
    expect(records.map((r) => `${r.name}/${r.architecture}`)).toEqual([
      'kubectl/amd64',
      'kubectl/arm64',
      'kubeadm/amd64',
    ]);
    const kubeadm = records[2]!;
    expect(kubeadm).toMatchObject({
      version: '1.32.3-1.1',
      essential: false,
      multiArch: 'foreign',
      filename: 'amd64/kubeadm_1.32.3-1.1_amd64.deb',
      url: `${server.url}/k8s/deb/amd64/kubeadm_1.32.3-1.1_amd64.deb`,
      sha256: '3'.repeat(64),
      size: 12000000,
      source: 'kubernetes',
      conflicts: [],
    });
    expect(kubeadm.depends).toEqual([
      [{ name: 'kubernetes-cni', relation: '>=', version: '1.1.1' }],
      [{ name: 'cri-tools', relation: '>=', version: '1.30.0' }],
      [{ name: 'python3', archQualifier: 'any' }, { name: 'perl' }],
    ]);
    // The compressed index is what was fetched, and it is in the cache by its hash.
    expect(server.hits.get('/k8s/deb/Packages.gz')).toBe(1);
    expect(server.hits.get('/k8s/deb/Packages') ?? 0).toBe(0);
    expect(await cache.has(release.files.get('Packages.gz')!.sha256)).toBe(true);

    const again = (await fetchPackages(release, 'amd64', cache)).all();
    expect(server.hits.get('/k8s/deb/Packages.gz')).toBe(1);
    expect(again).toEqual(records);
  });

  it("downloads a flat repository's one index once when two architectures ask at once", async () => {
    await flatRepo(server, '/twice/', key);
    const release = await fetchRelease(
      { ...source, url: `${server.url}/twice/` },
      { keys: publicKeys },
    );
    const cache = new ContentCache(join(dir, 'twice'));
    const [amd64, arm64] = await Promise.all([
      fetchPackages(release, 'amd64', cache),
      fetchPackages(release, 'arm64', cache),
    ]);
    expect(server.hits.get('/twice/Packages.gz')).toBe(1);
    // The same records: which architecture a build takes is PackageIndex's choice.
    expect(arm64.all()).toEqual(amd64.all());
  });

  it('keeps UTF-8 fields as they are, read cold or from the derived cache', async () => {
    // The index is decoded as latin1 (one byte per char) and its records' JSON turned back
    // into UTF-8: a non-ASCII value must come out whole, and the same both ways.
    const packages = `Package: kubectl
Version: 1.32.3-1.1
Architecture: amd64
Maintainer: Jérôme Dupont <jd@example.org>
Provides: kubectl-cli (= 1.0)
Filename: amd64/kubectl_1.32.3-1.1_ämd64.deb
Homepage: https://例え.jp/
Size: 11300000
SHA256: ${'1'.repeat(64)}
Description: Grüße
 Ωmega.
`;
    await flatRepo(server, '/utf8/', key, { packages });
    const release = await fetchRelease(
      { ...source, url: `${server.url}/utf8/` },
      { keys: publicKeys },
    );
    const cache = new ContentCache(join(dir, 'utf8'));
    const cold = (await fetchPackages(release, 'amd64', cache)).all();
    expect(cold[0]).toMatchObject({
      filename: 'amd64/kubectl_1.32.3-1.1_ämd64.deb',
      url: `${server.url}/utf8/amd64/kubectl_1.32.3-1.1_ämd64.deb`,
      provides: [{ name: 'kubectl-cli', relation: '=', version: '1.0' }],
    });
    const warm = (await fetchPackages(release, 'amd64', cache)).all();
    expect(warm).toEqual(cold);
  });

  it('reads an index of several pieces whole, and names the right line of a bad one', async () => {
    // Over a megabyte: read a piece at a time (INDEX_PIECE); no paragraph may be cut or lost.
    const paragraph = (i: number) =>
      `Package: pkg${i}\nVersion: 1.${i}-1\nArchitecture: amd64\nMaintainer: Zoë <z@example.org>\n` +
      `Depends: libc6 (>= 2.36), pkg${i + 1}\nFilename: amd64/pkg${i}.deb\nSize: ${i + 1}\n` +
      `SHA256: ${'a'.repeat(64)}\nDescription: package ${i}\n ${'lorem ipsum '.repeat(8)}\n .\n more\n`;
    const many = Array.from({ length: 6000 }, (_, i) => paragraph(i)).join('\n');
    expect(many.length).toBeGreaterThan(2 << 20);
    await flatRepo(server, '/big/', key, { packages: many });
    const release = await fetchRelease(
      { ...source, url: `${server.url}/big/` },
      { keys: publicKeys },
    );
    const records = (
      await fetchPackages(release, 'amd64', new ContentCache(join(dir, 'big')))
    ).all();
    expect(records.map((r) => r.name)).toEqual(Array.from({ length: 6000 }, (_, i) => `pkg${i}`));
    expect(records[4321]).toMatchObject({ version: '1.4321-1', size: 4322 });
    expect(records[4321]!.depends[1]).toEqual([{ name: 'pkg4322' }]);

    const lines = many.split('\n');
    const bad = lines.length - 20;
    lines[bad] = 'this is not a field';
    await flatRepo(server, '/bad/', key, { packages: lines.join('\n') });
    const broken = await fetchRelease(
      { ...source, url: `${server.url}/bad/` },
      { keys: publicKeys },
    );
    const list = await fetchPackages(broken, 'amd64', new ContentCache(join(dir, 'bad')));
    // Only the paragraph that holds it is refused, when it is read.
    expect(list.withName('pkg10')).toHaveLength(1);
    const err = await caught(Promise.resolve().then(() => list.all()));
    expect(err.kind).toBe('integrity');
    expect(err.message).toContain(`line ${bad + 1}: "this is not a field" is not "Field: value"`);
  });

  it('refuses an index that does not match its InRelease entry, keeping nothing', async () => {
    await flatRepo(server, '/swapped/', key);
    const release = await fetchRelease(
      { ...source, url: `${server.url}/swapped/` },
      { keys: publicKeys },
    );
    server.files.set(
      '/swapped/Packages.gz',
      gzipSync(Buffer.from(PACKAGES.replace('1.32.3', '1.32.4'))),
    );
    const root = join(dir, 'swapped');
    const err = await caught(fetchPackages(release, 'amd64', new ContentCache(root)));
    expect(err.kind).toBe('integrity');
    expect(err.message).toContain(
      `${server.url}/swapped/Packages.gz does not match: expected sha256 ${release.files.get('Packages.gz')!.sha256}`,
    );
    expect(readdirSync(join(root, 'sha256'))).toEqual([]);
    expect(existsSync(join(root, 'derived'))).toBe(false);
  });

  it('refuses a component the InRelease does not list', async () => {
    const release = await fetchRelease(source, { keys: publicKeys });
    const dists: AptSource = { ...source, suite: 'stable', components: ['main'] };
    const err = await caught(
      fetchPackages({ ...release, source: dists }, 'amd64', new ContentCache(join(dir, 'x'))),
    );
    expect(err.kind).toBe('integrity');
    expect(err.message).toBe(
      `${server.url}/k8s/deb/InRelease lists no Packages index for main/binary-amd64`,
    );
  });
});
