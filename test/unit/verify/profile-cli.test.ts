/**
 * `kubox verify --profile` refuses what it cannot mean before it touches a
 * spec or Docker: an unknown level, and --read-only without a level.
 */
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { program, type Context } from '../../../src/cli/main.js';
import { ExitCode, KuboxError } from '../../../src/errors.js';

async function verifyWith(args: string[]): Promise<unknown> {
  const ctx: Context = {
    json: false,
    out: { color: false, print: () => {}, info: () => {}, status: () => {} },
  };
  const cmd = program(ctx);
  // Commander's own message for a bad choice is asserted below, not printed.
  for (const c of [cmd, ...cmd.commands])
    c.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  return cmd
    .parseAsync(['verify', 'example.org/img:1', '-f', '/nonexistent/kubox.yaml', ...args], {
      from: 'user',
    })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
}

describe('kubox verify --profile usage', () => {
  it('--read-only without --profile is a usage error (exit 2) saying what to add', async () => {
    const err = await verifyWith(['--read-only']);
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).exitCode).toBe(ExitCode.badInput);
    expect((err as KuboxError).message).toBe('--read-only applies only with --profile');
    expect((err as KuboxError).hint).toMatch(/--profile restricted/);
  });

  it('a level that is not restricted or baseline is refused by the parser', async () => {
    const err = await verifyWith(['--profile', 'privileged']);
    expect(err).toBeInstanceOf(CommanderError);
    expect((err as CommanderError).code).toBe('commander.invalidArgument');
    expect((err as CommanderError).message).toMatch(/restricted, baseline/);
  });
});
