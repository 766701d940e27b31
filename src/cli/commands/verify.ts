import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import { specOption } from '../options.js';
import type { VerifyFlags } from '../verify.js';

export function registerVerify(program: Command, ctx: Context): void {
  program
    .command('verify')
    .argument('<image>', 'registry reference, local image name, or oci:PATH')
    .description(
      'check an image against its spec: config, every tool it installs, nothing left behind',
    )
    .addOption(specOption())
    .option('--platform <list>', "comma-separated platforms to check (default: the spec's)")
    .addOption(
      new Option(
        '--profile <level>',
        'run every command under the constraints of this Kubernetes Pod Security level',
      ).choices(['restricted', 'baseline']),
    )
    .option(
      '--read-only',
      'with --profile: a read-only root filesystem, with a tmpfs on /tmp',
      false,
    )
    .option('--json', 'print the report as JSON', false)
    .addHelpText(
      'after',
      '\nExamples:\n  kubox verify oci:out/py-kube-0.9.0.oci.tar\n  kubox verify ghcr.io/acme/py-kube:0.9.0 --platform linux/arm64 --json\n  kubox verify ghcr.io/acme/py-kube:0.9.0 --profile restricted --read-only',
    )
    .action(async (image: string, o: VerifyFlags) =>
      (await import('../verify.js')).runVerify(ctx, image, o),
    );
}
