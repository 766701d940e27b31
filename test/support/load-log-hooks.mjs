/** Loader hooks for load-log.mjs (they run on the loader's own thread). */
import { appendFileSync } from 'node:fs';

let file;

export function initialize(data) {
  file = data.file;
}

export async function load(url, context, nextLoad) {
  // Synchronous: the process may exit right after the last load, before any async write.
  if (file) appendFileSync(file, `${url}\n`);
  return nextLoad(url, context);
}
