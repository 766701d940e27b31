/**
 * `kubox build` with docker buildx: the seed's build.sh, made careful. Renders
 * the Dockerfile into a private context directory (nothing else from the
 * machine can leak into the image), drives buildx with an argument array,
 * and reports the digests of what it made.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from '../../dockerfile/render.js';
import { KuboxError } from '../../errors.js';
import { writeOutputFile } from '../../fs.js';
import { run } from '../../exec.js';
import { buildEpoch, sourceInfo } from '../../git.js';
import { openArchive } from '../../image/archive.js';
import { summarize, type ImageSummary } from '../../image/summary.js';
import { parseReference } from '../../oci/reference.js';
import type { Plan } from '../../plan/plan.js';
import { buildLabels } from '../labels.js';
import { buildRequest, type BuildOptions, type BuildOutput, type BuildResult } from '../options.js';
import { buildArgv } from './argv.js';
import { diagnoseBuildFailure } from './diagnose.js';
import { checkDocker, prepareBuilder } from './docker.js';
import { publish } from '../../publish.js';

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
  try {
    const contextDir = join(work, 'context');
    await mkdir(contextDir);
    const { dockerfile, dockerignore } = render(plan);
    await writeFile(join(contextDir, 'Dockerfile'), dockerfile);
    await writeFile(join(contextDir, '.dockerignore'), dockerignore);
    const metadataFile = join(work, 'metadata.json');

    const runBuildx = async (buildOutput: BuildOutput): Promise<void> => {
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
    };

    // The digests of an archive, and of a push (which goes through one), are read
    // from the archive itself; only --load, which leaves no archive, takes its
    // digest from buildx's metadata file.
    let summary: ImageSummary | undefined;
    let digest: string | undefined;
    if (output.type === 'oci') {
      // Written beside its final name and renamed only when complete (for a device
      // or FIFO: copied into it once buildx is done), and read back before that.
      await writeOutputFile(output.path, async (file) => {
        await runBuildx({ type: 'oci', path: file });
        summary = await summarize(await openArchive(file));
      });
    } else if (output.type === 'push') {
      // kubox's registry client pushes exactly what was built, with its retries,
      // and never in parallel with a second push of the same tags (buildx's
      // docker driver pushes twice).
      const archive = join(work, 'push.oci.tar');
      await runBuildx({ type: 'oci', path: archive });
      const image = await openArchive(archive);
      summary = await summarize(image);
      await publish(image, output, tags, log);
    } else {
      await runBuildx(output);
      digest = await readMetadataDigest(metadataFile);
    }
    const built = summary?.digest ?? digest;
    return {
      output,
      tags,
      platforms,
      builder: builderName,
      engine: 'buildx',
      ...(built ? { digest: built } : {}),
      images: summary?.images.map((i) => ({ platform: i.platform, digest: i.digest })) ?? [],
      labels: { ...plan.labels, ...labels },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const METADATA_HINT =
  'buildx reported success but not the digest of what it built: update docker buildx, or write an archive (--output oci:PATH) instead of --load';

/**
 * The image digest in the metadata file buildx wrote (`--metadata-file`), which
 * `--load` needs: it is the one output whose digest no archive holds. A file
 * that is not a JSON object, or has no sha256 `containerimage.digest`, is an
 * error naming the file, never a build without a digest.
 */
export function parseMetadataDigest(text: string, file: string): string {
  let metadata: unknown;
  try {
    metadata = JSON.parse(text);
  } catch (e) {
    throw new KuboxError(
      'build-failed',
      `buildx's metadata file ${file} is not JSON (${(e as Error).message})`,
      { hint: METADATA_HINT, cause: e },
    );
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new KuboxError('build-failed', `buildx's metadata file ${file} is not a JSON object`, {
      hint: METADATA_HINT,
    });
  }
  const digest = (metadata as Record<string, unknown>)['containerimage.digest'];
  if (typeof digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new KuboxError(
      'build-failed',
      `buildx's metadata file ${file} has no image digest (containerimage.digest)`,
      { hint: METADATA_HINT },
    );
  }
  return digest;
}

/** Reads the metadata file buildx wrote after a successful build: its image digest. */
export async function readMetadataDigest(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new KuboxError(
      'build-failed',
      `buildx succeeded but its metadata file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      { hint: METADATA_HINT, cause: e },
    );
  }
  return parseMetadataDigest(text, file);
}
