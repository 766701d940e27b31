import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emulationGap } from '../../src/verify/verify.js';

describe("emulationGap: can this machine run a platform's binaries?", () => {
  const binfmt = mkdtempSync(join(tmpdir(), 'binfmt-'));

  it('always runs the native platform', () => {
    expect(emulationGap('linux/amd64', 'linux/amd64', binfmt)).toBeUndefined();
  });

  it('says why a foreign platform is skipped when QEMU is not registered', () => {
    expect(emulationGap('linux/arm64', 'linux/amd64', binfmt)).toBe(
      `QEMU is not registered for linux/arm64 (${binfmt}/qemu-aarch64 is missing); install qemu-user-static and binfmt-support`,
    );
  });

  it('skips a foreign platform whose handler is disabled', () => {
    writeFileSync(
      join(binfmt, 'qemu-aarch64'),
      'disabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n',
    );
    expect(emulationGap('linux/arm64', 'linux/amd64', binfmt)).toMatch(/registered but disabled/);
  });

  it('runs a foreign platform once its binfmt handler is enabled', () => {
    writeFileSync(join(binfmt, 'qemu-aarch64'), 'enabled\n');
    expect(emulationGap('linux/arm64', 'linux/amd64', binfmt)).toBeUndefined();
  });
});
