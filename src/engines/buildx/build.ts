/**
 * `kubox build` with docker buildx: the seed's build.sh, made careful. Renders
 * the Dockerfile into a private context directory (nothing else from the
 * machine can leak into the image), drives buildx with an argument array,
 * and reports the digests of what it made.
 */
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { render } from '../../dockerfile/render.js';
import { run } from '../../exec.js';
import { buildEpoch, sourceInfo } from '../../git.js';
import { readArchive, type ImageSummary } from '../../oci/archive.js';
import { parseReference } from '../../oci/reference.js';
import type { Plan } from '../../plan/plan.js';
import { buildArgv, buildLabels } from './argv.js';
import { buildRequest, type BuildOptions, type BuildResult } from '../options.js';
import { diagnoseBuildFailure } from './diagnose.js';
import { checkDocker, prepareBuilder } from './docker.js';
import { push } from '../../registry/push.js';

export async function build(plan: Plan, opts: BuildOptions = {}): Promise<BuildResult> {
  const { cwd, log, platforms, output, tags } = buildRequest(plan, opts);

  await checkDocker();
  // An explicit --builder must already exist: kubox only creates the builder the spec describes.
  const builder = await prepareBuilder(
    opts.builder ? { name: opts.builder } : { config: plan.spec.builder },
    platforms,
    log,
  );
  const builderName = builder.name;

  const info = await sourceInfo(cwd);
  const epoch = buildEpoch(process.env, info);
  const labels = buildLabels(new Date(epoch * 1000), info.revision);

  const work = await mkdtemp(join(tmpdir(), 'kubox-build-'));
  let partial: string | undefined;
  try {
    const contextDir = join(work, 'context');
    await mkdir(contextDir);
    const { dockerfile, dockerignore } = render(plan);
    await writeFile(join(contextDir, 'Dockerfile'), dockerfile);
    await writeFile(join(contextDir, '.dockerignore'), dockerignore);
    const metadataFile = join(work, 'metadata.json');

    // An archive is written beside its final name and renamed only when complete.
    // A push goes through an archive too: kubox's registry client pushes exactly
    // what was built, with its retries, and never in parallel with a second
    // push of the same tags (buildx's docker driver pushes twice).
    let buildOutput = output;
    if (output.type === 'oci') {
      await mkdir(dirname(output.path), { recursive: true });
      partial = `${output.path}.partial-${process.pid}`;
      buildOutput = { type: 'oci', path: partial };
    } else if (output.type === 'push') {
      buildOutput = { type: 'oci', path: join(work, 'push.oci.tar') };
    }
    const argv = buildArgv(plan, {
      builder: builderName,
      platforms,
      contextDir,
      output: buildOutput,
      tags,
      buildArgs: opts.buildArgs ?? {},
      buildLabels: labels,
      sourceDateEpoch: epoch,
      metadataFile,
      ...(opts.network ? { network: opts.network } : {}),
      progress: opts.progress ?? 'auto',
    });
    log(`building ${tags.join(', ')} for ${platforms.join(', ')} with builder "${builderName}"`);
    const res = await run('docker', argv, { teeStderr: true, cwd });
    if (res.exitCode !== 0) {
      const registry = tags[0] ? parseReference(tags[0]).registry : undefined;
      throw diagnoseBuildFailure(res.stderr, {
        base: plan.spec.base,
        ...(registry ? { registry } : {}),
      });
    }
    if (output.type === 'oci' && partial) {
      await rename(partial, output.path);
      partial = undefined;
    }
    const metadata = JSON.parse(await readFile(metadataFile, 'utf8').catch(() => '{}')) as Record<
      string,
      unknown
    >;
    const digest =
      typeof metadata['containerimage.digest'] === 'string'
        ? metadata['containerimage.digest']
        : undefined;

    let summary: ImageSummary | undefined;
    if (buildOutput.type === 'oci') {
      const archive = output.type === 'oci' ? output.path : buildOutput.path;
      summary = await readArchive(archive);
      if (output.type === 'push') {
        log(`pushing ${tags.join(', ')}`);
        await push(`oci:${archive}`, tags, { log });
      }
    }
    return {
      output,
      tags,
      platforms,
      builder: builderName,
      engine: 'buildx',
      ...((summary?.digest ?? digest) ? { digest: summary?.digest ?? digest } : {}),
      images: summary?.images.map((i) => ({ platform: i.platform, digest: i.digest })) ?? [],
      labels: { ...plan.labels, ...labels },
    };
  } finally {
    if (partial) await rm(partial, { force: true });
    await rm(work, { recursive: true, force: true });
  }
}
