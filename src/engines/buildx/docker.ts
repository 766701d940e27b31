/**
 * Talking to docker for everything around a build: is it there, which builder,
 * what can that builder run. Each failure becomes a KuboxError with its fix.
 */
import { checkDockerEngine, docker } from '../../docker.js';
import { KuboxError } from '../../errors.js';
import { createBuilderArgv, type BuilderConfig } from './argv.js';
import { diagnoseBuildxVersion, missingEmulators, parseBuilderPlatforms } from './diagnose.js';

/** Fails unless docker, its daemon and the buildx plugin are all usable. */
export async function checkDocker(): Promise<void> {
  await checkDockerEngine();
  const buildx = await docker(['buildx', 'version']);
  const bErr = diagnoseBuildxVersion(buildx);
  if (bErr) throw bErr;
}

export interface ReadyBuilder {
  name: string;
  platforms: string[];
  created: boolean;
}

/**
 * Finds the builder (creating it when the spec names one that does not exist,
 * as the seed's build.sh does), boots it, and checks it can run every
 * requested platform. The user's current builder is never changed: kubox
 * passes --builder on each call instead of `docker buildx use`.
 */
export async function prepareBuilder(
  which: { config?: BuilderConfig | undefined; name?: string },
  platforms: readonly string[],
  log: (msg: string) => void = () => {},
): Promise<ReadyBuilder> {
  const { config } = which;
  let created = false;
  let name = which.name ?? config?.name;
  if (config) {
    const exists = await docker(['buildx', 'inspect', config.name]);
    if (exists.exitCode !== 0) {
      if (config.driver === 'docker') {
        throw new KuboxError(
          'builder',
          `there is no builder "${config.name}" with the docker driver`,
          {
            hint: 'a docker-driver builder is named after its docker context (usually "default"); set builder.name to that, or use another driver',
          },
        );
      }
      log(`creating buildx builder "${config.name}" (driver ${config.driver})`);
      const create = await docker(createBuilderArgv(config));
      if (create.exitCode !== 0) {
        throw new KuboxError(
          'builder',
          `cannot create buildx builder "${config.name}": ${create.stderr.trim()}`,
          {
            hint: 'check builder.driver, builder.driverOpts and builder.endpoint in kubox.yaml',
          },
        );
      }
      created = true;
    }
  }
  const inspect = await docker(['buildx', 'inspect', '--bootstrap', ...(name ? [name] : [])]);
  if (inspect.exitCode !== 0) {
    const driver = config?.driver ?? 'current';
    throw new KuboxError(
      'builder',
      `buildx builder "${name ?? '(current)'}" did not start: ${lastLine(inspect.stderr)}`,
      {
        hint:
          driver === 'docker-container'
            ? 'the docker-container driver runs the moby/buildkit image, which must be pullable (or preloaded); where it is not, use `builder: {name: default, driver: docker}` or pass --builder default'
            : "check `docker buildx inspect --bootstrap` by hand; the builder's driver options may be wrong",
      },
    );
  }
  name ??= /^Name:\s*(\S+)/m.exec(inspect.stdout)?.[1] ?? 'default';
  const supported = parseBuilderPlatforms(inspect.stdout);
  const err = missingEmulators(platforms, supported);
  if (err) throw err;
  return { name, platforms: supported, created };
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop() ?? 'no output';
}
