/**
 * `kubox verify-signature`: does every manifest of the image (the one the
 * reference names and, for an index, each under it) carry a cosign signature
 * by this key, over a payload naming that very digest in this repository?
 * The same questions skopeo's `sigstoreSigned` policy (with `matchRepository`)
 * asks, answered per manifest with the reason when not.
 */
import { verify, type KeyObject } from 'node:crypto';
import { HttpError } from '../http/error.js';
import { RegistryClient, type ClientOptions } from '../registry/client.js';
import type { Descriptor } from '../oci/types.js';
import { loadPublicKey } from './keys.js';
import { dockerReference, readPayload, sameRepository } from './payload.js';
import {
  existingLayers,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  sigTag,
} from './sig-manifest.js';
import { parseImageReference, signTargets, type SignTarget } from './targets.js';

/** A payload is a few hundred bytes; a bigger "payload" is not read. */
const MAX_PAYLOAD_BYTES = 64 * 1024;

export interface SignatureVerifyOptions extends ClientOptions {
  /** Path to cosign.pub (PEM `PUBLIC KEY`). */
  key: string;
}

export interface ManifestVerdict extends SignTarget {
  sigTag: string;
  valid: boolean;
  /** Signature layers found in the .sig manifest. */
  signatures: number;
  /** Why not valid: the most telling of the reasons each signature failed. */
  reason?: string;
}

export interface SignatureVerifyResult {
  image: string;
  digest: string;
  valid: boolean;
  manifests: ManifestVerdict[];
}

/** Why one signature layer does not vouch for `digest` in `repository`, or undefined when it does. */
async function checkLayer(
  client: RegistryClient,
  repo: string,
  repository: string,
  digest: string,
  layer: Descriptor,
  key: KeyObject,
): Promise<string | undefined> {
  const sig = layer.annotations?.[SIGNATURE_ANNOTATION];
  if (!sig) return `a signature layer has no ${SIGNATURE_ANNOTATION} annotation`;
  if (layer.size > MAX_PAYLOAD_BYTES) return `a signed payload is ${layer.size} bytes, too big`;
  const chunks: Buffer[] = [];
  try {
    for await (const c of await client.getBlob(repo, layer.digest, { size: layer.size }))
      chunks.push(c as Buffer);
  } catch (e) {
    // A signature whose payload is gone vouches for nothing; the other layers may still.
    if (e instanceof HttpError && e.kind === 'not-found')
      return `the signed payload ${layer.digest} is missing from the registry`;
    throw e;
  }
  const payload = Buffer.concat(chunks);
  if (!verify('sha256', payload, key, Buffer.from(sig, 'base64')))
    return 'signed with another key (or the signature was altered)';
  const claims = readPayload(payload);
  if (!claims.ok) return claims.reason;
  if (claims.digest !== digest)
    return `the signature is for ${claims.digest}, not this manifest (a different image under this tag?)`;
  if (!sameRepository(claims.repository, repository))
    return `the signature is for repository ${claims.repository}, not ${repository}`;
  return undefined;
}

async function verifyOne(
  client: RegistryClient,
  ref: { registry: string; repository: string },
  target: SignTarget,
  key: KeyObject,
): Promise<ManifestVerdict> {
  const tag = sigTag(target.digest);
  const base = { ...target, sigTag: tag };
  let doc;
  try {
    doc = (await client.getManifest(ref.repository, tag)).document;
  } catch (e) {
    if (e instanceof HttpError && e.kind === 'not-found')
      return { ...base, valid: false, signatures: 0, reason: `not signed (no ${tag})` };
    throw e;
  }
  const layers = existingLayers(doc, `${ref.registry}/${ref.repository}:${tag}`).filter(
    (l) => l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE,
  );
  const reasons: string[] = [];
  for (const layer of layers) {
    const reason = await checkLayer(
      client,
      ref.repository,
      dockerReference(ref),
      target.digest,
      layer,
      key,
    );
    if (reason === undefined) return { ...base, valid: true, signatures: layers.length };
    reasons.push(reason);
  }
  // A digest or repository mismatch under this key says more than another key's signature.
  const reason =
    reasons.find((r) => !r.startsWith('signed with another key')) ??
    reasons[0] ??
    `no cosign signature layers in ${tag}`;
  return { ...base, valid: false, signatures: layers.length, reason };
}

export async function verifyImageSignatures(
  reference: string,
  opts: SignatureVerifyOptions,
): Promise<SignatureVerifyResult> {
  const ref = parseImageReference(reference);
  const key = await loadPublicKey(opts.key);
  const client = await RegistryClient.connect(ref.registry, opts);
  const { digest, targets } = await signTargets(client, ref);
  const manifests: ManifestVerdict[] = [];
  for (const t of targets) manifests.push(await verifyOne(client, ref, t, key));
  return { image: reference, digest, valid: manifests.every((m) => m.valid), manifests };
}
