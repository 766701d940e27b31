import { describe, expect, it } from 'vitest';
import {
  diagnoseBuildFailure,
  diagnoseBuildxVersion,
  EMULATOR_HINT,
  errorLines,
  missingEmulators,
  parseBuilderPlatforms,
} from '../../src/engines/buildx/diagnose.js';
import { diagnoseDockerVersion } from '../../src/docker.js';

const DIGEST = 'sha256:21e39cf1815802d4c6f89a0d3a166cc67ce58f95b6d1639e68a394c99310d2e5';
const BASE = `python:3.13-slim@${DIGEST}`;

describe('diagnoseDockerVersion', () => {
  it('reports docker missing from PATH (exit 3)', () => {
    const err = diagnoseDockerVersion({ missing: true, exitCode: -1, stderr: '' });
    expect(err?.kind).toBe('docker-missing');
    expect(err?.exitCode).toBe(3);
    expect(err?.message).toBe('docker is not installed (no `docker` on PATH)');
    expect(err?.hint).toContain('https://docs.docker.com/engine/install/');
  });

  it('reports a daemon that is not running, quoting docker', () => {
    const stderr =
      'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n';
    const err = diagnoseDockerVersion({ missing: false, exitCode: 1, stderr });
    expect(err?.kind).toBe('daemon-unreachable');
    expect(err?.exitCode).toBe(3);
    expect(err?.message).toBe(
      'the Docker daemon is not reachable: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
    );
    expect(err?.hint).toContain('sudo systemctl start docker');
    expect(err?.hint).toContain('DOCKER_HOST');
  });

  it('points at the docker group when the socket is not accessible', () => {
    const stderr = [
      '',
      'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.47/version": dial unix /var/run/docker.sock: connect: permission denied',
      '',
    ].join('\n');
    const err = diagnoseDockerVersion({ missing: false, exitCode: 1, stderr });
    expect(err?.kind).toBe('daemon-unreachable');
    expect(err?.exitCode).toBe(3);
    expect(err?.message).toMatch(
      /^the Docker daemon is not reachable: permission denied while trying to connect/,
    );
    expect(err?.hint).toBe(
      'add your user to the docker group (or run with sudo), then log in again',
    );
  });

  it('says "no answer" when docker failed silently', () => {
    const err = diagnoseDockerVersion({ missing: false, exitCode: 1, stderr: '\n  \n' });
    expect(err?.message).toBe('the Docker daemon is not reachable: no answer');
  });

  it('finds nothing wrong when docker version succeeds', () => {
    expect(diagnoseDockerVersion({ missing: false, exitCode: 0, stderr: '' })).toBeUndefined();
  });
});

describe('diagnoseBuildxVersion', () => {
  it('reports the missing buildx plugin (exit 3)', () => {
    const err = diagnoseBuildxVersion({
      exitCode: 1,
      stderr: "docker: 'buildx' is not a docker command.\nSee 'docker --help'\n",
    });
    expect(err?.kind).toBe('buildx-missing');
    expect(err?.exitCode).toBe(3);
    expect(err?.message).toBe('the docker buildx plugin is not installed');
    expect(err?.hint).toContain('apt-get install docker-buildx');
    expect(err?.hint).toContain('~/.docker/cli-plugins');
  });

  it('finds nothing wrong when buildx answers', () => {
    expect(diagnoseBuildxVersion({ exitCode: 0, stderr: '' })).toBeUndefined();
  });
});

const INSPECT = `Name:          the-builder
Driver:        docker-container
Last Activity: 2025-06-01 10:00:00 +0000 UTC

Nodes:
Name:                  the-builder0
Endpoint:              unix:///var/run/docker.sock
Status:                running
BuildKit daemon flags: --allow-insecure-entitlement=network.host
BuildKit version:      v0.21.1
Platforms:             linux/amd64, linux/amd64/v2, linux/amd64/v3, linux/386, linux/arm64, linux/riscv64
Labels:
 org.mobyproject.buildkit.worker.executor:         oci
 org.mobyproject.buildkit.worker.hostname:         3f1c2b9a8d7e
 org.mobyproject.buildkit.worker.network:          host
 org.mobyproject.buildkit.worker.oci.process-mode: sandbox
 org.mobyproject.buildkit.worker.selinux.enabled:  false
 org.mobyproject.buildkit.worker.snapshotter:      overlayfs
GC Policy rule#0:
 All:            false
 Filters:        type==source.local,type==exec.cachemount,type==source.git.checkout
 Keep Duration:  48h0m0s
 Max Used Space: 488.3MiB
`;

