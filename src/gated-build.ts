/**
 * `kubox build --scan`: build to a local OCI archive, scan exactly that
 * archive, and push it with the registry client only if the gate passed.
 * The scanned bits are the pushed bits: nothing is rebuilt or re-pulled
 * between the scan and the push.
 */
import { defaultArchivePath, type BuildOptions, type BuildResult } from './engines/options.js';
import { buildImage as build } from './engines/select.js';
import { KuboxError } from './errors.js';
import type { Plan } from './plan/plan.js';
import { openArchive } from './image/archive.js';
import { pushImage, type PushResult } from './registry/push.js';
import {
  scan,
  scanPreflight,
  specScanOptions,
  type ScanOptions,
  type ScanOutcome,
} from './scan/scan.js';

export interface GatedBuildOptions extends BuildOptions {
  /** Push the scanned archive when the gate passes (to --tag refs, else the spec's tags). */
  push: boolean;
  /** Scanner settings; the gate itself comes from the spec's `scan:` unless given here. */
  scan?: Omit<ScanOptions, 'cwd' | 'log'>;
}

export interface GatedBuildResult {
  archive: string;
  build: BuildResult;
  scan: ScanOutcome;
  /** Present only when the gate passed and a push was asked for. */
  pushed?: PushResult;
}

export async function buildScanPush(
  plan: Plan,
  source: string,
  opts: GatedBuildOptions,
): Promise<GatedBuildResult> {
  const cwd = opts.cwd ?? process.cwd();
  if (opts.output && opts.output.type !== 'oci') {
    throw new KuboxError(
      'usage',
      '--scan builds an OCI archive to scan: it cannot be combined with --load',
      {
        hint: 'use --scan alone, with --push, or with --output oci:PATH',
      },
    );
  }
  const tags = opts.tags ?? plan.tags;
  if (opts.push && !opts.tags && !plan.spec.image.repository) {
    throw new KuboxError(
      'usage',
      '--push needs a registry: set image.repository in kubox.yaml or pass --tag registry/repo:tag',
    );
  }
  const scanOptions: ScanOptions = {
    ...specScanOptions(plan.spec, source),
    ...opts.scan,
    cwd,
    ...(opts.log ? { log: opts.log } : {}),
  };
  // No scanner means no gate: say so before a build that would be thrown away.
  await scanPreflight(scanOptions);
  const archive = opts.output?.path ?? defaultArchivePath(plan, cwd);
  const built = await build(plan, { ...opts, output: { type: 'oci', path: archive } });
  const outcome = await scan(`oci:${archive}`, scanOptions);
  const result: GatedBuildResult = { archive, build: built, scan: outcome };
  if (opts.push && outcome.gate.passed) {
    // The scanned archive, read in place: the pushed bits are the scanned bits.
    result.pushed = await pushImage(await openArchive(archive), tags, {
      ...(opts.log ? { log: opts.log } : {}),
    });
  }
  return result;
}
