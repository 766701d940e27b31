import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { strFromU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import type { FileEntry } from '../../../src/oci/file-entry.js';
import {
  installedDistributions,
  installWheel,
  readWheelMetadata,
} from '../../../src/python/wheel.js';
import { makeWheel } from './make-wheel.js';
import { PY313_X86 } from '../../support/python-target.js';

const SITE = PY313_X86.purelib;
const target = PY313_X86;

const text = (e: FileEntry | undefined): string => new TextDecoder().decode(e?.data);
const byPath = (entries: FileEntry[]): Map<string, FileEntry> =>
  new Map(entries.map((e) => [e.path, e]));
const b64 = (d: Uint8Array): string => createHash('sha256').update(d).digest('base64url');

describe('installWheel', () => {
  const wheel = makeWheel({
    name: 'demo-tool',
    version: '1.2.0',
    tags: 'cp313-cp313-manylinux_2_17_x86_64',
    rootIsPurelib: false,
    files: {
      'demo_tool/__init__.py': 'def main():\n    return 0\n',
      'demo_tool/_speed.so': new Uint8Array([0x7f, 0x45, 0x4c, 0x46]),
      'demo_tool/run.sh': '#!/bin/sh\necho hi\n',
    },
    executable: ['demo_tool/run.sh'],
    data: {
      'scripts/demo-legacy': '#!python\nimport demo_tool\n',
      'scripts/plain.sh': '#!/bin/sh\ntrue\n',
      'data/share/man/man1/demo.1': '.TH DEMO 1\n',
      'headers/demo.h': '#define DEMO 1\n',
    },
    entryPoints:
      '[console_scripts]\ndemo = demo_tool:main\ndemo-sub = demo_tool.cli:app.run [extra]\n\n[gui_scripts]\ndemo-gui = demo_tool:main\n\n[other]\nignored = x:y\n',
  });
  const entries = installWheel(wheel.bytes, wheel.filename, target, { requested: true });
  const files = byPath(entries);

  it('puts the package in platlib and .data schemes in their directories', () => {
    expect(text(files.get(`${SITE}/demo_tool/__init__.py`))).toContain('def main');
    expect(files.get(`${SITE}/demo_tool/_speed.so`)?.data).toEqual(
      new Uint8Array([0x7f, 0x45, 0x4c, 0x46]),
    );
    expect(text(files.get('usr/local/share/man/man1/demo.1'))).toBe('.TH DEMO 1\n');
    expect(text(files.get('usr/local/include/python3.13/demo-tool/demo.h'))).toBe(
      '#define DEMO 1\n',
    );
    expect([...files.keys()].some((p) => p.includes('.data/'))).toBe(false);
  });

  it('rewrites #!python in .data/scripts to the target interpreter and leaves other shebangs', () => {
    expect(text(files.get('usr/local/bin/demo-legacy'))).toBe(
      '#!/usr/local/bin/python3.13\nimport demo_tool\n',
    );
    expect(text(files.get('usr/local/bin/plain.sh'))).toBe('#!/bin/sh\ntrue\n');
    expect(files.get('usr/local/bin/demo-legacy')?.mode).toBe(0o755);
  });

  it('writes console and gui launchers like pip', () => {
    expect(text(files.get('usr/local/bin/demo'))).toBe(
      '#!/usr/local/bin/python3.13\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom demo_tool import main\n' +
        "if __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit(main())\n",
    );
    expect(text(files.get('usr/local/bin/demo-sub'))).toContain('from demo_tool.cli import app\n');
    expect(text(files.get('usr/local/bin/demo-sub'))).toContain('sys.exit(app.run())\n');
    expect(files.has('usr/local/bin/demo-gui')).toBe(true);
    expect(files.has('usr/local/bin/ignored')).toBe(false);
    expect(files.get('usr/local/bin/demo')?.mode).toBe(0o755);
  });

  it('keeps the executable bit the zip records, and gives everything else 0644, owned by root', () => {
    expect(files.get(`${SITE}/demo_tool/run.sh`)?.mode).toBe(0o755);
    expect(files.get(`${SITE}/demo_tool/__init__.py`)?.mode).toBe(0o644);
    expect(entries.every((e) => e.uid === 0 && e.gid === 0)).toBe(true);
  });

  it('writes INSTALLER, REQUESTED and a RECORD of every installed file', () => {
    const di = `${SITE}/demo_tool-1.2.0.dist-info`;
    expect(text(files.get(`${di}/INSTALLER`))).toBe('kubox\n');
    expect(files.get(`${di}/REQUESTED`)?.data).toEqual(new Uint8Array());
    const rows = text(files.get(`${di}/RECORD`))
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const installedFiles = entries.filter((e) => e.type === 'file');
    expect(rows).toHaveLength(installedFiles.length);
    expect(rows).toContainEqual(['demo_tool-1.2.0.dist-info/RECORD', '', '']);
    expect(rows).toContainEqual([
      '../../../bin/demo',
      `sha256=${b64(files.get('usr/local/bin/demo')!.data!)}`,
      String(files.get('usr/local/bin/demo')!.data!.length),
    ]);
    expect(rows).toContainEqual([
      '../../../share/man/man1/demo.1',
      expect.stringMatching(/^sha256=/),
      '11',
    ]);
    for (const [path, hash, size] of rows) {
      if (hash === '') continue;
      const e = files.get(posix.normalize(`${SITE}/${path}`));
      expect(e, path).toBeDefined();
      expect(hash).toBe(`sha256=${b64(e!.data!)}`);
      expect(Number(size)).toBe(e!.data!.length);
    }
  });

  it('lists every new directory below the install roots, never the roots', () => {
    const dirs = entries.filter((e) => e.type === 'directory').map((e) => e.path);
    expect(dirs).toEqual(
      expect.arrayContaining([
        `${SITE}/demo_tool`,
        `${SITE}/demo_tool-1.2.0.dist-info`,
        'usr/local/share',
        'usr/local/share/man/man1',
        'usr/local/include/python3.13/demo-tool',
      ]),
    );
    for (const root of [SITE, 'usr/local/bin', 'usr/local', 'usr/local/lib', 'usr'])
      expect(dirs).not.toContain(root);
    expect(entries.filter((e) => e.type === 'directory').every((e) => e.mode === 0o755)).toBe(true);
    // Parents come before children, and no .pyc is written (pip would compile them).
    expect(entries.map((e) => e.path)).toEqual([...entries.map((e) => e.path)].sort());
    expect(entries.some((e) => e.path.endsWith('.pyc'))).toBe(false);
  });

  it('omits REQUESTED for a dependency', () => {
    const dep = installWheel(wheel.bytes, wheel.filename, target, { requested: false });
    expect(dep.some((e) => e.path.endsWith('/REQUESTED'))).toBe(false);
  });

  it('refuses a file whose hash or size differs from RECORD', () => {
    const zip = unzipSync(wheel.bytes);
    zip['demo_tool/__init__.py'] = new TextEncoder().encode('def main():\n    return 1\n');
    const tampered = zipSync(zip);
    expect(() => installWheel(tampered, wheel.filename, target, {})).toThrow(KuboxError);
    expect(() => installWheel(tampered, wheel.filename, target, {})).toThrow(
      /demo_tool\/__init__.py does not match its sha256 in RECORD/,
    );
    const extra = unzipSync(wheel.bytes);
    extra['demo_tool/sneaky.py'] = new TextEncoder().encode('import os\n');
    expect(() => installWheel(zipSync(extra), wheel.filename, target, {})).toThrow(
      /sneaky.py is not listed/,
    );
  });

  it('refuses paths that climb out of the install directory', () => {
    const w = makeWheel({
      name: 'evil',
      version: '1.0',
      files: { '../../etc/passwd': 'root::0:0::/:/bin/sh\n' },
    });
    expect(() => installWheel(w.bytes, w.filename, target, {})).toThrow(/outside its directory/);
  });

  it('refuses bytes that are not a zip', () => {
    const err = (() => {
      try {
        installWheel(new Uint8Array([1, 2, 3]), 'x-1.0-py3-none-any.whl', target, {});
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).kind).toBe('integrity');
  });
});

describe('metadata', () => {
  it('reads METADATA from a wheel', () => {
    const w = makeWheel({
      name: 'meta',
      version: '3.0',
      requires: ['six>=1.0'],
      requiresPython: '>=3.9',
    });
    const m = readWheelMetadata(w.bytes, w.filename);
    expect(m).toContain('Name: meta\n');
    expect(m).toContain('Requires-Dist: six>=1.0\n');
  });

  it('lists what a base already has from its dist-info METADATA', () => {
    const got = installedDistributions(
      new Map([
        [
          `${SITE}/pip-25.1.1.dist-info/METADATA`,
          'Metadata-Version: 2.4\nName: pip\nVersion: 25.1.1\n\nbody\nName: not-this\n',
        ],
        [
          `${SITE}/Typing_Extensions-4.12.2.dist-info/METADATA`,
          'Metadata-Version: 2.1\nName: Typing_Extensions\nVersion: 4.12.2\n',
        ],
        ['usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO', 'Metadata-Version: 1.0\n'],
      ]),
    );
    expect(got).toEqual(
      new Map([
        ['pip', '25.1.1'],
        ['typing-extensions', '4.12.2'],
        ['six', '1.16.0'],
      ]),
    );
  });
});

const wheelsDir = '/usr/share/python-wheels';
const pipWheel = existsSync(wheelsDir)
  ? readdirSync(wheelsDir).find((f) => /^pip-.*\.whl$/.test(f))
  : undefined;

describe.skipIf(!pipWheel)('a real wheel: Debian’s pip', () => {
  const bytes = new Uint8Array(readFileSync(`${wheelsDir}/${pipWheel}`));
  const version = pipWheel!.split('-')[1]!;

  it('installs every file of the wheel, verified against its RECORD, with pip’s console scripts', () => {
    const entries = installWheel(bytes, pipWheel!, target, { requested: true });
    const files = byPath(entries);
    const zip = unzipSync(bytes);
    const members = Object.keys(zip).filter(
      (n) => !n.endsWith('/') && !n.endsWith('.dist-info/RECORD'),
    );
    // Compared by hash: deep equality of 500 byte arrays is slow in the matcher.
    const mismatched = members.filter((m) => {
      const got = files.get(`${SITE}/${m}`)?.data;
      return got === undefined || b64(got) !== b64(zip[m]!);
    });
    expect(mismatched).toEqual([]);
    expect(members.length).toBeGreaterThan(100);
    expect(readWheelMetadata(bytes, pipWheel)).toContain(`Version: ${version}`);
    const entryPoints = strFromU8(zip[`pip-${version}.dist-info/entry_points.txt`]!);
    expect(entryPoints).toMatch(/^pip = pip\._internal\.cli\.main:main$/m);
    // As pip does, versioned launchers are named for the target (3.13), not the wheel's build Python.
    for (const name of ['pip', 'pip3', 'pip3.13']) {
      expect(text(files.get(`usr/local/bin/${name}`)), name).toContain(
        'from pip._internal.cli.main import main\n',
      );
    }
    expect([...files.keys()].filter((p) => /^usr\/local\/bin\/pip3\.(?!13$)/.test(p))).toEqual([]);
    expect(files.get('usr/local/bin/pip')?.mode).toBe(0o755);
    expect(files.get(`${SITE}/pip/__init__.py`)?.mode).toBe(0o644);
  });

  it('rejects the same wheel with one byte of one file changed', () => {
    const zip = unzipSync(bytes);
    const victim = `pip/__init__.py`;
    const changed = new Uint8Array(zip[victim]!);
    changed[0] = changed[0]! ^ 1;
    zip[victim] = changed;
    expect(() => installWheel(zipSync(zip), pipWheel!, target, {})).toThrow(
      /pip\/__init__.py does not match/,
    );
  });
});
