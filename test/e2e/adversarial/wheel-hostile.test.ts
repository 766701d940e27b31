/**
 * Hostile wheels at full size (issue 15, items 5 and 7): real zip files made
 * by Python's zipfile, installed by kubox in a separate process as the native
 * engine installs them (installWheel), with its peak memory measured. The
 * name-by-name table (`..`, absolute and whiteout names, console scripts,
 * RECORD mismatches) is test/unit/python/hostile-wheel.test.ts; here each
 * case is a whole wheel and states its outcome: refused with exit 1 naming
 * the wheel, within bounded memory and time.
 */
import { execa } from 'execa';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcomeInChild } from '../../support/outcome-in-child.js';

const WHEEL = fileURLToPath(new URL('../../../src/python/wheel.ts', import.meta.url));
const TARGET = fileURLToPath(new URL('../../support/python-target.ts', import.meta.url));
const FILENAME = 'evil-1.0-py3-none-any.whl';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubox-wheel-hostile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A wheel written by Python's zipfile, streaming: `zeros` maps member names
 * to a size of zeros (deflated), `text` to contents; RECORD lists them all.
 */
async function pythonWheel(
  name: string,
  zeros: Record<string, number>,
  text: Record<string, string> = {},
) {
  const out = join(dir, name);
  const script = `
import base64, hashlib, sys, zipfile, json
zeros, text, out = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
dist = 'evil-1.0.dist-info'
text[dist + '/METADATA'] = 'Metadata-Version: 2.1\\nName: evil\\nVersion: 1.0\\n'
text[dist + '/WHEEL'] = 'Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n'
rows = []
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for path, size in zeros.items():
        h = hashlib.sha256()
        with z.open(path, 'w', force_zip64=True) as f:
            chunk = bytes(1 << 20)
            for _ in range(size >> 20):
                f.write(chunk); h.update(chunk)
        rows.append('%s,sha256=%s,%d' % (path, base64.urlsafe_b64encode(h.digest()).rstrip(b'=').decode(), size))
    for path, body in text.items():
        data = body.encode()
        z.writestr(path, data)
        rows.append('%s,sha256=%s,%d' % (path, base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode(), len(data)))
    rows.append(dist + '/RECORD,,')
    z.writestr(dist + '/RECORD', '\\n'.join(rows) + '\\n')
`;
  await execa('python3', ['-c', script, JSON.stringify(zeros), JSON.stringify(text), out]);
  return out;
}

/** Installs the wheel the way the native engine does, in its own process: outcome and peak RSS. */
const installInChild = (wheel: string) =>
  outcomeInChild(
    dir,
    {
      imports: `import { installWheel } from ${JSON.stringify(WHEEL)};
     import { PY313_X86 } from ${JSON.stringify(TARGET)};`,
      count: `installWheel(input, ${JSON.stringify(FILENAME)}, PY313_X86, {}).length`,
    },
    wheel,
  );

describe('hostile wheels, whole', () => {
  it('a 1 MB wheel holding 1 GiB: refused before unpacking, memory bounded', async () => {
    const wheel = await pythonWheel('bomb.whl', { 'evil/zeros.bin': 1024 * 1024 * 1024 });
    expect(statSync(wheel).size).toBeLessThan(2 * 1024 * 1024);
    const r = await installInChild(wheel);
    expect(r).toMatchObject({ ok: false, kind: 'build-failed', exitCode: 1 });
    expect(r.message).toMatch(/evil-1\.0-py3-none-any\.whl unpacks to more than \d+ MiB/);
    expect(r.maxRssMiB).toBeLessThan(300);
    expect(r.seconds).toBeLessThan(60);
  }, 300_000);

  it.each([
    ['a whiteout module', { 'evil/.wh.__init__.py': '' }, /whiteout/],
    ['an opaque whiteout', { 'evil/.wh..wh..opq': '' }, /whiteout/],
    [
      'a ".." member',
      { '../../../etc/cron.d/evil': '* * * * * root id\n' },
      /outside its directory/,
    ],
    [
      'a whiteout console script',
      {
        'evil/__init__.py': 'def main(): pass\n',
        'evil-1.0.dist-info/entry_points.txt': '[console_scripts]\n.wh.python3 = evil:main\n',
      },
      /console script ".wh.python3"/,
    ],
  ])(
    '%s: refused naming the wheel',
    async (_what, text, message) => {
      const r = await installInChild(
        await pythonWheel(`${Math.random().toString(36).slice(2)}.whl`, {}, text),
      );
      expect(r).toMatchObject({ ok: false, exitCode: 1 });
      expect(r.message).toContain(FILENAME);
      expect(r.message).toMatch(message);
    },
    60_000,
  );
});
