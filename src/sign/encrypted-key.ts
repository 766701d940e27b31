/**
 * The password-encrypted envelope cosign keeps its private key in (the PEM
 * block `ENCRYPTED SIGSTORE PRIVATE KEY`), as go-securesystemslib's
 * `encrypted` package writes it:
 *
 *   {"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":B64},
 *    "cipher":{"name":"nacl/secretbox","nonce":B64},"ciphertext":B64}
 *
 * scrypt(password, 32-byte salt) gives the 32-byte secretbox key; the nonce is
 * 24 random bytes; the plaintext is the key's PKCS#8 DER.
 */
import { randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import { KuboxError } from '../errors.js';
import { KEY_BYTES, NONCE_BYTES, open, seal } from './secretbox.js';

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * The parameter sets go-securesystemslib decrypts (legacy, standard, OWASP). Any
 * other is refused before scrypt runs: a crafted file must not make kubox
 * spend gigabytes of memory deriving a key.
 */
const ACCEPTED: readonly ScryptParams[] = [
  { N: 32768, r: 8, p: 1 },
  { N: 65536, r: 8, p: 1 },
  { N: 131072, r: 8, p: 1 },
];
/** What kubox writes: go-securesystemslib's "standard" strength. */
const WRITE_PARAMS: ScryptParams = { N: 65536, r: 8, p: 1 };
const SALT_BYTES = 32;

interface Envelope {
  kdf: { name: 'scrypt'; params: ScryptParams; salt: string };
  cipher: { name: 'nacl/secretbox'; nonce: string };
  ciphertext: string;
}

function scrypt(password: Buffer, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node's default 32 MiB cap is below the standard set's 64 MiB.
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.N * params.r,
  };
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function encryptKey(plaintext: Uint8Array, password: Buffer): Promise<Buffer> {
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const key = await scrypt(password, salt, WRITE_PARAMS);
  const envelope: Envelope = {
    kdf: { name: 'scrypt', params: WRITE_PARAMS, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(seal(plaintext, nonce, key)).toString('base64'),
  };
  key.fill(0);
  return Buffer.from(JSON.stringify(envelope));
}

function bad(where: string, what: string): KuboxError {
  return new KuboxError('usage', `${where} is not a cosign encrypted private key: ${what}`, {
    hint: 'pass the cosign.key written by `kubox sign --generate-key` or `cosign generate-key-pair`',
  });
}

function parseEnvelope(json: Uint8Array, where: string): Envelope {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(json).toString('utf8'));
  } catch {
    throw bad(where, 'its content is not JSON');
  }
  const e = doc as Partial<Envelope> | null;
  if (e?.kdf?.name !== 'scrypt') throw bad(where, 'its kdf is not scrypt');
  if (e.cipher?.name !== 'nacl/secretbox') throw bad(where, 'its cipher is not nacl/secretbox');
  if (typeof e.kdf.salt !== 'string' || typeof e.cipher.nonce !== 'string')
    throw bad(where, 'the salt or nonce is missing');
  if (typeof e.ciphertext !== 'string') throw bad(where, 'the ciphertext is missing');
  const p = e.kdf.params;
  if (!ACCEPTED.some((a) => a.N === p?.N && a.r === p?.r && a.p === p?.p))
    throw bad(
      where,
      `unsupported scrypt parameters ${JSON.stringify(p)} (cosign writes N=32768, 65536 or 131072, r=8, p=1)`,
    );
  return e as Envelope;
}

/** The plaintext, or an error saying the password is wrong (exit 1) or the file is not such a key (exit 2). */
export async function decryptKey(
  json: Uint8Array,
  password: Buffer,
  where: string,
): Promise<Buffer> {
  const e = parseEnvelope(json, where);
  const nonce = Buffer.from(e.cipher.nonce, 'base64');
  if (nonce.length !== NONCE_BYTES) throw bad(where, `its nonce is not ${NONCE_BYTES} bytes`);
  const key = await scrypt(password, Buffer.from(e.kdf.salt, 'base64'), e.kdf.params);
  const plain = open(Buffer.from(e.ciphertext, 'base64'), nonce, key);
  key.fill(0);
  if (!plain)
    throw new KuboxError('integrity', `cannot decrypt ${where}: wrong password`, {
      hint: 'set COSIGN_PASSWORD to the password the key was generated with (an empty one is allowed)',
    });
  return Buffer.from(plain);
}
