/** The registry commands: pin, inspect, push, pull. */
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { DEFAULT_SPEC_FILE } from '../options.js';
import type { InspectFlags, PinFlags, PullFlags, PushFlags } from '../registry.js';

export function registerRegistry(program: Command, ctx: Context): void {
  program
    .command('pin')
    .description(
      "pin kubox.yaml's base to the digest its tag points at now (rewrites the file in place)",
    )
    .option('-f, --file <path>', 'spec file', DEFAULT_SPEC_FILE)
    .option('--check', 'only check: exit 1 when the tag moved, print old and new', false)
    .option('--json', 'print the result as JSON', false)
    .addHelpText('after', '\nExamples:\n  kubox pin\n  kubox pin --check   # in CI, on a schedule')
    .action(async (o: PinFlags) => (await import('../registry.js')).runPin(ctx, o));

  program
    .command('inspect')
    .argument('<image>', 'registry reference or oci:PATH (layout directory or archive)')
    .description("show an image's platforms, digests, layer sizes and config")
    .option(
      '--referrers',
      'also list the artifacts attached to the image and its platform manifests (SBOMs, provenance, scan reports, signatures)',
    )
    .option('--json', 'print as JSON', false)
    .addHelpText(
      'after',
      '\nExamples:\n  kubox inspect oci:out/py-kube-0.9.0.oci.tar\n  kubox inspect ghcr.io/acme/py-kube:0.9.0 --json\n  kubox inspect ghcr.io/acme/py-kube:0.9.0 --referrers',
    )
    .action(async (image: string, o: InspectFlags) =>
      (await import('../registry.js')).runInspect(ctx, image, o),
    );

  program
    .command('push')
    .argument('<source>', 'oci:PATH, an OCI layout directory or archive')
    .argument(
      '[refs...]',
      "registry/repository:tag targets (default: the spec's image.repository and tags)",
    )
    .option('-f, --file <path>', 'spec whose tags are the default targets')
    .description('push an OCI archive with every platform, without a daemon')
    .option(
      '--chunk-size <bytes>',
      'upload in chunks of this size (default: one request per blob)',
      (v) => Number.parseInt(v, 10),
    )
    .option('--mount-from <repo...>', 'repositories of the same registry to mount blobs from')
    .option('--json', 'print the result as JSON', false)
    .addHelpText(
      'after',
      '\nExample:\n  kubox push oci:out/py-kube-0.9.0.oci.tar ghcr.io/acme/py-kube:0.9.0 ghcr.io/acme/py-kube:latest',
    )
    .action(async (source: string, given: string[], o: PushFlags) =>
      (await import('../registry.js')).runPush(ctx, source, given, o),
    );

  program
    .command('pull')
    .argument('<ref>', 'registry/repository:tag or @digest')
    .argument('<dest>', 'oci:PATH of the archive to write')
    .description('pull every platform of an image into an OCI archive, without a daemon')
    .option('--json', 'print the result as JSON', false)
    .action(async (ref: string, dest: string, o: PullFlags) =>
      (await import('../registry.js')).runPull(ctx, ref, dest, o),
    );
}
