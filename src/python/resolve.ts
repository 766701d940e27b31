/**
 * Choosing wheels for a list of requirements, as `pip install` would: the
 * highest version whose wheel the target accepts and whose Requires-Python
 * admits it, dependencies followed through their markers and extras, and a
 * small backtracking search when pins conflict. Effects: the index (through
 * listDistributions) and the metadata callback.
 */
import { KuboxError } from '../errors.js';
import {
  downloadDistribution,
  fetchCoreMetadata,
  listDistributions,
  type Distribution,
} from './simple-index.js';
import { parseCoreMetadata } from './metadata.js';
import { explainNoMatch } from './no-match.js';
import {
  compareVersions,
  filterVersions,
  parseSpecifierSet,
  satisfies,
  tryParseVersion,
  type Specifier,
} from './pep440.js';
import {
  evaluateMarker,
  markerEnvironment,
  parseRequirement,
  type MarkerEnvironment,
  type Requirement,
} from './pep508.js';
import { bestTagRank, tagRanks, type PythonTarget } from './target.js';
import { limiter } from '../pool.js';

export interface ResolvedWheel {
  name: string;
  version: string;
  filename: string;
  url: string;
  /** The index's sha256, or, when it published none, that of the bytes downloaded while resolving. */
  sha256: string;
  /** Requires-Dist lines of the chosen wheel. */
  requires: string[];
  /** Named in the request itself (pip writes REQUESTED for these). */
  requested: boolean;
  /** The version already in the base that this one replaces: its files must be removed. */
  replaces?: string;
}

export interface ResolveOptions {
  indexUrl: string;
  /** Normalised name to version of what the base's site-packages already holds. */
  installed?: Map<string, string>;
  /** METADATA of a wheel whose index entry offers no PEP 658 metadata file. */
  fetchWheelMetadata: (d: Distribution) => Promise<string>;
  fetch?: typeof fetch;
  /** Full version of the target Python for Requires-Python and markers; X.Y.0 when unknown. */
  pythonFullVersion?: string;
  /** Downloads kept by URL: filled when a wheel without an index hash is hashed. */
  downloads?: Map<string, { bytes: Uint8Array; sha256: string }>;
  /** Bound on versions tried before giving up; 2000 unless told. */
  maxAttempts?: number;
  /** The Docker platform resolved for (linux/arm64), named in errors. */
  platform?: string;
}

interface Item {
  req: Requirement;
  /** The pin whose Requires-Dist this is; undefined for the request itself. */
  parent?: string;
  /** Human chain that led here, for messages: "app 1.0 -> lib 2.1". */
  via: string;
}

interface Pin {
  name: string;
  version: string;
  dist?: Distribution;
  requires: string[];
  extras: Set<string>;
  chain: string;
}

interface Failure {
  conflict: Set<string>;
  message: string;
  /** What to do about it, when the cause is known. */
  hint?: string;
}

interface Candidate {
  version: string;
  /** undefined: the version already installed in the base. */
  dist?: Distribution;
  /** Set when this version has no usable wheel, only this sdist. */
  sdistOnly?: Distribution;
}

const REQUEST = 'the request';
/** Index pages and metadata files fetched at once (pip fetches one at a time). */
const INDEX_REQUESTS_AT_ONCE = 4;

function describe(items: readonly Item[]): string {
  return items.map((c) => `${c.req.text} (from ${c.via})`).join(' and ');
}

function fromRequest(items: readonly Item[]): Set<string> {
  return new Set(items.flatMap((c) => (c.parent ? [c.parent] : [])));
}

function requiresPythonAdmits(spec: string | undefined, full: string): boolean {
  if (spec === undefined) return true;
  let specs: Specifier[];
  try {
    specs = parseSpecifierSet(spec);
  } catch {
    return true; // pip ignores an unparsable Requires-Python rather than refusing the file
  }
  return satisfies(full, specs, true);
}

/** Pins exactly (== without wildcard, or ===): PEP 592 lets such a pin pick a yanked release. */
function pinsExactly(specs: readonly Specifier[]): boolean {
  return specs.some((s) => s.op === '===' || (s.op === '==' && !s.version.endsWith('.*')));
}