const INSPECT_STARRED = `Name:          multi
Driver:        docker-container
Last Activity: 2025-06-01 10:00:00 +0000 UTC

Nodes:
Name:                  multi0
Endpoint:              unix:///var/run/docker.sock
Status:                running
BuildKit version:      v0.21.1
Platforms:             linux/arm64*, linux/amd64, linux/amd64/v2, linux/arm/v7, linux/arm/v6
Labels:
 org.mobyproject.buildkit.worker.executor:         oci

Name:                  multi1
Endpoint:              ssh://builder@arm-box
Status:                running
BuildKit version:      v0.21.1
Platforms:             linux/arm64*, linux/arm64/v8, linux/s390x*
`;

describe('parseBuilderPlatforms', () => {
  it('reads the Platforms line of docker buildx inspect', () => {
    expect(parseBuilderPlatforms(INSPECT)).toEqual([
      'linux/amd64',
      'linux/amd64/v2',
      'linux/amd64/v3',
      'linux/386',
      'linux/arm64',
      'linux/riscv64',
    ]);
  });

  it('strips the * of configured platforms and merges every node once', () => {
    expect(parseBuilderPlatforms(INSPECT_STARRED)).toEqual([
      'linux/arm64',
      'linux/amd64',
      'linux/amd64/v2',
      'linux/arm/v7',
      'linux/arm/v6',
      'linux/arm64/v8',
      'linux/s390x',
    ]);
  });

  it('finds nothing in output without a Platforms line', () => {
    expect(parseBuilderPlatforms('')).toEqual([]);
    expect(parseBuilderPlatforms('Name: x\nDriver: docker\n')).toEqual([]);
  });
});

describe('missingEmulators', () => {
  it('is satisfied when the builder runs every requested platform', () => {
    const supported = parseBuilderPlatforms(INSPECT);
    expect(missingEmulators(['linux/amd64', 'linux/arm64'], supported)).toBeUndefined();
    expect(missingEmulators(['linux/386', 'linux/riscv64'], supported)).toBeUndefined();
  });

  it('counts linux/arm64/v8 as linux/arm64', () => {
    expect(missingEmulators(['linux/arm64'], ['linux/amd64', 'linux/arm64/v8'])).toBeUndefined();
  });

  it('names the missing platforms and the binfmt handlers the kernel needs (exit 3)', () => {
    const supported = ['linux/amd64', 'linux/amd64/v2', 'linux/386'];
    const err = missingEmulators(['linux/amd64', 'linux/arm64', 'linux/s390x'], supported);
    expect(err?.kind).toBe('emulator-missing');
    expect(err?.exitCode).toBe(3);
    expect(err?.message).toBe(
      'no emulator is registered for linux/arm64, linux/s390x (this builder runs linux/amd64, linux/amd64/v2, linux/386)',
    );
    expect(err?.hint).toBe(
      `${EMULATOR_HINT}; the kernel needs /proc/sys/fs/binfmt_misc/qemu-aarch64, qemu-s390x`,
    );
  });

  it('says the builder runs nothing when it lists no platforms', () => {
    const err = missingEmulators(['linux/amd64'], []);
    expect(err?.message).toBe(
      'no emulator is registered for linux/amd64 (this builder runs nothing)',
    );
  });

  it('leaves the handler out for a platform it has none for', () => {
    const err = missingEmulators(['linux/mips64le'], ['linux/amd64']);
    expect(err?.hint).toBe(EMULATOR_HINT);
  });
});

const PUSH_401 = `#11 exporting to image
#11 exporting layers
#11 exporting layers 4.1s done
#11 exporting manifest sha256:4b1c6a0f5c7b54b2a4b9f0b1e0f9b8d8a16e0c0f0a57a2c3c2b1c9d8e7f6a5b4 done
#11 exporting config sha256:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b done
#11 pushing layers
#11 pushing layers 0.1s done
#11 ERROR: failed to push 127.0.0.1:5000/x:1: failed to authorize: failed to fetch anonymous token: unexpected status from GET request to http://127.0.0.1:5000/token?scope=repository%3Ax%3Apull%2Cpush&service=registry: 401 Unauthorized
------
 > exporting to image:
------
ERROR: failed to solve: failed to push 127.0.0.1:5000/x:1: failed to authorize: failed to fetch anonymous token: unexpected status from GET request to http://127.0.0.1:5000/token?scope=repository%3Ax%3Apull%2Cpush&service=registry: 401 Unauthorized
`;

