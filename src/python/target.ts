/**
 * The Python a wheel is installed for, and the PEP 425 tags it accepts. Pure:
 * the integrator reads the facts (version, glibc, paths) from the base image,
 * because nothing inside the image is run.
 */

export interface PythonTarget {
  /** [major, minor], e.g. [3, 13]. */
  version: [number, number];
  /** The wheel-tag machine name: amd64 -> x86_64, arm64 -> aarch64, arm/v7 -> armv7l, ppc64le, s390x. */
  arch: 'x86_64' | 'aarch64' | string;
  /** [2, 36] for glibc 2.36; undefined for musl or unknown, which admits pure wheels only. */
  glibc?: [number, number];
  /** Absolute path written into shebangs, e.g. /usr/local/bin/python3.13. */
  interpreter: string;
  /** Install directories, relative like FileEntry paths (usr/local/lib/python3.13/site-packages). */
  purelib: string;
  platlib: string;
  scripts: string;
  data: string;
  /** Where `.data/headers` go; pip's default is `<data>/include/python3.X/<project>`. */
  headers?: string;
}

/** Docker platform (`linux/arm64`, `linux/arm/v7`) to the machine name wheel tags use. */
export function wheelArch(platform: string): string {
  const [, arch = '', variant] = platform.split('/');
  switch (arch) {
    case 'amd64':
      return 'x86_64';
    case 'arm64':
      return 'aarch64';
    case '386':
      return 'i686';
    case 'arm':
      return variant === 'v6' ? 'armv6l' : 'armv7l';
    default:
      return arch;
  }
}

// manylinux1/2010/2014 are the pre-PEP 600 names of these glibc baselines.
const LEGACY_MANYLINUX: Record<string, string> = {
  '2.17': 'manylinux2014',
  '2.12': 'manylinux2010',
  '2.5': 'manylinux1',
};

/** Platform tags best-first, as packaging's `_linux_platforms` yields them. */
function platformTags(t: PythonTarget): string[] {
  if (t.glibc === undefined) return [];
  const [major, minor] = t.glibc;
  // Oldest manylinux baseline per architecture: only x86 wheels were ever built for glibc < 2.17.
  const tooOld = t.arch === 'x86_64' || t.arch === 'i686' ? 4 : 16;
  const out: string[] = [];
  if (major === 2) {
    for (let m = minor; m > tooOld; m--) {
      out.push(`manylinux_2_${m}_${t.arch}`);
      const legacy = LEGACY_MANYLINUX[`2.${m}`];
      if (legacy !== undefined) out.push(`${legacy}_${t.arch}`);
    }
  }
  out.push(`linux_${t.arch}`);
  return out;
}

/**
 * PEP 425 tags the target accepts, best first, in the order of
 * `packaging.tags.sys_tags()` for CPython: cpython_tags then compatible_tags.
 * A wheel's rank is the index of its best tag in this list.
 */
export function supportedTags(t: PythonTarget): string[] {
  const [major, minor] = t.version;
  const interp = `cp${major}${minor}`;
  const platforms = platformTags(t);
  const out: string[] = [];
  // cpython_tags: the interpreter's own ABI (no debug/pymalloc suffix since 3.8), abi3, none,
  // then abi3 of every older minor down to 3.2, where the stable ABI began.
  for (const p of platforms) out.push(`${interp}-${interp}-${p}`);
  const abi3 = major === 3 && minor >= 2;
  if (abi3) for (const p of platforms) out.push(`${interp}-abi3-${p}`);
  for (const p of platforms) out.push(`${interp}-none-${p}`);
  if (abi3) {
    for (let m = minor - 1; m > 1; m--)
      for (const p of platforms) out.push(`cp${major}${m}-abi3-${p}`);
  }
  // compatible_tags: pyXY, py3, then older pyXY, for the platform, then for "any".
  const pyRange = [`py${major}${minor}`, `py${major}`];
  for (let m = minor - 1; m >= 0; m--) pyRange.push(`py${major}${m}`);
  for (const v of pyRange) for (const p of platforms) out.push(`${v}-none-${p}`);
  out.push(`${interp}-none-any`);
  for (const v of pyRange) out.push(`${v}-none-any`);
  return out;
}

/** Rank of a wheel with these tags (lower is better), or undefined if none is supported. */
export function bestTagRank(
  wheelTags: readonly string[],
  ranks: ReadonlyMap<string, number>,
): number | undefined {
  let best: number | undefined;
  for (const tag of wheelTags) {
    const r = ranks.get(tag);
    if (r !== undefined && (best === undefined || r < best)) best = r;
  }
  return best;
}

export function tagRanks(t: PythonTarget): Map<string, number> {
  return new Map(supportedTags(t).map((tag, i) => [tag, i]));
}
