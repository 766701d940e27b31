/**
 * `kubox/sign`: cosign-compatible signatures.
 *
 *   import { signImage, verifyImageSignatures } from 'kubox/sign';
 *   await signImage('registry.example.com/team/img@sha256:...', { key: 'cosign.key' });
 *   const { valid } = await verifyImageSignatures('registry.example.com/team/img:1.0', { key: 'cosign.pub' });
 */
export {
  signImage,
  resolvePassword,
  type SignOptions,
  type SignResult,
  type SignedManifest,
} from '../sign/sign.js';
export {
  verifyImageSignatures,
  type SignatureVerifyOptions,
  type SignatureVerifyResult,
  type ManifestVerdict,
} from '../sign/verify.js';
export { generateKeyPair, writeKeyPair, type KeyPairPem } from '../sign/keys.js';
export { sigTag } from '../sign/sig-manifest.js';
export type { SignTarget } from '../sign/targets.js';
