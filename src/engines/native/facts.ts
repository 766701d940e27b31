/**
 * What the native engine needs to know about a base image, read from its
 * filesystem (never by running it): the Debian release, the installed
 * packages, users, whether /bin is merged into /usr, and which Python it
 * carries and where pip would install. Pure over a BaseTree.
 */
import type { BaseTree } from '../../oci/base-tree.js';
import { KuboxError } from '../../errors.js';
import { installedFromStatus } from '../../debian/status.js';
import type { PackageRecord } from '../../debian/resolve.js';
import type { PythonTarget } from '../../python/target.js';
import type { UserFiles } from '../../dpkg/users.js';

export interface BaseFacts {
  /** VERSION_CODENAME from os-release, e.g. "bookworm". */
  codename?: string;
  /** ID from os-release ("debian", "ubuntu", ...). */
  osId?: string;
  dpkgStatus: string;
  installed: Map<string, PackageRecord>;
  users: UserFiles;
  /** Top-level directories that are symlinks (merged /usr): "bin" -> "usr/bin". */
  topLinks: Map<string, string>;
  /** Contents of var/lib/dpkg/alternatives/<name>. */
  alternatives: Map<string, string>;
  skel: Map<string, { data: Uint8Array; mode: number }>;
  loginDefs?: string;
  /** /etc/dpkg/dpkg.cfg.d/* by file name: slim bases exclude docs and man pages there. */
  dpkgFilters: Map<string, string>;
  /** The base's Python, when it has one; undefined means pip packages cannot be installed. */
  python?: Omit<PythonTarget, 'arch'>;
  /** Python distributions already installed: normalised name -> version. */
  pythonInstalled: Map<string, string>;
  /** ...and where their metadata directory is, so an upgrade can remove it as pip would. */
  pythonMetadataDirs: Map<string, string>;
}

const text = (tree: BaseTree, path: string) =>
  tree.read(tree.resolve(path, true))?.toString('utf8');

function osRelease(tree: BaseTree): Map<string, string> {
  const out = new Map<string, string>();
  const body = text(tree, 'etc/os-release') ?? text(tree, 'usr/lib/os-release') ?? '';
  for (const line of body.split('\n')) {
    const m = /^([A-Z_]+)=(?:"([^"]*)"|(.*))$/.exec(line.trim());
    if (m) out.set(m[1]!, m[2] ?? m[3] ?? '');
  }
  return out;
}

function pythonOf(
  tree: BaseTree,
  glibc: [number, number] | undefined,
): {
  python?: Omit<PythonTarget, 'arch'>;
  installed: Map<string, string>;
  dirs: Map<string, string>;
} {
  const versions = (dir: string) =>
    tree
      .list(dir)
      .map((n) => /^python3\.(\d+)$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null && tree.get(`${dir}/${m[0]}`) !== undefined)
      .map((m) => Number(m[1]))
      .sort((a, b) => b - a);
  const glibcField = glibc ? { glibc } : {};
  // The official python images build CPython into /usr/local; pip installs into its site-packages.
  const local = versions('usr/local/bin')[0];
  let python: Omit<PythonTarget, 'arch'> | undefined;
  const sites: string[] = [];
  if (local !== undefined) {
    const site = `usr/local/lib/python3.${local}/site-packages`;
    python = {
      version: [3, local],
      interpreter: `/usr/local/bin/python3.${local}`,
      purelib: site,
      platlib: site,
      scripts: 'usr/local/bin',
      data: 'usr/local',
      ...glibcField,
    };
    sites.push(site);
  } else {
    // Debian's own python3: pip run as root installs into /usr/local/lib/python3.X/dist-packages.
    const deb = versions(tree.resolve('usr/bin', true))[0];
    if (deb !== undefined) {
      const site = `usr/local/lib/python3.${deb}/dist-packages`;
      python = {
        version: [3, deb],
        interpreter: '/usr/bin/python3',
        purelib: site,
        platlib: site,
        scripts: 'usr/local/bin',
        data: 'usr/local',
        ...glibcField,
      };
      sites.push(site, 'usr/lib/python3/dist-packages');
    }
  }
  const installed = new Map<string, string>();
  const dirs = new Map<string, string>();
  // Only the installation pip writes to: Debian's own dist-packages stays as apt left it.
  for (const site of sites) {
    for (const name of tree.list(site)) {
      const m = /^(.+?)-([^-]+?)(?:-py\d.*)?\.(?:dist-info|egg-info)$/.exec(name);
      if (!m) continue;
      const key = m[1]!.replace(/[-_.]+/g, '-').toLowerCase();
      if (installed.has(key)) continue;
      installed.set(key, m[2]!);
      if (site === python?.purelib) dirs.set(key, `${site}/${name}`);
    }
  }
  return { ...(python ? { python } : {}), installed, dirs };
}

