#!/usr/bin/env node
// `kubox --version` is what scripts probe with: it answers before the command
// definitions (and commander) load, with the same version commander prints.
const [flag, ...rest] = process.argv.slice(2);
if (rest.length === 0 && (flag === '--version' || flag === '-V')) {
  const { kuboxVersion } = await import('../dist/version.js');
  process.stdout.write(`${kuboxVersion()}\n`);
} else {
  const { main } = await import('../dist/cli/main.js');

  // `kubox inspect ... | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  process.exitCode = await main(process.argv);
}
