/**
 * SLSA v1 provenance, checked against a JSON Schema transcribed from SLSA's
 * own definition of the format (slsa-framework/slsa, docs/spec/v1.1/schema/
 * provenance.cue, and the in-toto Statement v1 and ResourceDescriptor specs):
 * the required fields, their types, lower-case hex digests and UTC
 * timestamps to the second.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import {
  provenanceStatement,
  SLSA_PROVENANCE_V1,
  type ProvenanceInput,
} from '../../../src/attest/provenance.js';
import type { Lock } from '../../../src/engines/native/lock.js';
import { GOLDEN_FIXTURE } from '../../support/golden-native.js';

const HEX = { type: 'string', pattern: '^[a-f0-9]+$' };
const resourceDescriptor = {
  type: 'object',
  properties: {
    uri: { type: 'string', minLength: 1 },
    digest: {
      type: 'object',
      properties: { sha256: { ...HEX, minLength: 64, maxLength: 64 }, gitCommit: HEX },
      additionalProperties: { type: 'string' },
    },
    name: { type: 'string' },
    downloadLocation: { type: 'string' },
    mediaType: { type: 'string' },
    content: { type: 'string' },
    annotations: { type: 'object' },
  },
  // in-toto: at least one of uri, digest and content.
  anyOf: [{ required: ['uri'] }, { required: ['digest'] }, { required: ['content'] }],
  additionalProperties: false,
};
const timestamp = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' };
const STATEMENT_SCHEMA = {
  type: 'object',
  required: ['_type', 'subject', 'predicateType', 'predicate'],
  additionalProperties: false,
  properties: {
    _type: { const: 'https://in-toto.io/Statement/v1' },
    subject: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'digest'],
        properties: {
          name: { type: 'string', minLength: 1 },
          digest: { type: 'object', minProperties: 1, additionalProperties: HEX },
        },
      },
    },
    predicateType: { const: 'https://slsa.dev/provenance/v1' },
    predicate: {
      type: 'object',
      required: ['buildDefinition', 'runDetails'],
      additionalProperties: false,
      properties: {
        buildDefinition: {
          type: 'object',
          required: ['buildType', 'externalParameters'],
          additionalProperties: false,
          properties: {
            buildType: { type: 'string', pattern: '^[a-z][a-z0-9+.-]*:' },
            externalParameters: { type: 'object' },
            internalParameters: { type: 'object' },
            resolvedDependencies: { type: 'array', items: resourceDescriptor },
          },
        },
        runDetails: {
          type: 'object',
          required: ['builder'],
          additionalProperties: false,
          properties: {
            builder: {
              type: 'object',
              required: ['id'],
              additionalProperties: false,
              properties: {
                id: { type: 'string', pattern: '^[a-z][a-z0-9+.-]*:' },
                builderDependencies: { type: 'array', items: resourceDescriptor },
                version: { type: 'object', additionalProperties: { type: 'string' } },
              },
            },
            metadata: {
              type: 'object',
              additionalProperties: false,
              properties: {
                invocationId: { type: 'string' },
                startedOn: timestamp,
                finishedOn: timestamp,
              },
            },
            byproducts: { type: 'array', items: resourceDescriptor },
          },
        },
      },
    },
  },
};

const lock = JSON.parse(readFileSync(join(GOLDEN_FIXTURE, 'kubox.lock'), 'utf8')) as Lock;
const INDEX = `sha256:${'1a'.repeat(32)}`;
const AMD64 = `sha256:${'2b'.repeat(32)}`;

const input: ProvenanceInput = {
  subjects: [
    { name: '127.0.0.1:5000/acme/golden', digest: INDEX },
    { name: '127.0.0.1:5000/acme/golden (linux/amd64)', digest: AMD64 },
  ],
  engine: 'native',
  kuboxVersion: '0.1.0',
  specSha256: 'c0'.repeat(32),
  specPath: '/w/kubox.yaml',
  buildArgs: { Z_ARG: '1', A_ARG: '2' },
  platforms: ['linux/amd64', 'linux/arm64'],
  base: `python:3.13-slim@sha256:${'3c'.repeat(32)}`,
  lock: { lock, sha256: 'd4'.repeat(32), path: '/w/kubox.lock' },
  revision: 'e5'.repeat(20),
  startedOn: new Date('2026-11-30T04:00:00.123Z'),
  finishedOn: new Date('2026-11-30T04:01:30.999Z'),
};

describe('SLSA v1 provenance', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(STATEMENT_SCHEMA);

  it('is a valid in-toto v1 statement with a SLSA v1 predicate', () => {
    const s = provenanceStatement(input);
    expect(validate(s), JSON.stringify(validate.errors)).toBe(true);
    expect(s.predicateType).toBe(SLSA_PROVENANCE_V1);
    // The schema is not vacuous: a statement without its builder fails it.
    const broken = structuredClone(s) as { predicate: { runDetails: Record<string, unknown> } };
    delete broken.predicate.runDetails.builder;
    expect(validate(broken)).toBe(false);
  });

  it('records builder, spec digest, build args, source, base, the lock and everything it pins', () => {
    const s = provenanceStatement(input) as {
      subject: { name: string; digest: Record<string, string> }[];
      predicate: {
        buildDefinition: {
          externalParameters: { spec: unknown; buildArgs: Record<string, string> };
          internalParameters: unknown;
          resolvedDependencies: { name?: string; uri?: string; digest: Record<string, string> }[];
        };
        runDetails: { builder: unknown; metadata: unknown };
      };
    };
    expect(s.subject).toEqual([
      { name: '127.0.0.1:5000/acme/golden', digest: { sha256: '1a'.repeat(32) } },
      { name: '127.0.0.1:5000/acme/golden (linux/amd64)', digest: { sha256: '2b'.repeat(32) } },
    ]);
    const def = s.predicate.buildDefinition;
    expect(def.externalParameters.spec).toEqual({
      path: '/w/kubox.yaml',
      digest: { sha256: 'c0'.repeat(32) },
    });
    expect(Object.keys(def.externalParameters.buildArgs)).toEqual(['A_ARG', 'Z_ARG']);
    expect(def.internalParameters).toEqual({ engine: 'native' });
    expect(s.predicate.runDetails.builder).toEqual({
      id: 'urn:kubox:builder:native',
      version: { kubox: '0.1.0' },
    });
    expect(s.predicate.runDetails.metadata).toEqual({
      startedOn: '2026-11-30T04:00:00Z',
      finishedOn: '2026-11-30T04:01:30Z',
    });
    const deps = def.resolvedDependencies;
    expect(deps[0]).toEqual({ name: 'source', uri: 'git', digest: { gitCommit: 'e5'.repeat(20) } });
    expect(deps[1]).toEqual({
      name: 'base',
      uri: 'oci://python:3.13-slim',
      digest: { sha256: '3c'.repeat(32) },
    });
    expect(deps[2]).toEqual({
      name: 'kubox.lock',
      uri: '/w/kubox.lock',
      digest: { sha256: 'd4'.repeat(32) },
    });
    // Every .deb the lock pins, once although both platforms pin it, with its URL and sha256.
    const debs = lock.platforms['linux/amd64']!.debs;
    for (const d of debs)
      expect(deps.filter((x) => x.uri === d.url)).toEqual([
        expect.objectContaining({ digest: { sha256: d.sha256 } }),
      ]);
    expect(deps.some((x) => x.uri?.endsWith('/dists/bookworm/InRelease'))).toBe(true);
  });

  it('is deterministic: the same inputs give the same bytes', () => {
    expect(JSON.stringify(provenanceStatement(input))).toBe(
      JSON.stringify(provenanceStatement({ ...input, buildArgs: { A_ARG: '2', Z_ARG: '1' } })),
    );
  });
});
