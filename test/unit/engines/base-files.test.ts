import { describe, expect, it } from 'vitest';
import { keepBaseFile } from '../../../src/engines/native/base.js';

describe('the base files the native engine reads', () => {
  // Each one is merged with what the build adds; a file not kept reads as empty and the
  // base's entries would be lost (apt-mark showauto forgot the base's 49 auto marks).
  it.each([
    'etc/passwd',
    'etc/group',
    'etc/shadow',
    'etc/gshadow',
    'etc/subuid',
    'etc/subgid',
    'var/lib/dpkg/status',
    'var/lib/dpkg/statoverride',
    'var/lib/dpkg/diversions',
    'var/lib/apt/extended_states',
    'etc/dpkg/dpkg.cfg.d/docker',
    'var/lib/dpkg/alternatives/pager',
    'etc/skel/.bashrc',
  ])('keeps %s', (path) => expect(keepBaseFile(path)).toBe(true));

  it.each(['usr/bin/python3', 'etc/hostname', 'var/lib/apt/extended_states.bak'])(
    'only lists %s',
    (path) => expect(keepBaseFile(path)).toBe(false),
  );
});
