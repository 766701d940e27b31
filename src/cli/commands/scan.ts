import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import { SEVERITIES, specOption } from '../options.js';
import type { ScanFlags } from '../scan.js';

export function registerScan(program: Command, ctx: Context): void {
  program
    .command('scan')
    .argument('<image>', 'registry reference or oci:PATH (an OCI archive or layout)')
    .description(
      'scan an image with Trivy and apply the gate in kubox.yaml (scan:): exit 0 passed, 1 failed, 3 no scanner',
    )
    .addOption(specOption())
    .option('--severity <list>', `severities that fail the gate (${SEVERITIES.join(',')})`)
    .option('--ignore-unfixed', 'only fixable vulnerabilities fail the gate')
    .option('--no-ignore-unfixed', 'unfixed vulnerabilities fail the gate too')
    .option('--ignore-file <path>', 'a .trivyignore of accepted IDs (default: ./.trivyignore)')
    .addOption(
      new Option('--format <format>', 'what to print or write (default: table)').choices([
        'table',
        'json',
        'sarif',
      ]),
    )
    .option('--output <file>', 'write the --format output here; the table still goes to stdout')
    .option('--timeout <duration>', 'stop the scan after this long', '15m')
    .addOption(
      new Option('--scanner <kind>', 'trivy on PATH, or the Trivy image through docker')
        .choices(['auto', 'trivy', 'docker'])
        .default('auto'),
    )
    .option('--json', 'same as --format json (errors as JSON too)', false)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  kubox scan oci:out/py-kube-0.9.0.oci.tar\n' +
        '  kubox scan ghcr.io/acme/py-kube:0.9.0 --severity CRITICAL --ignore-unfixed\n' +
        '  kubox scan oci:out/img.tar --format sarif --output kubox-scan.sarif   # for code scanning',
    )
    .action(async (image: string, o: ScanFlags) =>
      (await import('../scan.js')).runScan(ctx, image, o),
    );
}
