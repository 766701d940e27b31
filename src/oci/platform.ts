/**
 * Target platforms kubox builds for, and the names each one goes by:
 * BuildKit's `TARGETARCH`, the kernel's binfmt_misc entry used by QEMU.
 */

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** What each platform is called by BuildKit (TARGETARCH) and by QEMU's binfmt handler. */
const KNOWN: Record<string, { arch: string; qemu: string }> = {
  'linux/amd64': { arch: 'amd64', qemu: 'qemu-x86_64' },
  'linux/arm64': { arch: 'arm64', qemu: 'qemu-aarch64' },
  'linux/arm/v7': { arch: 'arm', qemu: 'qemu-arm' },
  'linux/arm/v6': { arch: 'arm', qemu: 'qemu-arm' },
  'linux/386': { arch: '386', qemu: 'qemu-i386' },
  'linux/ppc64le': { arch: 'ppc64le', qemu: 'qemu-ppc64le' },
  'linux/s390x': { arch: 's390x', qemu: 'qemu-s390x' },
  'linux/riscv64': { arch: 'riscv64', qemu: 'qemu-riscv64' },
};

export const KNOWN_PLATFORMS = Object.keys(KNOWN) as readonly string[];
export const KNOWN_ARCHES = [
  ...new Set(Object.values(KNOWN).map((k) => k.arch)),
] as readonly string[];

export function isKnownPlatform(p: string): boolean {
  return Object.hasOwn(KNOWN, p);
}

export function parsePlatform(p: string): Platform {
  const [os, architecture, variant] = p.split('/');
  if (os !== 'linux' || !architecture) throw new Error(`unsupported platform "${p}"`);
  return { os, architecture, ...(variant ? { variant } : {}) };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** BuildKit's TARGETARCH for a platform string such as `linux/arm64`. */
export function targetArch(platform: string): string {
  const k = Object.hasOwn(KNOWN, platform) ? KNOWN[platform] : undefined;
  if (!k) throw new Error(`unsupported platform "${platform}"`);
  return k.arch;
}

/** The binfmt_misc handler that lets this machine run the platform's binaries. */
export function qemuHandler(platform: string): string | undefined {
  return Object.hasOwn(KNOWN, platform) ? KNOWN[platform]?.qemu : undefined;
}

/** The platform this process runs on natively, in the same spelling. */
export function hostPlatform(nodeArch: string = process.arch): string {
  const map: Record<string, string> = {
    x64: 'linux/amd64',
    arm64: 'linux/arm64',
    arm: 'linux/arm/v7',
    ia32: 'linux/386',
    ppc64: 'linux/ppc64le',
    s390x: 'linux/s390x',
    riscv64: 'linux/riscv64',
  };
  return map[nodeArch] ?? `linux/${nodeArch}`;
}
