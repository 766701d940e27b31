/**
 * `node --import ./test/support/load-log.mjs script.js` with KUBOX_LOAD_LOG=<file>:
 * appends the URL of every module the ESM loader loads to that file, one a
 * line (CommonJS files that a CommonJS module require()s are not seen).
 */
import { register } from 'node:module';

register('./load-log-hooks.mjs', import.meta.url, {
  data: { file: process.env.KUBOX_LOAD_LOG },
});
