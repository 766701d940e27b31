import { describe, expect, it } from 'vitest';
import { chooseEngine } from '../../../src/engines/select.js';
import { KuboxError } from '../../../src/errors.js';

describe('engine selection', () => {
  it('takes an explicit engine without probing', async () => {
    const probe = () => Promise.reject(new Error('must not probe'));
    expect(await chooseEngine('native', undefined, probe)).toBe('native');
    expect(await chooseEngine('buildx', undefined, probe)).toBe('buildx');
  });

  it('auto: buildx when Docker with buildx answers, native otherwise, and says which', async () => {
    const said: string[] = [];
    expect(
      await chooseEngine(
        'auto',
        (m) => said.push(m),
        () => Promise.resolve(),
      ),
    ).toBe('buildx');
    for (const kind of ['docker-missing', 'daemon-unreachable', 'buildx-missing'] as const) {
      const probe = () => Promise.reject(new KuboxError(kind, `no ${kind}`));
      expect(await chooseEngine('auto', (m) => said.push(m), probe)).toBe('native');
    }
    expect(said[0]).toMatch(/^engine: buildx/);
    expect(said.slice(1)).toEqual([
      'engine: native (no docker-missing)',
      'engine: native (no daemon-unreachable)',
      'engine: native (no buildx-missing)',
    ]);
  });

  it('auto does not hide other failures', async () => {
    const probe = () => Promise.reject(new Error('boom'));
    await expect(chooseEngine('auto', undefined, probe)).rejects.toThrow('boom');
  });
});
