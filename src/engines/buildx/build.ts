/**
 * `kubox build` with docker buildx: the seed's build.sh, made careful. Renders
 * the Dockerfile into a private context directory (nothing else from the
 * machine can leak into the image), drives buildx with an argument array, and
 * has it write an OCI archive, which kubox reads in place as the built image.
 * Pushing, loading and copying that archive out are publish.ts's.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from '../../dockerfile/render.js';
import { run } from '../../exec.js';
import { buildEpoch, sourceInfo } from '../../git.js';
import { openArchive } from '../../image/archive.js';
import { summarize } from '../../image/summary.js';
import { parseReference } from '../../oci/reference.js';
import type { Plan } from '../../plan/plan.js';
import { buildLabels } from '../labels.js';
import type { BuildOptions, BuildRequest, BuiltImage } from '../options.js';
import { buildArgv } from './argv.js';
import { diagnoseBuildFailure } from './diagnose.js';
import { checkDocker, prepareBuilder } from './docker.js';

export async function build(
  plan: Plan,
  opts: BuildOptions,
  { cwd, log, platforms, tags }: BuildRequest,
): Promise<BuiltImage> {
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
  const dispose = () => rm(work, { recursive: true, force: true });
  try {
    const contextDir = join(work, 'context');
    await mkdir(contextDir);
    const { dockerfile, dockerignore } = render(plan);
    await writeFile(join(contextDir, 'Dockerfile'), dockerfile);
    await writeFile(join(contextDir, '.dockerignore'), dockerignore);
    // Whatever the output, buildx writes an OCI archive: what is scanned, pushed, loaded or
    // kept is then exactly these bytes, and kubox's registry client pushes them with its
    // retries, never twice in parallel (buildx's docker driver pushes twice).
    const archive = join(work, 'image.oci.tar');
    const argv = buildArgv(plan, {
      builder: builderName,
      platforms,
      contextDir,
      archive,
      tags,
      buildArgs: opts.buildArgs ?? {},
      buildLabels: labels,
      sourceDateEpoch: epoch,
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
    const image = await openArchive(archive);
    const summary = await summarize(image);
    return {
      image,
      archive,
      scratch: work,
      engine: 'buildx',
      builder: builderName,
      images: summary.images.map((i) => ({ platform: i.platform, digest: i.digest })),
      labels: { ...plan.labels, ...labels },
      dispose,
    };
  } catch (e) {
    await dispose();
    throw e;
  }
}
