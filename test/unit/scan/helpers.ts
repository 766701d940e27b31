/** Shared by the scan tests: fixture paths and reports. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseTrivyReport, type TrivyReport } from '../../../src/scan/report.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/scan/', import.meta.url));
/** The directory of the Trivy STAND-IN (test/fixtures/scan/bin/trivy), not Trivy. */
export const STANDIN_BIN = fileURLToPath(new URL('../../fixtures/scan/bin/', import.meta.url));

export function fixtureText(name: string): string {
  return readFileSync(`${FIXTURES}${name}`, 'utf8');
}

export function fixture(name: string): TrivyReport {
  return parseTrivyReport(fixtureText(name), name);
}
