/**
 * The apt client against the real Debian archive (deb.debian.org): signed
 * InRelease files verified with the keyring kubox ships, real Packages
 * indexes, a real resolution, and real .debs through the content cache.
 * Tampered copies are served from a loopback server.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentCache } from '../../src/cache.js';
import { download, fetchAll, fetchBytes } from '../../src/http/download.js';
import { readDeb } from '../../src/debian/deb.js';
import { debianArchiveKeys } from '../../src/debian/keyring.js';
import { fetchPackages, fetchRelease, type Release } from '../../src/debian/repo.js';
import { PackageIndex, resolve, type PackageRecord } from '../../src/debian/resolve.js';
import { debianSources, releaseUrl } from '../../src/debian/sources.js';
import { parseParagraphs } from '../../src/debian/control.js';
import { installedFromStatus } from '../../src/debian/status.js';
import { KuboxError } from '../../src/errors.js';
import { startLoopback, type Loopback } from '../unit/debian/loopback.js';
import { caught } from '../support/caught.js';

let dir: string;
let cache: ContentCache;
let keys: openpgp.PublicKey[];
let releases: Release[];
let server: Loopback;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubox-debian-e2e-'));
  cache = new ContentCache(dir);
  keys = await debianArchiveKeys();
  server = await startLoopback();
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A stand-in for a bookworm minbase image, from this machine's own (bookworm)
 * dpkg status: the Essential and Priority: required packages and everything
 * they depend on, which is what debootstrap --variant=minbase installs.
 */
function minbase(): Map<string, PackageRecord> {
  const all = installedFromStatus(readFileSync('/var/lib/dpkg/status', 'utf8'));
  const required = parseParagraphs(readFileSync('/var/lib/dpkg/status', 'utf8'))
    .filter((p) => p.get('Essential') === 'yes' || p.get('Priority') === 'required')
    .map((p) => p.get('Package')!);
  const keep = new Map<string, PackageRecord>();
  const visit = (name: string) => {
    const p = all.get(name);
    if (!p || keep.has(name)) return;
    keep.set(name, p);
    for (const group of [...p.preDepends, ...p.depends]) {
      const present = group.find((d) => all.has(d.name));
      if (present) visit(present.name);
    }
  };
  required.forEach(visit);
  return keep;
}

