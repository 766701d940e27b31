import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src/lint/config.js';
import { formatCheckstyle } from '../../../src/lint/format/checkstyle.js';
import { formatJson } from '../../../src/lint/format/json.js';
import { formatSarif } from '../../../src/lint/format/sarif.js';
import { formatText } from '../../../src/lint/format/text.js';
import { activeRules, lintText } from '../../../src/lint/lint.js';

// The official SARIF 2.1.0 schema (rtm.5, draft-04), as shipped by Microsoft's @microsoft/jest-sarif.
const require = createRequire(import.meta.url);
const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json') as object;
// The schema is JSON Schema draft-04, hence ajv-draft-04; both packages are CommonJS.
const Ajv = require('ajv-draft-04') as typeof import('ajv-draft-04').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

const seedText = readFileSync(new URL('../../fixtures/seed/Dockerfile', import.meta.url), 'utf8');
const file = 'test/fixtures/seed/Dockerfile';
const findings = lintText(seedText, file);

describe('lint output formats', () => {
  it('text: file:line:col CODE severity message, no color unless asked', () => {
    const out = formatText(findings, false).split('\n');
    expect(out[1]).toBe(
      'test/fixtures/seed/Dockerfile:22:2 DL4006 warning pipe (curl | gpg) without pipefail: a failure before the last command is ignored',
    );
    expect(formatText(findings, false)).not.toContain('\x1b[');
    expect(formatText(findings, true)).toContain('\x1b[33mwarning\x1b[0m');
  });

  it("json: hadolint's fields", () => {
    const parsed = JSON.parse(formatJson(findings)) as Record<string, unknown>[];
    expect(parsed[0]).toMatchObject({ file, line: 1, column: 1, level: 'info', code: 'KBX008' });
    expect(parsed).toHaveLength(5);
  });

  it('sarif: valid against the SARIF 2.1.0 schema, with rules, help and locations', () => {
    const text = formatSarif({
      findings,
      rules: activeRules(DEFAULT_CONFIG),
      version: '0.1.0',
      texts: new Map([[file, seedText]]),
    });
    // unicodeRegExp: false because the official schema's `language` pattern is not valid under /u.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const log = JSON.parse(text) as {
      runs: {
        tool: { driver: { rules: { id: string; help: { text: string } }[] } };
        results: {
          ruleId: string;
          ruleIndex: number;
          locations: { physicalLocation: { region: { startLine: number } } }[];
        }[];
      }[];
    };
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const run = log.runs[0]!;
    expect(
      run.results.map((r) => [r.ruleId, r.locations[0]!.physicalLocation.region.startLine]),
    ).toEqual([
      ['KBX008', 1],
      ['DL4006', 22],
      ['DL3015', 27],
      ['KBX006', 30],
      ['KBX003', 42],
    ]);
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
    expect(run.tool.driver.rules.every((r) => r.help.text.length > 20)).toBe(true);
  });

  it('sarif: an empty run validates too', () => {
    const ajv = new Ajv({ strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const text = formatSarif({
      findings: [],
      rules: activeRules(DEFAULT_CONFIG),
      version: '0.1.0',
      texts: new Map(),
    });
    expect(ajv.validate(schema, JSON.parse(text))).toBe(true);
  });

  it('checkstyle: escaped XML per file', () => {
    const xml = formatCheckstyle(lintText('FROM x\nRUN echo "<a>" | cat', 'a&b/Dockerfile'), [
      'a&b/Dockerfile',
    ]);
    expect(xml).toContain('<file name="a&amp;b/Dockerfile">');
    expect(xml).toContain('source="DL4006"');
    expect(xml).not.toMatch(/"<a>"/);
  });
});
