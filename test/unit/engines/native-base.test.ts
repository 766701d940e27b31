/**
 * Pulling the base for the native engine from a fake registry: a base the
 * registry does not have is base-not-found, told by the HttpError's status.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pullBase } from '../../../src/engines/native/base.js';
import { startFakeRegistry, type FakeRegistry } from '../registry/fake-registry.js';
import { caught } from '../../support/caught.js';

let fake: FakeRegistry;
let dir: string;
beforeAll(async () => {
  fake = await startFakeRegistry({ auth: 'anonymous' });
  dir = mkdtempSync(join(tmpdir(), 'kubox-base-'));
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

it('reports a base the registry does not have as base-not-found', async () => {
  const reference = `${fake.host}/library/gone@sha256:${'a'.repeat(64)}`;
  const err = await caught(
    pullBase(reference, ['linux/amd64'], dir, { credential: { kind: 'anonymous' }, env: {} }),
  );
  expect(err.kind).toBe('base-not-found');
  expect(err.message).toBe(`base image ${reference} was not found`);
  expect(err.exitCode).toBe(1);
});