describe('Debian archive metadata', () => {
  it('verifies bookworm, -updates and -security with the shipped keyring', async () => {
    releases = await Promise.all(
      debianSources({ codename: 'bookworm' }).map((s) => fetchRelease(s, { keys })),
    );
    expect(releases.map((r) => r.source.suite)).toEqual([
      'bookworm',
      'bookworm-updates',
      'bookworm-security',
    ]);
    for (const r of releases) {
      expect(r.inReleaseSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(r.files.get('main/binary-amd64/Packages.xz')?.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(r.acquireByHash).toBe(true);
    }
  });

  it('verifies trixie too', async () => {
    const [trixie] = debianSources({ codename: 'trixie' });
    const r = await fetchRelease(trixie!, { keys });
    expect(r.files.has('main/binary-arm64/Packages.xz')).toBe(true);
  });

  it('rejects the real InRelease with one byte of its signed text changed', async () => {
    const real = await fetchBytes(releaseUrl(releases[0]!.source));
    const text = real.toString('utf8');
    // Inside the SHA256 section: what an attacker would want to change.
    const at = text.lastIndexOf('main/binary-amd64/Packages.xz') - 20;
    const altered = Buffer.from(text);
    altered[at] = altered[at] === 0x30 ? 0x31 : 0x30;
    server.files.set('/debian/dists/bookworm/InRelease', altered);
    const source = { ...releases[0]!.source, url: `${server.url}/debian/` };
    const err = await caught(fetchRelease(source, { keys }));
    expect(err).toBeInstanceOf(KuboxError);
    expect(err.kind).toBe('integrity');
    expect(err.message).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/debian\/dists\/bookworm\/InRelease: signature does not verify against the Debian archive keyring/,
    );
    // The untouched copy from the same server verifies: only the change was refused.
    server.files.set('/debian/dists/bookworm/InRelease', real);
    await expect(fetchRelease(source, { keys })).resolves.toBeDefined();
  });

  it("rejects Debian's InRelease checked against a key that did not sign it", async () => {
    const { publicKey } = await openpgp.generateKey({
      userIDs: [{ name: 'not debian' }],
      format: 'object',
    });
    const err = await caught(fetchRelease(releases[0]!.source, { keys: [publicKey] }));
    expect(err.kind).toBe('integrity');
    expect(err.message).toContain('signature does not verify');
  });
});

describe('Debian packages', () => {
  let index: PackageIndex;

  it('reads bookworm main for amd64 and arm64, and a second time from the cache quickly', async () => {
    const main = releases[0]!;
    for (const arch of ['amd64', 'arm64']) {
      const records = (await fetchPackages(main, arch, cache)).all();
      expect(records.length).toBeGreaterThan(55_000);
      const bash = records.find((r) => r.name === 'bash')!;
      expect(bash).toMatchObject({ architecture: arch, essential: true, source: 'debian' });
      expect(bash.url).toMatch(
        new RegExp(`^http://deb\\.debian\\.org/debian/pool/main/b/bash/bash_.*_${arch}\\.deb$`),
      );
      expect(bash.sha256).toMatch(/^[0-9a-f]{64}$/);
      // Architecture: all packages are listed in each architecture's index.
      expect(records.some((r) => r.architecture === 'all')).toBe(true);
    }
    const t0 = performance.now();
    const again = await fetchPackages(main, 'amd64', cache);
    const bash = again.withName('bash');
    const ms = performance.now() - t0;
    console.log(
      `fetchPackages bookworm main amd64, warm cache, and bash read: ${ms.toFixed(0)} ms`,
    );
    expect(bash.map((r) => r.architecture)).toEqual(['amd64']);
    // Generous for a loaded 2-core CI machine; typically under 0.2 s.
    expect(ms).toBeLessThan(4000);
  });

  it('resolves a debug toolset against bookworm + updates + security on a minbase', async () => {
    index = new PackageIndex('amd64');
    for (const r of releases) index.addSource(await fetchPackages(r, 'amd64', cache));
    const installed = minbase();
    expect(installed.has('dpkg') && installed.has('libc6')).toBe(true);
    const requests = 'vim curl tree dnsutils netcat-openbsd redis gpg bsdextrautils'.split(' ');
    const out = resolve(index, requests, { installed });
    const names = out.map((p) => p.name);
    for (const n of [
      ...requests,
      'vim-runtime',
      'libgpm2',
      'redis-server',
      'redis-tools',
      'libcurl4',
    ])
      expect(names).toContain(n);
    // Nothing the base has as Essential is added again, and each name appears once.
    for (const p of out) expect(installed.get(p.name)?.essential ?? false).toBe(false);
    expect(new Set(names).size).toBe(names.length);
    // Dependencies come before what needs them.
    expect(names.indexOf('vim-runtime')).toBeLessThan(names.indexOf('vim'));
    for (const p of out) {
      expect(p.version).toMatch(/^\d/);
      expect(p.url).toMatch(/^http:\/\/deb\.debian\.org\/debian(-security)?\/pool\//);
      expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(p.size).toBeGreaterThan(0);
    }
    // Recommends stay off: ca-certificates is only a Recommends (of curl's libcurl4, and others).
    expect(names).not.toContain('ca-certificates');
    expect(out.length).toBeLessThan(120);
  });

  it('downloads real .debs through the cache, verified, and reads them', async () => {
    const pick = ['tree', 'netcat-openbsd', 'libgpm2'].map((n) => index.versions(n)[0]!);
    const items = pick.map((p) => ({
      url: p.url!,
      sha256: p.sha256!,
      size: p.size!,
      what: `${p.name}_${p.version}_${p.architecture}.deb`,
    }));
    const paths = await fetchAll(cache, items);
    for (const p of pick) {
      const deb = await readDeb(readFileSync(paths.get(p.sha256!)!), p.name);
      const control = parseParagraphs(deb.control.get('control')!.toString('utf8'))[0]!;
      expect(control.get('Package')).toBe(p.name);
      expect(control.get('Version')).toBe(p.version);
      expect(deb.control.has('md5sums')).toBe(true);
      expect(deb.files.find((f) => f.path === 'usr/share/doc')?.type).toBe('directory');
    }
    const tree = await readDeb(readFileSync(paths.get(pick[0]!.sha256!)!), 'tree');
    expect(tree.files.find((f) => f.path === 'usr/bin/tree')).toMatchObject({
      type: 'file',
      mode: 0o755,
      uid: 0,
      gid: 0,
    });
    const nc = await readDeb(readFileSync(paths.get(pick[1]!.sha256!)!), 'netcat-openbsd');
    expect(
      nc.files.find((f) => f.path === 'bin/nc.openbsd' || f.path === 'usr/bin/nc.openbsd'),
    ).toBeDefined();
    expect(nc.control.has('postinst')).toBe(true);
  });

  it('rejects a tampered .deb served with the real sha256 expected', async () => {
    const p = index.versions('tree')[0]!;
    const real = readFileSync(cache.path(p.sha256!));
    const tampered = Buffer.from(real);
    tampered[tampered.length - 100]! ^= 0x01;
    server.files.set('/tree.deb', tampered);
    const fresh = new ContentCache(join(dir, 'fresh'));
    const err = await caught(
      download(fresh, {
        url: `${server.url}/tree.deb`,
        sha256: p.sha256!,
        size: p.size!,
        what: 'tree.deb',
      }),
    );
    expect(err.kind).toBe('integrity');
    expect(err.message).toContain(`expected sha256 ${p.sha256}`);
    expect(await fresh.has(p.sha256!)).toBe(false);
  });
});
