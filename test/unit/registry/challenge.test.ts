import { describe, expect, it } from 'vitest';
import { mergeScopes, parseChallenges, repositoryScope } from '../../../src/registry/challenge.js';

describe('parseChallenges', () => {
  it('reads a Bearer challenge with realm, service and scope', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/python:pull"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/python:pull',
        },
      },
    ]);
  });

  it('reads a Basic challenge', () => {
    expect(parseChallenges('Basic realm="Registry Realm"')).toEqual([
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
    ]);
  });

  it('splits several challenges in one header', () => {
    expect(
      parseChallenges('Bearer realm="https://a/token",service="reg", Basic realm="z"'),
    ).toEqual([
      { scheme: 'bearer', params: { realm: 'https://a/token', service: 'reg' } },
      { scheme: 'basic', params: { realm: 'z' } },
    ]);
    expect(parseChallenges('Basic realm="one" , Bearer realm="two",error="invalid_token"')).toEqual(
      [
        { scheme: 'basic', params: { realm: 'one' } },
        { scheme: 'bearer', params: { realm: 'two', error: 'invalid_token' } },
      ],
    );
  });

  it('unescapes quoted values and keeps commas and spaces inside quotes', () => {
    expect(
      parseChallenges(
        'Bearer realm="say \\"hi\\"",scope="repository:a:pull,push repository:b:pull",service="x"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'say "hi"',
          scope: 'repository:a:pull,push repository:b:pull',
          service: 'x',
        },
      },
    ]);
    expect(parseChallenges('Basic realm="back\\\\slash"')[0]?.params.realm).toBe('back\\slash');
  });

  it('reads unquoted values up to a comma or a space', () => {
    expect(
      parseChallenges('Bearer realm=https://r.example/token,service=r.example, Basic realm=b'),
    ).toEqual([
      { scheme: 'bearer', params: { realm: 'https://r.example/token', service: 'r.example' } },
      { scheme: 'basic', params: { realm: 'b' } },
    ]);
  });

  it('lower-cases scheme and parameter names but not values', () => {
    expect(parseChallenges('BEARER Realm="https://X/Token",SERVICE="Reg"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://X/Token', service: 'Reg' } },
    ]);
    expect(parseChallenges('bAsIc REALM="R"')).toEqual([
      { scheme: 'basic', params: { realm: 'R' } },
    ]);
  });

  it('tolerates spaces around "=" and returns nothing for an empty header', () => {
    expect(parseChallenges('Bearer realm = "r" , service = s')).toEqual([
      { scheme: 'bearer', params: { realm: 'r', service: 's' } },
    ]);
    expect(parseChallenges('')).toEqual([]);
    expect(parseChallenges('   ')).toEqual([]);
  });

  it('reads a scheme with no parameters', () => {
    expect(parseChallenges('Negotiate, Basic realm="x"')).toEqual([
      { scheme: 'negotiate', params: {} },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
  });
});

describe('repositoryScope', () => {
  it('joins sorted actions', () => {
    expect(repositoryScope('team/app', ['push', 'pull'])).toBe('repository:team/app:pull,push');
    expect(repositoryScope('library/python', ['pull'])).toBe('repository:library/python:pull');
  });

  it('does not reorder the caller’s array', () => {
    const actions = ['push', 'pull'];
    repositoryScope('a', actions);
    expect(actions).toEqual(['push', 'pull']);
  });
});

describe('mergeScopes', () => {
  it('unites the actions of the same resource and sorts them', () => {
    expect(mergeScopes(['repository:a:push', 'repository:a:pull'])).toEqual([
      'repository:a:pull,push',
    ]);
    expect(
      mergeScopes(['repository:a:pull', 'repository:a:pull,push', 'repository:a:pull']),
    ).toEqual(['repository:a:pull,push']);
  });

  it('keeps different resources apart, sorted', () => {
    expect(
      mergeScopes([
        'repository:team/app:push,pull',
        'repository:base/img:pull',
        'repository:team/app:delete',
      ]),
    ).toEqual(['repository:base/img:pull', 'repository:team/app:delete,pull,push']);
  });

  it('splits space-separated scope strings', () => {
    expect(mergeScopes(['repository:a:pull repository:b:pull', 'repository:a:push'])).toEqual([
      'repository:a:pull,push',
      'repository:b:pull',
    ]);
    expect(mergeScopes(['  repository:a:pull  '])).toEqual(['repository:a:pull']);
  });

  it('handles registry:catalog:*', () => {
    expect(mergeScopes(['registry:catalog:*', 'repository:a:pull'])).toEqual([
      'registry:catalog:*',
      'repository:a:pull',
    ]);
    expect(mergeScopes(['registry:catalog:*', 'registry:catalog:*'])).toEqual([
      'registry:catalog:*',
    ]);
  });

  it('is empty for no scopes', () => {
    expect(mergeScopes([])).toEqual([]);
    expect(mergeScopes([''])).toEqual([]);
  });
});
