/**
 * Which lock a native build uses: the existing kubox.lock when it answers the
 * spec, else a fresh resolution written back (keeping its epoch); and
 * `kubox lock`, which resolves again on purpose.
 */
import { join } from 'node:path';
import { cacheDir, ContentCache } from '../../cache.js';
import { KuboxError } from '../../errors.js';
import { buildEpoch, sourceInfo } from '../../git.js';
import type { Plan } from '../../plan/plan.js';
import { checkOptions, type BuildOptions } from '../options.js';
import { loadBases, type PlatformBase } from './base.js';
import {
  changedInputs,
  lockInputs,
  lockPath,
  readLock,
  samePins,
  writeLock,
  type Lock,
} from './lock.js';
import { resolveLock } from './resolve.js';

/**
 * The lock on disk, or undefined when there is none. A lock that cannot be
 * read (a merge conflict, a hand edit) is what `kubox lock` and a plain build
 * replace, so only `--locked` treats it as an error.
 */
async function existingLock(
  path: string,
  strict: boolean,
  log: (m: string) => void,
): Promise<Lock | undefined> {
  try {
    return await readLock(path);
  } catch (e) {
    if (strict || !(e instanceof KuboxError) || e.kind !== 'lock') throw e;
    log(`${e.message}; resolving again`);
    return undefined;
  }
}

/**
 * A repository's signing key decides which packages are trusted; one that
 * changed under the same URL is refused on a build's silent re-resolution.
 * `kubox lock` is how a user accepts a rotated key.
 */
function keepKeys(before: Lock, after: Lock): void {
  for (const k of after.keys) {
    const old = before.keys.find((o) => o.name === k.name && o.url === k.url);
    if (old && old.sha256 !== k.sha256)
      throw new KuboxError(
        'integrity',
        `the signing key of apt repository "${k.name}" changed (${k.url}: sha256 ${old.sha256} in kubox.lock, ${k.sha256} now)`,
        {
          hint: 'check with the repository that the key was rotated, then run `kubox lock` to accept it',
        },
      );
  }
}

/** The lock on disk and how it stands against the spec, for the platforms a build makes. */
export interface LockState {
  path: string;
  existing?: Lock;
  /** Spec keys (and platforms) the lock does not answer; empty when it matches. */
  changed: string[];
  /** What a new lock covers: the spec's platforms and any other one this build makes. */
  platforms: string[];
  /** Of those, the ones this build does not make: they may fail to resolve (see resolveLock). */
  optional: string[];
}

/**
 * Where the lock stands, checked before anything is pulled: `--locked` with
 * no lock or a stale one fails at once, even offline. `--locked` wants every
 * platform of the spec locked; a plain build only the ones it makes.
 */
export async function lockState(
  plan: Plan,
  args: Record<string, string>,
  built: readonly string[],
  opts: BuildOptions,
  log: (m: string) => void,
): Promise<LockState> {
  const cwd = opts.cwd ?? process.cwd();
  const path = lockPath(opts.specSource ?? join(cwd, 'kubox.yaml'), cwd);
  const existing = await existingLock(path, Boolean(opts.locked), log);
  const changed = existing ? changedInputs(existing.inputs, lockInputs(plan.spec, args)) : [];
  const platforms = [...new Set([...plan.spec.platforms, ...built])];
  const required = opts.locked ? platforms : built;
  // A platform built with --platform but not in the spec's platforms is not in the lock either.
  const missing = existing ? required.filter((p) => !existing.platforms[p]) : [];
  if (missing.length > 0) changed.push(`platforms (no ${missing.join(', ')} in the lock)`);
  if (opts.locked && (!existing || changed.length > 0)) {
    throw new KuboxError(
      'lock',
      existing
        ? `${path} does not match the spec: ${changed.join(', ')} changed`
        : `--locked, but there is no ${path}`,
      {
        hint:
          missing.length > 0
            ? 'add the platform to platforms: in kubox.yaml and run `kubox lock`'
            : 'run `kubox lock` and commit kubox.lock, or build without --locked',
      },
    );
  }
  return {
    path,
    ...(existing ? { existing } : {}),
    changed,
    platforms,
    optional: platforms.filter((p) => !built.includes(p)),
  };
}

