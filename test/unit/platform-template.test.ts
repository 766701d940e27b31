import { describe, expect, it } from 'vitest';
import {
  formatPlatform,
  hostPlatform,
  isKnownPlatform,
  KNOWN_ARCHES,
  KNOWN_PLATFORMS,
  parsePlatform,
  qemuHandler,
  targetArch,
} from '../../src/oci/platform.js';
import { expandTemplate, TemplateError } from '../../src/plan/template.js';

describe('targetArch', () => {
  it.each([
    ['linux/amd64', 'amd64'],
    ['linux/arm64', 'arm64'],
    ['linux/arm/v7', 'arm'],
    ['linux/arm/v6', 'arm'],
    ['linux/386', '386'],
    ['linux/ppc64le', 'ppc64le'],
    ['linux/s390x', 's390x'],
    ['linux/riscv64', 'riscv64'],
  ])('%s is TARGETARCH %s', (platform, arch) => {
    expect(targetArch(platform)).toBe(arch);
  });

  it.each(['linux/mips', 'windows/amd64', 'linux/arm64/v8', ''])('throws for %j', (p) => {
    expect(() => targetArch(p)).toThrow(`unsupported platform "${p}"`);
  });
});

describe('qemuHandler', () => {
  it.each([
    ['linux/amd64', 'qemu-x86_64'],
    ['linux/arm64', 'qemu-aarch64'],
    ['linux/arm/v7', 'qemu-arm'],
    ['linux/arm/v6', 'qemu-arm'],
    ['linux/386', 'qemu-i386'],
    ['linux/ppc64le', 'qemu-ppc64le'],
    ['linux/s390x', 'qemu-s390x'],
    ['linux/riscv64', 'qemu-riscv64'],
  ])('%s runs under %s', (platform, handler) => {
    expect(qemuHandler(platform)).toBe(handler);
  });

  it('is undefined for an unknown platform', () => {
    expect(qemuHandler('linux/mips')).toBeUndefined();
  });
});

describe('hostPlatform', () => {
  it.each([
    ['x64', 'linux/amd64'],
    ['arm64', 'linux/arm64'],
    ['arm', 'linux/arm/v7'],
    ['ia32', 'linux/386'],
    ['ppc64', 'linux/ppc64le'],
    ['s390x', 'linux/s390x'],
    ['riscv64', 'linux/riscv64'],
  ])('maps node arch %s to %s', (nodeArch, platform) => {
    expect(hostPlatform(nodeArch)).toBe(platform);
    expect(isKnownPlatform(platform)).toBe(true);
  });

  it('passes an unmapped arch through as linux/<arch>', () => {
    expect(hostPlatform('mips')).toBe('linux/mips');
    expect(hostPlatform('loong64')).toBe('linux/loong64');
  });

  it('defaults to this process', () => {
    expect(hostPlatform()).toBe(hostPlatform(process.arch));
  });
});

describe('isKnownPlatform and the known lists', () => {
  it('does not take Object.prototype names for platforms or template variables', () => {
    expect(isKnownPlatform('toString')).toBe(false);
    expect(isKnownPlatform('constructor')).toBe(false);
    expect(() => targetArch('toString')).toThrow(/unsupported platform/);
    expect(() => expandTemplate('x{{constructor}}', { version: '1' })).toThrow(TemplateError);
  });

  it('knows exactly the supported platforms', () => {
    expect(KNOWN_PLATFORMS).toEqual([
      'linux/amd64',
      'linux/arm64',
      'linux/arm/v7',
      'linux/arm/v6',
      'linux/386',
      'linux/ppc64le',
      'linux/s390x',
      'linux/riscv64',
    ]);
    for (const p of KNOWN_PLATFORMS) expect(isKnownPlatform(p)).toBe(true);
  });

  it.each(['windows/amd64', 'linux/mips', 'linux/arm64/v8', 'linux/arm', 'amd64', ''])(
    'does not know %j',
    (p) => {
      expect(isKnownPlatform(p)).toBe(false);
    },
  );

  it('lists each TARGETARCH once', () => {
    expect(KNOWN_ARCHES).toEqual(['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64']);
  });
});

describe('parsePlatform and formatPlatform', () => {
  it('splits os, architecture and variant, and joins them back', () => {
    expect(parsePlatform('linux/arm/v7')).toEqual({
      os: 'linux',
      architecture: 'arm',
      variant: 'v7',
    });
    expect(parsePlatform('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
    for (const p of KNOWN_PLATFORMS) expect(formatPlatform(parsePlatform(p))).toBe(p);
  });

  it.each(['windows/amd64', 'linux', 'linux/'])('rejects %j', (p) => {
    expect(() => parsePlatform(p)).toThrow(`unsupported platform "${p}"`);
  });
});

describe('expandTemplate', () => {
  const vars = { name: 'py-kube', version: '0.9.0' };

  it('replaces known variables', () => {
    expect(expandTemplate('{{version}}', vars)).toBe('0.9.0');
    expect(expandTemplate('{{name}}-{{version}}-{{version}}', vars)).toBe('py-kube-0.9.0-0.9.0');
  });

  it('allows spaces inside the braces', () => {
    expect(expandTemplate('v{{ version }}', vars)).toBe('v0.9.0');
    expect(expandTemplate('{{  name\t}}', vars)).toBe('py-kube');
  });

  it('leaves text without templates alone', () => {
    expect(expandTemplate('latest', vars)).toBe('latest');
    expect(expandTemplate('', vars)).toBe('');
  });

  it('leaves ${VAR} build args for BuildKit', () => {
    expect(expandTemplate('v${KUBECTL_VERSION}-{{version}}', vars)).toBe(
      'v${KUBECTL_VERSION}-0.9.0',
    );
    expect(expandTemplate('$version ${version}', vars)).toBe('$version ${version}');
  });

  it('leaves braces that do not hold a variable name', () => {
    expect(expandTemplate('{{}} {{ }} {{1x}} {version}', vars)).toBe('{{}} {{ }} {{1x}} {version}');
  });

  it('names an unknown variable and lists the known ones', () => {
    expect(() => expandTemplate('{{foo}}', vars)).toThrow(TemplateError);
    expect(() => expandTemplate('{{version}}-{{ foo }}', vars)).toThrow(
      'unknown template variable {{foo}}; use one of {{name}}, {{version}}',
    );
  });
});
