/** Helpers for lint tests: lint a snippet, get (code, line) pairs. */
import { DEFAULT_CONFIG, mergeConfig, type LintConfig } from '../../../src/lint/config.js';
import { lintText } from '../../../src/lint/lint.js';
import type { Finding } from '../../../src/lint/types.js';

export function lint(text: string, config: Partial<LintConfig> = {}): Finding[] {
  return lintText(text, 'Dockerfile', mergeConfig(DEFAULT_CONFIG, config));
}

/** `CODE:line` for every finding of the given code (or all). */
export function codes(text: string, only?: string, config: Partial<LintConfig> = {}): string[] {
  return lint(text, config)
    .filter((f) => only === undefined || f.code === only)
    .map((f) => `${f.code}:${f.span.start.line}`);
}

/** A minimal clean prefix: pinned base, so KBX001 stays quiet in rule tests. */
export const BASE = 'FROM debian:12@sha256:' + 'a'.repeat(64);
