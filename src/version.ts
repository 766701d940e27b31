/** kubox's own version, from its package.json (dist/ and src/ both sit one level below the root). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function kuboxVersion(): string {
  cached ??= (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  return cached;
}
