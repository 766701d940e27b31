/**
 * Spec -> Plan: everything later stages need, resolved once. Tags and labels
 * are expanded, every tool gets its proof, the base reference is split into
 * name and digest. Pure: no I/O, same spec in, same plan out.
 */
import { APT_TOOLS, BINARY_TOOLS, PIP_TOOLS } from '../catalog/tools.js';
import { KuboxError } from '../errors.js';
import { qualifiedName, parseReference, TAG } from '../oci/reference.js';
import { SCRATCH, type Check, type Spec } from '../spec/schema.js';
import { expandTemplate, TemplateError } from './template.js';

export type ToolSource = 'apt' | 'binary' | 'pip';

/** Something the image installs, with the command that proves it works (if any is known). */
export interface Tool {
  source: ToolSource;
  /** Package, binary or distribution name, without version pins or extras. */
  name: string;
  check?: Check;
  /** For apt packages from an extra repository: that repository's name. */
  repository?: string;
  /** For binaries: where the file lands. */
  path?: string;
}

export interface Plan {
  spec: Spec;
  /** Full image references the build is tagged with. */
  tags: string[];
  /** Labels known before the build (created and revision are added when it runs). */
  labels: Record<string, string>;
  base: { reference: string; name: string; digest: string };
  user: { name: string; uid: number; gid: number; shell: string; home: string };
  tools: Tool[];
}

export const OCI = 'org.opencontainers.image';

function entryName(e: string | { name: string; check?: Check }): { name: string; check?: Check } {
  const raw = typeof e === 'string' ? e : e.name;
  // Strip version pins (name=1.2, name==1.2) and extras (name[socks]) to get the tool's name.
  const name = raw.split(/[=<>!~[]/)[0]!.toLowerCase();
  return typeof e === 'string' || !e.check ? { name } : { name, check: e.check };
}

export function planTools(spec: Spec): Tool[] {
  const tools: Tool[] = [];
  const add = (
    source: ToolSource,
    catalog: Readonly<Record<string, Check>>,
    e: string | { name: string; check?: Check },
    extra: Partial<Tool> = {},
  ) => {
    const { name, check } = entryName(e);
    const proof = check ?? catalog[name];
    tools.push({ source, name, ...(proof ? { check: proof } : {}), ...extra });
  };
  spec.apt.packages.forEach((p) => add('apt', APT_TOOLS, p));
  for (const repo of spec.apt.repositories) {
    repo.packages.forEach((p) => add('apt', APT_TOOLS, p, { repository: repo.name }));
  }
  spec.binaries.forEach((b) => add('binary', BINARY_TOOLS, b, { path: b.dest }));
  spec.pip.packages.forEach((p) => add('pip', PIP_TOOLS, p));
  return tools;
}

export function makePlan(spec: Spec, source = 'kubox.yaml'): Plan {
  const vars = { name: spec.name, version: spec.version };
  const expand = (text: string, path: string) => {
    try {
      return expandTemplate(text, vars);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      throw new KuboxError('spec', `${source} has 1 problem`, {
        problems: [{ message: e.message, location: { file: source, path } }],
      });
    }
  };

  const repository = spec.image.repository ?? spec.name;
  const tags = spec.image.tags.map((t, i) => {
    const tag = expand(t, `image.tags[${i}]`);
    if (!TAG.test(tag)) {
      throw new KuboxError('spec', `${source} has 1 problem`, {
        problems: [
          {
            message: `"${tag}" is not a valid tag (letters, digits, _ . -; at most 128; not starting with . or -)`,
            location: { file: source, path: `image.tags[${i}]` },
          },
        ],
      });
    }
    return `${repository}:${tag}`;
  });

  const baseRef = spec.base === SCRATCH ? undefined : parseReference(spec.base);
  const base = baseRef
    ? { reference: spec.base, name: qualifiedName(baseRef), digest: baseRef.digest! }
    : { reference: SCRATCH, name: SCRATCH, digest: '' };

  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.labels)) labels[k] = expand(v, `labels.${k}`);
  labels[`${OCI}.version`] ??= spec.version;
  if (baseRef) {
    labels[`${OCI}.base.name`] = base.name;
    labels[`${OCI}.base.digest`] = base.digest;
  }

  const { name, uid, gid, shell } = spec.user;
  return {
    spec,
    tags,
    labels,
    base,
    user: { name, uid, gid, shell, home: spec.user.home ?? `/home/${name}` },
    tools: planTools(spec),
  };
}
