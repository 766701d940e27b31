/** The Python of the official python:3.13-slim image, as the wheel tests install for it. */
import type { PythonTarget } from '../../src/python/target.js';

export const PY313_X86: PythonTarget = {
  version: [3, 13],
  arch: 'x86_64',
  glibc: [2, 36],
  interpreter: '/usr/local/bin/python3.13',
  purelib: 'usr/local/lib/python3.13/site-packages',
  platlib: 'usr/local/lib/python3.13/site-packages',
  scripts: 'usr/local/bin',
  data: 'usr/local',
};
