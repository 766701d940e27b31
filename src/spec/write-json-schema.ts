/** Build step: writes schema/kubox.schema.json for the package (see package.json "build"). */
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { specJsonSchema } from './json-schema.js';

const out = fileURLToPath(new URL('../../schema/kubox.schema.json', import.meta.url));
mkdirSync(fileURLToPath(new URL('../../schema/', import.meta.url)), { recursive: true });
writeFileSync(out, `${JSON.stringify(specJsonSchema(), null, 2)}\n`);
