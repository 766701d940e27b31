/**
 * Where apt would look: the sources of a Debian release, and the URLs of
 * their InRelease, Packages indexes and pool files. Pure.
 */
import { KuboxError } from '../errors.js';

export interface AptSource {
  /** "debian", "debian-updates", "debian-security", or a spec's repository name such as "kubernetes". */
  name: string;
  /** Base URL, ending in "/": http://deb.debian.org/debian/ */
  url: string;
  /** "bookworm", "bookworm-updates", "bookworm-security", or "/" (or "sub/dir/") for a flat repository. */
  suite: string;
  /** ["main"]; [] for a flat repository. */
  components: string[];
  /** 'debian' = the Debian archive keyring shipped with kubox. */
  keys: 'debian' | { url: string };
  /**
   * false only for snapshot.debian.org: its InRelease files are frozen copies
   * whose Valid-Until has long passed, and apt reads them with
   * check-valid-until=no for the same reason.
   */
  checkValidUntil?: boolean;
}

const DEFAULT_MIRROR = 'http://deb.debian.org/debian/';
const DEFAULT_SECURITY = 'http://deb.debian.org/debian-security/';
const SNAPSHOT = /^\d{8}T\d{6}Z$/;

const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);

export function isFlat(s: AptSource): boolean {
  return s.suite === '/' || s.suite.endsWith('/');
}

/**
 * The sources of a Debian release as a fresh debian image lists them: the
 * release, its -updates and its -security suites, component main. Unstable
 * has neither -updates nor -security.
 */
export function debianSources(opts: {
  codename: string;
  mirror?: string;
  securityMirror?: string;
  snapshot?: string;
}): AptSource[] {
  const { codename } = opts;
  if (!/^[a-z][a-z0-9-]*$/.test(codename))
    throw new KuboxError('spec', `"${codename}" is not a Debian codename`, {
      hint: 'use a codename such as bookworm or trixie',
    });
  let mirror = withSlash(opts.mirror ?? DEFAULT_MIRROR);
  let security = withSlash(opts.securityMirror ?? DEFAULT_SECURITY);
  const snapshot = opts.snapshot !== undefined;
  if (opts.snapshot !== undefined) {
    if (!SNAPSHOT.test(opts.snapshot))
      throw new KuboxError(
        'spec',
        `snapshot "${opts.snapshot}" is not a snapshot.debian.org timestamp`,
        {
          hint: 'write it as YYYYMMDDTHHMMSSZ, e.g. 20250101T000000Z',
        },
      );
    mirror = `https://snapshot.debian.org/archive/debian/${opts.snapshot}/`;
    security = `https://snapshot.debian.org/archive/debian-security/${opts.snapshot}/`;
  }
  const base = {
    components: ['main'],
    keys: 'debian' as const,
    ...(snapshot ? { checkValidUntil: false } : {}),
  };
  const out: AptSource[] = [{ name: 'debian', url: mirror, suite: codename, ...base }];
  if (codename !== 'sid' && codename !== 'unstable') {
    out.push({ name: 'debian-updates', url: mirror, suite: `${codename}-updates`, ...base });
    out.push({ name: 'debian-security', url: security, suite: `${codename}-security`, ...base });
  }
  return out;
}

/** The directory InRelease and the index paths it lists are relative to. */
export function releaseDir(s: AptSource): string {
  if (isFlat(s)) return s.suite === '/' ? s.url : `${s.url}${s.suite}`;
  return `${s.url}dists/${s.suite}/`;
}

export function releaseUrl(s: AptSource): string {
  return `${releaseDir(s)}InRelease`;
}

export interface IndexLocation {
  /** The path as InRelease lists it, e.g. "main/binary-amd64/Packages.xz" or "Packages.xz". */
  path: string;
  url: string;
  compression: 'xz' | 'gz' | 'none';
}

/** The Packages index of one component and architecture, best compression first (flat: component ignored). */
export function packagesUrls(s: AptSource, arch: string, component: string): IndexLocation[] {
  const dir = isFlat(s) ? '' : `${component}/binary-${arch}/`;
  return (
    [
      ['Packages.xz', 'xz'],
      ['Packages.gz', 'gz'],
      ['Packages', 'none'],
    ] as const
  ).map(([file, compression]) => ({
    path: `${dir}${file}`,
    url: `${releaseDir(s)}${dir}${file}`,
    compression,
  }));
}

/** apt's by-hash location of an index (Acquire-By-Hash: yes), immune to a mirror updating mid-build. */
export function byHashUrl(s: AptSource, path: string, sha256: string): string {
  const slash = path.lastIndexOf('/');
  const dir = slash >= 0 ? path.slice(0, slash + 1) : '';
  return `${releaseDir(s)}${dir}by-hash/SHA256/${sha256}`;
}

/** The URL of a Packages `Filename`, which is relative to the repository's base URL. */
export function poolUrl(s: AptSource, filename: string): string {
  return `${s.url}${filename.replace(/^\.\//, '')}`;
}
