/**
 * `kubox build --scan`: build → scan → publish. The engine's image is scanned
 * where it lies (buildx's archive, or a layout of hard links to the native
 * engine's cache), kept as an OCI archive, and pushed with the registry client
 * only if the gate passed. The scanned bits are the pushed bits: nothing is
 * rebuilt, re-pulled or re-read from a second archive between scan and push.
 */
import { join } from 'node:path';
import { buildResult, withBuild } from './build.js';
import {
  checkPushTarget,
  defaultArchivePath,
  type BuildOptions,
  type BuildResult,
  type BuiltImage,
} from './engines/options.js';
import { KuboxError } from './errors.js';
import { writeLayout } from './image/write.js';
import type { Plan } from './plan/plan.js';
import { publish } from './publish.js';
import type { PushResult } from './registry/push.js';
import type { Artifact } from './registry/referrers.js';
import { formatScanSarif } from './scan/sarif.js';
import {
  scan,
  scanPreflight,
  specScanOptions,
  type ScanOptions,
  type ScanOutcome,
} from './scan/scan.js';

/** SARIF's registered media type: the scan report a gated push attaches. */
const SARIF_MEDIA_TYPE = 'application/sarif+json';

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
  if (opts.push) checkPushTarget(plan, opts);
  const scanOptions: ScanOptions = {
    ...specScanOptions(plan.spec, source),
    ...opts.scan,
    cwd,
    ...(opts.log ? { log: opts.log } : {}),
  };
  // No scanner means no gate: say so before a build that would be thrown away.
  await scanPreflight(scanOptions);
  const archive = opts.output?.path ?? defaultArchivePath(plan, cwd);
  const startedOn = new Date();
  // SBOMs, provenance and signatures come after the push below: not refused here as they
  // would be for the archive output this build itself has.
  const buildOpts: GatedBuildOptions = { ...opts, output: { type: 'oci', path: archive } };
  delete buildOpts.provenance;
  delete buildOpts.sbom;
  delete buildOpts.sign;
  return withBuild(plan, buildOpts, async (build, req) => {
    const built = await build();
    try {
      const finishedOn = new Date();
      const outcome = await scan(`oci:${await onDisk(built)}`, scanOptions);
      // The archive is kept whatever the verdict: it is what the report describes.
      await publish(built, req.output, req.tags, req.log);
      if (!(opts.push && outcome.gate.passed))
        return { archive, build: buildResult(built, req), scan: outcome };
      const { pushed } = await publish(built, { type: 'push' }, req.tags, req.log);
      // The image carries the evidence that it passed the gate (and, asked for, its provenance).
      const report: Artifact = {
        artifactType: SARIF_MEDIA_TYPE,
        mediaType: SARIF_MEDIA_TYPE,
        bytes: Buffer.from(formatScanSarif(outcome)),
      };
      const { publishEvidence } = await import('./attest/evidence.js');
      const evidence = await publishEvidence(plan, built, req, opts, { startedOn, finishedOn }, [
        report,
      ]);
      return {
        archive,
        build: buildResult(built, req, pushed, evidence),
        scan: outcome,
        ...(pushed ? { pushed } : {}),
      };
    } finally {
      await built.dispose();
    }
  });
}

/** A path a scanner can read the image at: the engine's archive, else a layout linking its blobs. */
async function onDisk(built: BuiltImage): Promise<string> {
  if (built.archive) return built.archive;
  const dir = join(built.scratch, 'layout');
  await writeLayout(dir, built.image);
  return dir;
}
