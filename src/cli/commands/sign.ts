/** `kubox sign` and `kubox verify-signature`: cosign-compatible signatures. */
import type { Command } from 'commander';
import type { Context } from '../context.js';
import type { SignFlags, VerifySignatureFlags } from '../sign.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerSign(program: Command, ctx: Context): void {
  program
    .command('sign')
    .argument(
      '[image]',
      'registry/repository:tag or @sha256:... (the index and every manifest under it are signed)',
    )
    .description(
      'sign an image in a registry with a cosign key (cosign-compatible: ECDSA P-256, simple signing, the sha256-<hex>.sig tag), or generate a key pair',
    )
    .option(
      '--key <path>',
      'cosign private key (password from COSIGN_PASSWORD, or asked on a terminal)',
    )
    .option(
      '--generate-key',
      'write a new encrypted key pair (PREFIX.key, PREFIX.pub) instead',
      false,
    )
    .option('--output-key-prefix <prefix>', 'file name prefix for --generate-key', 'cosign')
    .option(
      '-a, --annotation <key=value>',
      "extra claim in the signed payload's optional section (repeatable)",
      collect,
    )
    .option('--json', 'print the result as JSON', false)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  kubox sign --generate-key                       # cosign.key + cosign.pub\n' +
        '  COSIGN_PASSWORD=... kubox sign ghcr.io/acme/py-kube:0.9.0 --key cosign.key\n' +
        '  kubox verify-signature ghcr.io/acme/py-kube:0.9.0 --key cosign.pub',
    )
    .action(async (image: string | undefined, o: SignFlags) =>
      (await import('../sign.js')).runSign(ctx, image, o),
    );

  program
    .command('verify-signature')
    .argument('<image>', 'registry/repository:tag or @sha256:...')
    .description(
      'check the cosign signatures of an image and of every manifest under it: exit 0 valid, 1 missing or invalid',
    )
    .requiredOption('--key <path>', 'cosign public key (cosign.pub)')
    .option('--json', 'print the verdict as JSON', false)
    .action(async (image: string, o: VerifySignatureFlags) =>
      (await import('../sign.js')).runVerifySignature(ctx, image, o),
    );
}
