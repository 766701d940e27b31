/**
 * A dependency resolver for Debian packages, the way `apt-get install
 * --no-install-recommends` decides: Pre-Depends and Depends with
 * alternatives (the first that can be satisfied wins), versioned
 * constraints, virtual and versioned Provides, architecture `all`, and what
 * the base image already has. Pure: indexes in, a package list or an error
 * naming the chain out. (Issue 6's native engine builds on this.)
 */
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
  filename?: string;
  sha256?: string;
  size?: number;
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
    ...(filename ? { filename } : {}),
    ...(sha256 ? { sha256 } : {}),
    ...(size ? { size: Number.parseInt(size, 10) } : {}),
  };
}

/** The packages a target architecture can install, by name and by what they provide. */
export class PackageIndex {
  private readonly byName = new Map<string, PackageRecord[]>();
  private readonly byProvides = new Map<string, { pkg: PackageRecord; version?: string }[]>();

  constructor(readonly arch: string) {}

  add(rec: PackageRecord): void {
    if (rec.architecture !== this.arch && rec.architecture !== 'all') return;
    const list = this.byName.get(rec.name) ?? [];
    list.push(rec);
    // Newest first: apt's candidate is the highest version.
    list.sort((a, b) => compareVersions(b.version, a.version));
    this.byName.set(rec.name, list);
    for (const p of rec.provides) {
      const providers = this.byProvides.get(p.name) ?? [];
      providers.push({ pkg: rec, ...(p.version ? { version: p.version } : {}) });
      this.byProvides.set(p.name, providers);
    }
  }

  versions(name: string): readonly PackageRecord[] {
    return this.byName.get(name) ?? [];
  }

  providers(name: string): readonly { pkg: PackageRecord; version?: string }[] {
    return this.byProvides.get(name) ?? [];
  }
}

export class ResolveError extends Error {}

/** What is there already (the base image's dpkg status): name -> version and what it provides. */
export type Installed = ReadonlyMap<string, PackageRecord>;

function describe(d: Dependency): string {
  return d.relation ? `${d.name} (${d.relation} ${d.version})` : d.name;
}

/** Does this package (by its own name or a Provides) satisfy the dependency? */
function provides(pkg: PackageRecord, d: Dependency): boolean {
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
 */
export function resolve(
  index: PackageIndex,
  requests: readonly string[],
  opts: { installed?: Installed; recommends?: boolean } = {},
): PackageRecord[] {
  const installed = opts.installed ?? new Map<string, PackageRecord>();
  const chosen = new Map<string, PackageRecord>();
  const order: PackageRecord[] = [];
  const chains = new Map<string, string[]>();

  const satisfiedBy = (d: Dependency): boolean =>
    [...installed.values(), ...chosen.values()].some((p) => provides(p, d));

  const candidate = (d: Dependency): PackageRecord | undefined => {
    const real = index
      .versions(d.name)
      .find((p) => !d.relation || satisfies(p.version, d.relation, d.version!));
    if (real) return real;
    // A virtual package: the first provider (by name, for a stable choice) that fits.
    return index
      .providers(d.name)
      .filter(({ pkg }) => provides(pkg, d))
      .map(({ pkg }) => pkg)
      .sort((a, b) => a.name.localeCompare(b.name))[0];
  };

  const visit = (pkg: PackageRecord, chain: string[]): void => {
    if (chosen.has(pkg.name)) return;
    chosen.set(pkg.name, pkg);
    chains.set(pkg.name, chain);
    const groups = [...pkg.preDepends, ...pkg.depends, ...(opts.recommends ? pkg.recommends : [])];
    for (const group of groups) {
      const alts = group.filter((d) => appliesTo(d, index.arch));
      if (alts.length === 0 || alts.some(satisfiedBy)) continue;
      const pick = alts.map((d) => candidate(d)).find(Boolean);
      if (!pick) {
        const optional = opts.recommends && pkg.recommends.includes(group);
        if (optional) continue;
        const wanted = alts.map(describe).join(' | ');
        const have = alts.flatMap((d) =>
          index.versions(d.name).map((p) => `${p.name} ${p.version}`),
        );
        throw new ResolveError(
          `${[...chain, pkg.name].join(' -> ')} needs ${wanted}, which cannot be satisfied${have.length ? ` (available: ${have.join(', ')})` : ' (no such package)'}`,
        );
      }
      visit(pick, [...chain, pkg.name]);
    }
    order.push(pkg);
  };

  for (const request of requests) {
    const [name, version] = request.split('=');
    const d: Dependency = { name: name!, ...(version ? { relation: '=' as const, version } : {}) };
    if (satisfiedBy(d) && !version) continue;
    const pkg = candidate(d);
    if (!pkg) {
      const have = index.versions(name!).map((p) => p.version);
      throw new ResolveError(
        `${request} cannot be installed: ${have.length ? `available versions are ${have.join(', ')}` : 'no such package for this architecture'}`,
      );
    }
    visit(pkg, []);
  }

  // Conflicts and Breaks against everything that will be there.
  const all = new Map([...installed, ...chosen]);
  for (const pkg of chosen.values()) {
    for (const d of [...pkg.conflicts, ...pkg.breaks].flat()) {
      for (const other of all.values()) {
        if (other.name !== pkg.name && provides(other, d)) {
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
