/**
 * The kubox command line: parse flags, call the library, print. Every
 * expected failure is a KuboxError, printed as a message with its fix and
 * turned into its exit code here, in one place.
 */
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, formatError, KuboxError } from '../errors.js';
import { kuboxVersion } from '../version.js';
import { makeOut, type Out } from './output.js';
import { registerBuild } from './build.js';
import { registerCi } from './ci.js';
import { registerInit } from './init.js';
import { registerLint } from './lint.js';
import { registerLock } from './lock.js';
import { registerRegistry } from './registry.js';
import { registerRender } from './render.js';
import { registerScan } from './scan.js';
import { registerSchema } from './schema.js';
import { registerVerify } from './verify.js';

export interface Context {
  out: Out;
  /** Set by --json on commands that support it; errors are then printed as JSON too. */
  json: boolean;
}

export const specOption = () =>
  new Option('-f, --file <path>', 'spec file (default: ./kubox.yaml, else the py-kube preset)');

/** `--build-arg` and other repeatable flags: each use adds one value. */
export const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The repeatable --build-arg flag, the same on build and lock. */
export const buildArgOption = () =>
  new Option(
    '--build-arg <NAME=VALUE>',
    'override a build arg declared in the spec (repeatable)',
  ).argParser(collect);

export function program(ctx: Context): Command {
  const cmd = new Command('kubox')
    .description(
      'Build Kubernetes debug container images the right way, from one spec (kubox.yaml).',
    )
    .version(kuboxVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  cmd.configureOutput({
    writeErr: (s) => process.stderr.write(s),
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
  return cmd;
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
            { error: { kind: e.kind, message: e.message, hint: e.hint, problems: e.problems } },
            null,
            2,
          ),
        );
      }
      process.stderr.write(`${formatError(e)}\n`);
      return e.exitCode;
    }
    process.stderr.write(
      `kubox: unexpected error (a bug; please report it):\n${(e as Error).stack ?? String(e)}\n`,
    );
    return 70;
  }
}
