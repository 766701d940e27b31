/**
 * `kubox/native`: the daemonless engine and its lock file, kubox.lock.
 *
 *   import { lock, buildNative } from 'kubox/native';
 *   await lock(spec, { specSource: 'kubox.yaml' });
 *   await buildNative(spec, { locked: true, output: { type: 'oci', path: 'out/img.tar' } });
 *
 * The engine is loaded when called: it brings openpgp and the package
 * decompressors, which readLock and lockPath do not need.
 */
import type { BuildOptions, BuildResult } from '../engines/options.js';
import type { Lock } from '../engines/native/lock.js';
import type { Plan } from '../plan/plan.js';
import type { Spec } from '../spec/schema.js';
import { toPlan } from './plan.js';

/** Builds the image without Docker: Debian packages, binaries and wheels, resolved or locked. */
export async function buildNative(spec: Spec | Plan, options?: BuildOptions): Promise<BuildResult> {
  const { buildImage } = await import('../build.js');
  return buildImage(toPlan(spec, options?.specSource), { ...options, engine: 'native' });
}

export type LockOptions = Pick<
  BuildOptions,
  'buildArgs' | 'specSource' | 'cwd' | 'cacheDir' | 'log' | 'platforms'
>;

/** `kubox lock`: resolves the spec's packages, binaries and wheels again and writes kubox.lock. */
export async function lock(
  spec: Spec | Plan,
  options?: LockOptions,
): Promise<{ path: string; lock: Lock; written: boolean }> {
  const { refreshLock } = await import('../engines/native/lock-policy.js');
  return refreshLock(toPlan(spec, options?.specSource), options);
}

export { readLock, lockPath, type Lock } from '../engines/native/lock.js';
