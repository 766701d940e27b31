/**
 * kubox.lock: what the native engine resolved the spec to, per platform
 * (every .deb, binary and wheel with its URL and sha256, the base's manifest),
 * so the next build fetches exactly those bytes and gives the same digest.
 *
 * The lock also records the part of the spec it answers (`inputs`). When the
 * spec changes, the inputs differ: a plain build re-resolves and rewrites the
 * lock, `--locked` refuses and names what changed.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { KuboxError } from '../../errors.js';
import { writeFileAtomic } from '../../fs.js';
import type { Spec } from '../../spec/schema.js';

export const LOCK_FILE = 'kubox.lock';
const SHA256 = z.string().regex(/^[a-f0-9]{64}$/);

const LockedDeb = z.strictObject({
  name: z.string(),
  version: z.string(),
  architecture: z.string(),
  /** The apt source it came from: "debian", "debian-security", or an extra repository's name. */
  source: z.string(),
  url: z.string(),
  sha256: SHA256,
  size: z.number().int().nonnegative(),
});
const LockedFile = z.strictObject({ name: z.string(), url: z.string(), sha256: SHA256 });
const LockedWheel = z.strictObject({
  name: z.string(),
  /** Asked for in pip.packages (not only a dependency): pip's REQUESTED marker. */
  requested: z.boolean(),
  version: z.string(),
  filename: z.string(),
  url: z.string(),
  sha256: SHA256,
});

const LockedPlatform = z.strictObject({
  base: z.strictObject({ manifest: z.string(), config: z.string() }),
  debs: z.array(LockedDeb),
  binaries: z.array(LockedFile),
  wheels: z.array(LockedWheel),
});

const LockSchema = z.strictObject({
  lockVersion: z.literal(1),
  /** The spec values this lock answers; compared key by key with the spec's. */
  inputs: z.record(z.string(), z.unknown()),
  /** Seconds since the epoch: file times, the config's `created` (unless SOURCE_DATE_EPOCH says otherwise). */
  sourceDateEpoch: z.number().int().nonnegative(),
  /** Each apt source's signed InRelease as it was when resolved. */
  sources: z.array(
    z.strictObject({ name: z.string(), url: z.string(), suite: z.string(), inRelease: SHA256 }),
  ),
  /** Extra repositories' signing keys: baked into the image, so pinned like everything else. */
  keys: z.array(LockedFile),
  platforms: z.record(z.string(), LockedPlatform),
});

export type Lock = z.output<typeof LockSchema>;
export type LockedDeb = z.output<typeof LockedDeb>;
export type LockedWheel = z.output<typeof LockedWheel>;
export type LockedPlatform = z.output<typeof LockedPlatform>;

/** The part of a spec (with its effective build args) that decides what a lock holds. */
export function lockInputs(spec: Spec, args: Readonly<Record<string, string>>): Lock['inputs'] {
  const name = (e: string | { name: string }) => (typeof e === 'string' ? e : e.name);
  return {
    base: spec.base,
    platforms: [...spec.platforms],
    // Code-point order, not the locale's: the lock must read the same on every machine.
    args: Object.fromEntries(Object.entries(args).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    apt: {
      mirror: spec.apt.mirror ?? null,
      securityMirror: spec.apt.securityMirror ?? null,
      snapshot: spec.apt.snapshot ?? null,
      release: spec.apt.release ?? null,
      packages: spec.apt.packages.map(name),
      repositories: spec.apt.repositories.map((r) => ({
        name: r.name,
        url: r.url,
        suite: r.suite,
        components: r.components,
        key: r.key,
        packages: r.packages.map(name),
      })),
    },
    binaries: spec.binaries.map((b) => ({
      name: b.name,
      url: b.url,
      sha256: b.sha256 ?? null,
      checksumUrl: b.checksumUrl ?? null,
    })),
    pip: { indexUrl: spec.pip.indexUrl ?? null, packages: spec.pip.packages.map(name) },
  };
}

/** Top-level keys (and apt./pip. subkeys) whose values differ, e.g. ["apt.packages"]. */
export function changedInputs(lock: Lock['inputs'], now: Lock['inputs']): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string, depth: number) => {
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    const isObj = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    if (depth < 2 && isObj(a) && isObj(b)) {
      const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
      for (const k of [...keys].sort())
        walk(
          (a as Record<string, unknown>)[k],
          (b as Record<string, unknown>)[k],
          path ? `${path}.${k}` : k,
          depth + 1,
        );
      return;
    }
    out.push(path);
  };
  walk(lock, now, '', 0);
  return out;
}

export function lockPath(specSource: string, cwd: string): string {
  // A preset has no file of its own: its lock lives in the working directory.
  return specSource.startsWith('preset:') || specSource === '<stdin>'
    ? join(cwd, LOCK_FILE)
    : join(dirname(specSource), LOCK_FILE);
}

export async function readLock(path: string): Promise<Lock | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KuboxError('io', `cannot read ${path}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new KuboxError('lock', `${path} is not valid JSON: ${(e as Error).message}`, {
      hint: 'regenerate it with `kubox lock`',
    });
  }
  const parsed = LockSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new KuboxError('lock', `${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`, {
      hint: 'regenerate it with `kubox lock`',
    });
  }
  return parsed.data;
}

/**
 * Whether two locks pin the same things. The InRelease hashes are left out:
 * Debian re-signs every few hours with a new Date, which alone is no reason
 * to rewrite a lock.
 */
export function samePins(a: Lock, b: Lock): boolean {
  return formatLock({ ...a, sources: [] }) === formatLock({ ...b, sources: [] });
}

/** Stable text: reviewers diff it, and the same resolution always writes the same bytes. */
export function formatLock(lock: Lock): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}

export async function writeLock(path: string, lock: Lock): Promise<void> {
  await writeFileAtomic(path, formatLock(lock));
}
