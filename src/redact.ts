/**
 * The one secret redactor. Every credential kubox comes to hold (a registry
 * password or identity token from docker's or podman's config or a helper,
 * a bearer token, the password of a URL's `user:password@`) is registered
 * here, in the forms it travels in (as is, Base64 `user:password` of a Basic
 * header, URL- and JSON-escaped). What kubox prints, throws (KuboxError
 * redacts its message) or writes as output passes through `redact`, text
 * quoted from servers included: a registry that echoes the Authorization
 * header back does not get the password printed.
 *
 * Also removed, whoever's they are: the `user:password@` of any URL and the
 * value of a Basic or Bearer authorization.
 */

const MASK = '***';

/**
 * Shorter values are not registered: masking every "ab" or "1234" in the
 * output would garble it, and a secret that short protects nothing anyway.
 */
const MIN_SECRET_LENGTH = 6;

const secrets = new Set<string>();
let pattern: RegExp | undefined;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Remembers a secret (and the forms it is sent or quoted in) for every later `redact`. */
export function addSecret(secret: string | undefined): void {
  if (!secret || secret.length < MIN_SECRET_LENGTH) return;
  const forms = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)];
  for (const f of forms) {
    if (secrets.has(f)) continue;
    secrets.add(f);
    pattern = undefined;
  }
}

/** Remembers a username and password: each, and the Base64 of a Basic header made of them. */
export function addCredentials(username: string, password: string): void {
  addSecret(password);
  addSecret(Buffer.from(`${username}:${password}`).toString('base64'));
}

/** Forgets every secret (for tests). */
export function clearSecrets(): void {
  secrets.clear();
  pattern = undefined;
}

/** The registered secrets as one pattern, longest first so a secret inside another is masked whole. */
function secretPattern(): RegExp | undefined {
  if (secrets.size === 0) return undefined;
  pattern ??= new RegExp(
    [...secrets]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|'),
    'g',
  );
  return pattern;
}

/** `text` with every known secret, URL userinfo and authorization value masked. */
export function redact(text: string): string {
  let out = text
    // The userinfo of a URL: scheme://user:password@host.
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi, '$1')
    // An authorization value, as a header or quoted from one (16 characters and more: not a word).
    .replace(/\b(Basic|Bearer)(\s+)[A-Za-z0-9+/=._~-]{16,}/g, `$1$2${MASK}`);
  const p = secretPattern();
  if (p) out = out.replace(p, MASK);
  return out;
}

/** A JSON-able value with every string in it (keys too) redacted. */
export function redactValue<T>(value: T): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [redact(k), walk(x)]));
    return v;
  };
  return walk(value) as T;
}
