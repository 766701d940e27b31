import { describe, expect, it } from 'vitest';
import { buildArgv, createBuilderArgv } from '../../src/engines/buildx/argv.js';
import { buildLabels } from '../../src/engines/labels.js';
import { defaultOutput } from '../../src/engines/options.js';
import { buildEpoch } from '../../src/git.js';
import { makePlan } from '../../src/plan/plan.js';
import { loadPreset } from '../../src/spec/load.js';
import { parseBuildArgs, parseOutput } from '../../src/cli/build.js';

const plan = makePlan(loadPreset('py-kube').spec);
const base = {
  builder: 'the-builder',
  platforms: ['linux/amd64', 'linux/arm64'],
  contextDir: '/tmp/ctx',
  tags: ['g1g1/py-kube:0.9.0', 'g1g1/py-kube:latest'],
  buildLabels: buildLabels(new Date('2025-04-13T21:07:12.345Z'), 'abc123'),
  sourceDateEpoch: 1744578432,
  archive: '/tmp/work/image.oci.tar',
};

describe('buildx argv', () => {
  it('is the seed build.sh command as an argument array, writing an OCI archive kubox publishes', () => {
    expect(buildArgv(plan, base)).toEqual([
      'buildx',
      'build',
      '--builder',
      'the-builder',
      '--platform',
      'linux/amd64,linux/arm64',
      '--file',
      '/tmp/ctx/Dockerfile',
      '--build-arg',
      'KUBECTL_VERSION=1.36',
      '--build-arg',
      'SOURCE_DATE_EPOCH=1744578432',
      '--tag',
      'g1g1/py-kube:0.9.0',
      '--tag',
      'g1g1/py-kube:latest',
      '--label',
      'org.opencontainers.image.created=2025-04-13T21:07:12Z',
      '--label',
      'org.opencontainers.image.revision=abc123',
      '--progress',
      'auto',
      '--output',
      'type=oci,dest=/tmp/work/image.oci.tar',
      '/tmp/ctx',
    ]);
  });

  it('never pushes or loads itself, and uses a network when asked', () => {
    expect(buildArgv(plan, base)).not.toContain('--push');
    expect(buildArgv(plan, base)).not.toContain('--load');
    const argv = buildArgv(plan, { ...base, network: 'host' });
    expect(argv.slice(argv.indexOf('--network'), argv.indexOf('--network') + 2)).toEqual([
      '--network',
      'host',
    ]);
  });

  it('lets --build-arg override the spec default without duplicating it', () => {
    const argv = buildArgv(plan, {
      ...base,
      buildArgs: { KUBECTL_VERSION: '1.35' },
    });
    expect(argv.filter((a) => a.startsWith('KUBECTL_VERSION='))).toEqual(['KUBECTL_VERSION=1.35']);
  });

  it('creates the seed builder with the docker-container driver', () => {
    expect(
      createBuilderArgv({ name: 'the-builder', driver: 'docker-container', driverOpts: {} }),
    ).toEqual(['buildx', 'create', '--name', 'the-builder', '--driver', 'docker-container']);
    expect(
      createBuilderArgv({
        name: 'k',
        driver: 'kubernetes',
        driverOpts: { namespace: 'ci', replicas: '2' },
      }),
    ).toEqual([
      'buildx',
      'create',
      '--name',
      'k',
      '--driver',
      'kubernetes',
      '--driver-opt',
      'namespace=ci',
      '--driver-opt',
      'replicas=2',
    ]);
    expect(
      createBuilderArgv({
        name: 'r',
        driver: 'remote',
        driverOpts: {},
        endpoint: 'tcp://buildkitd:1234',
      }).at(-1),
    ).toBe('tcp://buildkitd:1234');
  });

  it('defaults to an OCI archive under ./out when no repository is configured', () => {
    expect(defaultOutput(plan, '/w')).toEqual({
      type: 'oci',
      path: '/w/out/py-kube-0.9.0.oci.tar',
    });
    const withRepo = makePlan({
      ...plan.spec,
      image: { ...plan.spec.image, repository: 'ghcr.io/acme/py-kube' },
    });
    expect(defaultOutput(withRepo, '/w')).toEqual({ type: 'push' });
    expect(withRepo.tags).toEqual(['ghcr.io/acme/py-kube:0.9.0', 'ghcr.io/acme/py-kube:latest']);
  });

  it('takes the build time from SOURCE_DATE_EPOCH, else the commit, else now', () => {
    expect(buildEpoch({ SOURCE_DATE_EPOCH: '1700000000' }, { commitTime: 1 })).toBe(1700000000);
    expect(buildEpoch({}, { commitTime: 1600000000 })).toBe(1600000000);
    expect(buildEpoch({}, {}, new Date('2026-01-01T00:00:00Z'))).toBe(1767225600);
  });

  it('parses CLI outputs and build args strictly', () => {
    expect(parseOutput({ push: true })).toEqual({ type: 'push' });
    expect(parseOutput({})).toBeUndefined();
    expect(() => parseOutput({ push: true, load: true })).toThrow(/choose one of/);
    expect(() => parseOutput({ output: 'out.tar' })).toThrow(/not oci:PATH/);
    expect(parseBuildArgs(['A=1', 'B=x=y'])).toEqual({ A: '1', B: 'x=y' });
    expect(() => parseBuildArgs(['NOPE'])).toThrow(/NAME=VALUE/);
  });
});
