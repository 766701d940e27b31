/**
 * `--engine auto|native|buildx`: which engine builds. auto prefers buildx
 * when a Docker engine with buildx answers (it can run anything a Dockerfile
 * can), and falls back to the native engine, which needs nothing but Node.
 * The choice is always said out loud.
 */
import { KuboxError } from '../errors.js';
import type { Plan } from '../plan/plan.js';
import { checkDocker } from './buildx/docker.js';
import type { BuildOptions, BuildRequest, BuiltImage, Engine, EngineName } from './options.js';
import { SCRATCH } from '../spec/schema.js';

const NO_DOCKER = new Set(['docker-missing', 'daemon-unreachable', 'buildx-missing']);

export async function chooseEngine(
  requested: EngineName,
  log: (msg: string) => void = () => {},
  probe: () => Promise<void> = checkDocker,
): Promise<'buildx' | 'native'> {
  if (requested !== 'auto') return requested;
  try {
    await probe();
    log('engine: buildx (a Docker engine with buildx answered; --engine native builds without it)');
    return 'buildx';
  } catch (e) {
    if (!(e instanceof KuboxError) || !NO_DOCKER.has(e.kind)) throw e;
    log(`engine: native (${e.message})`);
    return 'native';
  }
}

/** Why a spec or request can only be built natively (undefined: either engine can). */
export function nativeOnly(plan: Plan, opts: BuildOptions): string | undefined {
  if (plan.spec.base === SCRATCH) return 'base: scratch';
  if (plan.spec.apt.snapshot) return 'apt.snapshot';
  if (plan.spec.apt.release) return 'apt.release';
  if (opts.locked) return '--locked';
  return undefined;
}

/**
 * Each engine is loaded when a build uses it: openpgp and the package readers
 * (native), the Dockerfile renderer (buildx) are not worth every CLI start-up.
 */
const ENGINES: Record<'buildx' | 'native', () => Promise<Engine>> = {
  buildx: async () => (await import('./buildx/build.js')).build,
  native: async () => (await import('./native/build.js')).buildNative,
};

/** The engine a build uses: the options', else the spec's; auto probes for Docker. Said out loud. */
export async function engineFor(
  plan: Plan,
  opts: BuildOptions,
  log: (msg: string) => void,
): Promise<'buildx' | 'native'> {
  const requested = opts.engine ?? plan.spec.engine;
  const reason = nativeOnly(plan, opts);
  if (!reason) return chooseEngine(requested, log);
  if (requested === 'buildx')
    throw new KuboxError('usage', `${reason} is for the native engine only`, {
      hint: 'build with --engine native (or auto), or drop it for buildx',
    });
  if (requested === 'auto') log(`engine: native (${reason} is for the native engine)`);
  return 'native';
}

/** Builds with `engine`; publishes nothing. */
export async function buildWithEngine(
  engine: 'buildx' | 'native',
  plan: Plan,
  opts: BuildOptions,
  req: BuildRequest,
): Promise<BuiltImage> {
  return (await ENGINES[engine]())(plan, opts, req);
}
