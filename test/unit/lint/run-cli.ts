/** Runs the CLI from source (for tests that must not depend on a build). */
import { main } from '../../../src/cli/main.js';

process.exitCode = await main(process.argv);
