/**
 * bench/results.json: the figures of every bench file of one `npm run bench`
 * end up in one file, none lost, the run before kept as `previous`, and the
 * file is always whole (replaced atomically).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeResults, recordResults, type BenchEntry } from '../../../bench/results.js';

const entry = (figures: Record<string, number>): BenchEntry => ({
  date: '2026-11-30T06:00:00.000Z',
  node: 'v20.0.0',
  cores: 2,
  cpu: 'test cpu',
  commit: 'c0ffee',
  figures,
});

describe('mergeResults', () => {
  it('keeps every bench of the same run', () => {
    let file = mergeResults(undefined, 'run-1', 'startup', entry({ 'kubox --help ms': 60 }));
    file = mergeResults(file, 'run-1', 'lint', entry({ 'kubox lint files/s': 9000 }));
    file = mergeResults(file, 'run-1', 'native', entry({ 'cold build s': 40 }));
    expect(file).toEqual({
      run: 'run-1',
      benches: {
        startup: entry({ 'kubox --help ms': 60 }),
        lint: entry({ 'kubox lint files/s': 9000 }),
        native: entry({ 'cold build s': 40 }),
      },
    });
  });

  it('a new run starts afresh and keeps the last one as previous (one level only)', () => {
    const one = mergeResults(undefined, 'run-1', 'startup', entry({ a: 1 }));
    const two = mergeResults(one, 'run-2', 'startup', entry({ a: 2 }));
    expect(two).toEqual({
      run: 'run-2',
      benches: { startup: entry({ a: 2 }) },
      previous: { run: 'run-1', benches: { startup: entry({ a: 1 }) } },
    });
    const three = mergeResults(two, 'run-3', 'lint', entry({ b: 3 }));
    expect(three.previous).toEqual({ run: 'run-2', benches: { startup: entry({ a: 2 }) } });
    expect(JSON.stringify(three)).not.toContain('run-1');
  });

  it('a bench file run alone (no run name) updates its own entry in the current run', () => {
    const run = mergeResults(undefined, 'run-1', 'startup', entry({ a: 1 }));
    const withLint = mergeResults(run, 'run-1', 'lint', entry({ b: 1 }));
    const again = mergeResults(withLint, undefined, 'startup', entry({ a: 5 }));
    expect(again).toEqual({
      run: 'run-1',
      benches: { startup: entry({ a: 5 }), lint: entry({ b: 1 }) },
    });
  });

  it('something that is not a results file is replaced, not merged into', () => {
    for (const junk of [null, 3, 'x', [], { benches: [] }, { other: 1 }]) {
      expect(mergeResults(junk, 'r', 'startup', entry({ a: 1 }))).toEqual({
        run: 'r',
        benches: { startup: entry({ a: 1 }) },
      });
    }
  });
});

describe('recordResults', { timeout: 30_000 }, () => {
  it('merges the figures of several bench processes into one whole file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubox-bench-results-'));
    const file = join(dir, 'results.json');
    await recordResults('startup', { 'node -e 0 ms': 50, 'kubox --help ms': 60 }, file, 'run-1');
    await recordResults('lint', { 'kubox lint files/s': 9000 }, file, 'run-1');
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written.run).toBe('run-1');
    expect(written.benches.startup.figures).toEqual({ 'node -e 0 ms': 50, 'kubox --help ms': 60 });
    expect(written.benches.lint.figures).toEqual({ 'kubox lint files/s': 9000 });
    for (const b of Object.values(written.benches) as BenchEntry[]) {
      expect(b.node).toBe(process.version);
      expect(b.cores).toBeGreaterThan(0);
      expect(Number.isNaN(Date.parse(b.date))).toBe(false);
      expect(b.commit).toMatch(/^([0-9a-f]{40}|unknown)$/);
    }
    // Written through a temporary file and renamed: nothing else is left in the directory.
    expect(readdirSync(dir)).toEqual(['results.json']);
  });

  it('a file cut short by a crash is replaced by a whole one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubox-bench-results-'));
    const file = join(dir, 'results.json');
    writeFileSync(file, '{"run": "run-1", "benches": {"startup": {"da');
    await recordResults('lint', { 'kubox lint files/s': 1 }, file, 'run-1');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      run: 'run-1',
      benches: { lint: { figures: { 'kubox lint files/s': 1 } } },
    });
  });
});
