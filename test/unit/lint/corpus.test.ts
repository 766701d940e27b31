/**
 * kubox against its own agreement corpus (test/fixtures/lint-corpus): every
 * code a case says must fire fires, every code it says must not does not.
 */
import { describe, expect, it } from 'vitest';
import { RULES } from '../../../src/lint/rules/index.js';
import { checkCorpus, readCorpus } from './corpus-reader.js';

const cases = readCorpus();

describe('lint agreement corpus', () => {
  it('has at least 300 cases, each asserting something, with unique names', () => {
    expect(cases.length).toBeGreaterThanOrEqual(300);
    for (const c of cases) expect(c.fire.length + c.quiet.length, c.name).toBeGreaterThan(0);
    const names = cases.map((c) => `${c.file}: ${c.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('names only codes kubox has, and covers every rule both ways', () => {
    const known = new Set(RULES.map((r) => r.code));
    const used = cases.flatMap((c) => [...c.fire, ...c.quiet]);
    expect(used.filter((code) => !known.has(code))).toEqual([]);
    for (const r of RULES) {
      expect(
        cases.some((c) => c.fire.includes(r.code)),
        `${r.code} must fire somewhere`,
      ).toBe(true);
      expect(
        cases.some((c) => c.quiet.includes(r.code)),
        `${r.code} must be quiet somewhere`,
      ).toBe(true);
    }
  });

  it('kubox agrees with every case (100%)', () => {
    const { checks, disagreements } = checkCorpus(cases);
    expect(checks).toBeGreaterThan(cases.length);
    expect(
      disagreements.map(
        (d) => `${d.c.file}:${d.c.line} ${d.c.name}: ${d.code} should ${d.expected}`,
      ),
    ).toEqual([]);
  });
});
