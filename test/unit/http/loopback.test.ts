/** Loopback is a parsed address, never a name's prefix (a table of hosts). */
import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../../src/http/loopback.js';
import { isLoopbackRegistry, schemeFor } from '../../../src/registry/client.js';

describe('loopback registries', () => {
  it.each([
    ['127.0.0.1:5000', 'http'],
    ['127.1.2.3', 'http'],
    ['localhost:5000', 'http'],
    ['[::1]:5000', 'http'],
    ['127.example.com', 'https'],
    ['127.0.0.1.nip.io:443', 'https'],
    ['127.0.0.1.example.com', 'https'],
    ['localhost.example.com', 'https'],
    ['128.0.0.1', 'https'],
    ['registry.example.com', 'https'],
    ['[::2]', 'https'],
  ])('%s speaks %s', (registry, scheme) => {
    expect(schemeFor(registry, {})).toBe(scheme);
    expect(isLoopbackRegistry(registry)).toBe(scheme === 'http');
  });

  it('knows the IPv4-mapped form of a 127 address', () => {
    expect(isLoopbackHost('[::ffff:7f00:1]')).toBe(true);
    expect(isLoopbackHost('[::ffff:a00:1]')).toBe(false);
  });

  it('keeps KUBOX_INSECURE_REGISTRIES for a named host', () => {
    expect(schemeFor('127.example.com', { KUBOX_INSECURE_REGISTRIES: '127.example.com' })).toBe(
      'http',
    );
  });
});
