/**
 * The content of each layer the native engine appends, from fetched files
 * and the base's facts. Layers are split by how often they change (Debian
 * packages, extra repositories, binaries, Python packages, package state,
 * user), so changing one tool rebuilds one content layer plus the small
 * state layer, and the rest come from the layer cache.
 */
import { unarmor } from 'openpgp';
import type { Deb } from '../../debian/deb.js';
import { KuboxError } from '../../errors.js';
import type { FileEntry } from '../../oci/file-entry.js';
import { infoFiles, mergeStatus, type InstalledPackage } from '../../dpkg/dpkg-state.js';
import { mergeExtendedStates } from '../../dpkg/extended-states.js';
import { applyAlternatives, type Alternative } from '../../dpkg/alternatives.js';
import {
  alternativesFromPostinst,
  scriptEffects,
  type ScriptEffects,
  type SystemUser,
} from '../../dpkg/maintscripts.js';
import { applyScriptOps, type RunOp } from '../../dpkg/apply-script-ops.js';
import { caCertificates } from '../../dpkg/ca-certificates.js';
import { mapEntries, usrMergeMap } from '../../dpkg/usrmerge.js';
import { addSystemAccounts, addUser, homeEntries, loginDefsHomeMode } from '../../dpkg/users.js';
import type { BaseTree } from '../../oci/base-tree.js';
import { whiteout } from '../../image/write-layer.js';
import type { Plan } from '../../plan/plan.js';
import type { BaseFacts } from './facts.js';
import type { DebMeta } from './deb-meta.js';
import { keptPaths, type PathFilter } from './dpkg-filter.js';

export interface DebInput {
  name: string;
  architecture: string;
  /** The apt source it came from (lock's `source`). */
  source: string;
  deb: Deb;
}

const dir = (path: string, uid = 0, gid = 0, mode = 0o755): FileEntry => ({
  path,
  type: 'directory',
  mode,
  uid,
  gid,
});
const file = (path: string, data: Uint8Array | string, mode = 0o644): FileEntry => ({
  path,
  type: 'file',
  mode,
  uid: 0,
  gid: 0,
  data: typeof data === 'string' ? Buffer.from(data) : data,
});

/**
 * Parent directories a layer needs that the base does not have. Existing
 * directories are left out so the layer never changes their mode or owner
 * (dpkg leaves an existing directory as it is).
 */
export function withParents(entries: FileEntry[], tree: BaseTree): FileEntry[] {
  const have = new Set(entries.map((e) => e.path));
  const out = [...entries];
  for (const e of entries) {
    for (let i = e.path.lastIndexOf('/'); i > 0; i = e.path.lastIndexOf('/', i - 1)) {
      const parent = e.path.slice(0, i);
      if (have.has(parent)) continue;
      have.add(parent);
      if (!tree.get(tree.resolve(parent, true))) out.push(dir(parent));
    }
  }
  return out;
}

/** A package's files, as dpkg would unpack them into this base. */
function unpack(
  d: DebInput,
  tree: BaseTree,
  facts: BaseFacts,
  filters: readonly PathFilter[],
): FileEntry[] {
  const linkOrDir = new Set(
    d.deb.files.filter((f) => f.type === 'directory' || f.type === 'symlink').map((f) => f.path),
  );
  const kept = keptPaths(
    d.deb.files.map((f) => f.path),
    filters,
    (p) => linkOrDir.has(p),
  );
  const map = usrMergeMap((top) => facts.topLinks.get(top));
  // A hard link whose target the base's dpkg filters leave out becomes a copy of it:
  // a link to a path the image does not contain would make an image that does not load.
  const byPath = new Map(d.deb.files.map((f) => [f.path, f]));
  const files = d.deb.files
    .filter((f) => kept.has(f.path))
    .map((f): FileEntry => {
      if (f.type !== 'hardlink' || kept.has(f.linkname ?? '')) return f;
      const target = byPath.get(f.linkname ?? '');
      if (target?.type !== 'file')
        throw new KuboxError(
          'build-failed',
          `${d.name}: ${f.path} is a hard link to ${f.linkname ?? ''}, which the package does not contain`,
          {
            hint: 'this package cannot be installed into an image; leave it out or pin another version',
          },
        );
      return { ...f, type: 'file', data: target.data, mode: target.mode, linkname: undefined };
    });
  return mapEntries(files, map).filter((e) => {
    if (e.type !== 'directory') return true;
    const existing = tree.get(tree.resolve(e.path, true));
    return existing === undefined;
  });
}

