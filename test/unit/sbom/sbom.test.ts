/**
 * sbomFor over a stand-in Debian image written as a real OCI layout (two
 * platforms, two gzip layers, whiteouts), and the SPDX and CycloneDX
 * documents made from it: the CycloneDX one checked against the official
 * 1.6 schema, the SPDX one against SPDX 2.3's rules on identifiers,
 * relationships and license references.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import type { Lock } from '../../../src/engines/native/lock.js';
import { openImage } from '../../../src/image/open.js';
import { hostPlatform } from '../../../src/oci/platform.js';
import { formatCycloneDx, formatSpdx, sbomFor, type SbomModel } from '../../../src/sbom/index.js';
import { caught } from '../../support/caught.js';
import { writeFixture, type LayerFiles } from './image-fixture.js';
import { cyclonedxPurls, spdxPurls } from './purl-set.js';
import { cyclonedxValidator, spdxValidator } from './schemas.js';

const OS_RELEASE =
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n';

const UTIL_LINUX_COPYRIGHT = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

Files: *
Copyright: Karel Zak
License: GPL-2+

Files: libuuid/*
Copyright: Theodore Ts'o
License: BSD-3-clause
`;

function status(arch: string, withCurl: boolean): string {
  const p = (fields: Record<string, string>) =>
    Object.entries(fields)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n');
  return (
    [
      p({
        Package: 'libc6',
        Status: 'install ok installed',
        Architecture: arch,
        Source: 'glibc',
        Version: '2.36-9+deb12u4',
      }),
      p({
        Package: 'bsdutils',
        Status: 'install ok installed',
        Architecture: arch,
        Source: 'util-linux (2.38.1-5)',
        Version: '1:2.38.1-5+b1',
      }),
      p({
        Package: 'python3-yaml',
        Status: 'install ok installed',
        Architecture: arch,
        Source: 'pyyaml',
        Version: '6.0-3+b2',
      }),
      p({
        Package: 'libfoo-dev',
        Status: 'install ok installed',
        Architecture: arch,
        Version: '1.0-1',
      }),
      p({ Package: 'gone', Status: 'deinstall ok config-files', Architecture: arch, Version: '1' }),
      ...(withCurl
        ? [
            p({
              Package: 'curl',
              Status: 'install ok installed',
              Architecture: arch,
              Version: '7.88.1-10+deb12u5',
            }),
          ]
        : []),
    ].join('\n\n') + '\n'
  );
}

const SITE = 'usr/local/lib/python3.11/site-packages';

function layers(arch: string): LayerFiles[] {
  return [
    {
      'etc/os-release': OS_RELEASE,
      'var/lib/dpkg/status': status(arch, false),
      'var/lib/dpkg/info/python3-yaml.list':
        '/.\n/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info\n/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA\n',
      'usr/share/doc/libc6/copyright':
        'Free-form. See /usr/share/common-licenses/LGPL-2.1 for the license.\n',
      'usr/share/doc/bsdutils/copyright': UTIL_LINUX_COPYRIGHT,
      'usr/share/doc/libfoo1/copyright':
        'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: me\nLicense: Expat\n',
      // The -dev package's doc directory is a link to the library's, as Debian often does.
      'usr/share/doc/libfoo-dev': { symlink: 'libfoo1' },
      'usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA':
        'Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0\nLicense: MIT\n',
      [`${SITE}/requests-2.31.0.dist-info/METADATA`]:
        'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nClassifier: License :: OSI Approved :: Apache Software License\n',
      [`${SITE}/old_pkg-1.0.dist-info/METADATA`]:
        'Metadata-Version: 2.1\nName: old_pkg\nVersion: 1.0\n',
    },
    {
      // The top layer's status replaces the lower one; a whiteout removes a distribution.
      'var/lib/dpkg/status': status(arch, true),
      [`${SITE}/.wh.old_pkg-1.0.dist-info`]: '',
      [`${SITE}/Typing_Extensions-4.8.0.dist-info/METADATA`]:
        'Metadata-Version: 2.4\nName: Typing_Extensions\nVersion: 4.8.0\nLicense-Expression: PSF-2.0\n',
    },
  ];
}

const BASE_DIGEST = `sha256:${'b'.repeat(64)}`;
let work: string;
let layout: string;
let manifests: string[];
let indexDigest: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kubox-sbom-'));
  layout = join(work, 'layout');
  const labels = {
    'org.opencontainers.image.base.name': 'docker.io/library/python:3.13-slim',
    'org.opencontainers.image.base.digest': BASE_DIGEST,
  };
  const made = await writeFixture(layout, [
    {
      platform: 'linux/amd64',
      layers: layers('amd64'),
      labels,
      created: '2025-04-13T21:07:12.123456789Z',
    },
    { platform: 'linux/arm64', layers: layers('arm64'), labels, created: '2025-04-13T21:07:12Z' },
  ]);
  manifests = made.manifests;
  indexDigest = made.index;
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const amd64 = async (opts: Parameters<typeof sbomFor>[1] = {}) =>
  sbomFor(await openImage(`oci:${layout}`), { platform: 'linux/amd64', ...opts });

describe('sbomFor: what the image says is installed', () => {
  it('dpkg packages with source package, purl and license; Python distributions; layers applied', async () => {
    const m = await amd64();
    expect(m.image).toEqual({
      digest: manifests[0],
      indexDigest,
      platform: 'linux/amd64',
      created: '2025-04-13T21:07:12Z',
    });
    expect(m.distro).toEqual({
      id: 'debian',
      versionId: '12',
      codename: 'bookworm',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
    });
    expect(m.base).toEqual({ name: 'docker.io/library/python:3.13-slim', digest: BASE_DIGEST });
    const brief = m.components.map((c) => [c.kind, c.name, c.version, c.license ?? null, c.purl]);
    expect(brief).toEqual([
      [
        'deb',
        'bsdutils',
        '1:2.38.1-5+b1',
        'BSD-3-Clause AND GPL-2.0-or-later',
        'pkg:deb/debian/bsdutils@1:2.38.1-5+b1?arch=amd64&distro=debian-12',
      ],
      [
        'deb',
        'curl',
        '7.88.1-10+deb12u5',
        null,
        'pkg:deb/debian/curl@7.88.1-10+deb12u5?arch=amd64&distro=debian-12',
      ],
      [
        'deb',
        'libc6',
        '2.36-9+deb12u4',
        'LGPL-2.1-only',
        'pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64&distro=debian-12',
      ],
      [
        'deb',
        'libfoo-dev',
        '1.0-1',
        'MIT',
        'pkg:deb/debian/libfoo-dev@1.0-1?arch=amd64&distro=debian-12',
      ],
      [
        'deb',
        'python3-yaml',
        '6.0-3+b2',
        null,
        'pkg:deb/debian/python3-yaml@6.0-3+b2?arch=amd64&distro=debian-12',
      ],
      // PyYAML's dist-info belongs to python3-yaml (dpkg's file list): not a second component.
      ['pypi', 'requests', '2.31.0', 'Apache-2.0', 'pkg:pypi/requests@2.31.0'],
      ['pypi', 'typing-extensions', '4.8.0', 'PSF-2.0', 'pkg:pypi/typing-extensions@4.8.0'],
    ]);
    expect(m.components.find((c) => c.name === 'bsdutils')?.sourcePackage).toEqual({
      name: 'util-linux',
      version: '2.38.1-5',
    });
    expect(m.components.find((c) => c.name === 'libc6')?.sourcePackage).toEqual({
      name: 'glibc',
      version: '2.36-9+deb12u4',
    });
  });

  it('chooses the platform: --platform, else the host’s; names what an index has when it lacks one', async () => {
    const node = await openImage(`oci:${layout}`);
    const arm = await sbomFor(node, { platform: 'linux/arm64' });
    expect(arm.image.digest).toBe(manifests[1]);
    expect(arm.components[0]!.purl).toContain('?arch=arm64&');
    const host = hostPlatform();
    if (host === 'linux/amd64' || host === 'linux/arm64')
      expect((await sbomFor(node)).image.platform).toBe(host);
    const e = await caught(sbomFor(node, { platform: 'linux/s390x' }));
    expect(e).toBeInstanceOf(KuboxError);
    expect((e as KuboxError).message).toBe(
      'the image has no linux/s390x manifest (it has linux/amd64, linux/arm64)',
    );
    const bad = await caught(sbomFor(node, { platform: 'amd64' }));
    expect((bad as KuboxError).kind).toBe('usage');
  });

  it('an index of other machines’ platforms needs --platform; one platform’s image is only that', async () => {
    const other = join(work, 'other');
    const layer = { 'etc/os-release': OS_RELEASE };
    await writeFixture(other, [
      { platform: 'linux/s390x', layers: [layer] },
      { platform: 'linux/ppc64le', layers: [layer] },
    ]);
    const node = await openImage(`oci:${other}`);
    const e = await caught(sbomFor(node));
    expect(e.kind).toBe('usage');
    expect(e.message).toBe(
      `the image has 2 platforms (linux/s390x, linux/ppc64le) and none is this machine's (${hostPlatform()})`,
    );
    if (node.kind !== 'index') throw new Error('expected an index');
    const image = await node.child(node.manifest.manifests[0]!);
    expect((await sbomFor(image)).image.platform).toBe('linux/s390x');
    const wrong = await caught(sbomFor(image, { platform: 'linux/ppc64le' }));
    expect(wrong.message).toBe('the image is linux/s390x only, not linux/ppc64le');
  });

  it('distroless status.d files and an egg-info file count too; no os-release, no distro qualifier', async () => {
    const distroless = join(work, 'distroless');
    await writeFixture(distroless, [
      {
        platform: 'linux/amd64',
        layers: [
          {
            'var/lib/dpkg/status.d/tzdata':
              'Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n',
            'var/lib/dpkg/status.d/tzdata.md5sums': 'd41d8cd98f00b204e9800998ecf8427e  usr/x\n',
            'usr/lib/python3.11/site-packages/legacy-1.0-py3.11.egg-info':
              'Metadata-Version: 1.0\nName: legacy\nVersion: 1.0\nLicense: BSD\n',
          },
        ],
      },
    ]);
    const m = await sbomFor(await openImage(`oci:${distroless}`));
    expect(m.distro).toBeUndefined();
    expect(m.components.map((c) => [c.purl, c.license ?? null, c.location])).toEqual([
      ['pkg:deb/debian/tzdata@2024a-0+deb12u1?arch=all', null, 'var/lib/dpkg/status.d/tzdata'],
      [
        'pkg:pypi/legacy@1.0',
        'BSD-3-Clause',
        'usr/lib/python3.11/site-packages/legacy-1.0-py3.11.egg-info',
      ],
    ]);
  });

  it('reads an archive (layers streamed, not files) the same as the layout directory', async () => {
    const archive = join(work, 'image.tar');
    await execa('tar', ['-cf', archive, '-C', layout, '.']);
    const fromArchive = await sbomFor(await openImage(`oci:${archive}`), {
      platform: 'linux/amd64',
    });
    expect(fromArchive).toEqual(await amd64());
  });
});

function lockFor(platform: string): Lock {
  return {
    lockVersion: 1,
    inputs: {},
    sourceDateEpoch: 0,
    sources: [],
    keys: [],
    platforms: {
      [platform]: {
        base: { manifest: `sha256:${'c'.repeat(64)}`, config: `sha256:${'d'.repeat(64)}` },
        debs: [
          {
            name: 'curl',
            version: '7.88.1-10+deb12u5',
            architecture: 'amd64',
            source: 'debian-security',
            url: 'http://deb.debian.org/debian-security/pool/updates/main/c/curl/curl_7.88.1-10+deb12u5_amd64.deb',
            sha256: 'e'.repeat(64),
            size: 100,
          },
        ],
        binaries: [
          {
            name: 'mc',
            url: 'https://dl.min.io/client/mc/release/linux-amd64/mc',
            sha256: 'f'.repeat(64),
          },
        ],
        wheels: [
          {
            name: 'Typing_Extensions',
            requested: true,
            version: '4.8.0',
            filename: 'typing_extensions-4.8.0-py3-none-any.whl',
            url: 'https://files.example/typing_extensions-4.8.0-py3-none-any.whl',
            sha256: '1'.repeat(64),
          },
        ],
      },
    },
  };
}

describe('sbomFor with the native build’s lock', () => {
  it('gives each locked .deb and wheel its URL, sha256 and apt source, and lists the binaries', async () => {
    const m = await amd64({ lock: lockFor('linux/amd64') });
    expect(m.components.find((c) => c.name === 'curl')?.download).toEqual({
      url: 'http://deb.debian.org/debian-security/pool/updates/main/c/curl/curl_7.88.1-10+deb12u5_amd64.deb',
      sha256: 'e'.repeat(64),
      repository: 'debian-security',
    });
    expect(m.components.find((c) => c.name === 'typing-extensions')?.download?.sha256).toBe(
      '1'.repeat(64),
    );
    // Not in the lock (the base's): no download claimed.
    expect(m.components.find((c) => c.name === 'libc6')?.download).toBeUndefined();
    expect(m.components.at(-1)).toEqual({
      kind: 'binary',
      name: 'mc',
      purl: `pkg:generic/mc?checksum=sha256:${'f'.repeat(64)}&download_url=https:%2F%2Fdl.min.io%2Fclient%2Fmc%2Frelease%2Flinux-amd64%2Fmc`,
      download: {
        url: 'https://dl.min.io/client/mc/release/linux-amd64/mc',
        sha256: 'f'.repeat(64),
      },
    });
  });

  it('refuses a lock without the image’s platform, naming what it has', async () => {
    const e = await caught(amd64({ lock: lockFor('linux/arm64') }));
    expect((e as KuboxError).kind).toBe('lock');
    expect((e as KuboxError).message).toBe(
      'the lock has no linux/amd64 platform (it has linux/arm64)',
    );
  });
});

describe('CycloneDX 1.6 and SPDX 2.3 documents', () => {
  let model: SbomModel;
  beforeAll(async () => {
    model = await amd64({
      lock: lockFor('linux/amd64'),
      name: 'registry.example/team/py-kube:1.0',
    });
  });

  it('CycloneDX validates against the official schema (which does refuse a broken BOM)', () => {
    const validate = cyclonedxValidator();
    const bom = JSON.parse(formatCycloneDx(model, { tool: { name: 'kubox', version: '9.9.9' } }));
    expect(validate(bom), JSON.stringify(validate.errors)).toBe(true);
    expect(bom.metadata.timestamp).toBe('2025-04-13T21:07:12Z');
    expect(bom.metadata.component.purl).toBe(
      `pkg:oci/py-kube@${manifests[0]!.replace(':', '%3A')}?arch=amd64&repository_url=registry.example/team/py-kube`,
    );
    expect(bom.metadata.component.pedigree.ancestors[0].version).toBe(BASE_DIGEST);
    expect(bom.metadata.properties).toContainEqual({
      name: 'kubox:platform',
      value: 'linux/amd64',
    });
    const curl = bom.components.find((c: { name: string }) => c.name === 'curl');
    expect(curl.hashes).toEqual([{ alg: 'SHA-256', content: 'e'.repeat(64) }]);
    expect(curl.properties).toContainEqual({ name: 'kubox:apt:source', value: 'debian-security' });
    // A single listed id is a license id; anything compound an expression.
    expect(bom.components.find((c: { name: string }) => c.name === 'libc6').licenses).toEqual([
      { license: { id: 'LGPL-2.1-only' } },
    ]);
    expect(bom.components.find((c: { name: string }) => c.name === 'bsdutils').licenses).toEqual([
      { expression: 'BSD-3-Clause AND GPL-2.0-or-later' },
    ]);
    const broken = { ...bom, components: [{ ...bom.components[1], type: 'not-a-type' }] };
    expect(validate(broken)).toBe(false);
  });

  it('SPDX: unique SPDXIDs, every relationship to a package there, LicenseRefs defined', () => {
    const doc = JSON.parse(formatSpdx(model));
    const validate = spdxValidator();
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    const broken = { ...doc, packages: [{ ...doc.packages[3], primaryPackagePurpose: 'DEB' }] };
    expect(validate(broken)).toBe(false);
    expect(doc.spdxVersion).toBe('SPDX-2.3');
    expect(doc.creationInfo.created).toBe('2025-04-13T21:07:12Z');
    const ids = doc.packages.map((p: { SPDXID: string }) => p.SPDXID) as string[];
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^SPDXRef-[A-Za-z0-9.-]+$/);
    for (const r of doc.relationships) {
      expect([...ids, 'SPDXRef-DOCUMENT']).toContain(r.spdxElementId);
      expect(ids).toContain(r.relatedSpdxElement);
    }
    expect(doc.relationships).toContainEqual({
      spdxElementId: 'SPDXRef-Image',
      relationshipType: 'DESCENDANT_OF',
      relatedSpdxElement: 'SPDXRef-BaseImage',
    });
    const bsd = doc.packages.find((p: { name: string }) => p.name === 'bsdutils');
    expect(bsd.sourceInfo).toBe('built from Debian source package util-linux 2.38.1-5');
    const curl = doc.packages.find((p: { name: string }) => p.name === 'curl');
    expect(curl.downloadLocation).toMatch(/^http:\/\/deb\.debian\.org\//);
    expect(curl.checksums).toEqual([{ algorithm: 'SHA256', checksumValue: 'e'.repeat(64) }]);
    expect(curl.licenseDeclared).toBe('NOASSERTION');
    // Same packages in both formats.
    expect(spdxPurls(doc)).toEqual(cyclonedxPurls(JSON.parse(formatCycloneDx(model))));
    expect(spdxPurls(doc)).toHaveLength(7);
  });

  it('LicenseRef- ids used are defined in hasExtractedLicensingInfos', async () => {
    const withRef: SbomModel = {
      ...model,
      components: [
        { ...model.components[0]!, license: 'GPL-2.0-only AND LicenseRef-public-domain' },
      ],
    };
    const doc = JSON.parse(formatSpdx(withRef));
    expect(doc.hasExtractedLicensingInfos.map((l: { licenseId: string }) => l.licenseId)).toEqual([
      'LicenseRef-public-domain',
    ]);
    expect(spdxValidator()(doc)).toBe(true);
    expect(cyclonedxValidator()(JSON.parse(formatCycloneDx(withRef)))).toBe(true);
  });

  it('the same image gives the same bytes; each platform its own namespace and serial number', async () => {
    const again = await amd64({
      lock: lockFor('linux/amd64'),
      name: 'registry.example/team/py-kube:1.0',
    });
    expect(formatSpdx(again)).toBe(formatSpdx(model));
    expect(formatCycloneDx(again)).toBe(formatCycloneDx(model));
    const arm = await sbomFor(await openImage(`oci:${layout}`), { platform: 'linux/arm64' });
    expect(JSON.parse(formatSpdx(arm)).documentNamespace).not.toBe(
      JSON.parse(formatSpdx(model)).documentNamespace,
    );
    expect(JSON.parse(formatCycloneDx(arm)).serialNumber).not.toBe(
      JSON.parse(formatCycloneDx(model)).serialNumber,
    );
  });
});