export async function resolveWheels(
  requirements: string[],
  target: PythonTarget,
  opts: ResolveOptions,
): Promise<ResolvedWheel[]> {
  const fetchImpl = opts.fetch ?? fetch;
  const full = opts.pythonFullVersion ?? `${target.version[0]}.${target.version[1]}.0`;
  const env: MarkerEnvironment = markerEnvironment(target, full);
  const ranks = tagRanks(target);
  const installed = opts.installed ?? new Map<string, string>();
  const maxAttempts = opts.maxAttempts ?? 2000;
  let attempts = 0;

  // Listings are prefetched as soon as a name is seen (dozens at once); a small index server
  // drops connections past its listen backlog (Python's http.server: 5), which costs TCP's
  // one-second SYN retries. A few requests at a time keep the pipe full without that.
  const request = limiter(INDEX_REQUESTS_AT_ONCE);
  const listings = new Map<string, Promise<Distribution[]>>();
  const listing = (name: string): Promise<Distribution[]> => {
    let p = listings.get(name);
    if (!p) {
      p = request(() => listDistributions(opts.indexUrl, name, fetchImpl));
      p.catch(() => undefined); // prefetched: a failure surfaces when it is awaited
      listings.set(name, p);
    }
    return p;
  };
  const metadata = new Map<string, Promise<string>>();
  const metadataOf = (d: Distribution): Promise<string> => {
    let p = metadata.get(d.url);
    if (!p) {
      p = request(
        async () => (await fetchCoreMetadata(d, fetchImpl)) ?? opts.fetchWheelMetadata(d),
      );
      metadata.set(d.url, p);
    }
    return p;
  };

  async function candidates(name: string, specs: readonly Specifier[]): Promise<Candidate[]> {
    const byVersion = new Map<string, Distribution[]>();
    for (const d of await listing(name)) {
      if (!tryParseVersion(d.version)) continue;
      if (!requiresPythonAdmits(d.requiresPython, full)) continue;
      const list = byVersion.get(d.version) ?? [];
      list.push(d);
      byVersion.set(d.version, list);
    }
    const usable = new Map<string, Distribution[]>();
    for (const [version, files] of byVersion) {
      const live = files.filter((f) => !f.yanked);
      if (live.length > 0) usable.set(version, live);
      else if (pinsExactly(specs)) usable.set(version, files);
    }
    const versions = filterVersions([...usable.keys()], specs).sort((a, b) =>
      compareVersions(tryParseVersion(b)!, tryParseVersion(a)!),
    );
    const out: Candidate[] = [];
    for (const version of versions) {
      const files = usable.get(version)!;
      let best: { d: Distribution; rank: number } | undefined;
      for (const d of files) {
        if (d.kind !== 'wheel') continue;
        const rank = bestTagRank(d.tags ?? [], ranks);
        if (rank !== undefined && (!best || rank < best.rank)) best = { d, rank };
      }
      if (best) out.push({ version, dist: best.d });
      else {
        const sdist = files.find((f) => f.kind === 'sdist');
        // Wheels for other platforms only, and no sdist: pip skips the version too.
        if (sdist) out.push({ version, sdistOnly: sdist });
      }
    }
    const have = installed.get(name);
    if (have !== undefined && tryParseVersion(have) && satisfies(have, specs, true)) {
      // "Requirement already satisfied": the base's copy comes first, as pip keeps it without -U.
      return [{ version: have }, ...out.filter((c) => c.version !== have)];
    }
    return out;
  }

  function dependencies(pin: Pin, extras: readonly string[]): Item[] {
    const items: Item[] = [];
    for (const line of pin.requires) {
      const req = parseRequirement(line);
      if (!evaluateMarker(req.marker, env, extras)) continue;
      items.push({ req, parent: pin.name, via: pin.chain });
      void listing(req.name);
    }
    return items;
  }

  async function solve(
    queue: Item[],
    i: number,
    pins: Map<string, Pin>,
    constraints: Map<string, Item[]>,
  ): Promise<Map<string, Pin> | Failure> {
    if (i === queue.length) return pins;
    const item = queue[i]!;
    const { req } = item;
    const cons = [...(constraints.get(req.name) ?? []), item];
    const nextConstraints = new Map(constraints).set(req.name, cons);
    const pinned = pins.get(req.name);
    if (pinned) {
      if (!satisfies(pinned.version, req.specifier, true)) {
        return {
          conflict: new Set([req.name, ...fromRequest(cons)]),
          message: `${req.name} ${pinned.version} was chosen for ${describe(cons.slice(0, -1))}, but ${item.via} requires ${req.text}`,
        };
      }
      const newExtras = req.extras.filter((e) => !pinned.extras.has(e));
      if (newExtras.length === 0) return solve(queue, i + 1, pins, nextConstraints);
      const widened: Pin = { ...pinned, extras: new Set([...pinned.extras, ...newExtras]) };
      return solve(
        [...queue, ...dependencies(widened, newExtras)],
        i + 1,
        new Map(pins).set(req.name, widened),
        nextConstraints,
      );
    }

    const specs = cons.flatMap((c) => c.req.specifier);
    const extras = [...new Set(cons.flatMap((c) => c.req.extras))];
    const chainOf = (version: string): string =>
      (item.via === REQUEST ? '' : `${item.via} -> `) + `${req.name} ${version}`;
    const conflict = fromRequest(cons);
    let message = `no version of ${req.name} on the index matches ${describe(cons)}`;
    let hint: string | undefined;
    const refusedByMetadata = new Map<string, string>();
    let tried = 0;
    for (const cand of await candidates(req.name, specs)) {
      if (++attempts > maxAttempts) {
        throw new KuboxError(
          'resolve',
          `gave up resolving the Python requirements after trying ${maxAttempts} versions; last conflict: ${message}`,
          {
            hint: 'pin the packages involved (name==version) to narrow the search',
          },
        );
      }
      if (cand.sdistOnly) {
        const all = await listing(req.name);
        if (all.some((d) => d.version === cand.version && d.kind === 'wheel')) {
          // Wheels for other platforms and an sdist: the platform is the problem, not the sdist.
          const why = explainNoMatch({ ...noMatchInput(req.name, specs, cons), listing: all });
          throw new KuboxError('resolve', why.message, { hint: why.hint });
        }
        throw new KuboxError(
          'resolve',
          `${req.name} ${cand.version} is only published as a source distribution (${cand.sdistOnly.filename}); the native engine installs wheels only: use \`--engine buildx\`, or pin a version with a wheel`,
          { hint: `${req.name} is required by ${item.via}` },
        );
      }
      let requires: string[] = [];
      if (cand.dist) {
        const meta = parseCoreMetadata(await metadataOf(cand.dist));
        if (!requiresPythonAdmits(meta.requiresPython, full)) {
          refusedByMetadata.set(cand.version, meta.requiresPython!);
          continue;
        }
        requires = meta.requiresDist;
      }
      tried++;
      const pin: Pin = {
        name: req.name,
        version: cand.version,
        ...(cand.dist ? { dist: cand.dist } : {}),
        requires,
        extras: new Set(extras),
        chain: chainOf(cand.version),
      };
      const result = await solve(
        [...queue, ...dependencies(pin, extras)],
        i + 1,
        new Map(pins).set(req.name, pin),
        nextConstraints,
      );
      if (result instanceof Map) return result;
      // Backjump: a failure this pin played no part in is not fixed by another version of it.
      if (!result.conflict.has(req.name)) return result;
      for (const n of result.conflict) if (n !== req.name) conflict.add(n);
      message = result.message;
      hint = result.hint;
    }
    if (tried === 0) {
      const why = explainNoMatch({
        ...noMatchInput(req.name, specs, cons),
        listing: await listing(req.name),
        refusedByMetadata,
      });
      message = why.message;
      hint = why.hint;
    }
    return { conflict, message, ...(hint ? { hint } : {}) };
  }

  function noMatchInput(name: string, specs: Specifier[], cons: readonly Item[]) {
    return {
      name,
      specs,
      askedBy: describe(cons),
      target,
      ...(opts.platform ? { platform: opts.platform } : {}),
      python: full,
      admits: (rp: string | undefined) => requiresPythonAdmits(rp, full),
    };
  }

  const queue: Item[] = [];
  for (const text of requirements) {
    const req = parseRequirement(text);
    if (req.url !== undefined) {
      throw new KuboxError(
        'spec',
        `"${text}" names a URL; the native engine installs from the package index only`,
        {
          hint: 'name the package and a version instead, or use `--engine buildx`',
        },
      );
    }
    if (!evaluateMarker(req.marker, env)) continue;
    queue.push({ req, via: REQUEST });
    void listing(req.name);
  }
  const requested = new Set(queue.map((q) => q.req.name));
  const result = await solve(queue, 0, new Map(), new Map());
  if (!(result instanceof Map)) {
    const where = opts.platform ? ` for ${opts.platform}` : '';
    throw new KuboxError(
      'resolve',
      `cannot resolve the Python requirements${where}: ${result.message}`,
      {
        hint:
          result.hint ??
          'relax or change the version pins involved, or pin versions known to work together',
      },
    );
  }

  const out: ResolvedWheel[] = [];
  for (const pin of result.values()) {
    const d = pin.dist;
    if (!d) continue;
    let sha256 = d.sha256;
    if (sha256 === undefined) {
      // The index published no hash: lock the hash of what is downloaded now.
      const got = opts.downloads?.get(d.url) ?? (await downloadDistribution(d, fetchImpl));
      opts.downloads?.set(d.url, got);
      sha256 = got.sha256;
    }
    const before = installed.get(pin.name);
    out.push({
      name: pin.name,
      version: pin.version,
      filename: d.filename,
      url: d.url,
      sha256,
      requires: pin.requires,
      requested: requested.has(pin.name),
      ...(before !== undefined ? { replaces: before } : {}),
    });
  }
  return out;
}
