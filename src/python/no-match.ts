/**
 * Why no distribution of a project fits a target, said so that the fix is
 * obvious: the pins exclude every version, Requires-Python does, or the
 * index has no wheel for this platform (only other architectures, or only an
 * sdist). Pure: the resolver hands in what the index listed.
 */
import type { Distribution } from './simple-index.js';
import { filterVersions, formatSpecifierSet, satisfies, tryParseVersion } from './pep440.js';
import type { Specifier } from './pep440.js';
import { supportedTags, type PythonTarget } from './target.js';

export interface NoMatch {
  message: string;
  hint: string;
}

export interface NoMatchInput {
  name: string;
  specs: readonly Specifier[];
  /** Who asked for it: "pyyaml>=5.4.1 (from kubernetes 22.6.0)". */
  askedBy: string;
  target: PythonTarget;
  /** The Docker platform being resolved for, e.g. linux/arm64. */
  platform?: string;
  /** Full Python version the target runs, for Requires-Python. */
  python: string;
  listing: readonly Distribution[];
  /** Tells whether a Requires-Python string admits the target's Python. */
  admits: (requiresPython: string | undefined) => boolean;
  /** Versions whose METADATA Requires-Python refused the target (the index may not say). */
  refusedByMetadata?: ReadonlyMap<string, string>;
}

/** "CPython 3.11 on linux/arm64 (aarch64, glibc 2.36)". */
export function describeTarget(t: PythonTarget, platform?: string): string {
  const libc = t.glibc ? `glibc ${t.glibc.join('.')}` : 'no glibc: pure wheels only';
  return `CPython ${t.version.join('.')} on ${platform ? `${platform} (${t.arch}, ${libc})` : `${t.arch} ${libc}`}`;
}

/** The tags a wheel must carry, summarised: how many, the best, and the pure one. */
export function describeTags(t: PythonTarget): string {
  const tags = supportedTags(t);
  return `${tags.length} tags (best ${tags[0]}; pure py3-none-any)`;
}

/** "6.0: wheels cp311-cp311-manylinux_2_36_x86_64; sdist" for each version. */
function offers(versions: readonly string[], files: readonly Distribution[]): string {
  return versions
    .map((v) => {
      const of = files.filter((d) => d.version === v);
      const tags = [...new Set(of.flatMap((d) => (d.kind === 'wheel' ? (d.tags ?? []) : [])))];
      const parts = [
        ...(tags.length > 0
          ? [`wheels ${tags.slice(0, 4).join(', ')}${tags.length > 4 ? ', ...' : ''}`]
          : []),
        ...(of.some((d) => d.kind === 'sdist') ? ['sdist'] : []),
      ];
      return `${v}: ${parts.join('; ')}`;
    })
    .join(' | ');
}

export function explainNoMatch(input: NoMatchInput): NoMatch {
  const { name, specs, askedBy, target, platform, listing } = input;
  const wanted = formatSpecifierSet(specs) || 'any version';
  const versionsOf = (ds: readonly Distribution[]) =>
    [...new Set(ds.map((d) => d.version))].filter((v) => tryParseVersion(v));
  const onIndex = versionsOf(listing);
  // Yanked releases count only when pinned exactly, and then the resolver takes them.
  const matching = filterVersions(versionsOf(listing.filter((d) => !d.yanked)), specs);
  const refused = input.refusedByMetadata ?? new Map<string, string>();
  const recent = (vs: readonly string[]) => vs.slice(-8).join(', ') || 'none';

  if (matching.length === 0) {
    const yanked = [
      ...new Set(
        listing.filter((d) => d.yanked && satisfies(d.version, specs, true)).map((d) => d.version),
      ),
    ];
    const note =
      yanked.length > 0 ? ` (yanked: ${yanked.join(', ')}; pin one with == to use it anyway)` : '';
    return {
      message: `no version of ${name} matches ${wanted} (asked for by ${askedBy}); versions on the index: ${recent(onIndex)}${note}`,
      hint: 'relax or change the version pins involved, or pin versions known to work together',
    };
  }

  const forPython = matching.filter(
    (v) =>
      !refused.has(v) && listing.some((d) => d.version === v && input.admits(d.requiresPython)),
  );
  if (forPython.length === 0) {
    const needs = [
      ...new Set([
        ...listing.filter((d) => matching.includes(d.version)).map((d) => d.requiresPython),
        ...refused.values(),
      ]),
    ];
    return {
      message: `no version of ${name} ${wanted} (asked for by ${askedBy}) supports Python ${input.python}: they require ${needs.filter(Boolean).join(' or ')}`,
      hint: `pin an older ${name} that supports Python ${input.python}, or use a base with a newer Python`,
    };
  }

  const where = platform ?? target.arch;
  const sdist = listing.some((d) => forPython.includes(d.version) && d.kind === 'sdist');
  return {
    message: `no wheel of ${name} ${wanted} (asked for by ${askedBy}) fits ${describeTarget(target, platform)}: looked for ${describeTags(target)}; the index offers ${offers(forPython.slice(-3), listing)}`,
    hint: [
      `add ${name} wheels for ${where} to the index`,
      `leave ${where} out (--platform)`,
      sdist
        ? 'or build with --engine buildx, where pip can build the sdist'
        : 'or use another version that has one',
    ].join(', '),
  };
}
