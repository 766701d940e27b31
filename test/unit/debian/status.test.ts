import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { installedFromStatus } from '../../../src/debian/status.js';

describe('installedFromStatus', () => {
  it("reads this machine's dpkg status", () => {
    const text = readFileSync('/var/lib/dpkg/status', 'utf8');
    const installed = installedFromStatus(text);
    const listed = text.match(/^Status: (install|hold) ok installed$/gm)!.length;
    expect(installed.size).toBe(listed);
    const dpkg = installed.get('dpkg')!;
    expect(dpkg.essential).toBe(true);
    expect(dpkg.version).toMatch(/^\d/);
    expect(installed.get('libc6')!.multiArch).toBe('same');
    expect(installed.get('libc6')!.architecture).toMatch(/^(amd64|arm64)$/);
  });

  it('keeps only packages that are installed, not removed ones or half-installed ones', () => {
    const status = [
      'Package: kept\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\nDepends: libc6 (>= 2.34)\n',
      'Package: held\nStatus: hold ok installed\nVersion: 2.0\nArchitecture: all\n',
      'Package: removed\nStatus: deinstall ok config-files\nVersion: 1.0\nArchitecture: amd64\n',
      'Package: broken\nStatus: install reinstreq half-installed\nVersion: 1.0\nArchitecture: amd64\n',
      'Package: unpacked\nStatus: install ok unpacked\nVersion: 1.0\nArchitecture: amd64\n',
    ].join('\n');
    const installed = installedFromStatus(status);
    expect([...installed.keys()]).toEqual(['kept', 'held']);
    expect(installed.get('kept')!.depends).toEqual([
      [{ name: 'libc6', relation: '>=', version: '2.34' }],
    ]);
  });
});
