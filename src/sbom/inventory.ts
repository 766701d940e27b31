/**
 * What an image's file system says is installed, read from a BaseTree (the
 * layers applied bottom-up with whiteouts): dpkg's status database with each
 * package's copyright file, Python distributions' metadata, and os-release.
 * Pure over the tree.
 */
import { parseParagraphs } from '../debian/control.js';
import type { BaseTree } from '../oci/base-tree.js';
import { copyrightLicense } from './copyright.js';
import { normalizeProjectName, parseDistMetadata } from './dist-info.js';
import { debPurl, pypiPurl, type SbomComponent, type SbomModel } from './model.js';

const DIST_METADATA = /(?:^|\/)[^/]+\.(?:dist-info\/METADATA|egg-info\/PKG-INFO|egg-info)$/;

/** Files an SBOM reads; everything else in the layers is only listed. */
export function keepSbomFile(path: string): boolean {
  return (
    path === 'var/lib/dpkg/status' ||
    path.startsWith('var/lib/dpkg/status.d/') ||
    (path.startsWith('var/lib/dpkg/info/') && path.endsWith('.list')) ||
    /^usr\/share\/doc\/[^/]+\/copyright$/.test(path) ||
    path === 'etc/os-release' ||
    path === 'usr/lib/os-release' ||
    DIST_METADATA.test(path)
  );
}

const text = (tree: BaseTree, path: string): string | undefined =>
  tree.read(tree.resolve(path, true))?.toString('utf8');

export function distroOf(tree: BaseTree): SbomModel['distro'] {
  const body = text(tree, 'etc/os-release') ?? text(tree, 'usr/lib/os-release');
  if (body === undefined) return undefined;
  const f = new Map<string, string>();
  for (const line of body.split('\n')) {
    const m = /^([A-Z_]+)=(?:"([^"]*)"|'([^']*)'|(.*))$/.exec(line.trim());
    if (m) f.set(m[1]!, m[2] ?? m[3] ?? m[4] ?? '');
  }
  const id = f.get('ID');
  if (!id) return undefined;
  const versionId = f.get('VERSION_ID');
  const codename = f.get('VERSION_CODENAME');
  const prettyName = f.get('PRETTY_NAME');
  return {
    id,
    ...(versionId ? { versionId } : {}),
    ...(codename ? { codename } : {}),
    ...(prettyName ? { prettyName } : {}),
  };
}

/** "src (1.2-3)" or "src": the source package, whose version defaults to the binary's. */
function sourceOf(field: string | undefined, name: string, version: string) {
  const m = /^(\S+)(?:\s+\(([^)]+)\))?$/.exec(field?.trim() ?? '');
  return m ? { name: m[1]!, version: m[2] ?? version } : { name, version };
}

/**
 * Installed packages from var/lib/dpkg/status (and status.d/*, where
 * distroless images keep one file per package), with their licenses.
 */
export function debianComponents(tree: BaseTree, distro: SbomModel['distro']): SbomComponent[] {
  const files: [string, string][] = [];
  const status = tree.read('var/lib/dpkg/status');
  if (status) files.push(['var/lib/dpkg/status', status.toString('utf8')]);
  for (const name of tree.list('var/lib/dpkg/status.d')) {
    const body = tree.read(`var/lib/dpkg/status.d/${name}`);
    if (body && !name.endsWith('.md5sums'))
      files.push([`var/lib/dpkg/status.d/${name}`, body.toString('utf8')]);
  }
  const distroId = distro?.id ?? 'debian';
  const distroQualifier = distro?.versionId ? `${distroId}-${distro.versionId}` : undefined;
  const out: SbomComponent[] = [];
  for (const [location, body] of files) {
    for (const p of parseParagraphs(body)) {
      const name = p.get('Package');
      const version = p.get('Version');
      const arch = p.get('Architecture') ?? 'all';
      const state = (p.get('Status') ?? 'install ok installed').split(/\s+/);
      // Half-installed and config-files-only entries are not in the image, as apt sees it.
      if (!name || !version || state[2] !== 'installed') continue;
      const copyright = text(tree, `usr/share/doc/${name}/copyright`);
      const license = copyright === undefined ? undefined : copyrightLicense(copyright);
      out.push({
        kind: 'deb',
        name,
        version,
        architecture: arch,
        purl: debPurl(distroId, name, version, arch, distroQualifier),
        sourcePackage: sourceOf(p.get('Source'), name, version),
        ...(license ? { license } : {}),
        location,
      });
    }
  }
  return out;
}

/** Every path dpkg's file lists name: files a Debian package installed. */
export function dpkgOwnedPaths(tree: BaseTree): Set<string> {
  const owned = new Set<string>();
  for (const name of tree.list('var/lib/dpkg/info')) {
    if (!name.endsWith('.list')) continue;
    const body = tree.read(`var/lib/dpkg/info/${name}`)?.toString('utf8') ?? '';
    for (const line of body.split('\n')) if (line.startsWith('/')) owned.add(line.slice(1));
  }
  return owned;
}

/**
 * Python distributions anywhere in the image, by their metadata. Those a
 * Debian package installed (python3-yaml's dist-info) are that package, not
 * a second component: Trivy and dpkg agree on that.
 */
export function pythonComponents(tree: BaseTree): SbomComponent[] {
  const owned = dpkgOwnedPaths(tree);
  const out: SbomComponent[] = [];
  for (const path of tree.paths()) {
    if (!DIST_METADATA.test(path) || owned.has(path)) continue;
    const node = tree.get(path);
    if (node?.type !== 'file' && node?.type !== 'hardlink') continue;
    const body = tree.read(path);
    const meta = body && parseDistMetadata(body.toString('utf8'));
    if (!meta) continue;
    const name = normalizeProjectName(meta.name);
    out.push({
      kind: 'pypi',
      name,
      version: meta.version,
      purl: pypiPurl(name, meta.version),
      ...(meta.license ? { license: meta.license } : {}),
      location: path,
    });
  }
  return out;
}
