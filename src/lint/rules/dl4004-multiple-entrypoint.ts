import type { Rule } from '../types.js';
import { repeated } from './dl4003-multiple-cmd.js';

export const dl4004: Rule = {
  code: 'DL4004',
  name: 'single-entrypoint',
  severity: 'error',
  enabledByDefault: true,
  summary: 'Only one ENTRYPOINT per stage.',
  hint: 'keep the one ENTRYPOINT you mean',
  docs: 'Only the last ENTRYPOINT of a stage takes effect; the others mislead readers.',
  check: repeated('ENTRYPOINT'),
};
