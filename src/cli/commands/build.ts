import { Option, type Command } from 'commander';
import type { BuildFlags } from '../build.js';
import type { Context } from '../context.js';
import { buildArgOption, collect, specOption } from '../options.js';

export function registerBuild(program: Command, ctx: Context): void {
  program
    .command('build')
    .description(
      'build the image with docker buildx or the daemonless native engine (default: push when image.repository is set, else an OCI archive under ./out)',
    )
    .addOption(specOption())
    .option('--platform <list>', "comma-separated platforms (default: the spec's)")
    .option('--push', 'push the tags to their registry')
    .option('--load', 'load the image into the local docker image store')
    .option('--output <oci:PATH>', 'write an OCI image layout archive')
    .option(
      '-t, --tag <ref>',
      "full image reference; replaces the spec's tags (repeatable)",
      collect,
    )
    .addOption(buildArgOption())
    .option('--network <mode>', 'buildx: network for RUN steps (e.g. host)')
    .option('--builder <name>', "buildx: an existing builder to use instead of the spec's")
    .addOption(
      new Option('--progress <mode>', 'buildx: BuildKit progress output')
        .choices(['auto', 'plain', 'tty', 'quiet'])
        .default('auto'),
    )
    .option(
      '--scan',
      "build an OCI archive, scan it (the spec's scan: gate), push that archive only if it passes (with the scan report attached as a referrer)",
    )
    .option(
      '--provenance',
      'with --push: attach SLSA v1 provenance (an in-toto statement) to the pushed image as an OCI referrer',
    )
    .addOption(
      new Option(
        '--sbom [format]',
        "with --push: attach each platform's SBOM (from the image, and the lock for the native engine) to its manifest as an OCI referrer",
      )
        .choices(['spdx-json', 'cyclonedx-json'])
        .preset('spdx-json'),
    )
    .option(
      '--sign',
      'with --push: sign the pushed index and every platform manifest, cosign-compatible (needs --key; password from COSIGN_PASSWORD or asked)',
    )
    .option('--key <path>', 'with --sign: the cosign.key to sign with (kubox sign --generate-key)')
    .addOption(
      new Option(
        '--engine <name>',
        "buildx (Docker), native (no daemon: packages and wheels assembled onto the base), or auto: buildx when Docker with buildx answers, else native (default: the spec's engine:, auto)",
      ).choices(['auto', 'native', 'buildx']),
    )
    .option(
      '--locked',
      'native engine: fail unless kubox.lock exists and matches the spec (for CI), instead of resolving again',
    )
    .option('--json', 'print the result as JSON', false)
    .addHelpText(
      'after',
      "\nExamples:\n  kubox build                                  # OCI archive in ./out (no registry needed)\n  kubox build --scan --push                    # push only what passed the vulnerability gate\n  kubox build --push                           # to image.repository with the spec's tags\n  kubox build --platform linux/amd64 --load    # one platform into the local image store\n  kubox build --engine native --locked         # no Docker: exactly what kubox.lock pins\n  kubox build --build-arg KUBECTL_VERSION=1.35 --tag ghcr.io/acme/py-kube:k1.35 --push",
    )
    .action(async (o: BuildFlags) => (await import('../build.js')).runBuild(ctx, o));
}
