/**
 * NaCl's secretbox (XSalsa20-Poly1305), as golang.org/x/crypto/nacl/secretbox
 * seals it: output = Poly1305 tag (16 bytes) || ciphertext. cosign encrypts
 * its private keys with it (see encrypted-key.ts). Node's OpenSSL has neither
 * Salsa20 nor a bare Poly1305, so the cipher is @noble/ciphers' (audited,
 * constant-time); this file only fixes the sizes and the "undefined when it
 * does not open" contract, pinned by known-answer tests
 * (test/unit/sign/secretbox.test.ts) against NaCl's and go-securesystemslib's
 * vectors.
 */
import { xsalsa20poly1305 } from '@noble/ciphers/salsa';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 24;
export const TAG_BYTES = 16;

function checkSizes(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== KEY_BYTES) throw new RangeError(`secretbox key must be ${KEY_BYTES} bytes`);
  if (nonce.length !== NONCE_BYTES)
    throw new RangeError(`secretbox nonce must be ${NONCE_BYTES} bytes`);
}

/** tag || ciphertext, as NaCl's crypto_secretbox and Go's secretbox.Seal write it. */
export function seal(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  checkSizes(key, nonce);
  return xsalsa20poly1305(key, nonce).encrypt(message);
}

/** The message, or undefined when the box was not sealed with this key and nonce (or was altered). */
export function open(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | undefined {
  checkSizes(key, nonce);
  if (box.length < TAG_BYTES) return undefined;
  try {
    return xsalsa20poly1305(key, nonce).decrypt(box);
  } catch {
    return undefined;
  }
}