/** Each unpacked .deb with its metadata (`debMeta`), which the build has already taken. */
export function debLayer(
  debs: readonly { input: DebInput; meta: DebMeta }[],
  tree: BaseTree,
  facts: BaseFacts,
  filters: readonly PathFilter[],
): FileEntry[] {
  // Later packages win a path, as the later unpack would (order: the resolver's, dependencies first).
  // Each package's dpkg info files (its .list first) ride in the layer of its files: scanners
  // such as Trivy take a file as dpkg's only when the .list that names it is in the same layer.
  return withParents(
    debs.flatMap(({ input, meta }) => [
      ...unpack(input, tree, facts, filters),
      ...infoFiles(installedPackage(meta)),
    ]),
    tree,
  );
}

function installedPackage(m: DebMeta): InstalledPackage {
  const text = (name: string) => {
    const bytes = m.control.get(name);
    return bytes ? Buffer.from(bytes).toString('utf8') : undefined;
  };
  const scripts = new Map<string, Uint8Array>();
  for (const [name, bytes] of m.control)
    if (!['control', 'md5sums', 'conffiles'].includes(name)) scripts.set(name, bytes);
  const control = text('control') ?? '';
  const multiArch = /^Multi-Arch:\s*(\S+)/m.exec(control)?.[1];
  const md5sums = text('md5sums');
  const conffiles = text('conffiles');
  return {
    name: m.name,
    arch: m.architecture,
    ...(multiArch ? { multiArch } : {}),
    control,
    // dpkg lists the archive's root as "/."; the .deb reader leaves that entry out.
    files: ['/.', ...m.paths.map((p) => `/${p}`)],
    ...(md5sums !== undefined ? { md5sums } : {}),
    ...(conffiles !== undefined ? { conffiles } : {}),
    conffileMd5: m.conffileMd5,
    scripts,
  };
}

export interface StateLayer {
  entries: FileEntry[];
  warnings: string[];
}

/**
 * dpkg's database with the new packages, and what their maintainer scripts
 * would have done that the image needs: alternatives links, the CA bundle.
 * Everything else the scripts do is reported, naming the package.
 */
