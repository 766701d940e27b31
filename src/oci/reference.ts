/**
 * Image references as Docker and the OCI distribution spec write them:
 * `[registry[:port]/]path[:tag][@sha256:hex]`. Pure parsing, no I/O.
 */

export interface ImageReference {
  /** Registry host as written or implied (`docker.io` when none is given). */
  registry: string;
  /** Repository path, with `library/` added for one-segment Docker Hub names. */
  repository: string;
  tag?: string;
  digest?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** A tag as the distribution spec allows it. */
export const TAG = /^[\w][\w.-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;

export class ReferenceError extends Error {}

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

export function parseReference(input: string): ImageReference {
  let rest = input.trim();
  if (rest === '') throw new ReferenceError('the image reference is empty');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      throw new ReferenceError(
        `"${digest}" is not a sha256 digest (expected sha256: followed by 64 lowercase hex digits)`,
      );
    }
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new ReferenceError(`"${tag}" is not a valid tag`);
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  const first = parts[0] ?? '';
  if (
    parts.length > 1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))
  ) {
    if (!DOMAIN.test(first)) throw new ReferenceError(`"${first}" is not a valid registry host`);
    registry = first;
    parts.shift();
  }
  if (parts.length === 0 || parts.some((p) => !PATH_COMPONENT.test(p))) {
    throw new ReferenceError(
      `"${rest}" is not a valid repository name (lowercase letters, digits and . _ - separators)`,
    );
  }
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  return {
    registry,
    repository: parts.join('/'),
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

/** The reference written back out, keeping the registry only when one was needed. */
export function formatReference(ref: ImageReference): string {
  let name =
    ref.registry === 'docker.io'
      ? ref.repository.replace(/^library\//, '')
      : `${ref.registry}/${ref.repository}`;
  if (ref.tag) name += `:${ref.tag}`;
  if (ref.digest) name += `@${ref.digest}`;
  return name;
}

/** Fully qualified `registry/repository[:tag]`, without the digest: OCI's `base.name`. */
export function qualifiedName(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}`;
}

/** The repositories `refs` name, each once, in order (`name` is "registry/repository"). */
export function repositoriesOf(
  refs: readonly string[],
): { name: string; registry: string; repository: string }[] {
  const seen = new Map<string, { name: string; registry: string; repository: string }>();
  for (const r of refs) {
    const { registry, repository } = parseReference(r);
    const name = `${registry}/${repository}`;
    if (!seen.has(name)) seen.set(name, { name, registry, repository });
  }
  return [...seen.values()];
}
