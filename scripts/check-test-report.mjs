#!/usr/bin/env node
/**
 * Reads vitest's JSON report and fails unless the run told the whole truth:
 *  - every test file under test/unit and test/e2e ran (a worker that died or
 *    timed out leaves files out of the report, or in it with no tests);
 *  - no file was cut short (a suite error, or tests left unfinished);
 *  - under CI=true, no test was skipped unless test/allowed-skips.txt names it.
 * Ends with the plain "N passed, N failed" line that CI reads.
 *
 *   node scripts/check-test-report.mjs REPORT.json
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function testFiles(dir) {
  return (
    readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
      // parentPath from Node 20.12; `path` before it.
      .map((e) => relative(root, join(e.parentPath ?? e.path, e.name)))
      .sort()
  );
}

/** "file > describe > test" for each allowed skip; # starts a comment. */
function allowedSkips() {
  return new Set(
    readFileSync(join(root, 'test/allowed-skips.txt'), 'utf8')
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean),
  );
}

const problems = [];
const expected = [...testFiles('test/unit'), ...testFiles('test/e2e')];
const byFile = new Map(report.testResults.map((r) => [relative(root, r.name), r]));
let passed = 0;
let failed = 0;
let skipped = 0;
const allowed = process.env.CI === 'true' ? allowedSkips() : undefined;

for (const file of expected) {
  const r = byFile.get(file);
  if (!r) {
    problems.push(`${file}: did not run`);
    continue;
  }
  if (r.assertionResults.length === 0) problems.push(`${file}: ran no test`);
  if (r.message) problems.push(`${file}: ${r.message.split('\n')[0]}`);
  for (const t of r.assertionResults) {
    const name = `${file} > ${[...t.ancestorTitles, t.title].join(' > ')}`;
    if (t.status === 'passed') passed++;
    else if (t.status === 'failed') failed++;
    else if (['skipped', 'pending', 'todo', 'disabled'].includes(t.status)) {
      skipped++;
      if (allowed && !allowed.has(name)) problems.push(`skipped under CI: ${name}`);
    } else problems.push(`${name}: did not finish (${t.status})`);
  }
}
for (const file of byFile.keys())
  if (!expected.includes(file)) problems.push(`${file}: ran, but is not a test file kubox knows`);

console.log(
  `test files: ${byFile.size} ran of ${expected.length}; tests: ${passed} passed, ${failed} failed, ${skipped} skipped`,
);
for (const p of problems) console.log(`incomplete run: ${p}`);
// A file that did not run counts as one failure: the closing line must not read green.
console.log(`${passed} passed, ${failed + problems.length} failed`);
process.exit(failed + problems.length > 0 ? 1 : 0);
