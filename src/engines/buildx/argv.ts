/**
 * The argument lists kubox gives `docker buildx`. Pure functions, so the exact
 * command line is unit-tested without a daemon; build.ts runs them.
 */
import type { Plan } from '../../plan/plan.js';

export interface BuildxRequest {
  builder: string;
  platforms: readonly string[];
  /** Directory holding the rendered Dockerfile; also the (otherwise empty) build context. */
  contextDir: string;
  /** Where buildx writes the OCI archive (kubox publishes from it: push, load, copy). */
  archive: string;
  /** Recorded as the archive's image name annotations. */
  tags: readonly string[];
  /** Build args on top of the spec's defaults (from --build-arg). */
  buildArgs?: Readonly<Record<string, string>>;
  /** Labels that depend on the build itself: created, revision. */
  buildLabels: Readonly<Record<string, string>>;
  sourceDateEpoch: number;
  network?: string;
  progress?: 'auto' | 'plain' | 'tty' | 'quiet';
}

export function buildArgv(plan: Plan, req: BuildxRequest): string[] {
  const argv = ['buildx', 'build', '--builder', req.builder, '--platform', req.platforms.join(',')];
  argv.push('--file', `${req.contextDir}/Dockerfile`);
  const args = {
    ...plan.spec.args,
    ...req.buildArgs,
    SOURCE_DATE_EPOCH: String(req.sourceDateEpoch),
  };
  for (const [k, v] of Object.entries(args)) argv.push('--build-arg', `${k}=${v}`);
  for (const t of req.tags) argv.push('--tag', t);
  for (const [k, v] of Object.entries(req.buildLabels)) argv.push('--label', `${k}=${v}`);
  argv.push('--progress', req.progress ?? 'auto');
  if (req.network) argv.push('--network', req.network);
  argv.push('--output', `type=oci,dest=${req.archive}`);
  argv.push(req.contextDir);
  return argv;
}

export interface BuilderConfig {
  name: string;
  driver: 'docker-container' | 'docker' | 'kubernetes' | 'remote';
  driverOpts: Readonly<Record<string, string>>;
  endpoint?: string;
}

/** `docker buildx create` for a builder the spec names but the machine lacks. */
export function createBuilderArgv(b: BuilderConfig): string[] {
  const argv = ['buildx', 'create', '--name', b.name, '--driver', b.driver];
  for (const [k, v] of Object.entries(b.driverOpts)) argv.push('--driver-opt', `${k}=${v}`);
  if (b.endpoint) argv.push(b.endpoint);
  return argv;
}
