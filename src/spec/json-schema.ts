/** The JSON Schema of kubox.yaml, generated from the zod schema (never written by hand). */
import { z } from 'zod';
import { SpecSchema } from './schema.js';

export function specJsonSchema(): Record<string, unknown> {
  // `input`: what a person writes, where keys with defaults are optional.
  const schema = z.toJSONSchema(SpecSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    $id: 'https://kubox.dev/schema/kubox.schema.json',
    title: 'kubox.yaml',
    description: 'A kubox image spec: the single source of truth for a Kubernetes debug image.',
  };
}
