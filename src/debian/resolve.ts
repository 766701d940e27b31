/**
 * A dependency resolver for Debian packages, the way `apt-get install
 * --no-install-recommends` decides: Pre-Depends and Depends with
 * alternatives (the first that can be satisfied wins), versioned
 * constraints, virtual and versioned Provides, architecture `all`,
 * Multi-Arch qualifiers, and what the base image already has. Pure: indexes
 * in, a package list or an error naming the chain out. (Issue 6's native
 * engine builds on this.)
 */
import { KuboxError } from '../errors.js';
import {
  parseRelations,
  type Dependency,
  type DependencyGroup,
  type Paragraph,
} from './control.js';
import { compareVersions, satisfies } from './version.js';

export interface PackageRecord {
  name: string;
  version: string;
  architecture: string;
  essential: boolean;
  preDepends: DependencyGroup[];
  depends: DependencyGroup[];
  recommends: DependencyGroup[];
  conflicts: DependencyGroup[];
  breaks: DependencyGroup[];
  provides: Dependency[];
  /** Multi-Arch: same, foreign or allowed; absent means "no". */
  multiArch?: 'same' | 'foreign' | 'allowed' | 'no';
  filename?: string;
  sha256?: string;
  size?: number;
  /** Where the .deb is: the apt source's base URL + Filename. */
  url?: string;
  /** The apt source it came from ("debian", "debian-security", a spec repository's name); not Debian's Source field. */
  source?: string;
}

export function multiArchOf(value: string | undefined): PackageRecord['multiArch'] {
  const v = value?.trim().toLowerCase();
  return v === 'same' || v === 'foreign' || v === 'allowed' ? v : undefined;
}

export function recordFromParagraph(p: Paragraph): PackageRecord {
  const size = p.get('Size');
  const filename = p.get('Filename');
  const sha256 = p.get('SHA256');
  return {
    name: p.get('Package') ?? '',
    version: p.get('Version') ?? '',
    architecture: p.get('Architecture') ?? 'all',
    essential: p.get('Essential') === 'yes',
    preDepends: parseRelations(p.get('Pre-Depends')),
    depends: parseRelations(p.get('Depends')),
    recommends: parseRelations(p.get('Recommends')),
    conflicts: parseRelations(p.get('Conflicts')),
    breaks: parseRelations(p.get('Breaks')),
    provides: parseRelations(p.get('Provides')).flat(),
    ...(multiArchOf(p.get('Multi-Arch')) ? { multiArch: multiArchOf(p.get('Multi-Arch')) } : {}),
    ...(filename ? { filename } : {}),
    ...(sha256 ? { sha256 } : {}),
    ...(size ? { size: Number.parseInt(size, 10) } : {}),
  };
}

/** Where PackageIndex finds packages: by name, and by a name they provide (package-list.ts). */
export interface PackageSource {
  withName(name: string): readonly PackageRecord[];
  withProvides(name: string): readonly PackageRecord[];
}

/** Records added one by one (PackageIndex.add, for records already in hand), as a source. */
class RecordSource implements PackageSource {
  private readonly records: PackageRecord[] = [];
  push(rec: PackageRecord): void {
    this.records.push(rec);
  }
  withName(name: string): PackageRecord[] {
    return this.records.filter((r) => r.name === name);
  }
  withProvides(name: string): PackageRecord[] {
    return this.records.filter((r) => r.provides.some((p) => p.name === name));
  }
}

/**
 * The packages a target architecture can install, by name and by what they
 * provide. Sources are read only for the names the resolver asks about, in
 * the order they were added.
 */
export class PackageIndex {
  private readonly sources: PackageSource[] = [];
  private readonly byName = new Map<string, PackageRecord[]>();
  private readonly byProvides = new Map<string, { pkg: PackageRecord; version?: string }[]>();

  constructor(readonly arch: string) {}

  add(rec: PackageRecord): void {
    const last = this.sources[this.sources.length - 1];
    const records = last instanceof RecordSource ? last : new RecordSource();
    if (records !== last) this.sources.push(records);
    records.push(rec);
    this.forget();
  }

  addSource(source: PackageSource): void {
    this.sources.push(source);
    this.forget();
  }

  private forget(): void {
    this.byName.clear();
    this.byProvides.clear();
  }

