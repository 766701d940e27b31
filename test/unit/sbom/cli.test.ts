/**
 * `kubox sbom` as the command line runs it (main(), in this process): output
 * to stdout or a file, and each kind of bad input with its exit code and a
 * message that names what is wrong.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runMain } from '../../support/run-main.js';
import { openImage } from '../../../src/image/open.js';
import { formatCycloneDx, formatSpdx, sbomFor } from '../../../src/sbom/index.js';
import { writeFixture } from './image-fixture.js';

let work: string;
let layout: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kubox-sbom-cli-'));
  layout = join(work, 'layout');
  await writeFixture(layout, [
    {
      platform: 'linux/amd64',
      created: '2025-01-01T00:00:00Z',
      layers: [
        {
          'etc/os-release': 'ID=debian\nVERSION_ID="12"\n',
          'var/lib/dpkg/status':
            'Package: tree\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.1.0-1\n',
        },
      ],
    },
  ]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Runs `kubox sbom ARGS`; returns the exit code and what went to stdout and stderr. */
async function sbom(...args: string[]) {
  const { code, stdout, stderr } = await runMain(['sbom', ...args]);
  return { code, stdout, stderr };
}

describe('kubox sbom', () => {
  it('prints SPDX to stdout by default, CycloneDX with --format, a summary on stderr', async () => {
    const model = await sbomFor(await openImage(`oci:${layout}`), { name: `oci:${layout}` });
    const spdx = await sbom(`oci:${layout}`);
    expect(spdx.code).toBe(0);
    expect(spdx.stdout).toBe(formatSpdx(model));
    expect(spdx.stderr).toMatch(/^kubox: SBOM of linux\/amd64 sha256:[a-f0-9]{64}: 1 deb\n$/);
    const out = join(work, 'bom.json');
    const cdx = await sbom(`oci:${layout}`, '--format', 'cyclonedx-json', '--output', out);
    expect(cdx.code).toBe(0);
    expect(cdx.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(formatCycloneDx(model));
  });

  it.each([
    [['oci:'], 2, 'oci: needs a path'],
    [['Not A Reference!'], 2, '"Not A Reference!" is not an image reference'],
    [
      [`oci:${join(tmpdir(), 'kubox-no-such-archive.tar')}`],
      1,
      'kubox-no-such-archive.tar does not exist',
    ],
    [
      ['--platform', 'linux/s390x'],
      1,
      'the image has no linux/s390x manifest (it has linux/amd64)',
    ],
    [['--platform', 'amd64'], 2, '--platform "amd64" is not a platform'],
    [['--lock', '/nonexistent/kubox.lock'], 1, '/nonexistent/kubox.lock does not exist'],
    [['--format', 'xml'], 2, "argument 'xml' is invalid"],
  ])('kubox sbom %j: exit %i, says %s', async (args, code, message) => {
    const withImage = args[0]!.startsWith('-') ? [`oci:${layout}`, ...args] : args;
    const r = await sbom(...withImage);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
  });

  it('a lock that is not kubox.lock JSON is refused with the file named', async () => {
    const bad = join(work, 'kubox.lock');
    writeFileSync(bad, '{"lockVersion": 2}');
    const r = await sbom(`oci:${layout}`, '--lock', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}: lockVersion`);
  });
});
