/**
 * The OpenPGP keys repositories are verified with: Debian's archive keys,
 * shipped with kubox in keys/debian/, and keys a spec names by URL.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as openpgp from 'openpgp';
import { KuboxError } from '../errors.js';

/** keys/debian at the package root: ../../keys/debian from src/debian/ and from dist/debian/ alike. */
export const DEBIAN_KEYS_DIR = fileURLToPath(new URL('../../keys/debian/', import.meta.url));

let debianKeys: Promise<openpgp.PublicKey[]> | undefined;

/** Every key in keys/debian/*.gpg (binary keyrings, several keys each), read once per process. */
export function debianArchiveKeys(): Promise<openpgp.PublicKey[]> {
  debianKeys ??= (async () => {
    let files: string[];
    try {
      files = (await readdir(DEBIAN_KEYS_DIR)).filter((f) => f.endsWith('.gpg')).sort();
    } catch (e) {
      throw new KuboxError('io', `cannot read the Debian archive keyring in ${DEBIAN_KEYS_DIR}`, {
        hint: 'the kubox installation is incomplete: reinstall it',
        cause: e,
      });
    }
    const keys: openpgp.PublicKey[] = [];
    for (const f of files) keys.push(...(await readKeys(await readFile(`${DEBIAN_KEYS_DIR}${f}`))));
    if (keys.length === 0)
      throw new KuboxError('io', `no keys in ${DEBIAN_KEYS_DIR}`, {
        hint: 'the kubox installation is incomplete: reinstall it',
      });
    return keys;
  })();
  debianKeys.catch(() => {
    debianKeys = undefined;
  });
  return debianKeys;
}

/** Reads public keys, armored ("-----BEGIN PGP PUBLIC KEY BLOCK-----") or binary. */
export async function readKeys(bytes: Uint8Array, what = 'key file'): Promise<openpgp.PublicKey[]> {
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  try {
    const keys = head.includes('-----BEGIN PGP')
      ? await openpgp.readKeys({ armoredKeys: Buffer.from(bytes).toString('utf8') })
      : await openpgp.readKeys({ binaryKeys: bytes });
    // A private key file must not be mistaken for a keyring, nor kept around.
    return keys.map((k) => k.toPublic());
  } catch (e) {
    throw new KuboxError(
      'integrity',
      `${what} is not an OpenPGP public key: ${(e as Error).message}`,
      {
        hint: 'point the repository at its signing key (often Release.key or a .gpg/.asc file)',
        cause: e,
      },
    );
  }
}

/** A stable identity of a key set for the lock file: the sorted primary-key fingerprints. */
export function keysFingerprint(keys: readonly openpgp.PublicKey[]): string {
  return [...new Set(keys.map((k) => k.getFingerprint().toLowerCase()))].sort().join(',');
}

/** "the Debian archive keyring" or "the key at <url>", for messages. */
export function describeKeys(keys: 'debian' | { url: string }): string {
  return keys === 'debian'
    ? `the Debian archive keyring (${DEBIAN_KEYS_DIR})`
    : `the key at ${keys.url}`;
}
