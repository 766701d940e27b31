#!/usr/bin/env node
// `kubox inspect ... | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

// `kubox --version` and `kubox --help` are what scripts and people probe with:
// they answer before commander and the command definitions load.
const [flag, ...rest] = process.argv.slice(2);
const alone = rest.length === 0;
if (alone && (flag === '--version' || flag === '-V')) {
  const { kuboxVersion } = await import('../dist/version.js');
  process.stdout.write(`${kuboxVersion()}\n`);
} else if (alone && (flag === '--help' || flag === '-h') && (await printBuiltHelp())) {
  // Printed: dist/cli/help.txt is commander's own text (written by the build).
} else {
  // Node 22.1+ keeps compiled code between runs (under the OS temp dir); Node 20 has no such cache.
  (await import('node:module')).enableCompileCache?.();
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(process.argv);
}

/**
 * Prints the help text the build wrote (scripts/build-cli.mjs). Only where
 * commander would print those very bytes: to a pipe or a file, or to an
 * 80-column terminal (commander wraps to the terminal's width). False, and
 * commander answers, otherwise, or when the text is missing or older than the
 * CLI it describes.
 */
async function printBuiltHelp() {
  if (process.stdout.isTTY && process.stdout.columns !== 80) return false;
  const { readFileSync, statSync } = await import('node:fs');
  const help = new URL('../dist/cli/help.txt', import.meta.url);
  let text;
  try {
    // A dist/cli/main.js newer than the text (tsc run alone after the build) may define other commands.
    const main = statSync(new URL('../dist/cli/main.js', import.meta.url));
    if (statSync(help).mtimeMs < main.mtimeMs) return false;
    text = readFileSync(help, 'utf8');
  } catch {
    return false;
  }
  process.stdout.write(text);
  return true;
}
