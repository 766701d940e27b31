import { describe, expect, it } from 'vitest';
import { summarizeWarnings } from '../../../src/cli/build.js';
import { expandArgs, targetArgs } from '../../../src/engines/native/args.js';
import { debianBuckets, DEBIAN_LAYERS } from '../../../src/engines/native/platform-image.js';
import { scratchFacts, scratchSkeleton } from '../../../src/engines/native/scratch.js';
import { KuboxError } from '../../../src/errors.js';

describe('build args in URLs', () => {
  it('gives each platform the TARGET* values BuildKit would', () => {
    expect(targetArgs('linux/arm/v7')).toEqual({
      TARGETPLATFORM: 'linux/arm/v7',
      TARGETOS: 'linux',
      TARGETARCH: 'arm',
      TARGETVARIANT: 'v7',
    });
    expect(expandArgs('https://x/${TARGETOS}-${TARGETARCH}/mc', targetArgs('linux/amd64'))).toBe(
      'https://x/linux-amd64/mc',
    );
  });

  it('says where an arg has no value, as a spec error', () => {
    const err = (() => {
      try {
        expandArgs('https://k8s/${TARGETARCH}/', {}, 'apt.repositories (k8s).url');
      } catch (e) {
        return e;
      }
    })() as KuboxError;
    expect(err).toBeInstanceOf(KuboxError);
    expect(err.kind).toBe('spec');
    expect(err.message).toContain('apt.repositories (k8s).url');
    expect(err.hint).toMatch(/only binaries/);
  });
});

describe('Debian package layers', () => {
  it('spread packages by a stable hash of their name, keeping their order inside a layer', () => {
    const debs = ['libc6', 'vim', 'vim-runtime', 'curl', 'libcurl4', 'tree', 'jq', 'libjq1'].map(
      (name) => ({ name }),
    );
    const buckets = debianBuckets(debs);
    expect(buckets.flatMap((b) => b.debs).length).toBe(debs.length);
    for (const b of buckets) {
      expect(b.bucket).toBeGreaterThanOrEqual(0);
      expect(b.bucket).toBeLessThan(DEBIAN_LAYERS);
      const order = b.debs.map((d) => debs.indexOf(d));
      expect(order).toEqual([...order].sort((x, y) => x - y));
    }
    // Adding a package never moves another one to a different layer.
    const more = debianBuckets([...debs, { name: 'netcat-openbsd' }]);
    const where = (bs: typeof buckets, n: string) =>
      bs.find((b) => b.debs.some((d) => d.name === n))!.bucket;
    for (const d of debs) expect(where(more, d.name)).toBe(where(buckets, d.name));
  });
});

describe('base: scratch', () => {
  it('links /bin, /sbin, /lib (and /lib64 where the loader lives there) into /usr', () => {
    const links = (p: string) =>
      scratchSkeleton(p)
        .filter((e) => e.type === 'symlink')
        .map((e) => `${e.path}->${e.linkname}`);
    expect(links('linux/amd64')).toEqual([
      'bin->usr/bin',
      'sbin->usr/sbin',
      'lib->usr/lib',
      'lib64->usr/lib64',
    ]);
    expect(links('linux/arm64')).toEqual(['bin->usr/bin', 'sbin->usr/sbin', 'lib->usr/lib']);
    expect(scratchSkeleton('linux/amd64').find((e) => e.path === 'tmp')?.mode).toBe(0o1777);
    const { tree, facts } = scratchFacts('linux/arm64', 'bookworm');
    expect(tree.resolve('bin', true)).toBe('usr/bin');
    expect(facts.codename).toBe('bookworm');
    expect(facts.users.passwd).toBe('root:x:0:0:root:/root:/bin/sh\n');
  });
});

describe('maintainer-script warnings on the terminal', () => {
  it('shows at most two lines per package', () => {
    const w = ['dpkg: a', 'dpkg: b', 'dpkg: c', 'redis: x', 'redis: y', 'odd warning'];
    expect(summarizeWarnings(w)).toEqual([
      'dpkg: a',
      'dpkg: 2 more script effects not run or emulated (--json lists them)',
      'redis: x',
      'redis: y',
      'odd warning',
    ]);
  });
});

describe('checksum files', () => {
  it("takes the line for the binary's own file name, or the only checksum", async () => {
    const { checksumFor } = await import('../../../src/engines/native/resolve.js');
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    expect(checksumFor(`${a}  mc\n`, 'https://dl.min.io/client/mc/release/linux-amd64/mc')).toBe(a);
    expect(checksumFor(a, 'https://x/mc')).toBe(a);
    const sums = `${a}  tool-linux-arm64.tar.gz\n${b} *tool-linux-amd64.tar.gz\n`;
    expect(checksumFor(sums, 'https://x/v1/tool-linux-amd64.tar.gz')).toBe(b);
    expect(checksumFor(sums, 'https://x/v1/other.tar.gz')).toBeUndefined();
    expect(checksumFor('not a checksum', 'https://x/mc')).toBeUndefined();
  });
});
