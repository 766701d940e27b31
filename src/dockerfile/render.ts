/**
 * Plan -> Dockerfile and .dockerignore. Pure and byte-stable: the same plan
 * always gives the same text, so the output can be committed and diffed.
 *
 * The layout follows the seed: one RUN for everything, so the apt lists and
 * caches removed at its end never reach a layer, and a numeric USER so the
 * kubelet can enforce runAsNonRoot.
 */
import { RUN_SHELL } from '../spec/constants.js';
import { KuboxError } from '../errors.js';
import type { Plan } from '../plan/plan.js';
import { SCRATCH, type AptRepository, type Binary, type Spec } from '../spec/schema.js';
import { targetArch } from '../oci/platform.js';
import { execForm, instructionValue, shellTemplate, shellWord } from './quote.js';

/** One line of the big RUN: a command, or a comment that introduces a group. */
type Step = { cmd: string } | { comment: string };

const INDENT = '    ';
const LIST_INDENT = '        ';

export interface Rendered {
  dockerfile: string;
  dockerignore: string;
}

export function render(plan: Plan): Rendered {
  if (plan.spec.base === SCRATCH)
    throw new KuboxError(
      'usage',
      'base: scratch has no Dockerfile: its root filesystem is assembled from packages by the native engine',
      { hint: 'kubox build --engine native' },
    );
  return { dockerfile: renderDockerfile(plan), dockerignore: renderDockerignore(plan.spec) };
}

function debName(e: string | { name: string }): string {
  return typeof e === 'string' ? e : e.name;
}

function wrapList(head: string, items: readonly string[]): string {
  return [head, ...items.map((i) => `${LIST_INDENT}${i}`)].join(' \\\n');
}

/**
 * Packages the RUN itself needs (curl to download, gpg to dearmor keys), added
 * to the install list when the spec uses those features without listing them.
 */
export function buildDependencies(spec: Spec): string[] {
  const listed = new Set(spec.apt.packages.map((p) => debName(p).split('=')[0]));
  const needed: string[] = [];
  const downloads = spec.apt.repositories.length > 0 || spec.binaries.length > 0;
  if (downloads) needed.push('curl', 'ca-certificates');
  if (spec.apt.repositories.length > 0) needed.push('gpg');
  return needed.filter((n) => !listed.has(n));
}

function sedEscape(url: string): string {
  return url.replace(/[&\\|]/g, '\\$&');
}

function mirrorSteps(spec: Spec): Step[] {
  const { mirror, securityMirror } = spec.apt;
  if (!mirror && !securityMirror) return [];
  const exprs: string[] = [];
  // Security first: its URL starts with the main one's.
  if (securityMirror)
    exprs.push(`-e 's|http://deb.debian.org/debian-security|${sedEscape(securityMirror)}|g'`);
  if (mirror) {
    const m = sedEscape(mirror);
    exprs.push(
      `-e 's|http://deb.debian.org/debian\\([^-]\\)|${m}\\1|g'`,
      `-e 's|http://deb.debian.org/debian$|${m}|g'`,
    );
  }
  return [
    { comment: 'Apt sources: the mirrors from kubox.yaml instead of deb.debian.org.' },
    {
      cmd: `for f in /etc/apt/sources.list /etc/apt/sources.list.d/debian.sources; do \\\n${LIST_INDENT}if [ -f "$f" ]; then sed -i ${exprs.join(' ')} "$f"; fi; \\\n${INDENT}done`,
    },
  ];
}

function repositorySteps(repo: AptRepository): Step[] {
  const keyring = `/etc/apt/keyrings/${repo.name}-apt-keyring.gpg`;
  const list = `/etc/apt/sources.list.d/${repo.name}.list`;
  const line = ['deb', `[signed-by=${keyring}]`, repo.url, repo.suite, ...repo.components].join(
    ' ',
  );
  return [
    {
      comment: `Apt repository "${repo.name}": its key dearmored into a keyring that signs only this source.`,
    },
    // install -d, not mkdir -p -m: -m would apply to the last directory only (ShellCheck SC2174).
    { cmd: 'install -d -m 0755 /etc/apt/keyrings' },
    { cmd: `curl -fsSL ${shellTemplate(repo.key)} | gpg --dearmor -o ${keyring}` },
    { cmd: `chmod 644 ${keyring}` },
    { cmd: `echo ${shellTemplate(line)} > ${list}` },
    { cmd: `chmod 644 ${list}` },
  ];
}

function binarySteps(bin: Binary, arches: readonly string[]): Step[] {
  const v = 'bin_sha256';
  const steps: Step[] = [
    {
      comment: `Binary "${bin.name}" for \${TARGETARCH}, checked against its sha256 before it is made executable.`,
    },
  ];
  const fromFile = bin.checksumUrl
    ? `${v}="$(curl -fsSL ${shellTemplate(bin.checksumUrl)} | awk '{ print $1; exit }')"`
    : undefined;
  const pinned = arches.filter((a) => bin.sha256?.[a]);
  if (pinned.length === 0 && fromFile) {
    steps.push({ cmd: fromFile });
  } else {
    const fallback =
      fromFile ??
      `echo "kubox: no sha256 for ${bin.name} on \${TARGETARCH}; add binaries[].sha256.\${TARGETARCH} to kubox.yaml" >&2; exit 1`;
    const cases = [...pinned.map((a) => `${a}) ${v}=${bin.sha256![a]} ;;`), `*) ${fallback} ;;`];
    steps.push({
      cmd: `case "\${TARGETARCH}" in \\\n${cases.map((c) => `${LIST_INDENT}${c}`).join(' \\\n')} \\\n${INDENT}esac`,
    });
  }
  steps.push(
    { cmd: `curl -fsSL ${shellTemplate(bin.url)} -o ${bin.dest}` },
    { cmd: `echo "\${${v}}  ${bin.dest}" | sha256sum -c -` },
    { cmd: `chmod ${bin.mode} ${bin.dest}` },
  );
  return steps;
}

