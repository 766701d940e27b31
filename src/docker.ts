/**
 * The docker CLI as kubox uses it around any build: whether it answers, and
 * `docker load` for a build's archive. The buildx engine adds its builder
 * checks on top (engines/buildx/docker.ts).
 */
import { KuboxError } from './errors.js';
import { run } from './exec.js';

export async function docker(args: readonly string[]) {
  return run('docker', args);
}

/** Why `docker version` failed: docker is missing, or its daemon cannot be reached. */
export function diagnoseDockerVersion(res: {
  missing: boolean;
  exitCode: number;
  stderr: string;
}): KuboxError | undefined {
  if (res.missing) {
    return new KuboxError('docker-missing', 'docker is not installed (no `docker` on PATH)', {
      hint: 'install Docker Engine with the buildx plugin (https://docs.docker.com/engine/install/), or put docker on PATH',
    });
  }
  if (res.exitCode !== 0) {
    const first = res.stderr.split('\n').find((l) => l.trim()) ?? 'no answer';
    const perm = /permission denied/i.test(res.stderr);
    return new KuboxError(
      'daemon-unreachable',
      `the Docker daemon is not reachable: ${first.trim()}`,
      {
        hint: perm
          ? 'add your user to the docker group (or run with sudo), then log in again'
          : 'start it (`sudo systemctl start docker`, or dockerd), or point DOCKER_HOST / `docker context use` at a running one',
      },
    );
  }
  return undefined;
}

/** Fails unless docker and its daemon answer. */
export async function checkDockerEngine(): Promise<void> {
  const err = diagnoseDockerVersion(await docker(['version', '--format', '{{.Server.Version}}']));
  if (err) throw err;
}

/**
 * Loads an OCI archive into Docker's image store. docker load names the image
 * after the archive's ref.name (the first tag); the other tags are added.
 */
export async function dockerLoad(archive: string, tags: readonly string[]): Promise<void> {
  const res = await docker(['load', '--input', archive]);
  if (res.exitCode !== 0)
    throw new KuboxError('build-failed', `docker load failed: ${res.stderr.trim()}`, {
      hint: 'is a Docker engine running? Without one, write an archive (--output oci:PATH) or --push',
    });
  for (const t of tags.filter((t) => t !== tags[0])) {
    const tagged = await docker(['tag', tags[0]!, t]);
    if (tagged.exitCode !== 0)
      throw new KuboxError('build-failed', `docker tag ${t} failed: ${tagged.stderr.trim()}`);
  }
}
