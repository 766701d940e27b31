/** The one secret redactor: what it masks, in which forms, and at which boundaries. */
import { afterEach, describe, expect, it } from 'vitest';
import { formatError, KuboxError } from '../../src/errors.js';
import { addCredentials, addSecret, clearSecrets, redact, redactValue } from '../../src/redact.js';

afterEach(() => clearSecrets());

describe('redact', () => {
  const user = 'alice';
  const pass = 'p@ss w0rd"hunter2';
  const basic = Buffer.from(`${user}:${pass}`).toString('base64');

  it.each([
    ['the password as is', `denied for ${pass}`],
    ['URL-encoded', `GET /x?p=${encodeURIComponent(pass)}`],
    ['JSON-escaped', JSON.stringify({ message: `echo ${pass}` })],
    ['a Basic header value', `Authorization: Basic ${basic}`],
    ['the Base64 alone', `token ${basic} rejected`],
  ])('masks a registered password %s', (_n, text) => {
    addCredentials(user, pass);
    const out = redact(text);
    expect(out).not.toContain(pass);
    expect(out).not.toContain(encodeURIComponent(pass));
    expect(out).not.toContain(basic);
    expect(out).toContain('***');
  });

  it('masks URL userinfo and long authorization values it was never told of', () => {
    expect(redact('https://bob:secret@r.example/v2/')).toBe('https://r.example/v2/');
    expect(redact('echo: Bearer eyJhbGciOi.eyJzdWIi.sig-nature')).toBe('echo: Bearer ***');
    // Words are not values: the message stays readable.
    expect(redact("r.example's Bearer challenge has no realm")).toBe(
      "r.example's Bearer challenge has no realm",
    );
  });

  it('does not register secrets too short to mask without garbling the output', () => {
    addSecret('abc');
    expect(redact('abc abcdef')).toBe('abc abcdef');
  });

  it('redacts every string of a JSON value, keys included', () => {
    addSecret('TOKEN-123456');
    expect(redactValue({ a: ['x TOKEN-123456'], 'TOKEN-123456': 1, n: 2 })).toEqual({
      a: ['x ***'],
      '***': 1,
      n: 2,
    });
  });

  it('applies to every KuboxError: message, hint and problems', () => {
    addSecret('SECRET-abcdef');
    const e = new KuboxError('registry', 'server said SECRET-abcdef', {
      hint: 'not SECRET-abcdef',
      problems: [{ message: 'p SECRET-abcdef', hint: 'h SECRET-abcdef' }],
    });
    expect(formatError(e)).not.toContain('SECRET-abcdef');
    expect(e.message).toBe('server said ***');
  });
});