function glibcOf(installed: Map<string, PackageRecord>): [number, number] | undefined {
  const v = installed.get('libc6')?.version;
  const m = v ? /^(?:\d+:)?(\d+)\.(\d+)/.exec(v) : null;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function baseFacts(tree: BaseTree, reference: string): BaseFacts {
  const dpkgStatus = tree.read('var/lib/dpkg/status')?.toString('utf8') ?? '';
  const installed = installedFromStatus(dpkgStatus);
  const passwd = text(tree, 'etc/passwd');
  const group = text(tree, 'etc/group');
  if (passwd === undefined || group === undefined)
    throw new KuboxError(
      'build-failed',
      `base image ${reference} has no /etc/passwd or /etc/group; the native engine adds its user to the base's`,
      { hint: 'use a Debian-based base image, or --engine buildx' },
    );
  const shadow = text(tree, 'etc/shadow');
  const gshadow = text(tree, 'etc/gshadow');
  const subuid = text(tree, 'etc/subuid');
  const subgid = text(tree, 'etc/subgid');
  const topLinks = new Map<string, string>();
  for (const dir of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    const node = tree.get(dir);
    if (node?.type === 'symlink') topLinks.set(dir, tree.resolve(dir, true));
  }
  const alternatives = new Map<string, string>();
  for (const name of tree.list('var/lib/dpkg/alternatives')) {
    const body = tree.read(`var/lib/dpkg/alternatives/${name}`);
    if (body) alternatives.set(name, body.toString('utf8'));
  }
  const skel = new Map<string, { data: Uint8Array; mode: number }>();
  for (const path of tree.paths()) {
    if (!path.startsWith('etc/skel/')) continue;
    const node = tree.get(path);
    const data = tree.read(path);
    if (node?.type === 'file' && data)
      skel.set(path.slice('etc/skel/'.length), { data, mode: node.mode });
  }
  const loginDefs = text(tree, 'etc/login.defs');
  const dpkgFilters = new Map<string, string>();
  for (const name of tree.list('etc/dpkg/dpkg.cfg.d')) {
    const body = text(tree, `etc/dpkg/dpkg.cfg.d/${name}`);
    if (body !== undefined) dpkgFilters.set(name, body);
  }
  const {
    python,
    installed: pythonInstalled,
    dirs: pythonMetadataDirs,
  } = pythonOf(tree, glibcOf(installed));
  const release = osRelease(tree);
  const codename = release.get('VERSION_CODENAME');
  const osId = release.get('ID');
  return {
    ...(codename ? { codename } : {}),
    ...(osId ? { osId } : {}),
    dpkgStatus,
    installed,
    users: {
      passwd,
      group,
      ...(shadow !== undefined ? { shadow } : {}),
      ...(gshadow !== undefined ? { gshadow } : {}),
      ...(subuid !== undefined ? { subuid } : {}),
      ...(subgid !== undefined ? { subgid } : {}),
    },
    topLinks,
    alternatives,
    skel,
    ...(loginDefs !== undefined ? { loginDefs } : {}),
    dpkgFilters,
    ...(python ? { python } : {}),
    pythonInstalled,
    pythonMetadataDirs,
  };
}
