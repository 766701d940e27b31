/**
 * build → scan → publish with the native engine, on the golden build's fixed
 * inputs (no network) and the Trivy STAND-IN (test/fixtures/scan/bin/trivy,
 * which records its command line; Trivy's database cannot be had here). The
 * scanner reads the image where the engine left it, a layout of hard links to
 * kubox's cache, and the archive kept afterwards is byte for byte the one a
 * plain build writes: no second archive is made to scan, and none is scanned
 * that is not published.
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildScanPush } from '../../src/gated-build.js';
import { makePlan } from '../../src/plan/plan.js';
import { loadSpec } from '../../src/spec/load.js';
import { GOLDEN, goldenWorkdir, sha256, withoutSourceDateEpoch } from '../support/golden-native.js';

const STANDIN_BIN = fileURLToPath(new URL('../fixtures/scan/bin', import.meta.url));

async function gatedNative(report: string) {
  const { work, cacheDir } = await goldenWorkdir();
  const { spec, source } = loadSpec(join(work, 'kubox.yaml'));
  const argvFile = join(mkdtempSync(join(tmpdir(), 'kubox-trivy-argv-')), 'argv.json');
  const archive = join(work, 'out', 'golden.oci.tar');
  const result = await withoutSourceDateEpoch(() =>
    buildScanPush(makePlan(spec, source), source, {
      engine: 'native',
      locked: true,
      specSource: source,
      cwd: work,
      cacheDir,
      output: { type: 'oci', path: archive },
      push: false,
      scan: {
        scanner: 'trivy',
        env: {
          PATH: `${STANDIN_BIN}:${process.env.PATH}`,
          STANDIN_TRIVY_REPORT: report,
          STANDIN_TRIVY_ARGV_FILE: argvFile,
        },
      },
    }),
  );
  const { argv } = JSON.parse(readFileSync(argvFile, 'utf8')) as { argv: string[] };
  return { result, archive, cacheDir, input: argv[argv.indexOf('--input') + 1]! };
}

describe('kubox build --scan --engine native', { timeout: 120_000 }, () => {
  it('scans a layout linking the cache, then keeps the archive a plain build writes', async () => {
    const { result, archive, cacheDir, input } = await gatedNative('clean.json');
    expect(result.scan.gate.passed).toBe(true);
    expect(result.build.digest).toBe(GOLDEN.index);
    expect(result.archive).toBe(archive);
    expect(sha256(readFileSync(archive))).toBe(GOLDEN.archive);
    // A layout directory in the build's scratch space, beside the cache, gone afterwards.
    expect(input.startsWith(join(cacheDir, 'tmp'))).toBe(true);
    expect(input.endsWith('/layout')).toBe(true);
    expect(existsSync(input)).toBe(false);
    expect(result.pushed).toBeUndefined();
  });

  it('a failing gate still keeps the archive it judged, and pushes nothing', async () => {
    const { result, archive, input } = await gatedNative('debian-image.json');
    expect(result.scan.gate.passed).toBe(false);
    expect(statSync(archive).isFile()).toBe(true);
    expect(sha256(readFileSync(archive))).toBe(GOLDEN.archive);
    expect(existsSync(input)).toBe(false);
    expect(result.pushed).toBeUndefined();
  });
});
