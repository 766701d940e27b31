import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import type { SbomFlags } from '../sbom.js';

export function registerSbom(program: Command, ctx: Context): void {
  program
    .command('sbom')
    .argument('<image>', 'registry reference or oci:PATH (an OCI archive or layout)')
    .description(
      "write an image's software bill of materials: Debian packages (with licenses), Python distributions, the base image",
    )
    .addOption(
      new Option('--format <format>', 'SBOM format')
        .choices(['spdx-json', 'cyclonedx-json'])
        .default('spdx-json'),
    )
    .option('--output <file>', 'write the SBOM here instead of to stdout')
    .option(
      '--lock <file>',
      "the native build's kubox.lock: adds each .deb's and wheel's URL, sha256 and apt source, and the binaries",
    )
    .option(
      '--platform <platform>',
      "which platform of a multi-platform image (default: the only one, else this machine's)",
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  kubox sbom oci:out/py-kube-0.9.0.oci.tar --platform linux/arm64\n' +
        '  kubox sbom ghcr.io/acme/py-kube:0.9.0 --format cyclonedx-json --output sbom.cdx.json\n' +
        '  kubox sbom oci:out/img.tar --lock kubox.lock --output sbom.spdx.json',
    )
    .action(async (image: string, o: SbomFlags) =>
      (await import('../sbom.js')).runSbom(ctx, image, o),
    );
}
