import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('KBX008', [
  { name: 'unpinned frontend', text: `# syntax=docker/dockerfile:1\n${BASE}`, lines: [1] },
  {
    name: 'pinned frontend',
    text: `# syntax=docker/dockerfile:1@sha256:${'a'.repeat(64)}\n${BASE}`,
    lines: [],
  },
  { name: 'no directive', text: BASE, lines: [] },
]);