const PUSH_AUTH_REQUIRED = `#12 pushing layers
#12 pushing layers 1.3s done
#12 ERROR: failed to push ghcr.io/acme/py-kube:0.9.0: unexpected status from HEAD request to https://ghcr.io/v2/acme/py-kube/blobs/${DIGEST}: 401 Unauthorized
------
 > exporting to image:
------
ERROR: failed to solve: failed to push ghcr.io/acme/py-kube:0.9.0: server message: unauthorized: authentication required
`;

const MISSING_DIGEST = 'sha256:0000000000000000000000000000000000000000000000000000000000000000';
const MISSING_BASE = `python:3.13-slim@${MISSING_DIGEST}`;
const BASE_NOT_FOUND = `#0 building with "the-builder" instance using docker-container driver

#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 1.92kB done
#1 DONE 0.0s

#2 [linux/arm64 internal] load metadata for docker.io/library/${MISSING_BASE}
#2 ERROR: docker.io/library/${MISSING_BASE}: not found

#3 [linux/amd64 internal] load metadata for docker.io/library/${MISSING_BASE}
#3 CANCELED
------
 > [linux/arm64 internal] load metadata for docker.io/library/${MISSING_BASE}:
------
Dockerfile:1
--------------------
   1 | >>> FROM ${MISSING_BASE}
   2 |     ARG KUBECTL_VERSION=1.36
   3 |     SHELL ["/bin/bash", "-o", "pipefail", "-c"]
--------------------
ERROR: failed to solve: ${MISSING_BASE}: failed to resolve source metadata for docker.io/library/${MISSING_BASE}: docker.io/library/${MISSING_BASE}: not found
`;

const EXEC_FORMAT = `#7 [linux/arm64 2/4] RUN apt-get update
#7 0.103 exec /bin/bash: exec format error
#7 ERROR: process "/bin/bash -o pipefail -c apt-get update" did not complete successfully: exit code: 255
------
 > [linux/arm64 2/4] RUN apt-get update:
0.103 exec /bin/bash: exec format error
------
Dockerfile:5
--------------------
   4 |     SHELL ["/bin/bash", "-o", "pipefail", "-c"]
   5 | >>> RUN apt-get update
--------------------
ERROR: failed to solve: process "/bin/bash -o pipefail -c apt-get update" did not complete successfully: exit code: 255
`;

const APT_FAILED = `#8 [linux/amd64 2/4] RUN apt-get update &&     apt-get install -y --no-install-recommends vim nosuchpkg
#8 0.412 Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]
#8 2.873 Reading package lists...
#8 3.611 Building dependency tree...
#8 3.790 E: Unable to locate package nosuchpkg
#8 ERROR: process "/bin/bash -o pipefail -c apt-get update &&     apt-get install -y --no-install-recommends vim nosuchpkg" did not complete successfully: exit code: 100
------
 > [linux/amd64 2/4] RUN apt-get update &&     apt-get install -y --no-install-recommends vim nosuchpkg:
2.873 Reading package lists...
3.611 Building dependency tree...
3.790 E: Unable to locate package nosuchpkg
------
Dockerfile:5
--------------------
   5 | >>> RUN apt-get update && \\
   6 | >>>     apt-get install -y --no-install-recommends vim nosuchpkg
--------------------
ERROR: failed to solve: process "/bin/bash -o pipefail -c apt-get update &&     apt-get install -y --no-install-recommends vim nosuchpkg" did not complete successfully: exit code: 100
`;

