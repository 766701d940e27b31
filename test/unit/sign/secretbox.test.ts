/**
 * The XSalsa20-Poly1305 secretbox and cosign's password envelope, pinned by
 * known answers from outside kubox: NaCl's own secretbox test vector (a
 * 131-byte message, three keystream blocks) and go-securesystemslib's
 * encrypted-key vectors (scrypt + secretbox, the code cosign uses).
 */
import { describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import { decryptKey, encryptKey } from '../../../src/sign/encrypted-key.js';
import { open, seal } from '../../../src/sign/secretbox.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// NaCl tests/secretbox.c: firstkey, nonce, m, and the expected c (tag || ciphertext).
const KEY = hex('1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389');
const NONCE = hex('69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37');
const MESSAGE = hex(`
  be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a
  1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057
  e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040
  e082f93776384864 5e0705`);
const BOX = hex(`
  f3ffc7703f9400e52a7dfb4b3d3305d9
  8e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b
  4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae
  90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6
  599b1f654cb45a74e355a5`);

// go-securesystemslib encrypted_test.go: passphrase "supersecret", plaintext "reallyimportant".
const GO_DECRYPT = `{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"N9a7x5JFGbrtB2uBR81jPwp0eiLR4A7FV3mjVAQrg1g="},"cipher":{"name":"nacl/secretbox","nonce":"2h8HxMmgRfuYdpswZBQaU3xJ1nkA/5Ik"},"ciphertext":"SEW6sUh0jf2wfdjJGPNS9+bkk2uB+Cxamf32zR8XkQ=="}`;
// Its Marshal vectors hold the JSON of the plaintext ("cmVhbGx5aW1wb3J0YW50" is base64 of it).
const GO_STANDARD = `{"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"FhzPOt9/bJG4PTq6lQ6ecG6GzaOuOy/ynG5+yRiFlNs="},"cipher":{"name":"nacl/secretbox","nonce":"aw1ng1jHaDz/tQ7V2gR9O2+IGQ8xJEuE"},"ciphertext":"HycvuLZL4sYH0BrYTh4E/H20VtAW6u5zL5Pr+IBjYLYnCPzDkq8="}`;
const GO_UNSUPPORTED = `{"kdf":{"name":"scrypt","params":{"N":99,"r":99,"p":99},"salt":"cZFcQJdwPhPyhU1R4qkl0qVOIjZd4V/7LYYAavq166k="},"cipher":{"name":"nacl/secretbox","nonce":"7vhRS7j0hEPBWV05skAdgLj81AkGeE7U"},"ciphertext":"6WYU/YSXVbYzl/NzaeAzmjLyfFhOOjLc0d8/GFV0aBFdJvyCcXc="}`;

const caught = async (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('secretbox (XSalsa20-Poly1305)', () => {
  it("seals NaCl's test vector to NaCl's ciphertext and opens it back", () => {
    expect(MESSAGE).toHaveLength(131);
    expect(Buffer.from(seal(MESSAGE, NONCE, KEY)).toString('hex')).toBe(BOX.toString('hex'));
    expect(Buffer.from(open(BOX, NONCE, KEY)!).toString('hex')).toBe(MESSAGE.toString('hex'));
  });

  it('refuses a box with any bit flipped, a wrong key or nonce, or one too short for a tag', () => {
    for (const i of [0, 15, 16, 100, BOX.length - 1]) {
      const bad = Buffer.from(BOX);
      bad[i]! ^= 1;
      expect(open(bad, NONCE, KEY), `byte ${i}`).toBeUndefined();
    }
    const otherKey = Buffer.from(KEY);
    otherKey[31]! ^= 0x80;
    expect(open(BOX, NONCE, otherKey)).toBeUndefined();
    const otherNonce = Buffer.from(NONCE);
    otherNonce[23]! ^= 1;
    expect(open(BOX, otherNonce, KEY)).toBeUndefined();
    expect(open(BOX.subarray(0, 15), NONCE, KEY)).toBeUndefined();
  });

  it('round-trips every length around the 64-byte block boundaries, the empty message included', () => {
    for (const n of [0, 1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 500]) {
      const m = Buffer.alloc(n, n & 0xff);
      const box = seal(m, NONCE, KEY);
      expect(box).toHaveLength(16 + n);
      expect(Buffer.from(open(box, NONCE, KEY)!).equals(m), `length ${n}`).toBe(true);
    }
  });
});

describe("cosign's encrypted key envelope (scrypt + nacl/secretbox)", { timeout: 60_000 }, () => {
  it("decrypts go-securesystemslib's vectors (legacy and standard scrypt strengths)", async () => {
    const pw = Buffer.from('supersecret');
    expect((await decryptKey(Buffer.from(GO_DECRYPT), pw, 'v1')).toString()).toBe(
      'reallyimportant',
    );
    expect((await decryptKey(Buffer.from(GO_STANDARD), pw, 'v2')).toString()).toBe(
      '"cmVhbGx5aW1wb3J0YW50"',
    );
  });

  it('a wrong password is an integrity error that names the file, never the password', async () => {
    const e = await caught(
      decryptKey(Buffer.from(GO_DECRYPT), Buffer.from('supersecreT'), 'k.key'),
    );
    expect(e).toBeInstanceOf(KuboxError);
    expect((e as KuboxError).kind).toBe('integrity');
    expect((e as KuboxError).message).toBe('cannot decrypt k.key: wrong password');
  });

  it('refuses scrypt parameters cosign never writes before deriving anything', async () => {
    const e = await caught(
      decryptKey(Buffer.from(GO_UNSUPPORTED), Buffer.from('supersecret'), 'k.key'),
    );
    expect((e as KuboxError).kind).toBe('usage');
    expect((e as KuboxError).message).toContain('unsupported scrypt parameters');
  });

  it('refuses what is not such an envelope', async () => {
    for (const doc of ['not json', '{}', '{"kdf":{"name":"pbkdf2"}}']) {
      const e = await caught(decryptKey(Buffer.from(doc), Buffer.from('x'), 'k.key'));
      expect((e as KuboxError).message, doc).toMatch(
        /^k\.key is not a cosign encrypted private key/,
      );
    }
  });

  it('writes what it reads: standard strength, fresh salt and nonce each time', async () => {
    const pw = Buffer.from('pw');
    const a = await encryptKey(Buffer.from('secret key bytes'), pw);
    const b = await encryptKey(Buffer.from('secret key bytes'), pw);
    const doc = JSON.parse(a.toString()) as { kdf: { params: unknown; salt: string } };
    expect(doc.kdf.params).toEqual({ N: 65536, r: 8, p: 1 });
    expect(Buffer.from(doc.kdf.salt, 'base64')).toHaveLength(32);
    expect(a.equals(b)).toBe(false);
    expect((await decryptKey(a, pw, 'a')).toString()).toBe('secret key bytes');
  });
});
