/**
 * Hostile values in kubox.yaml (issue 15, items 3 and 15): each is refused by
 * the schema with exit 2, naming the key and its file:line:column.
 */
import { describe, expect, it } from 'vitest';
import { KuboxError, formatError } from '../../../src/errors.js';
import { parseSpec } from '../../../src/spec/load.js';

const BASE = `python:3.13-slim@sha256:${'a'.repeat(64)}`;

function spec(extra: { user?: string; top?: string }): string {
  return [
    'name: x',
    'version: "1.0"',
    `base: ${BASE}`,
    `user: {name: dev, uid: 1000, gid: 1000${extra.user ?? ''}}`,
    extra.top ?? '',
  ].join('\n');
}

function refusal(text: string): KuboxError {
  try {
    parseSpec(text, 'kubox.yaml');
  } catch (e) {
    if (e instanceof KuboxError) return e;
    throw e;
  }
  throw new Error('the spec was accepted');
}

const binary = (dest: string) =>
  `binaries:\n  - name: b\n    url: https://example.test/b\n    sha256: {amd64: ${'b'.repeat(64)}, arm64: ${'b'.repeat(64)}}\n    dest: ${dest}`;

describe('hostile path values are refused with their key and position', () => {
  it.each([
    // [what, spec, key, line, message]
    ['workdir /etc', spec({ top: 'workdir: /etc' }), 'workdir', 5, 'system directory /etc'],
    ['workdir /', spec({ top: 'workdir: /' }), 'workdir', 5, 'root directory'],
    ['workdir /usr', spec({ top: 'workdir: /usr' }), 'workdir', 5, 'system directory'],
    ['workdir /var/lib', spec({ top: 'workdir: /var/lib' }), 'workdir', 5, 'system directory'],
    ['workdir /tmp', spec({ top: 'workdir: /tmp' }), 'workdir', 5, 'system directory'],
    ['workdir /proc/1', spec({ top: 'workdir: /proc/1' }), 'workdir', 5, 'under /proc'],
    ['workdir trailing /', spec({ top: 'workdir: /app/' }), 'workdir', 5, 'must not end with "/"'],
    ['workdir ..', spec({ top: 'workdir: /app/../etc' }), 'workdir', 5, '".."'],
    ['workdir .', spec({ top: 'workdir: /app/./x' }), 'workdir', 5, '".."'],
    ['workdir //', spec({ top: 'workdir: /app//x' }), 'workdir', 5, '"//"'],
    ['home /etc', spec({ user: ', home: /etc' }), 'user.home', 4, 'system directory /etc'],
    ['home /', spec({ user: ', home: /' }), 'user.home', 4, 'root directory'],
    ['home /root for uid 1000', spec({ user: ', home: /root' }), 'user.home', 4, 'system'],
    ['home /bin', spec({ user: ', home: /bin' }), 'user.home', 4, 'system directory /bin'],
    ['home ..', spec({ user: ', home: /home/../etc' }), 'user.home', 4, '".."'],
    ['home trailing /', spec({ user: ', home: /home/dev/' }), 'user.home', 4, 'end with'],
    ['shell ..', spec({ user: ', shell: /bin/../x' }), 'user.shell', 4, '".."'],
    ['dest /', spec({ top: binary('/') }), 'binaries[0].dest', 9, 'root directory'],
    [
      'dest ..',
      spec({ top: binary('/usr/local/bin/../../../etc/x') }),
      'binaries[0].dest',
      9,
      '".."',
    ],
    [
      'dest trailing /',
      spec({ top: binary('/usr/local/bin/') }),
      'binaries[0].dest',
      9,
      'end with',
    ],
    [
      'dest whiteout',
      spec({ top: binary('/usr/local/bin/.wh.python3') }),
      'binaries[0].dest',
      9,
      'whiteout',
    ],
    ['workdir whiteout', spec({ top: 'workdir: /.wh..wh..opq' }), 'workdir', 5, 'whiteout'],
    [
      'tag with a space',
      spec({ top: "image:\n  tags: ['ok', 'a b']" }),
      'image.tags[1]',
      6,
      'not a valid tag',
    ],
    [
      'tag starting with -',
      spec({ top: 'image:\n  tags:\n    - -x' }),
      'image.tags[0]',
      7,
      'not a valid tag',
    ],
    [
      'tag template unknown',
      spec({ top: "image:\n  tags: ['{{nope}}']" }),
      'image.tags[0]',
      6,
      'unknown template variable',
    ],
    [
      'label template unknown',
      spec({ top: "labels:\n  a.b: '{{nope}}'" }),
      'labels["a.b"]',
      6,
      'unknown template variable',
    ],
  ])('%s', (_what, text, key, line, message) => {
    const err = refusal(text);
    expect(err.exitCode).toBe(2);
    const p = err.problems.find((x) => x.location?.path === key);
    expect(p, formatError(err)).toBeDefined();
    expect(p!.message).toContain(message);
    expect(p!.location).toMatchObject({ file: 'kubox.yaml', line });
    expect(p!.location?.column).toBeGreaterThan(0);
    expect(formatError(err)).toContain(`kubox.yaml:${line}:${p!.location!.column}: ${key}:`);
  });

  it.each([
    ['workdir /app', spec({ top: 'workdir: /app' })],
    ['workdir /tmp/work', spec({ top: 'workdir: /tmp/work' })],
    ['workdir /etc/myapp', spec({ top: 'workdir: /etc/myapp' })],
    ['home /home/dev', spec({ user: ', home: /home/dev' })],
    [
      'home /root for uid 0',
      spec({ user: ', home: /root, nonRoot: false' }).replace(
        'uid: 1000, gid: 1000',
        'uid: 0, gid: 0',
      ),
    ],
  ])('accepts %s', (_what, text) => {
    expect(() => parseSpec(text, 'kubox.yaml')).not.toThrow();
  });
});
