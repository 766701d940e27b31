/**
 * One spec file per rule (as hadolint keeps them): snippets that must fire
 * (with the lines) and snippets that must not. Each case lints with the
 * default configuration (plus `config` where a rule needs one) and checks
 * only its rule's code.
 */
import { describe, expect, it } from 'vitest';
import type { LintConfig } from '../../../../src/lint/config.js';
import { ruleByCode } from '../../../../src/lint/rules/index.js';
import { codes } from '../support.js';

export interface Case {
  name: string;
  text: string;
  /** Lines where the code must be reported; [] means it must not fire. */
  lines: number[];
  config?: Partial<LintConfig>;
}

export function ruleCases(code: string, cases: Case[]): void {
  describe(code, () => {
    it('is a rule with a summary, a hint, docs, and must-fire and must-not-fire cases', () => {
      const r = ruleByCode(code);
      expect(r, code).toBeDefined();
      expect(r!.summary.length + r!.hint.length).toBeGreaterThan(20);
      expect(r!.docs.length).toBeGreaterThan(40);
      expect(cases.some((c) => c.lines.length > 0)).toBe(true);
      expect(cases.some((c) => c.lines.length === 0)).toBe(true);
    });
    for (const c of cases) {
      it(`${c.lines.length ? 'fires' : 'quiet'}: ${c.name}`, () => {
        expect(codes(c.text, code, c.config)).toEqual(c.lines.map((l) => `${code}:${l}`));
      });
    }
  });
}
