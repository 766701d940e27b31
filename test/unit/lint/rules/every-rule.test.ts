import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../../../src/lint/rules/index.js';

describe('lint rule specs', () => {
  it('every rule has its own spec file', () => {
    const files = new Set(readdirSync(fileURLToPath(new URL('.', import.meta.url))));
    const missing = RULES.map((r) => `${r.code.toLowerCase()}.test.ts`).filter(
      (f) => !files.has(f),
    );
    expect(missing).toEqual([]);
  });
});