function runSteps(plan: Plan): Step[] {
  const { spec, user } = plan;
  const steps: Step[] = [...mirrorSteps(spec)];
  const packages = [...spec.apt.packages.map(debName), ...buildDependencies(spec)];
  steps.push({ cmd: 'apt-get update' });
  if (packages.length > 0) {
    steps.push({ cmd: wrapList('apt-get install -y --no-install-recommends', packages) });
  }
  if (spec.apt.repositories.length > 0) {
    for (const repo of spec.apt.repositories) steps.push(...repositorySteps(repo));
    steps.push(
      { cmd: 'apt-get update' },
      {
        cmd: wrapList(
          'apt-get install -y --no-install-recommends',
          spec.apt.repositories.flatMap((r) => r.packages.map(debName)),
        ),
      },
    );
  }
  const arches = [...new Set(spec.platforms.map(targetArch))];
  for (const bin of spec.binaries) steps.push(...binarySteps(bin, arches));
  if (spec.pip.packages.length > 0) {
    const head = ['pip install --no-cache-dir'];
    if (spec.pip.indexUrl) head.push(`--index-url ${shellTemplate(spec.pip.indexUrl)}`);
    steps.push(
      { comment: "Python packages, without keeping pip's download cache in the layer." },
      {
        cmd: wrapList(
          head.join(' '),
          spec.pip.packages.map((p) => shellWord(typeof p === 'string' ? p : p.name)),
        ),
      },
    );
  }
  const ids = `${user.uid}:${user.gid}`;
  steps.push(
    { comment: `The non-root user; the image runs as ${ids} (USER below), and owns the workdir.` },
    { cmd: `(getent group ${user.gid} >/dev/null || groupadd --gid ${user.gid} ${user.name})` },
    {
      cmd: `useradd --no-log-init --create-home --home-dir ${user.home} --shell ${user.shell} --uid ${user.uid} --gid ${user.gid} ${user.name}`,
    },
    // A workdir the base (or useradd) already has keeps its owner: chowning an existing
    // directory could hand the user a directory of the system. The native layer does the same.
    {
      cmd: `if [ ! -e ${spec.workdir} ]; then mkdir -p ${spec.workdir} && chown ${ids} ${spec.workdir}; fi`,
    },
    { comment: "Nothing of apt's download cache or package lists stays in the image." },
    { cmd: 'apt-get clean' },
    { cmd: 'rm -rf /var/lib/apt/lists/*' },
  );
  return steps;
}

function renderRun(steps: readonly Step[]): string {
  const lines: string[] = [];
  const cmdCount = steps.filter((s) => 'cmd' in s).length;
  let seen = 0;
  for (const s of steps) {
    if ('comment' in s) {
      lines.push(`${INDENT}# ${s.comment}`);
      continue;
    }
    seen++;
    const text = seen === 1 ? `RUN ${s.cmd}` : `${INDENT}${s.cmd}`;
    lines.push(seen === cmdCount ? text : `${text} && \\`);
  }
  // A comment cannot come first: RUN must start the instruction.
  const first = lines.findIndex((l) => l.startsWith('RUN '));
  const leading = lines.splice(0, first);
  return [...leading.map((l) => l.replace(INDENT, '')), ...lines].join('\n');
}

function keyValues(instruction: string, values: Readonly<Record<string, string>>): string {
  const entries = Object.entries(values);
  const parts = entries.map(([k, v]) => `${k}=${instructionValue(v)}`);
  return `${instruction} ${parts.join(` \\\n${INDENT}`)}`;
}

export function renderDockerfile(plan: Plan): string {
  const { spec } = plan;
  const out: string[] = [];
  if (spec.syntax) out.push(`# syntax=${spec.syntax}`);
  out.push(
    `# ${spec.name} ${spec.version}, rendered by kubox from its spec.`,
    '# Do not edit: change kubox.yaml and run `kubox render`.',
    '',
    `FROM ${spec.base}`,
    '',
  );
  const args = Object.entries(spec.args);
  out.push(
    '# Build args with their defaults from kubox.yaml; BuildKit sets TARGETARCH per platform.',
  );
  for (const [k, v] of args) out.push(`ARG ${k}=${v}`);
  out.push('ARG TARGETARCH', '');
  out.push(
    '# A pipeline (curl | gpg) fails when any command in it fails, not only the last.',
    `SHELL ${execForm([...RUN_SHELL])}`,
    '',
    '# One layer: what the end of this RUN removes never reaches the image.',
    renderRun(runSteps(plan)),
    '',
    `WORKDIR ${spec.workdir}`,
  );
  if (Object.keys(spec.env).length > 0) out.push('', keyValues('ENV', spec.env));
  out.push('', keyValues('LABEL', plan.labels));
  out.push(
    '',
    '# Numeric, so the kubelet can prove runAsNonRoot (it cannot resolve a user name).',
    `USER ${plan.user.uid}:${plan.user.gid}`,
    `CMD ${execForm(spec.cmd)}`,
    '',
  );
  return out.join('\n');
}

export function renderDockerignore(spec: Spec): string {
  const header = [
    '# Rendered by kubox from kubox.yaml. Do not edit: change `dockerignore:` there.',
    '',
  ];
  return [...header, ...spec.dockerignore, ''].join('\n');
}
