/**
 * Reading what docker and BuildKit print when something fails, and turning it
 * into one of kubox's errors with the fix. Pure: tested on real output.
 */
import { KuboxError } from '../../errors.js';
import { qemuHandler } from '../../oci/platform.js';

export const EMULATOR_HINT =
  'register QEMU for the platform: `apt-get install qemu-user-static binfmt-support` (Debian/Ubuntu) or `docker run --privileged --rm tonistiigi/binfmt --install all`, or build only the native platform with --platform';

export function diagnoseBuildxVersion(res: {
  exitCode: number;
  stderr: string;
}): KuboxError | undefined {
  if (res.exitCode === 0) return undefined;
  return new KuboxError('buildx-missing', 'the docker buildx plugin is not installed', {
    hint: "install it (Debian/Ubuntu: `apt-get install docker-buildx`, or docker-buildx-plugin from Docker's repository) into ~/.docker/cli-plugins or /usr/libexec/docker/cli-plugins",
  });
}

/** The platforms line of `docker buildx inspect`: what this builder can run. */
export function parseBuilderPlatforms(inspect: string): string[] {
  const platforms = new Set<string>();
  for (const m of inspect.matchAll(/^\s*Platforms:\s*(.+)$/gm)) {
    for (const p of m[1]!.split(',')) {
      const clean = p.trim().replace(/\*$/, '');
      if (clean) platforms.add(clean);
    }
  }
  return [...platforms];
}

/** Requested platforms the builder cannot run, with the reason, or nothing when all can. */
export function missingEmulators(
  requested: readonly string[],
  supported: readonly string[],
): KuboxError | undefined {
  // linux/arm64 is also listed as linux/arm64/v8 by some builders.
  const have = new Set(supported.flatMap((p) => [p, p.replace(/\/v8$/, '')]));
  const missing = requested.filter((p) => !have.has(p));
  if (missing.length === 0) return undefined;
  const handlers = missing.map((p) => qemuHandler(p)).filter(Boolean);
  return new KuboxError(
    'emulator-missing',
    `no emulator is registered for ${missing.join(', ')} (this builder runs ${supported.join(', ') || 'nothing'})`,
    {
      hint: `${EMULATOR_HINT}${handlers.length ? `; the kernel needs /proc/sys/fs/binfmt_misc/${handlers.join(', ')}` : ''}`,
    },
  );
}

/** The last BuildKit ERROR lines, which say what failed. */
export function errorLines(stderr: string, max = 6): string[] {
  const lines = stderr.split('\n').map((l) => l.trimEnd());
  // BuildKit's own error lines, the failing step, and apt's `E:` lines.
  const errors = lines.filter((l) =>
    /^(ERROR|error):?\s|^#\d+ .*ERROR|^(#\d+ [\d.]+ )?E: |^\s*>\s*\[|failed to solve/i.test(l),
  );
  return (errors.length ? errors : lines.filter(Boolean)).slice(-max);
}

/** Classifies a failed `docker buildx build` from its output. */
export function diagnoseBuildFailure(
  stderr: string,
  opts: { base: string; registry?: string },
): KuboxError {
  const detail = errorLines(stderr).join('\n');
  if (
    /401 Unauthorized|unauthorized: (authentication required|incorrect username or password)|no basic auth credentials|insufficient_scope|denied: requested access to the resource is denied|authorization failed/i.test(
      stderr,
    )
  ) {
    return new KuboxError(
      'registry-auth',
      `the registry refused the credentials${opts.registry ? ` for ${opts.registry}` : ''}`,
      {
        hint: `run \`docker login ${opts.registry ?? '<registry>'}\` with an account that may push there (kubox reads credentials the way docker does: $DOCKER_CONFIG or ~/.docker/config.json)`,
        problems: [{ message: detail }],
      },
    );
  }
  // BuildKit names the reference it could not resolve, fully qualified (registry, port and all).
  const repoName = opts.base.split('@')[0]!.split(':')[0]!.split('/').pop()!;
  const baseMissing = stderr
    .split('\n')
    .some(
      (l) =>
        l.includes('failed to resolve source metadata for') &&
        l.includes(repoName) &&
        /not found|manifest unknown|404/i.test(l),
    );
  if (baseMissing) {
    return new KuboxError('base-not-found', `the base image ${opts.base} was not found`, {
      hint: 'check `base:` in kubox.yaml (the digest must exist in that repository; `docker buildx imagetools inspect <name:tag>` shows the current one), or log in if the repository is private',
      problems: [{ message: detail }],
    });
  }
  // kubox always has buildx write an OCI archive; the docker driver can only with the
  // containerd image store (Docker 29 turns it on for new installs).
  if (/OCI exporter is not supported for the docker driver/i.test(stderr)) {
    return new KuboxError(
      'build-failed',
      'this builder uses the docker driver, which cannot write the OCI archive kubox publishes from',
      {
        hint: 'use a docker-container builder (the spec\'s `builder:` default, or --builder NAME), or turn on the containerd image store ("features": {"containerd-snapshotter": true} in /etc/docker/daemon.json)',
        problems: [{ message: detail }],
      },
    );
  }
  if (/exec format error/i.test(stderr)) {
    return new KuboxError(
      'emulator-missing',
      'a RUN step could not execute for a foreign platform (exec format error)',
      {
        hint: EMULATOR_HINT,
        problems: [{ message: detail }],
      },
    );
  }
  return new KuboxError('build-failed', 'docker buildx build failed', {
    hint: 'the failing step and its output are above; fix kubox.yaml (a package name, a URL, a checksum) and build again',
    problems: [{ message: detail }],
  });
}