  private fits(rec: PackageRecord): boolean {
    return rec.architecture === this.arch || rec.architecture === 'all';
  }

  versions(name: string): readonly PackageRecord[] {
    let list = this.byName.get(name);
    if (!list) {
      list = this.sources.flatMap((s) => s.withName(name).filter((r) => this.fits(r)));
      // Newest first: apt's candidate is the highest version (the first added among equals).
      list.sort((a, b) => compareVersions(b.version, a.version));
      this.byName.set(name, list);
    }
    return list;
  }

  providers(name: string): readonly { pkg: PackageRecord; version?: string }[] {
    let list = this.byProvides.get(name);
    if (!list) {
      list = [];
      for (const s of this.sources)
        for (const pkg of s.withProvides(name))
          if (this.fits(pkg))
            for (const p of pkg.provides)
              if (p.name === name) list.push({ pkg, ...(p.version ? { version: p.version } : {}) });
      this.byProvides.set(name, list);
    }
    return list;
  }
}

/** An unsatisfiable or conflicting request; the message names the chain that led there. */
export class ResolveError extends KuboxError {
  constructor(message: string, hint?: string) {
    super('resolve', message, {
      hint:
        hint ??
        'pin a version that exists (name=version), add the repository that has it, or use a base of the matching Debian release',
    });
  }
}

/** What is there already (the base image's dpkg status): name -> version and what it provides. */
export type Installed = ReadonlyMap<string, PackageRecord>;

function describe(d: Dependency): string {
  const name = d.archQualifier ? `${d.name}:${d.archQualifier}` : d.name;
  return d.relation ? `${name} (${d.relation} ${d.version})` : name;
}

/**
 * Can `pkg` satisfy a dependency carrying an architecture qualifier? Only one
 * architecture is ever installed here, so `:native` (and the target's own
 * name) always fits; `:any` needs a package that declares Multi-Arch: allowed
 * (or foreign); and a Multi-Arch: foreign package satisfies a dependency
 * whatever its qualifier, as dpkg decides.
 */
function archFits(pkg: PackageRecord, d: Dependency, arch: string): boolean {
  const q = d.archQualifier;
  if (!q || q === 'native' || pkg.multiArch === 'foreign') return true;
  if (q === 'any') return pkg.multiArch === 'allowed';
  return q === arch && (pkg.architecture === arch || pkg.architecture === 'all');
}

/** Does this package (by its own name or a Provides) satisfy the dependency? */
function provides(pkg: PackageRecord, d: Dependency, arch: string): boolean {
  if (!archFits(pkg, d, arch)) return false;
  if (pkg.name === d.name) return !d.relation || satisfies(pkg.version, d.relation, d.version!);
  return pkg.provides.some(
    (p) =>
      p.name === d.name &&
      (!d.relation ||
        (p.version !== undefined &&
          p.relation === '=' &&
          satisfies(p.version, d.relation, d.version!))),
  );
}

function appliesTo(d: Dependency, arch: string): boolean {
  if (!d.architectures) return true;
  const negated = d.architectures.every((a) => a.startsWith('!'));
  return negated ? !d.architectures.includes(`!${arch}`) : d.architectures.includes(arch);
}

/**
 * The packages to install, in an order where dependencies come first.
 * `requests` are package names, optionally `name=version`.
 *
 * What `installed` has counts as there. Its Essential packages (dpkg, bash,
 * coreutils...) stay exactly as they are: Debian packages may rely on them
 * without declaring it, and replacing them without running their maintainer
 * scripts would be unsafe, so a dependency that needs a newer one is an
 * error rather than an upgrade. Other installed packages are upgraded when a
 * dependency needs a newer version, as apt would.
 */
