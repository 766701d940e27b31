/** The KuboxError a promise rejects with; fails the test when it resolves or rejects otherwise. */
import { expect } from 'vitest';
import { KuboxError } from '../../src/errors.js';

export async function caught(p: Promise<unknown>): Promise<KuboxError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KuboxError);
  return e as KuboxError;
}
