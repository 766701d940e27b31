/**
 * The simple-signing payload cosign signs ("cosign container image
 * signature"): which manifest digest, under which repository. Pure.
 *
 * Verifiers parse it strictly (containers/image refuses unknown keys in
 * `critical`), so it is written with exactly these keys, in cosign's order.
 */
import type { ImageReference } from '../oci/reference.js';

export const PAYLOAD_TYPE = 'cosign container image signature';

export interface SimpleSigningPayload {
  critical: {
    identity: { 'docker-reference': string };
    image: { 'docker-manifest-digest': string };
    type: typeof PAYLOAD_TYPE;
  };
  optional: Record<string, string> | null;
}

/**
 * The repository as cosign names it (go-containerregistry's `Context().Name()`):
 * registry/repository, no tag or digest; Docker Hub as index.docker.io, which
 * verifiers normalize back to docker.io.
 */
export function dockerReference(ref: Pick<ImageReference, 'registry' | 'repository'>): string {
  const registry = ref.registry === 'docker.io' ? 'index.docker.io' : ref.registry;
  return `${registry}/${ref.repository}`;
}

export function makePayload(
  repository: string,
  digest: string,
  annotations?: Record<string, string>,
): Buffer {
  const payload: SimpleSigningPayload = {
    critical: {
      identity: { 'docker-reference': repository },
      image: { 'docker-manifest-digest': digest },
      type: PAYLOAD_TYPE,
    },
    optional: annotations && Object.keys(annotations).length > 0 ? annotations : null,
  };
  return Buffer.from(JSON.stringify(payload));
}

/** The payload's claims, or why it is not a cosign payload. */
export function readPayload(
  bytes: Uint8Array,
): { ok: true; repository: string; digest: string } | { ok: false; reason: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { ok: false, reason: 'the signed payload is not JSON' };
  }
  const c = (doc as Partial<SimpleSigningPayload> | null)?.critical;
  if (c?.type !== PAYLOAD_TYPE)
    return { ok: false, reason: `the signed payload's type is not "${PAYLOAD_TYPE}"` };
  const repository = c.identity?.['docker-reference'];
  const digest = c.image?.['docker-manifest-digest'];
  if (typeof repository !== 'string' || typeof digest !== 'string')
    return { ok: false, reason: 'the signed payload names no docker-reference or manifest digest' };
  return { ok: true, repository, digest };
}

/** Docker Hub's two spellings compare equal, as verifiers normalize them. */
export function sameRepository(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/^index\.docker\.io\//, 'docker.io/');
  return norm(a) === norm(b);
}