export function resolve(
  index: PackageIndex,
  requests: readonly string[],
  opts: { installed?: Installed; recommends?: boolean } = {},
): PackageRecord[] {
  const arch = index.arch;
  const installed = opts.installed ?? new Map<string, PackageRecord>();
  const chosen = new Map<string, PackageRecord>();
  const order: PackageRecord[] = [];
  const chains = new Map<string, string[]>();

  /** What the image will have: the chosen packages, and the base's where nothing replaces them. */
  const present = function* (): Generator<PackageRecord> {
    yield* chosen.values();
    for (const [name, p] of installed) if (!chosen.has(name)) yield p;
  };
  const satisfiedBy = (d: Dependency): boolean => {
    for (const p of present()) if (provides(p, d, arch)) return true;
    return false;
  };
  /** An Essential package of the base is never replaced. */
  const frozen = (name: string): PackageRecord | undefined => {
    const p = installed.get(name);
    return p?.essential ? p : undefined;
  };

  const candidate = (d: Dependency): PackageRecord | undefined => {
    const real = index.versions(d.name).find((p) => !frozen(p.name) && provides(p, d, arch));
    if (real) return real;
    // A virtual package: the first provider (by name, for a stable choice) that fits.
    return index
      .providers(d.name)
      .filter(({ pkg }) => !frozen(pkg.name) && provides(pkg, d, arch))
      .map(({ pkg }) => pkg)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
  };

  /** Why nothing fits, for the error: what exists, and which Essential base package would have to change. */
  const explain = (alts: readonly Dependency[]): string => {
    const essential = alts.map((d) => frozen(d.name)).filter((p) => p !== undefined);
    if (essential.length > 0)
      return ` (the base has ${essential.map((p) => `${p.name} ${p.version}`).join(', ')}, Essential, which kubox does not upgrade)`;
    const have = alts.flatMap((d) =>
      index
        .versions(d.name)
        .map(
          (p) =>
            `${p.name} ${p.version}${d.archQualifier && !archFits(p, d, arch) ? ` (Multi-Arch: ${p.multiArch ?? 'no'})` : ''}`,
        ),
    );
    return have.length ? ` (available: ${have.join(', ')})` : ' (no such package)';
  };

  const visit = (pkg: PackageRecord, chain: string[]): void => {
    if (chosen.has(pkg.name)) return;
    chosen.set(pkg.name, pkg);
    chains.set(pkg.name, chain);
    const groups = [...pkg.preDepends, ...pkg.depends, ...(opts.recommends ? pkg.recommends : [])];
    for (const group of groups) {
      const alts = group.filter((d) => appliesTo(d, arch));
      if (alts.length === 0 || alts.some(satisfiedBy)) continue;
      const pick = alts.map((d) => candidate(d)).find(Boolean);
      if (!pick) {
        const optional = opts.recommends && pkg.recommends.includes(group);
        if (optional) continue;
        throw new ResolveError(
          `${[...chain, pkg.name].join(' -> ')} needs ${alts.map(describe).join(' | ')}, which cannot be satisfied${explain(alts)}`,
        );
      }
      visit(pick, [...chain, pkg.name]);
    }
    order.push(pkg);
  };

  for (const request of requests) {
    const [name, version] = request.split('=');
    const d: Dependency = { name: name!, ...(version ? { relation: '=' as const, version } : {}) };
    // As `apt-get install NAME`: a real package of that name is installed even when another
    // package Provides the name (apt Provides apt-transport-https, and the package exists);
    // only a purely virtual name is satisfied by a provider, and only without a version.
    const byName = [...present()].some((p) => p.name === name && provides(p, d, arch));
    const virtual = index.versions(name!).length === 0;
    if (byName || (virtual && !version && satisfiedBy(d))) continue;
    const pkg = candidate(d);
    if (!pkg) {
      const base = frozen(name!);
      if (base)
        throw new ResolveError(
          `${request} cannot be installed: the base has ${base.name} ${base.version}, which is Essential and kubox does not replace it`,
          'drop the version pin, or use a base image that already has that version',
        );
      const have = index.versions(name!).map((p) => p.version);
      throw new ResolveError(
        `${request} cannot be installed: ${have.length ? `available versions are ${have.join(', ')}` : 'no such package for this architecture'}`,
      );
    }
    visit(pkg, []);
  }

  // Conflicts and Breaks against everything that will be there.
  const all = [...present()];
  for (const pkg of chosen.values()) {
    for (const d of [...pkg.conflicts, ...pkg.breaks].flat()) {
      if (!appliesTo(d, arch)) continue;
      for (const other of all) {
        if (other.name !== pkg.name && provides(other, d, arch)) {
          const via = (name: string) => [...(chains.get(name) ?? []), name].join(' -> ');
          throw new ResolveError(
            `${via(pkg.name)} conflicts with ${other.name} ${other.version}${chosen.has(other.name) ? ` (${via(other.name)})` : ' (already in the base)'}`,
          );
        }
      }
    }
  }
  return order;
}
