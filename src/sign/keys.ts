/**
 * cosign's key files: cosign.key (PEM `ENCRYPTED SIGSTORE PRIVATE KEY`, the
 * PKCS#8 DER of an ECDSA P-256 key in the password envelope of
 * encrypted-key.ts) and cosign.pub (PEM `PUBLIC KEY`, SPKI). No key material
 * or password ever reaches a message.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair as generateKeyPairCb,
  type KeyObject,
} from 'node:crypto';
import { lstat, open, readFile, rm } from 'node:fs/promises';
import { KuboxError } from '../errors.js';
import { decryptKey, encryptKey } from './encrypted-key.js';

export const PRIVATE_PEM_TYPE = 'ENCRYPTED SIGSTORE PRIVATE KEY';
/** What cosign wrote before it became sigstore's: still read, as cosign does. */
const LEGACY_PRIVATE_PEM_TYPE = 'ENCRYPTED COSIGN PRIVATE KEY';

export function pemEncode(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

/** The first PEM block's type and bytes, or undefined. */
export function pemDecode(text: string): { type: string; der: Buffer } | undefined {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) return undefined;
  return { type: m[1]!, der: Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64') };
}

function isP256(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

export interface KeyPairPem {
  privateKey: string;
  publicKey: string;
}

/** A new ECDSA P-256 key pair, the private half encrypted with `password`. */
export async function generateKeyPair(password: Buffer): Promise<KeyPairPem> {
  const { privateKey, publicKey } = await new Promise<{
    privateKey: KeyObject;
    publicKey: KeyObject;
  }>((resolve, reject) =>
    generateKeyPairCb('ec', { namedCurve: 'P-256' }, (err, pub, priv) =>
      err ? reject(err) : resolve({ privateKey: priv, publicKey: pub }),
    ),
  );
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const envelope = await encryptKey(pkcs8, password);
  pkcs8.fill(0);
  return {
    privateKey: pemEncode(PRIVATE_PEM_TYPE, envelope),
    publicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** Creates `path` with `mode`; never replaces a file (O_EXCL), never follows a planted link. */
async function createExclusive(path: string, content: string, mode: number): Promise<void> {
  const fh = await open(path, 'wx', mode).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EEXIST')
      throw new KuboxError('usage', `${path} already exists; kubox will not overwrite a key`, {
        hint: 'move it away or choose another --output-key-prefix',
      });
    throw new KuboxError('io', `cannot create ${path}: ${e.message}`, { cause: e });
  });
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes PREFIX.key (0600) and PREFIX.pub (0644); refuses when either exists. */
export async function writeKeyPair(
  prefix: string,
  password: Buffer,
): Promise<{ privateKeyFile: string; publicKeyFile: string }> {
  const privateKeyFile = `${prefix}.key`;
  const publicKeyFile = `${prefix}.pub`;
  for (const f of [privateKeyFile, publicKeyFile])
    if (await exists(f))
      throw new KuboxError('usage', `${f} already exists; kubox will not overwrite a key`, {
        hint: 'move it away or choose another --output-key-prefix',
      });
  const pair = await generateKeyPair(password);
  await createExclusive(privateKeyFile, pair.privateKey, 0o600);
  try {
    await createExclusive(publicKeyFile, pair.publicKey, 0o644);
  } catch (e) {
    // A private key without its public half is of no use: leave neither.
    await rm(privateKeyFile, { force: true });
    throw e;
  }
  return { privateKeyFile, publicKeyFile };
}

async function readKeyFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new KuboxError('usage', `cannot read the ${what} ${path}: ${err.code ?? err.message}`, {
      hint:
        what === 'private key'
          ? 'create one with `kubox sign --generate-key`'
          : 'pass the cosign.pub written next to the key',
    });
  }
}

/** The signing key in cosign.key, decrypted with `password`. */
export async function loadPrivateKey(path: string, password: Buffer): Promise<KeyObject> {
  const pem = pemDecode(await readKeyFile(path, 'private key'));
  if (!pem || (pem.type !== PRIVATE_PEM_TYPE && pem.type !== LEGACY_PRIVATE_PEM_TYPE))
    throw new KuboxError(
      'usage',
      `${path} is not a cosign private key (expected a PEM block "${PRIVATE_PEM_TYPE}"${pem ? `, found "${pem.type}"` : ''})`,
      {
        hint: 'generate one with `kubox sign --generate-key`, or import a PEM key with `cosign import-key-pair`',
      },
    );
  const der = await decryptKey(pem.der, password, path);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    throw new KuboxError('usage', `${path} decrypts to something that is not a PKCS#8 private key`);
  } finally {
    der.fill(0);
  }
  if (!isP256(key))
    throw new KuboxError(
      'usage',
      `${path} holds a ${key.asymmetricKeyType} key; kubox signs with ECDSA P-256 only`,
      {
        hint: "generate a P-256 key with `kubox sign --generate-key` (cosign's default)",
      },
    );
  return key;
}

/** The verification key in cosign.pub. */
export async function loadPublicKey(path: string): Promise<KeyObject> {
  const text = await readKeyFile(path, 'public key');
  // Node would derive a public key from a private one: only a PUBLIC KEY block is taken.
  if (pemDecode(text)?.type !== 'PUBLIC KEY')
    throw new KuboxError('usage', `${path} is not a PEM public key`, {
      hint: 'pass cosign.pub (PEM "PUBLIC KEY"), not the private cosign.key',
    });
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch {
    throw new KuboxError('usage', `${path} is not a PEM public key`, {
      hint: 'pass cosign.pub (PEM "PUBLIC KEY"), not the private cosign.key',
    });
  }
  if (!isP256(key))
    throw new KuboxError(
      'usage',
      `${path} is a ${key.asymmetricKeyType} key; kubox verifies ECDSA P-256 signatures only`,
    );
  return key;
}
