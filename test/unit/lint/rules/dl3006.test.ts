import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3006', [
  { name: 'untagged', text: 'FROM debian', lines: [1] },
  { name: 'untagged through ARG', text: 'ARG B=debian\nFROM $B', lines: [2] },
  { name: 'tagged', text: 'FROM debian:12', lines: [] },
  { name: 'digest only', text: `FROM debian@sha256:${'a'.repeat(64)}`, lines: [] },
  { name: 'earlier stage', text: `${BASE} AS base\nFROM base`, lines: [] },
  { name: 'scratch', text: 'FROM scratch', lines: [] },
  { name: 'unknown build arg', text: 'ARG B\nFROM $B', lines: [] },
]);
