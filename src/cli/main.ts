/**
 * The kubox command line: parse flags, call the library, print. Every
 * expected failure is a KuboxError, printed as a message with its fix and
 * turned into its exit code here, in one place.
 *
 * Start-up loads commander, the command definitions (commands/*.ts: names,
 * flags, help; commander needs them all for --help) and a few small modules.
 * Each action imports its command's module (./<cmd>.ts) when it runs, so
 * `kubox --version` or `kubox lint` never waits for the engines, the
 * registry client or openpgp; errors thrown there still reach main() through
 * parseAsync. test/unit/cli-startup.test.ts keeps it so.
 *
 * The build bundles src/cli and src/lint with commander and dockerfile-ast
 * (scripts/build-cli.mjs: far fewer files to load), and writes rootHelp() to
 * dist/cli/help.txt, which bin/kubox.js prints for `kubox --help` without
 * loading any of this.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, formatError, KuboxError } from '../errors.js';
import { kuboxVersion } from '../version.js';
import { registerBuild } from './commands/build.js';
import { registerCi } from './commands/ci.js';
import { registerInit } from './commands/init.js';
import { registerLint } from './commands/lint.js';
import { registerLock } from './commands/lock.js';
import { registerRegistry } from './commands/registry.js';
import { registerRender } from './commands/render.js';
import { registerSbom } from './commands/sbom.js';
import { registerScan } from './commands/scan.js';
import { registerSchema } from './commands/schema.js';
import { registerSign } from './commands/sign.js';
import { registerVerify } from './commands/verify.js';
import type { Context } from './context.js';
import { makeOut } from './output.js';
import { redact, redactValue } from '../redact.js';

export type { Context };

export function program(ctx: Context): Command {
  const cmd = new Command('kubox')
    .description(
      'Build Kubernetes debug container images the right way, from one spec (kubox.yaml).',
    )
    .version(kuboxVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  cmd.configureOutput({
    // Usage errors quote the arguments, which may be a URL with credentials.
    writeErr: (s) => process.stderr.write(redact(s)),
    writeOut: (s) => process.stdout.write(s),
  });
  registerInit(cmd, ctx);
  registerRender(cmd, ctx);
  registerBuild(cmd, ctx);
  registerLock(cmd, ctx);
  registerVerify(cmd, ctx);
  registerRegistry(cmd, ctx);
  registerCi(cmd, ctx);
  registerSchema(cmd, ctx);
  registerLint(cmd, ctx);
  registerScan(cmd, ctx);
  registerSbom(cmd, ctx);
  registerSign(cmd, ctx);
  return cmd;
}

/**
 * `kubox --help` exactly as commander prints it to a pipe or file (80
 * columns, no colors). The build writes it to dist/cli/help.txt, which
 * bin/kubox.js serves without loading commander.
 */
export function rootHelp(): string {
  return program({ out: makeOut(), json: false })
    .configureOutput({ getOutHelpWidth: () => 80, getOutHasColors: () => false })
    .helpInformation();
}

export async function main(argv: readonly string[]): Promise<number> {
  const ctx: Context = { out: makeOut(), json: false };
  try {
    await program(ctx).parseAsync([...argv]);
    return process.exitCode === undefined ? ExitCode.ok : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with code 0; usage mistakes with 2.
      return e.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
    }
    if (e instanceof KuboxError) {
      if (ctx.json) {
        ctx.out.print(
          JSON.stringify(
            redactValue({
              error: { kind: e.kind, message: e.message, hint: e.hint, problems: e.problems },
            }),
            null,
            2,
          ),
        );
      }
      process.stderr.write(`${formatError(e)}\n`);
      return e.exitCode;
    }
    process.stderr.write(
      redact(
        `kubox: unexpected error (a bug; please report it):\n${(e as Error).stack ?? String(e)}\n`,
      ),
    );
    return 70;
  }
}
