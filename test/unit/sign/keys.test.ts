/**
 * cosign's key files as kubox writes and reads them: real files in a
 * temporary directory, real P-256 keys, the password envelope of
 * encrypted-key.ts.
 */
import { createPublicKey, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import { loadPrivateKey, loadPublicKey, pemDecode, writeKeyPair } from '../../../src/sign/keys.js';

const caught = async (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );
const PASSWORD = Buffer.from('correct horse battery');

let dir: string;
let pair: { privateKeyFile: string; publicKeyFile: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubox-keys-'));
  pair = await writeKeyPair(join(dir, 'cosign'), PASSWORD);
}, 60_000);

describe('kubox sign --generate-key files', { timeout: 60_000 }, () => {
  it('writes PREFIX.key (0600, encrypted PEM, no password inside) and PREFIX.pub (SPKI PEM)', () => {
    expect(pair).toEqual({
      privateKeyFile: join(dir, 'cosign.key'),
      publicKeyFile: join(dir, 'cosign.pub'),
    });
    expect(statSync(pair.privateKeyFile).mode & 0o777).toBe(0o600);
    const priv = readFileSync(pair.privateKeyFile, 'utf8');
    const pem = pemDecode(priv)!;
    expect(pem.type).toBe('ENCRYPTED SIGSTORE PRIVATE KEY');
    // Go's pem package: 64-character lines.
    expect(
      priv
        .split('\n')
        .slice(1, -3)
        .every((l) => l.length === 64),
    ).toBe(true);
    const envelope = JSON.parse(pem.der.toString()) as {
      kdf: { name: string };
      cipher: { name: string };
    };
    expect([envelope.kdf.name, envelope.cipher.name]).toEqual(['scrypt', 'nacl/secretbox']);
    expect(priv).not.toContain(PASSWORD.toString());
    const pub = createPublicKey(readFileSync(pair.publicKeyFile, 'utf8'));
    expect(pub.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('the private key decrypts with the password and matches the public key', async () => {
    const key = await loadPrivateKey(pair.privateKeyFile, PASSWORD);
    const pub = await loadPublicKey(pair.publicKeyFile);
    const sig = sign('sha256', Buffer.from('payload'), key);
    expect(verify('sha256', Buffer.from('payload'), pub, sig)).toBe(true);
  });

  it('never overwrites: a second run fails with exit 2 and leaves both files as they were', async () => {
    const before = readFileSync(pair.privateKeyFile);
    const e = await caught(writeKeyPair(join(dir, 'cosign'), PASSWORD));
    expect(e).toBeInstanceOf(KuboxError);
    expect((e as KuboxError).exitCode).toBe(2);
    expect((e as KuboxError).message).toContain('cosign.key already exists');
    expect(readFileSync(pair.privateKeyFile).equals(before)).toBe(true);
    // Only the public half there: still refused, and no private key written beside it.
    writeFileSync(join(dir, 'half.pub'), 'x');
    const half = await caught(writeKeyPair(join(dir, 'half'), PASSWORD));
    expect((half as KuboxError).message).toContain('half.pub already exists');
    expect(() => statSync(join(dir, 'half.key'))).toThrow();
  });

  it('a wrong password fails (exit 1) without quoting it', async () => {
    const e = await caught(loadPrivateKey(pair.privateKeyFile, Buffer.from('hunter2-guess')));
    expect((e as KuboxError).kind).toBe('integrity');
    expect((e as KuboxError).exitCode).toBe(1);
    expect((e as KuboxError).message).toBe(`cannot decrypt ${pair.privateKeyFile}: wrong password`);
    expect((e as KuboxError).message + (e as KuboxError).hint).not.toContain('hunter2');
  });

  it('refuses the wrong kind of file in either place, naming it', async () => {
    const plain = join(dir, 'plain.pem');
    writeFileSync(plain, readFileSync(pair.publicKeyFile));
    expect(((await caught(loadPrivateKey(plain, PASSWORD))) as KuboxError).message).toContain(
      'is not a cosign private key (expected a PEM block "ENCRYPTED SIGSTORE PRIVATE KEY", found "PUBLIC KEY")',
    );
    // Node would derive a public key from a private PEM; kubox does not take one as cosign.pub.
    expect(((await caught(loadPublicKey(pair.privateKeyFile))) as KuboxError).message).toContain(
      'is not a PEM public key',
    );
    const missing = (await caught(loadPublicKey(join(dir, 'nope.pub')))) as KuboxError;
    expect(missing.exitCode).toBe(2);
    expect(missing.message).toContain('nope.pub: ENOENT');
  });
});