describe('diagnoseBuildFailure', () => {
  it('recognizes a 401 on push as a credentials problem for that registry', () => {
    const err = diagnoseBuildFailure(PUSH_401, { base: BASE, registry: '127.0.0.1:5000' });
    expect(err.kind).toBe('registry-auth');
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe('the registry refused the credentials for 127.0.0.1:5000');
    expect(err.hint).toMatch(/^run `docker login 127\.0\.0\.1:5000` with an account that may push/);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]!.message).toContain(
      'ERROR: failed to solve: failed to push 127.0.0.1:5000/x:1: failed to authorize',
    );
  });

  it('recognizes "unauthorized: authentication required" without a known registry', () => {
    const err = diagnoseBuildFailure(PUSH_AUTH_REQUIRED, { base: BASE });
    expect(err.kind).toBe('registry-auth');
    expect(err.message).toBe('the registry refused the credentials');
    expect(err.hint).toContain('docker login <registry>');
    expect(err.problems[0]!.message.split('\n').at(-1)).toBe(
      'ERROR: failed to solve: failed to push ghcr.io/acme/py-kube:0.9.0: server message: unauthorized: authentication required',
    );
  });

  it('recognizes a base image digest that does not exist', () => {
    const err = diagnoseBuildFailure(BASE_NOT_FOUND, { base: MISSING_BASE });
    expect(err.kind).toBe('base-not-found');
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe(`the base image ${MISSING_BASE} was not found`);
    expect(err.hint).toContain('docker buildx imagetools inspect');
    const detail = err.problems[0]!.message;
    expect(detail).toContain(
      ` > [linux/arm64 internal] load metadata for docker.io/library/${MISSING_BASE}:`,
    );
    expect(detail.split('\n').at(-1)).toBe(
      `ERROR: failed to solve: ${MISSING_BASE}: failed to resolve source metadata for docker.io/library/${MISSING_BASE}: docker.io/library/${MISSING_BASE}: not found`,
    );
  });

  it('recognizes a missing base from a registry without a port', () => {
    const base = `ghcr.io/acme/py:1@${MISSING_DIGEST}`;
    const stderr = `ERROR: failed to solve: ${base}: failed to resolve source metadata for ${base}: ${base}: not found\n`;
    expect(diagnoseBuildFailure(stderr, { base }).kind).toBe('base-not-found');
  });

  it('recognizes a missing base from a registry with a port', () => {
    const base = `127.0.0.1:5000/library/python:3.13-slim@${MISSING_DIGEST}`;
    const stderr = `ERROR: failed to solve: ${base}: failed to resolve source metadata for ${base}: ${base}: not found\n`;
    expect(diagnoseBuildFailure(stderr, { base }).kind).toBe('base-not-found');
  });

  it('recognizes exec format error as a missing emulator (exit 3)', () => {
    const err = diagnoseBuildFailure(EXEC_FORMAT, { base: BASE });
    expect(err.kind).toBe('emulator-missing');
    expect(err.exitCode).toBe(3);
    expect(err.message).toBe(
      'a RUN step could not execute for a foreign platform (exec format error)',
    );
    expect(err.hint).toBe(EMULATOR_HINT);
    expect(err.problems[0]!.message).toContain(' > [linux/arm64 2/4] RUN apt-get update:');
  });

  it('reports any other failing step as build-failed with its ERROR lines', () => {
    const err = diagnoseBuildFailure(APT_FAILED, { base: BASE, registry: 'ghcr.io' });
    expect(err.kind).toBe('build-failed');
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe('docker buildx build failed');
    expect(err.hint).toContain('fix kubox.yaml');
    const detail = err.problems[0]!.message.split('\n');
    // apt's own reason and BuildKit's summary both reach the user.
    expect(detail.some((l) => l.includes('E: Unable to locate package nosuchpkg'))).toBe(true);
    expect(detail.at(-1)).toBe(
      'ERROR: failed to solve: process "/bin/bash -o pipefail -c apt-get update &&     apt-get install -y --no-install-recommends vim nosuchpkg" did not complete successfully: exit code: 100',
    );
  });

  it('does not take a 404 inside a RUN step for a missing base', () => {
    const stderr = `#9 [linux/amd64 3/4] RUN curl -fsSLo /usr/local/bin/mc https://dl.min.io/client/mc/release/linux-amd64/mc
#9 0.822 curl: (22) The requested URL returned error: 404
#9 ERROR: process "/bin/bash -o pipefail -c curl -fsSLo /usr/local/bin/mc https://dl.min.io/client/mc/release/linux-amd64/mc" did not complete successfully: exit code: 22
ERROR: failed to solve: process "/bin/bash -o pipefail -c curl -fsSLo /usr/local/bin/mc https://dl.min.io/client/mc/release/linux-amd64/mc" did not complete successfully: exit code: 22
`;
    expect(diagnoseBuildFailure(stderr, { base: BASE }).kind).toBe('build-failed');
  });
});

describe('errorLines', () => {
  it('keeps the last ERROR and step lines', () => {
    const stderr = Array.from({ length: 8 }, (_, i) => `ERROR: problem ${i}`).join('\n');
    expect(errorLines(stderr)).toEqual([2, 3, 4, 5, 6, 7].map((i) => `ERROR: problem ${i}`));
    expect(errorLines(stderr, 2)).toEqual(['ERROR: problem 6', 'ERROR: problem 7']);
  });

  it('falls back to the last non-empty lines when nothing looks like an error', () => {
    expect(errorLines('one\n\ntwo\nthree\n', 2)).toEqual(['two', 'three']);
  });
});
