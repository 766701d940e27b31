/**
 * `kubox --help` is served by bin/kubox.js from dist/cli/help.txt (written by
 * scripts/build-cli.mjs) without loading commander. It must never drift from
 * what commander prints: the same bytes as `kubox help` (commander's own
 * path), and the same text as the program defined in src/ today.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { rootHelp } from '../../../src/cli/main.js';
import { CLI_TEST_TIMEOUT, KUBOX_BIN, kubox } from '../../support/cli.js';

const HELP_TXT = fileURLToPath(new URL('../../../dist/cli/help.txt', import.meta.url));

describe('kubox --help fast path', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('prints exactly what commander prints for `kubox help`', async () => {
    const [fast, short, viaCommander] = await Promise.all([
      kubox(['--help']),
      kubox(['-h']),
      kubox(['help']),
    ]);
    expect(viaCommander.exitCode).toBe(0);
    expect(viaCommander.stdout).toMatch(/^Usage: kubox \[options\] \[command\]/);
    for (const r of [fast, short]) {
      expect(r).toEqual({ exitCode: 0, stdout: viaCommander.stdout, stderr: '' });
    }
  });

  it('the built text is the help of the program src/ defines (the build is current)', () => {
    expect(readFileSync(HELP_TXT, 'utf8')).toBe(rootHelp());
  });

  it("a command's --help goes to commander", async () => {
    const r = await kubox(['lint', '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Usage: kubox lint \[options\] \[paths\.\.\.\]/);
  });

  // A stand-in dist/: a main.js that says it ran, and a help.txt, in a copy of bin/.
  it('falls back to the CLI when help.txt is missing or older than dist/cli/main.js', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kubox-help-fast-'));
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    copyFileSync(KUBOX_BIN, join(root, 'bin', 'kubox.js'));
    const main = join(root, 'dist', 'cli', 'main.js');
    writeFileSync(
      main,
      "export async function main() { process.stdout.write('from the CLI\\n'); return 0; }\n",
    );
    const run = async () => {
      const r = await execa(process.execPath, [join(root, 'bin', 'kubox.js'), '--help'], {
        reject: false,
        stdin: 'ignore',
      });
      return String(r.stdout);
    };
    expect(await run()).toBe('from the CLI');

    const help = join(root, 'dist', 'cli', 'help.txt');
    writeFileSync(help, 'built help\n');
    const now = Date.now() / 1000;
    utimesSync(main, now - 100, now - 100);
    utimesSync(help, now, now);
    expect(await run()).toBe('built help');

    utimesSync(help, now - 200, now - 200); // tsc ran after the build: main.js is newer
    expect(await run()).toBe('from the CLI');
  });
});
