/**
 * The native engine's Python path against the test environment's pip index
 * (a static PEP 503 server with PEP 658 metadata): resolve, download checked
 * against the index hashes, install into FileEntry form.
 */
import { describe, expect, it } from 'vitest';
import { downloadDistribution } from '../../src/python/simple-index.js';
import { resolveWheels } from '../../src/python/resolve.js';
import { installWheel } from '../../src/python/wheel.js';
import { loadEnv } from '../support/e2e-env.js';
import { PY313_X86 } from '../support/python-target.js';

const env = loadEnv();
const SITE = PY313_X86.purelib;
const target = PY313_X86;

describe('Python wheels from the loopback index', () => {
  it('resolves with PEP 658 metadata, keeps what the base has, and installs what it downloads', async () => {
    const metadataDownloads: string[] = [];
    const wheels = await resolveWheels(['packaging', 'pip>=25', 'setuptools'], target, {
      indexUrl: env.pipIndex,
      installed: new Map([
        ['pip', '23.0.1'],
        ['setuptools', '78.1.1'],
      ]),
      fetchWheelMetadata: (d) => {
        metadataDownloads.push(d.filename);
        return Promise.reject(
          new Error('the index offers PEP 658 metadata; no wheel download expected'),
        );
      },
    });
    expect(metadataDownloads).toEqual([]);
    expect(wheels.map((w) => [w.name, w.version, w.replaces])).toEqual([
      ['packaging', '25.0', undefined],
      ['pip', '25.1.1', '23.0.1'],
    ]);
    for (const w of wheels) {
      expect(w.sha256).toMatch(/^[0-9a-f]{64}$/);
      const { bytes, sha256 } = await downloadDistribution(w);
      expect(sha256).toBe(w.sha256);
      const files = installWheel(bytes, w.filename, target, { requested: w.requested });
      const paths = new Set(files.map((f) => f.path));
      expect(paths.has(`${SITE}/${w.name}/__init__.py`)).toBe(true);
      expect(paths.has(`${SITE}/${w.name}-${w.version}.dist-info/REQUESTED`)).toBe(true);
      if (w.name === 'pip') {
        const pip = files.find((f) => f.path === 'usr/local/bin/pip')!;
        expect(new TextDecoder().decode(pip.data)).toMatch(/^#!\/usr\/local\/bin\/python3\.13\n/);
        expect(pip.mode).toBe(0o755);
      }
    }
  });
});
