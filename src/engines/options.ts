/**
 * What every engine's build takes and returns, and the checks on it that do
 * not depend on the engine: one definition for buildx and native alike.
 */
import { resolve } from 'node:path';
import { KuboxError } from '../errors.js';
import { isKnownPlatform } from '../oci/platform.js';
import { parseReference } from '../oci/reference.js';
import type { Plan } from '../plan/plan.js';
import { ARG_VALUE } from '../spec/schema.js';
import type { Progress } from '../cache.js';
import type { ImageNode } from '../image/model.js';

/** Where a build goes: pushed, loaded into Docker, or an OCI layout archive (tar) at `path`. */
export type BuildOutput = { type: 'push' } | { type: 'load' } | { type: 'oci'; path: string };

export interface BuildOptions {
  platforms?: readonly string[];
  output?: BuildOutput;
  /** Full references that replace the spec's tags. */
  tags?: readonly string[];
  builder?: string;
  buildArgs?: Readonly<Record<string, string>>;
  network?: string;
  progress?: 'auto' | 'plain' | 'tty' | 'quiet';
  /** Where ./out and the git checkout are looked for. */
  cwd?: string;
  log?: (msg: string) => void;
  /** Which engine builds; default: the spec's `engine:` (auto). */
  engine?: EngineName;
  /** Native engine: fail when kubox.lock is missing or does not match the spec (CI). */
  locked?: boolean;
  /** Where the spec came from (its kubox.lock sits beside it); see lockPath. */
  specSource?: string;
  /** Native engine: kubox's cache directory (default: cacheDir()). */
  cacheDir?: string;
  /** Native engine: download progress. */
  onProgress?: Progress;
  /** With a push: attach SLSA provenance to the pushed image (an OCI referrer). */
  provenance?: boolean;
  /** With a push: attach each platform's SBOM to its manifest (an OCI referrer), in this format. */
  sbom?: 'spdx-json' | 'cyclonedx-json';
  /** With a push: sign the pushed index and every platform manifest, cosign-style. */
  sign?: { key: string; password: string };
}

export type EngineName = 'auto' | 'native' | 'buildx';

export interface BuildResult {
  output: BuildOutput;
  tags: string[];
  platforms: string[];
  builder: string;
  /** Digest of the image index (or manifest for a single platform). */
  digest?: string;
  images: { platform: string; digest: string }[];
  labels: Record<string, string>;
  /** The engine that built it (auto resolves to one of these). */
  engine: 'buildx' | 'native';
  /** Native engine: maintainer-script effects kubox did not emulate, one per package and effect. */
  warnings?: string[];
  /** Native engine: the lock used, and whether this build wrote it. */
  lock?: { path: string; written: boolean };
  /** With --sign: the cosign signatures written, per repository pushed to. */
  signed?: {
    image: string;
    digest: string;
    signed: { digest: string; sigTag: string; added: boolean }[];
  }[];
  /** Evidence attached to the pushed image as OCI referrers (--provenance, --scan). */
  attached?: { repository: string; subject: string; artifactType: string; digest: string }[];
  /** With --push: blobs uploaded, mounted from the base's repository, or already there. */
  pushed?: { uploaded: number; mounted: number; skipped: number; bytesUploaded: number };
}

/**
 * What an engine hands back: the image, readable through the image model and
 * published nowhere yet. Where it goes (an archive, a registry, Docker) is the
 * publish stage's business (publish.ts), after a scan when one is asked for.
 */
export interface BuiltImage {
  image: ImageNode;
  /** An OCI archive holding exactly `image`, when the engine wrote one (buildx): an archive output is a copy of it. */
  archive?: string;
  /** A private directory on the filesystem of the image's blobs (hard links to them work); dispose() removes it. */
  scratch: string;
  engine: 'buildx' | 'native';
  builder: string;
  images: { platform: string; digest: string }[];
  labels: Record<string, string>;
  warnings?: string[];
  lock?: { path: string; written: boolean };
  /** Removes what the build left for publishing (scratch, buildx's archive); the cache stays. */
  dispose(): Promise<void>;
}

/** What every engine is given: the plan, the caller's options, and what buildRequest settled. */
export type Engine = (plan: Plan, opts: BuildOptions, req: BuildRequest) => Promise<BuiltImage>;

/** Where a build goes when the command line does not say. */
export function defaultArchivePath(plan: Plan, cwd: string): string {
  return resolve(cwd, 'out', `${plan.spec.name}-${plan.spec.version}.oci.tar`);
}

export function defaultOutput(plan: Plan, cwd: string): BuildOutput {
  if (plan.spec.image.repository) return { type: 'push' };
  return { type: 'oci', path: defaultArchivePath(plan, cwd) };
}

export function checkOptions(plan: Plan, opts: BuildOptions): void {
  for (const p of opts.platforms ?? []) {
    if (!isKnownPlatform(p))
      throw new KuboxError('usage', `unknown platform "${p}"`, {
        hint: 'use os/arch such as linux/amd64 or linux/arm64',
      });
  }
  for (const t of opts.tags ?? []) {
    try {
      if (!parseReference(t).tag) throw new Error('it has no tag');
    } catch (e) {
      throw new KuboxError(
        'usage',
        `--tag ${t} is not a valid image reference: ${(e as Error).message}`,
        { hint: 'write it as registry/repository:tag' },
      );
    }
  }
  for (const [k, v] of Object.entries(opts.buildArgs ?? {})) {
    if (!ARG_VALUE.test(v)) {
      throw new KuboxError(
        'usage',
        `--build-arg ${k}=${JSON.stringify(v)}: the value may only hold letters, digits and . _ : / + -`,
      );
    }
    if (!Object.hasOwn(plan.spec.args, k)) {
      throw new KuboxError('usage', `--build-arg ${k} is not declared in kubox.yaml`, {
        hint: `declare it under args: (${Object.keys(plan.spec.args).join(', ') || 'none declared'})`,
      });
    }
  }
}

/** A push needs somewhere to go: --tag references, or the spec's repository. */
export function checkPushTarget(plan: Plan, opts: Pick<BuildOptions, 'tags'>): void {
  if (!opts.tags && !plan.spec.image.repository)
    throw new KuboxError(
      'usage',
      '--push needs a registry: set image.repository in kubox.yaml or pass --tag registry/repo:tag',
    );
}

export interface BuildRequest {
  cwd: string;
  log: (msg: string) => void;
  platforms: string[];
  output: BuildOutput;
  tags: string[];
}

/** What a build settles before any work: checked options, and where and for which platforms it builds. */
export function buildRequest(plan: Plan, opts: BuildOptions): BuildRequest {
  const cwd = opts.cwd ?? process.cwd();
  checkOptions(plan, opts);
  const output = opts.output ?? defaultOutput(plan, cwd);
  if (output.type === 'push') checkPushTarget(plan, opts);
  else {
    const needPush = [
      opts.provenance && '--provenance',
      opts.sbom && '--sbom',
      opts.sign && '--sign',
    ].filter(Boolean);
    if (needPush.length > 0)
      throw new KuboxError(
        'usage',
        `${needPush.join(' and ')} ${needPush.length > 1 ? 'need' : 'needs'} a pushed image: add --push`,
        {
          hint: 'provenance and signatures live in the registry, beside the image they are about',
        },
      );
  }
  return {
    cwd,
    log: opts.log ?? (() => {}),
    platforms: [...(opts.platforms ?? plan.spec.platforms)],
    output,
    tags: [...(opts.tags ?? plan.tags)],
  };
}