export function stateLayer(
  debs: readonly DebMeta[],
  tree: BaseTree,
  facts: BaseFacts,
  filters: readonly PathFilter[],
  /** The packages the spec names: manual for apt, the others are Auto-Installed. */
  requested: ReadonlySet<string>,
  /** dpkg's architecture of the image (what apt records for `Architecture: all`). */
  arch: string,
  /**
   * The packages whose files the maintainer scripts change (`scriptDebs`):
   * a changed file rides in this layer whole, so its content is needed.
   */
  touched: readonly DebInput[] = [],
): StateLayer {
  if (debs.length === 0) return { entries: [], warnings: [] };
  const installed = debs.map(installedPackage);
  const auto = debs
    .filter((d) => !requested.has(d.name))
    .map((d) => ({ name: d.name, architecture: d.architecture === 'all' ? arch : d.architecture }));
  const entries: FileEntry[] = [
    file('var/lib/dpkg/status', mergeStatus(facts.dpkgStatus, installed)),
    file(
      'var/lib/apt/extended_states',
      mergeExtendedStates(
        tree.read('var/lib/apt/extended_states')?.toString('utf8') ?? '',
        auto,
        requested,
      ),
    ),
  ];
  const warnings: string[] = [];
  const alternatives: Alternative[] = [];
  // What was really unpacked: an alternative's man-page link is not made when the page was filtered out.
  const unpacked = keptPaths(
    debs.flatMap((d) => d.paths),
    filters,
  );
  const map = usrMergeMap((top) => facts.topLinks.get(top));
  const preinsts: RunOp[] = [];
  const postinsts: RunOp[] = [];
  for (const d of debs) {
    const effects = effectsOf(d);
    warnings.push(...effects.warnings);
    for (const { script, op } of effects.ops)
      (script === 'preinst' ? preinsts : postinsts).push({ pkg: d.name, script, op });
    // (A call kubox cannot follow is among scriptEffects' warnings already.)
    const postinst = d.control.get('postinst');
    if (postinst)
      alternatives.push(
        ...alternativesFromPostinst(Buffer.from(postinst).toString('utf8')).alternatives,
      );
  }
  if (alternatives.length > 0) {
    const exists = (p: string) => {
      const rel = p.replace(/^\//, '');
      return unpacked.has(rel) || tree.get(tree.resolve(map(rel) || rel, false)) !== undefined;
    };
    // Links such as /bin/nc land through the base's merged-/usr symlinks, like every package path.
    const applied = applyAlternatives(facts.alternatives, alternatives, exists);
    entries.push(...mapEntries(applied.entries, map));
    warnings.push(...applied.warnings);
  }
  // update-ca-certificates, when ca-certificates itself is new (else the base's bundle stands).
  const ca = debs.find((d) => d.name === 'ca-certificates');
  if (ca) {
    const certs = new Map<string, Buffer>();
    for (const d of debs) for (const [k, v] of d.certs) certs.set(k, Buffer.from(v));
    const bundle = caCertificates(certs);
    entries.push(...bundle.entries);
    warnings.push(...bundle.warnings);
  }
  // What the scripts do to files: every preinst runs before the packages are unpacked,
  // every postinst after (apt's order on a fresh install), each group in install order.
  const ops = [...preinsts, ...postinsts];
  if (ops.length > 0) {
    const applied = scriptFiles(ops, debs, touched, tree, facts, filters);
    entries.push(...applied.entries, ...applied.removed.map(whiteout));
    warnings.push(...applied.warnings);
  }
  return { entries: withParents(entries, tree), warnings };
}

/**
 * A package's script effects, read once: the accounts, the state layer and
 * the choice of packages to read again all ask for them.
 */
const effectsByPackage = new WeakMap<DebMeta, ScriptEffects>();
function effectsOf(d: DebMeta): ScriptEffects {
  let e = effectsByPackage.get(d);
  if (!e) {
    e = scriptEffects(d.name, d.control, d.paths);
    effectsByPackage.set(d, e);
  }
  return e;
}

/** The path the image really has for a script's absolute path: merged /usr, symlinked parents. */
function canonicalPath(tree: BaseTree, facts: BaseFacts): (path: string) => string {
  const map = usrMergeMap((top) => facts.topLinks.get(top));
  return (path) => {
    const rel = path.replace(/^\/+/, '').replace(/\/+$/, '');
    return tree.resolve(map(rel) || rel, false);
  };
}

/**
 * The system accounts the install's scripts add (adduser/addgroup --system),
 * in the order they run: every preinst, then every postinst, each in install
 * order. The state layer (home directories, owners) and the user layer
 * (passwd, group) both add them in this order, so they agree on the ids.
 */
export function systemAccounts(debs: readonly DebMeta[]): SystemUser[] {
  const effects = debs.map(effectsOf);
  return (['preinst', 'postinst'] as const).flatMap((script) =>
    effects.flatMap((e) =>
      e.ops.flatMap(({ script: s, op }) =>
        s === script && op.op === 'account' ? [op.account] : [],
      ),
    ),
  );
}

/**
 * The names of the packages whose shipped files the install's maintainer
 * scripts change (chown, chmod, a statoverride...): the state layer needs
 * those files' content, so their .debs are read again. Not for a diversion:
 * its `--rename` moves what the base has (the preinst runs before anything
 * is unpacked), and the packages' own files stay where they are.
 */
export function scriptDebs(
  debs: readonly DebMeta[],
  tree: BaseTree,
  facts: BaseFacts,
): Set<string> {
  const canonical = canonicalPath(tree, facts);
  const paths = new Set<string>();
  for (const d of debs)
    for (const { op } of effectsOf(d).ops)
      if (op.op !== 'divert' && 'path' in op) paths.add(canonical(op.path));
  const out = new Set<string>();
  if (paths.size === 0) return out;
  const map = usrMergeMap((top) => facts.topLinks.get(top));
  for (const d of debs) if (d.paths.some((p) => paths.has(map(p) || p))) out.add(d.name);
  return out;
}

function scriptFiles(
  ops: RunOp[],
  debs: readonly DebMeta[],
  touched: readonly DebInput[],
  tree: BaseTree,
  facts: BaseFacts,
  filters: readonly PathFilter[],
) {
  const canonical = canonicalPath(tree, facts);
  const map = usrMergeMap((top) => facts.topLinks.get(top));
  // Later packages win a path, as in debLayer.
  const unpacked = new Map<string, FileEntry>();
  for (const d of touched) for (const e of unpack(d, tree, facts, filters)) unpacked.set(e.path, e);
  const shipped = new Map<string, string[]>();
  for (const d of debs)
    for (const p of d.paths) {
      const at = map(p) || p;
      shipped.set(at, [...(shipped.get(at) ?? []), d.name]);
    }
  const base = (path: string): FileEntry | undefined => {
    const node = tree.get(path);
    if (!node) return undefined;
    const data = node.type === 'file' || node.type === 'hardlink' ? tree.read(path) : undefined;
    const type = node.type === 'hardlink' ? 'file' : node.type;
    return {
      path,
      type,
      mode: node.mode,
      uid: node.uid,
      gid: node.gid,
      ...(node.linkname !== undefined && type === 'symlink' ? { linkname: node.linkname } : {}),
      ...(data ? { data } : {}),
    };
  };
  // A path a package ships whose .deb was not read (see scriptDebs): its kind is known from
  // the paths under it, its content is not, so changing it is reported rather than guessed.
  const notRead = (path: string): FileEntry | undefined => {
    if (!shipped.has(path)) return undefined;
    const isDir = [...shipped.keys()].some((p) => p.startsWith(`${path}/`));
    return {
      path,
      type: isDir ? 'directory' : 'file',
      mode: isDir ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
    };
  };
  const accounts = ops.flatMap((o) => (o.op.op === 'account' ? [o.op.account] : []));
  return applyScriptOps({
    ops,
    lookup: (path) => unpacked.get(path) ?? base(path) ?? notRead(path),
    base,
    shippedBy: (path) => shipped.get(path) ?? [],
    canonical,
    // Only the ids matter here; the user layer writes these files, with the same ids.
    users: addSystemAccounts(facts.users, accounts, { days: 0 }),
    statoverride: tree.read('var/lib/dpkg/statoverride')?.toString('utf8') ?? '',
    diversions: tree.read('var/lib/dpkg/diversions')?.toString('utf8') ?? '',
  });
}

/** An extra repository, kept usable for `apt-get install` inside the image, as the Dockerfile does. */
export function repositoryFiles(
  repos: readonly {
    name: string;
    url: string;
    suite: string;
    components: string[];
    keyring: Uint8Array;
  }[],
): FileEntry[] {
  return repos.flatMap((r) => {
    const keyring = `etc/apt/keyrings/${r.name}-apt-keyring.gpg`;
    const line = `deb [signed-by=/${keyring}] ${r.url} ${r.suite}${r.components.length ? ` ${r.components.join(' ')}` : ''}\n`;
    return [file(keyring, r.keyring), file(`etc/apt/sources.list.d/${r.name}.list`, line)];
  });
}

/** What `gpg --dearmor` writes: the key's packets, without the ASCII armor. */
export async function dearmor(key: Uint8Array): Promise<Uint8Array> {
  const text = Buffer.from(key).toString('latin1');
  if (!text.includes('-----BEGIN PGP')) return key;
  const { data } = await unarmor(text);
  return data as Uint8Array;
}

export function binaryLayer(
  binaries: readonly { name: string; dest: string; mode: string; data: Uint8Array }[],
  tree: BaseTree,
): FileEntry[] {
  return withParents(
    binaries.map((b) => file(b.dest.replace(/^\//, ''), b.data, Number.parseInt(b.mode, 8))),
    tree,
  );
}

/** passwd/group/shadow with the spec's user, its home from /etc/skel, and the workdir it owns. */
export function userLayer(
  plan: Plan,
  tree: BaseTree,
  facts: BaseFacts,
  epoch: number,
  systemUsers: readonly SystemUser[] = [],
): FileEntry[] {
  const { user } = plan;
  const days = Math.floor(epoch / 86400);
  // First what packages' postinsts would have added (adduser --system), then the spec's user.
  // Their home directories are made in the state layer, with the scripts' other effects.
  const base = addSystemAccounts(facts.users, systemUsers, { days });
  const files = addUser(base, user, { days });
  const entries: FileEntry[] = [file('etc/passwd', files.passwd), file('etc/group', files.group)];
  // shadow files are root-only on Debian (root:shadow 0640).
  const shadowGid = /^shadow:[^:]*:(\d+):/m.exec(files.group)?.[1];
  const secret = (path: string, body: string): FileEntry => ({
    ...file(path, body, 0o640),
    gid: shadowGid ? Number(shadowGid) : 0,
  });
  if (files.shadow !== undefined) entries.push(secret('etc/shadow', files.shadow));
  if (files.gshadow !== undefined) entries.push(secret('etc/gshadow', files.gshadow));
  // useradd gives the user a subordinate id range when the base has the files (bookworm's do).
  if (files.subuid !== undefined) entries.push(file('etc/subuid', files.subuid));
  if (files.subgid !== undefined) entries.push(file('etc/subgid', files.subgid));
  // An existing directory is never chowned (nor, for a home, filled from /etc/skel):
  // useradd --create-home leaves an existing home as it is, and the Dockerfile's workdir
  // step only creates a missing one. Owning /etc or / would hand the user the system.
  const exists = (path: string) => tree.get(tree.resolve(path, true)) !== undefined;
  if (!exists(user.home.replace(/^\/+/, '')))
    entries.push(
      ...homeEntries(user, facts.skel, { homeMode: loginDefsHomeMode(facts.loginDefs) }),
    );
  const workdir = plan.spec.workdir.replace(/^\//, '');
  if (!entries.some((e) => e.path === workdir) && !exists(workdir))
    entries.push(dir(workdir, user.uid, user.gid));
  entries.push(...aptLeftovers(tree));
  return withParents(entries, tree);
}

/**
 * What the Dockerfile's `apt-get clean && rm -rf /var/lib/apt/lists/*` takes
 * out of the base: the native engine never writes these, but a base may
 * carry them, and both engines must give the same image.
 */
export function aptLeftovers(tree: BaseTree): FileEntry[] {
  const gone = [
    ...tree.list('var/lib/apt/lists').map((n) => `var/lib/apt/lists/${n}`),
    ...tree
      .list('var/cache/apt/archives')
      .filter((n) => n.endsWith('.deb'))
      .map((n) => `var/cache/apt/archives/${n}`),
    ...tree
      .list('var/cache/apt')
      .filter((n) => n.endsWith('.bin'))
      .map((n) => `var/cache/apt/${n}`),
  ];
  return gone.map(whiteout);
}
