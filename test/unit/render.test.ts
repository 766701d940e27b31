import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { render } from '../../src/dockerfile/render.js';
import { makePlan } from '../../src/plan/plan.js';
import { loadPreset, parseSpec } from '../../src/spec/load.js';

const golden = (name: string) => new URL(`../fixtures/golden/${name}`, import.meta.url);

/** Compares with the committed file; UPDATE_GOLDEN=1 rewrites it (then review the diff). */
function expectGolden(name: string, actual: string) {
  if (process.env.UPDATE_GOLDEN) writeFileSync(golden(name), actual);
  expect(actual).toBe(readFileSync(golden(name), 'utf8'));
}

const mirrorsText = readFileSync(
  new URL('../fixtures/specs/mirrors.yaml', import.meta.url),
  'utf8',
);

describe('render', () => {
  it('renders the py-kube preset exactly as the golden files', () => {
    const out = render(makePlan(loadPreset('py-kube').spec));
    expectGolden('py-kube.Dockerfile', out.dockerfile);
    expectGolden('py-kube.dockerignore', out.dockerignore);
  });

  it('renders every overridden source, pins and env exactly as the golden file', () => {
    const out = render(makePlan(parseSpec(mirrorsText, 'mirrors.yaml')));
    expectGolden('mirrors.Dockerfile', out.dockerfile);
  });

  it('is byte-stable: the same spec renders the same bytes', () => {
    const a = render(makePlan(loadPreset('py-kube').spec));
    const b = render(makePlan(loadPreset('py-kube').spec));
    expect(a).toEqual(b);
  });

  it('keeps the seed: one RUN, apt-get clean and lists removed, numeric USER last, exec-form CMD', () => {
    const { dockerfile } = render(makePlan(loadPreset('py-kube').spec));
    const instructions = dockerfile
      .split('\n')
      .filter((l) => /^[A-Z]+ /.test(l))
      .map((l) => l.split(' ')[0]);
    expect(instructions).toEqual([
      'FROM',
      'ARG',
      'ARG',
      'SHELL',
      'RUN',
      'WORKDIR',
      'LABEL',
      'USER',
      'CMD',
    ]);
    expect(dockerfile).toContain(
      'FROM python:3.13-slim@sha256:21e39cf1815802d4c6f89a0d3a166cc67ce58f95b6d1639e68a394c99310d2e5',
    );
    expect(dockerfile).toMatch(/apt-get install -y --no-install-recommends \\\n {8}vim \\/);
    expect(dockerfile).toContain('SHELL ["/bin/bash", "-o", "pipefail", "-c"]');
    expect(dockerfile).toContain('| gpg --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg');
    expect(dockerfile).toContain(
      '[signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v${KUBECTL_VERSION}/deb/ /',
    );
    expect(dockerfile).toContain('sha256sum -c -');
    expect(dockerfile).toContain('pip install --no-cache-dir');
    expect(dockerfile).toMatch(/apt-get clean && \\\n {4}rm -rf \/var\/lib\/apt\/lists\/\*\n/);
    expect(dockerfile).toContain('USER 1000:1000\nCMD ["bash"]\n');
    expect(dockerfile).not.toContain('USER kuser');
    expect(dockerfile).not.toContain('# syntax=');
  });

  it('checks pinned binaries per architecture and refuses unpinned ones', () => {
    const { dockerfile } = render(makePlan(parseSpec(mirrorsText, 'mirrors.yaml')));
    expect(dockerfile).toContain(`amd64) bin_sha256=${'a'.repeat(64)} ;;`);
    expect(dockerfile).toContain(`arm64) bin_sha256=${'b'.repeat(64)} ;;`);
    expect(dockerfile).toMatch(/\*\) echo "kubox: no sha256 for mc on \$\{TARGETARCH\}.*exit 1 ;;/);
  });

  it('escapes LABEL and ENV values so nothing expands', () => {
    const { dockerfile } = render(makePlan(parseSpec(mirrorsText, 'mirrors.yaml')));
    expect(dockerfile).toContain('QUOTED="say \\"hi\\" for \\$5"');
    expect(dockerfile).toContain('org.opencontainers.image.title="air-kube"');
  });

  it('adds curl, ca-certificates and gpg when the spec downloads without listing them', () => {
    const spec = parseSpec(
      `name: t\nversion: '1'\nbase: debian:12@sha256:${'c'.repeat(64)}\nuser: {name: u, uid: 1000, gid: 1000}\napt:\n  repositories:\n    - {name: r, url: 'https://x/', key: 'https://x/k', packages: [pkg]}\n`,
      't.yaml',
    );
    const { dockerfile } = render(makePlan(spec));
    expect(dockerfile).toMatch(
      /--no-install-recommends \\\n {8}curl \\\n {8}ca-certificates \\\n {8}gpg &&/,
    );
  });

  it('emits the syntax directive only when asked, as the first line', () => {
    const { dockerfile } = render(makePlan(parseSpec(mirrorsText, 'mirrors.yaml')));
    expect(dockerfile.split('\n')[0]).toBe('# syntax=docker/dockerfile:1');
  });
});
