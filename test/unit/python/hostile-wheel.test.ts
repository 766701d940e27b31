/**
 * Hostile wheels (issue 15, items 5 and 7): each crafted wheel is a stand-in
 * for a malicious one. Every case is refused with a KuboxError naming the
 * wheel (exit 1), with memory bounded by the limit, never installed.
 */
import { createHash } from 'node:crypto';
import { zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import { installWheel, readWheelMetadata } from '../../../src/python/wheel.js';
import { UNPACK_LIMITS } from '../../../src/unpack-limit.js';
import { PY313_X86 } from '../../support/python-target.js';
import { makeWheel, type WheelSpec } from './make-wheel.js';

const enc = new TextEncoder();
const DIST = 'evil-1.0.dist-info';
const FILENAME = 'evil-1.0-py3-none-any.whl';

/** A wheel from raw members, with a RECORD that lists them all correctly unless told. */
function rawWheel(
  files: Record<string, Uint8Array | string>,
  opts: { record?: (rows: string[]) => string[]; level?: 0 | 9 } = {},
): Uint8Array {
  const members: Record<string, Uint8Array> = {
    [`${DIST}/METADATA`]: enc.encode('Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n'),
    [`${DIST}/WHEEL`]: enc.encode('Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n'),
  };
  for (const [p, d] of Object.entries(files))
    members[p] = typeof d === 'string' ? enc.encode(d) : d;
  let rows = Object.entries(members).map(
    ([p, d]) => `${p},sha256=${createHash('sha256').update(d).digest('base64url')},${d.length}`,
  );
  rows.push(`${DIST}/RECORD,,`);
  if (opts.record) rows = opts.record(rows);
  members[`${DIST}/RECORD`] = enc.encode(`${rows.join('\n')}\n`);
  const z: Zippable = {};
  for (const [p, d] of Object.entries(members)) z[p] = [d, { level: opts.level ?? 6 }];
  return zipSync(z);
}

function refusal(bytes: Uint8Array, filename = FILENAME): KuboxError {
  try {
    installWheel(bytes, filename, PY313_X86, {});
  } catch (e) {
    expect(e).toBeInstanceOf(KuboxError);
    const k = e as KuboxError;
    expect(k.message).toContain(filename);
    expect(k.exitCode).toBe(1);
    return k;
  }
  throw new Error('the wheel was installed');
}

const ep = (name: string): WheelSpec => ({
  name: 'evil',
  version: '1.0',
  files: { 'evil/__init__.py': 'def main(): pass\n' },
  entryPoints: `[console_scripts]\n${name} = evil:main\n`,
});

describe('hostile wheels', () => {
  const cases: [string, () => { bytes: Uint8Array; filename: string }, RegExp][] = [
    [
      'a ".." path',
      () => ({ bytes: rawWheel({ '../../etc/x': 'x' }), filename: FILENAME }),
      /outside its directory/,
    ],
    [
      'an absolute path',
      () => ({ bytes: rawWheel({ '/etc/x': 'x' }), filename: FILENAME }),
      /outside its directory/,
    ],
    [
      'a ".." in a .data scheme',
      () => ({
        bytes: rawWheel({ 'evil-1.0.data/scripts/../../../../etc/x': 'x' }),
        filename: FILENAME,
      }),
      /outside its directory/,
    ],
    [
      'a whiteout file',
      () => ({ bytes: rawWheel({ 'evil/.wh.__init__.py': '' }), filename: FILENAME }),
      /whiteout/,
    ],
    [
      'an opaque whiteout',
      () => ({ bytes: rawWheel({ 'evil/.wh..wh..opq': '' }), filename: FILENAME }),
      /whiteout/,
    ],
    [
      'a whiteout in the scripts scheme',
      () => ({ bytes: rawWheel({ 'evil-1.0.data/scripts/.wh.python3': '' }), filename: FILENAME }),
      /whiteout/,
    ],
    [
      'a control character',
      () => ({ bytes: rawWheel({ 'evil/a\nb.py': '' }), filename: FILENAME }),
      /control character/,
    ],
    [
      'a whiteout console script',
      () => makeWheel(ep('.wh.python3')),
      /console script ".wh.python3".*whiteout/,
    ],
    ['a console script with a "/"', () => makeWheel(ep('../../../etc/cron.d/x')), /console script/],
    ['a console script ".."', () => makeWheel(ep('..')), /console script/],
    [
      'a file missing from RECORD',
      () => ({
        bytes: rawWheel(
          { 'evil/x.py': 'x' },
          { record: (r) => r.filter((l) => !l.startsWith('evil/x.py')) },
        ),
        filename: FILENAME,
      }),
      /not listed with a hash in RECORD/,
    ],
    [
      'a RECORD hash that does not match',
      () => ({
        bytes: rawWheel(
          { 'evil/x.py': 'x' },
          {
            record: (r) =>
              r.map((l) =>
                l.startsWith('evil/x.py') ? `evil/x.py,sha256=${'A'.repeat(43)},1` : l,
              ),
          },
        ),
        filename: FILENAME,
      }),
      /does not match its sha256/,
    ],
    [
      'a RECORD size that does not match',
      () => ({
        bytes: rawWheel(
          { 'evil/x.py': 'x' },
          { record: (r) => r.map((l) => (l.startsWith('evil/x.py') ? l.replace(/,1$/, ',2') : l)) },
        ),
        filename: FILENAME,
      }),
      /RECORD says 2/,
    ],
    [
      'a RECORD md5 hash',
      () => ({
        bytes: rawWheel(
          { 'evil/x.py': 'x' },
          { record: (r) => r.map((l) => (l.startsWith('evil/x.py') ? 'evil/x.py,md5=abc,1' : l)) },
        ),
        filename: FILENAME,
      }),
      /unsupported kind "md5"/,
    ],
    [
      'no RECORD',
      () => ({
        bytes: zipSync({
          [`${DIST}/METADATA`]: enc.encode('Name: evil\n'),
          [`${DIST}/WHEEL`]: enc.encode('Wheel-Version: 1.0\n'),
        }),
        filename: FILENAME,
      }),
      /no .*RECORD/,
    ],
  ];
  it.each(cases)('refuses %s', (_what, make, message) => {
    const { bytes, filename } = make();
    expect(refusal(bytes, filename).message).toMatch(message);
  });
});

describe('decompression bombs in a wheel', () => {
  const BIG = UNPACK_LIMITS.floor + 8 * 1024 * 1024;

  it('refuses a wheel whose members unpack past the limit, from their declared sizes', () => {
    const bytes = rawWheel({ 'evil/zeros.bin': new Uint8Array(BIG) }, { level: 9 });
    expect(bytes.length).toBeLessThan(BIG / UNPACK_LIMITS.ratio);
    const k = refusal(bytes);
    expect(k.message).toMatch(/unpacks to more than 64 MiB/);
    // The metadata alone is read without unpacking the rest.
    expect(readWheelMetadata(bytes, FILENAME)).toContain('Name: evil');
  }, 60_000);

  /** The wheel with one member's uncompressed size, in its central directory entry, replaced. */
  function declareSize(zip: Uint8Array, member: string, size: number): Uint8Array {
    const out = Uint8Array.from(zip);
    const view = new DataView(out.buffer);
    const name = enc.encode(member);
    for (let i = 0; i + 46 < out.length; i++) {
      if (view.getUint32(i, true) !== 0x02014b50) continue;
      const n = view.getUint16(i + 28, true);
      if (Buffer.from(out.subarray(i + 46, i + 46 + n)).equals(Buffer.from(name)))
        view.setUint32(i + 24, size, true);
    }
    return out;
  }

  it('refuses a member that declares 4 GiB, before allocating it', () => {
    const bytes = declareSize(rawWheel({ 'evil/x.py': 'x' }), `${DIST}/METADATA`, 0xffff_fff0);
    expect(refusal(bytes).message).toMatch(/unpacks to more than/);
    expect(() => readWheelMetadata(bytes, FILENAME)).toThrow(/unpacks to more than/);
  });

  it('cuts a member that inflates past what it declares, and refuses it by RECORD', () => {
    const bytes = declareSize(
      rawWheel({ 'evil/zeros.bin': new Uint8Array(4 * 1024 * 1024) }, { level: 9 }),
      'evil/zeros.bin',
      1024,
    );
    expect(refusal(bytes).message).toMatch(/zeros\.bin (does not match|is 1024 bytes)/);
  }, 60_000);
});
