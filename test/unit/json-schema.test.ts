import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { specJsonSchema } from '../../src/spec/json-schema.js';

describe('the JSON Schema shipped for editors', () => {
  it('is the one generated from the zod schema (npm run build writes it)', () => {
    const shipped = JSON.parse(
      readFileSync(new URL('../../schema/kubox.schema.json', import.meta.url), 'utf8'),
    );
    expect(shipped).toEqual(specJsonSchema());
  });

  it('rejects unknown keys and describes the keys people write', () => {
    const schema = specJsonSchema() as {
      additionalProperties: boolean;
      properties: Record<string, { description?: string }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.args!.description).toContain('KUBECTL_VERSION');
    expect(schema.properties.syntax!.description).toContain('# syntax=');
  });
});
