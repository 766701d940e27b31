/**
 * The official CycloneDX 1.6 JSON schema (with the SPDX license-id and JSF
 * schemas it references), as @cyclonedx/cyclonedx-library ships it, compiled
 * with ajv in strict-format mode: what kubox's CycloneDX output must pass.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import formats, { type FormatsPlugin } from 'ajv-formats';

// A CommonJS module: under NodeNext its function is the default export's default.
const addFormats = ((formats as unknown as { default?: FormatsPlugin }).default ??
  formats) as FormatsPlugin;

const SCHEMA_DIR = fileURLToPath(
  new URL('../../../node_modules/@cyclonedx/cyclonedx-library/res/schema/', import.meta.url),
);

const load = (name: string) =>
  JSON.parse(readFileSync(`${SCHEMA_DIR}${name}`, 'utf8')) as Record<string, unknown>;

let cached: ValidateFunction | undefined;

export function cyclonedxValidator(): ValidateFunction {
  if (cached) return cached;
  // The schema is draft-07 with its own keywords ("meta:enum", "deprecated"); strict mode would refuse those.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Formats ajv-formats lacks: an IRI reference has no spaces; an internationalized e-mail one "@".
  ajv.addFormat('iri-reference', /^\S*$/);
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/);
  // The bom schema refers to its neighbours by file name, relative to its own $id.
  for (const name of [
    'spdx.SNAPSHOT.schema.json',
    'jsf-0.82.SNAPSHOT.schema.json',
    'cryptography-defs.SNAPSHOT.schema.json',
  ]) {
    const schema = load(name);
    delete schema.$id;
    ajv.addSchema(schema, `http://cyclonedx.org/schema/${name}`);
  }
  const validate = ajv.compile(load('bom-1.6.SNAPSHOT.schema.json'));
  cached = validate;
  return validate;
}

let spdxCached: ValidateFunction | undefined;

/**
 * SPDX 2.3, as test/fixtures/sbom/spdx-2.3.subset.schema.json transcribes it
 * from the specification (no official schema file is reachable here; see the
 * README beside it).
 */
export function spdxValidator(): ValidateFunction {
  if (spdxCached) return spdxCached;
  const schema = JSON.parse(
    readFileSync(
      fileURLToPath(new URL('../../fixtures/sbom/spdx-2.3.subset.schema.json', import.meta.url)),
      'utf8',
    ),
  ) as Record<string, unknown>;
  const validate = new Ajv({ strict: true, allErrors: true }).compile(schema);
  spdxCached = validate;
  return validate;
}

/** SPDX's license-id list, as the CycloneDX schema enumerates it. */
export function spdxLicenseIds(): Set<string> {
  const s = load('spdx.SNAPSHOT.schema.json') as { enum: string[] };
  return new Set(s.enum);
}
