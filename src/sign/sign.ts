/**
 * `kubox sign`: cosign-compatible signatures for an image in a registry. For
 * the manifest the reference names and every manifest under it, an ECDSA
 * P-256 signature over the simple-signing payload, added as one layer to the
 * `sha256-<hex>.sig` manifest of the same repository; signatures already
 * there (other keys', other payloads') are kept.
 */
import { createPublicKey, sign as ecdsaSign, verify, type KeyObject } from 'node:crypto';
import { Readable } from 'node:stream';
import { KuboxError } from '../errors.js';
import { HttpError } from '../http/error.js';
import { type ImageReference } from '../oci/reference.js';
import { MediaType } from '../oci/types.js';
import { addSecret } from '../redact.js';
import { RegistryClient, type ClientOptions } from '../registry/client.js';
import { loadPrivateKey } from './keys.js';
import { dockerReference, makePayload } from './payload.js';
import {
  existingLayers,
  SIGNATURE_ANNOTATION,
  signatureImage,
  signatureLayer,
  sigTag,
} from './sig-manifest.js';
import { parseImageReference, signTargets, type SignTarget } from './targets.js';

export interface SignOptions extends ClientOptions {
  /** Path to cosign.key (PEM `ENCRYPTED SIGSTORE PRIVATE KEY`). */
  key: string;
  /** Its password; default: COSIGN_PASSWORD (which may be empty, as cosign allows). */
  password?: string | Buffer;
  /** Extra claims for the payload's `optional` (cosign's `-a key=value`). */
  annotations?: Record<string, string>;
}

export interface SignedManifest extends SignTarget {
  sigTag: string;
  /** False when an identical signature by this key was already there (signing is idempotent). */
  added: boolean;
}

export interface SignResult {
  image: string;
  digest: string;
  signed: SignedManifest[];
}

/** The password from the options or COSIGN_PASSWORD; never prompts (the CLI does). */
export function resolvePassword(
  given: string | Buffer | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Buffer {
  const password = given ?? env.COSIGN_PASSWORD;
  if (password === undefined)
    throw new KuboxError('usage', 'no password for the signing key', {
      hint: 'set COSIGN_PASSWORD (an empty value means no password), or run on a terminal to be asked',
    });
  if (typeof password === 'string') addSecret(password);
  return Buffer.from(password);
}

async function currentSignatures(client: RegistryClient, repo: string, tag: string) {
  try {
    return (await client.getManifest(repo, tag)).document;
  } catch (e) {
    if (e instanceof HttpError && e.kind === 'not-found') return undefined;
    throw e;
  }
}

async function putBlob(client: RegistryClient, repo: string, digest: string, bytes: Buffer) {
  if (await client.blobExists(repo, digest)) return;
  await client.uploadBlob(repo, { digest, size: bytes.length }, (start, end) =>
    Readable.from([bytes.subarray(start, end)]),
  );
}

async function signOne(
  client: RegistryClient,
  ref: ImageReference,
  target: SignTarget,
  key: KeyObject,
  publicKey: KeyObject,
  annotations: Record<string, string> | undefined,
): Promise<SignedManifest> {
  const tag = sigTag(target.digest);
  const payload = makePayload(dockerReference(ref), target.digest, annotations);
  const layers = existingLayers(
    await currentSignatures(client, ref.repository, tag),
    `${ref.registry}/${ref.repository}:${tag}`,
  );
  const layer = signatureLayer(payload, ecdsaSign('sha256', payload, key).toString('base64'));
  // As cosign's duplicate detection: the same payload already signed by this key is enough.
  const already = layers.some((l) => {
    const sig = l.annotations?.[SIGNATURE_ANNOTATION];
    return (
      l.digest === layer.digest &&
      sig !== undefined &&
      verify('sha256', payload, publicKey, Buffer.from(sig, 'base64'))
    );
  });
  if (already) return { ...target, sigTag: tag, added: false };
  const { config, configDigest, manifest } = signatureImage([...layers, layer]);
  await putBlob(client, ref.repository, layer.digest, payload);
  await putBlob(client, ref.repository, configDigest, config);
  await client.putManifest(ref.repository, tag, manifest, MediaType.ociManifest);
  return { ...target, sigTag: tag, added: true };
}

/**
 * Signs `reference` (a tag or a digest-qualified reference) and every
 * manifest under it. What `build --push --sign` calls after a push, with the
 * pushed digest.
 */
export async function signImage(reference: string, opts: SignOptions): Promise<SignResult> {
  const ref = parseImageReference(reference);
  const log = opts.log ?? (() => {});
  const password = resolvePassword(opts.password, opts.env);
  const key = await loadPrivateKey(opts.key, password);
  password.fill(0);
  const publicKey = createPublicKey(key);
  const client = await RegistryClient.connect(ref.registry, opts);
  const { digest, targets } = await signTargets(client, ref);
  const signed: SignedManifest[] = [];
  for (const t of targets) {
    const s = await signOne(client, ref, t, key, publicKey, opts.annotations);
    log(
      `${s.added ? 'signed' : 'already signed'} ${t.platform ?? t.kind} ${t.digest} (${ref.registry}/${ref.repository}:${s.sigTag})`,
    );
    signed.push(s);
  }
  return { image: reference, digest, signed };
}
