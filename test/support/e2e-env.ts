/**
 * The real test environment made by scripts/test-env/setup.sh: a Docker
 * engine with buildx and QEMU, an htpasswd-protected registry on 127.0.0.1,
 * and loopback stand-ins for the sources this machine cannot reach (a signed
 * kubectl apt repository, MinIO client binaries, a pip index), all of real
 * parts. The e2e tests fail, rather than skip, when it is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { loadPreset } from '../../src/spec/load.js';
import type { SpecInput } from '../../src/spec/schema.js';

export interface E2eEnv {
  registry: string;
  username: string;
  password: string;
  dockerConfig: string;
  base: string;
  httpBase: string;
  kubectlRepo: string;
  kubectlVersion: string;
  mcUrl: string;
  mcSha256: Record<string, string>;
  pipIndex: string;
  pipPackages: string[];
  qemuArm64: boolean;
  /** Second registry (distribution 2.8) with `auth: token`, e.g. 127.0.0.1:5001. */
  tokenRegistry?: string;
  /** Realm it sends clients to; start test/support/token-issuer.ts on this port. */
  tokenRealm?: string;
  /** `service` the registry expects in tokens' `aud` (and challenges). */
  tokenService?: string;
  /** `iss` the registry expects. */
  tokenIssuer?: string;
  /** Test-only token-signing key (PEM) and its self-signed certificate (the registry's rootcertbundle). */
  tokenKey?: string;
  tokenCert?: string;
  /** Package name to .deb path: bookworm's current packages, and this machine's installed versions. */
  scriptDebs?: { current: Record<string, string>; installed: Record<string, string> };
}

/** The seed's `pip install kubernetes httpie ipython`, served by the loopback index. */
export const SEED_PIP_PACKAGES = ['kubernetes', 'httpie', 'ipython'];

/** What kubox verify runs for them, as the image's non-root user, on every platform. */
export const SEED_PIP_CHECKS = [
  'pip packages installed',
  'pip check',
  "kubernetes: python -c 'import kubernetes'",
  'httpie: http --version',
  'ipython: ipython --version',
];

export const ENV_FILE = process.env.KUBOX_E2E_ENV ?? '/var/lib/kubox-e2e/env.json';

export function loadEnv(): E2eEnv {
  if (!existsSync(ENV_FILE)) {
    throw new Error(
      `${ENV_FILE} is missing: run \`sudo bash scripts/test-env/setup.sh\` (npm run test:all does)`,
    );
  }
  return JSON.parse(readFileSync(ENV_FILE, 'utf8')) as E2eEnv;
}

/**
 * The py-kube preset with every unreachable source swapped for its loopback
 * stand-in: the same shape the README tells air-gapped users to write.
 */
export function localSpec(env: E2eEnv, overrides: Partial<SpecInput> = {}): SpecInput {
  const preset = loadPreset('py-kube').spec;
  const repo = preset.apt.repositories[0]!;
  const keyUrl = `${env.kubectlRepo}Release.key`;
  const spec: SpecInput = {
    ...preset,
    image: { repository: `${env.registry}/kubox-e2e/py-kube`, tags: ['{{version}}', 'latest'] },
    base: env.base,
    args: { KUBECTL_VERSION: env.kubectlVersion },
    apt: {
      ...preset.apt,
      // The real Debian mirror, named explicitly so the mirror override path runs.
      mirror: 'http://deb.debian.org/debian',
      repositories: [{ ...repo, url: env.kubectlRepo, key: keyUrl }],
    },
    binaries: [
      { ...preset.binaries[0]!, url: env.mcUrl, sha256: env.mcSha256, checksumUrl: undefined },
    ],
    // As the seed: the loopback index holds them and their dependencies, built by setup.sh
    // from Debian bookworm's own Python packages (scripts/test-env/pypi-from-debian.py).
    pip: { indexUrl: env.pipIndex, packages: SEED_PIP_PACKAGES },
    builder: { name: 'default', driver: 'docker' },
    ...overrides,
  };
  return JSON.parse(JSON.stringify(spec)) as SpecInput;
}

export function specYaml(spec: SpecInput): string {
  return stringify(spec);
}
