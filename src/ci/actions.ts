/**
 * The GitHub Actions the generated workflow uses, each pinned by full commit
 * SHA with its release as a comment (Dependabot reads and updates both).
 * The one place these pins live.
 */
export interface PinnedAction {
  uses: string;
  sha: string;
  version: string;
}

export const ACTIONS = {
  checkout: {
    uses: 'actions/checkout',
    sha: '11bd71901bbe5b1630ceea73d27597364c9af683',
    version: 'v4.2.2',
  },
  setupNode: {
    uses: 'actions/setup-node',
    sha: '39370e3970a6d050c480ffad4ff0ed4d3fdee5af',
    version: 'v4.1.0',
  },
  setupQemu: {
    uses: 'docker/setup-qemu-action',
    sha: '49b3bc8e6bdd4a60e6116a5414239cba5943d3cf',
    version: 'v3.2.0',
  },
  setupBuildx: {
    uses: 'docker/setup-buildx-action',
    sha: 'c47758b77c9736f4b2ef4073d4d51994fabfe349',
    version: 'v3.7.1',
  },
  login: {
    uses: 'docker/login-action',
    sha: '9780b0c442fbb1117ed29e0efdff1e18412f7567',
    version: 'v3.3.0',
  },
  cosignInstaller: {
    uses: 'sigstore/cosign-installer',
    sha: 'd58896d6a1865668819e1d91763c7751a165e159',
    version: 'v3.9.2',
  },
  uploadSarif: {
    uses: 'github/codeql-action/upload-sarif',
    sha: '5d4e8d1aca955e8d8589aabd499c5cae939e33c7',
    version: 'v4.31.9',
  },
} as const satisfies Record<string, PinnedAction>;

export function usesLine(a: PinnedAction): string {
  return `${a.uses}@${a.sha} # ${a.version}`;
}