/** `resolved` plus the platforms it did not resolve, from `existing` when that still answers the spec. */
function keepOtherPlatforms(
  existing: Lock | undefined,
  resolved: Lock,
  log: (m: string) => void,
): Lock {
  const others = Object.entries(existing?.platforms ?? {}).filter(([p]) => !resolved.platforms[p]);
  if (others.length === 0) return resolved;
  const names = others.map(([p]) => p).join(', ');
  if (changedInputs(existing!.inputs, resolved.inputs).length > 0) {
    log(`dropped ${names} from the lock: the spec changed since it was locked`);
    return resolved;
  }
  log(`kept ${names} as locked before`);
  // In the spec's order, as resolveLock writes them: the same pins give the same file.
  const order = resolved.inputs.platforms as string[];
  const rank = (p: string) => (order.includes(p) ? order.indexOf(p) : order.length);
  const platforms = [...Object.entries(resolved.platforms), ...others].sort(
    ([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0),
  );
  return { ...resolved, platforms: Object.fromEntries(platforms) };
}

/**
 * A platform's wheels from `existing` when a build resolves again only for
 * what wheels do not depend on (an apt package added, a binary changed): the
 * same pip inputs and build args, and the same base manifest (its Python).
 * Asking the index again would give the same answer, or a newer one that only
 * `kubox lock` should take.
 */
export function keptWheels(
  existing: Lock,
  changed: readonly string[],
  platform: string,
  baseManifest: string,
): Lock['platforms'][string]['wheels'] | undefined {
  const pipInput = (k: string) =>
    k === 'pip' || k.startsWith('pip.') || k === 'args' || k === 'base';
  if (changed.some(pipInput)) return undefined;
  const locked = existing.platforms[platform];
  return locked?.base.manifest === baseManifest ? locked.wheels : undefined;
}

/** The lock to build from: the existing one when it answers this spec, else a fresh resolution. */
export async function lockFor(
  plan: Plan,
  args: Record<string, string>,
  state: LockState,
  bases: readonly PlatformBase[],
  cache: ContentCache,
  opts: BuildOptions,
  log: (m: string) => void,
): Promise<{ lock: Lock; path: string; written: boolean }> {
  const { path, existing, changed, optional } = state;
  if (existing && changed.length === 0) return { lock: existing, path, written: false };
  const cwd = opts.cwd ?? process.cwd();
  log(existing ? `spec changed (${changed.join(', ')}): resolving again` : `no ${path}: resolving`);
  const info = await sourceInfo(cwd);
  const lock = await resolveLock({
    spec: plan.spec,
    args,
    bases,
    cache,
    // A lock keeps its epoch when it is resolved again: file times stay put, and so do
    // the cached layers whose packages did not change.
    sourceDateEpoch: existing?.sourceDateEpoch ?? buildEpoch(process.env, info),
    log,
    optional,
    ...(existing
      ? { keptWheels: (p: string, m: string) => keptWheels(existing, changed, p, m) }
      : {}),
  });
  if (existing) keepKeys(existing, lock);
  await writeLock(path, lock);
  log(`wrote ${path}`);
  return { lock, path, written: true };
}

/**
 * `kubox lock`: resolve again from the current sources and rewrite the lock,
 * for every platform of the spec or only the ones named. The others keep
 * their entries when the lock still answers the spec, and are dropped when it
 * does not. When nothing but the time would change, the file is left as it is.
 */
export async function refreshLock(
  plan: Plan,
  opts: Pick<
    BuildOptions,
    'buildArgs' | 'specSource' | 'cwd' | 'cacheDir' | 'log' | 'platforms'
  > = {},
): Promise<{ path: string; lock: Lock; written: boolean }> {
  const cwd = opts.cwd ?? process.cwd();
  const log = opts.log ?? (() => {});
  checkOptions(plan, opts);
  const args = { ...plan.spec.args, ...(opts.buildArgs ?? {}) };
  const root = opts.cacheDir ?? cacheDir();
  const path = lockPath(opts.specSource ?? join(cwd, 'kubox.yaml'), cwd);
  const existing = await existingLock(path, false, log);
  const platforms = opts.platforms?.length ? opts.platforms : plan.spec.platforms;
  const bases = await loadBases(plan, platforms, root);
  const resolved = await resolveLock({
    spec: plan.spec,
    args,
    bases,
    cache: new ContentCache(join(root, 'blobs')),
    sourceDateEpoch: existing?.sourceDateEpoch ?? buildEpoch(process.env, await sourceInfo(cwd)),
    log,
  });
  const lock = keepOtherPlatforms(existing, resolved, log);
  if (existing && samePins(existing, lock)) return { path, lock: existing, written: false };
  await writeLock(path, lock);
  return { path, lock, written: true };
}
