/**
 * Where Basic credentials may go in the Bearer token flow (a table of
 * realms): over https anywhere the registry names; over plain http only to
 * this machine or to the registry's own host. A realm on another host over
 * http gets no credentials: the flow is refused before any request.
 */
import { describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import { Authorizer } from '../../../src/registry/auth.js';
import type { Credential } from '../../../src/registry/credentials.js';
import type { HttpRequest, Transport } from '../../../src/registry/transport.js';

const alice: Credential = { kind: 'basic', username: 'alice', password: 'realm-pass-123' };
const refresh: Credential = { kind: 'identity-token', token: 'realm-refresh-123' };

function transport(): Transport & { sent: HttpRequest[] } {
  const sent: HttpRequest[] = [];
  return { sent, send: async (req) => (sent.push(req), Response.json({ token: 'T-abc' })) };
}
const challenge = (realm: string) =>
  new Response(null, {
    status: 401,
    headers: { 'www-authenticate': `Bearer realm="${realm}",service="s"` },
  });

describe('the realm credentials are sent to', () => {
  it.each([
    ['registry.example.com', 'https://auth.example.net/token', true],
    ['127.0.0.1:5001', 'http://127.0.0.1:5002/token', true],
    ['localhost:5000', 'http://localhost:6000/token', true],
    ['registry.example.com:5000', 'http://registry.example.com:5002/token', true],
    ['registry.example.com', 'http://auth.example.net/token', false],
    ['127.0.0.1:5001', 'http://attacker.example/token', false],
    ['127.0.0.1:5001', 'http://127.0.0.1.nip.io/token', false],
  ])('registry %s, realm %s: sent %s', async (registry, realm, sent) => {
    for (const cred of [alice, refresh]) {
      const t = transport();
      const a = new Authorizer(registry, cred, t);
      const got = await a.onUnauthorized(challenge(realm), ['repository:a:pull']).catch((e) => e);
      if (sent) {
        expect(got).toBe('Bearer T-abc');
        expect(t.sent).toHaveLength(1);
      } else {
        expect(got).toBeInstanceOf(KuboxError);
        expect((got as KuboxError).kind).toBe('registry-auth');
        expect((got as KuboxError).message).toContain('over plain http');
        expect(t.sent).toHaveLength(0);
      }
    }
  });

  it('asks an http realm on another host anonymously when there are no credentials', async () => {
    const t = transport();
    const a = new Authorizer('registry.example.com', { kind: 'anonymous' }, t);
    expect(await a.onUnauthorized(challenge('http://auth.example.net/t'), [])).toBe('Bearer T-abc');
    expect(t.sent[0]!.headers).toEqual({});
  });

  it.each(['not a url', 'file:///etc/passwd', 'ftp://x/token'])(
    'refuses a realm that is not an http(s) URL: %s',
    async (realm) => {
      const a = new Authorizer('r.example', alice, transport());
      const err = await a.onUnauthorized(challenge(realm), []).catch((e) => e);
      expect(err).toBeInstanceOf(KuboxError);
      expect((err as KuboxError).kind).toBe('registry');
    },
  );

  it.each([
    ['not JSON', () => new Response('<html>')],
    ['a token with a line break', () => Response.json({ token: 'a\r\nX-Evil: 1' })],
    ['a token that is no string', () => Response.json({ token: { a: 1 } })],
  ])('refuses a token response that is %s', async (_n, answer) => {
    const a = new Authorizer('r.example', alice, { send: async () => answer() });
    const err = await a.onUnauthorized(challenge('https://a/t'), []).catch((e) => e);
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).message).toBe('the token service of r.example returned no token');
  });
});
