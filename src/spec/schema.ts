/**
 * The kubox.yaml format: one zod schema, the single definition of what a spec
 * may contain. The JSON Schema shipped for editors is generated from it
 * (write-json-schema.ts), so the two never disagree.
 *
 * Values that end up inside the Dockerfile's shell (package names, URLs,
 * paths) are validated strictly here, so the renderer never has to escape
 * shell syntax it did not expect.
 */
import { z } from 'zod';
import { KNOWN_ARCHES, KNOWN_PLATFORMS, targetArch } from '../oci/platform.js';
import { parseReference, ReferenceError, TAG } from '../oci/reference.js';
import { expandTemplate, TemplateError } from '../plan/template.js';
import { SEVERITIES } from './constants.js';
import { cleanAbsolutePath, systemDirectoryProblem } from './paths.js';

/** Build args BuildKit defines by itself; templates may use them without declaring them. */
export const AUTOMATIC_ARGS = [
  'TARGETPLATFORM',
  'TARGETOS',
  'TARGETARCH',
  'TARGETVARIANT',
  'BUILDPLATFORM',
  'BUILDOS',
  'BUILDARCH',
  'BUILDVARIANT',
] as const;

const SHA256_HEX = /^[a-f0-9]{64}$/;
/** `base: scratch`: no base image; the native engine builds the root filesystem from packages. */
export const SCRATCH = 'scratch';
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Build-arg values reach shell strings and apt source lines: no spaces, quotes or newlines. */
export const ARG_VALUE = /^[A-Za-z0-9._:/+-]*$/;
const DEB_NAME = /^[a-z0-9][a-z0-9+.-]+(?:=[A-Za-z0-9.+~:-]+)?$/;
const PIP_REQUIREMENT =
  /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\[[A-Za-z0-9._,-]+\])?(?:(?:===|==|~=|!=|<=|>=|<|>)[A-Za-z0-9.*+!_-]+(?:,(?:===|==|~=|!=|<=|>=|<|>)[A-Za-z0-9.*+!_-]+)*)?$/;
const ABS_PATH = /^\/[A-Za-z0-9._/+@-]*$/;
const NAME = /^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/;
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
/** http(s) URL whose only shell-significant characters are `${NAME}` build-arg references. */
const URL_TEMPLATE =
  /^https?:\/\/(?:[A-Za-z0-9\-._~:/?#[\]@!&'()*+,;=%]|\$\{[A-Za-z_][A-Za-z0-9_]*\})+$/;

const urlTemplate = (what: string) =>
  z
    .string()
    .regex(URL_TEMPLATE, {
      message: `${what} must be an http(s) URL; \${NAME} may refer to a build arg, other shell characters (quotes, spaces, $, backticks) are not allowed`,
    })
    .refine((u) => !u.includes("'"), { message: `${what} must not contain a single quote` })
    // Whatever is in a URL ends up in the Dockerfile, the image history and apt's sources.
    .refine((u) => !/^https?:\/\/[^/?#]*@/.test(u), {
      message: `${what} must not carry credentials (user:password@): they would be baked into the image; give the mirror access another way (a netrc secret mount, an unauthenticated proxy)`,
    });

const validRegExp = (s: string) => {
  try {
    new RegExp(s, 'm');
    return true;
  } catch {
    return false;
  }
};

export const CheckSchema = z
  .strictObject({
    run: z
      .array(z.string())
      .min(1)
      .describe('The command and its arguments, run inside the image as its user (no shell).'),
    exitCode: z.int().min(0).max(255).optional().describe('Expected exit code (default 0).'),
    expect: z
      .string()
      .refine(validRegExp, { message: 'is not a valid regular expression' })
      .optional()
      .describe('A regular expression that stdout or stderr must match.'),
  })
  .describe('A command that proves a tool works inside the image.');

const toolEntry = (nameRegex: RegExp, kind: string) =>
  z.union([
    z.string().regex(nameRegex, { message: `not a valid ${kind} name` }),
    z.strictObject({
      name: z.string().regex(nameRegex, { message: `not a valid ${kind} name` }),
      check: CheckSchema.optional(),
    }),
  ]);

const AptPackageSchema = toolEntry(DEB_NAME, 'Debian package').describe(
  'A Debian package name (optionally name=version), or {name, check} to say how to prove it works.',
);
const PipPackageSchema = toolEntry(PIP_REQUIREMENT, 'pip requirement').describe(
  'A pip requirement (name, extras, version specifiers), or {name, check}.',
);

export const AptRepositorySchema = z
  .strictObject({
    name: z
      .string()
      .regex(NAME)
      .describe('Short name; used for the keyring and the sources.list.d file.'),
    url: urlTemplate('url').describe(
      'Repository URL; may use build args, e.g. ${KUBECTL_VERSION}.',
    ),
    suite: z
      .string()
      .regex(/^[A-Za-z0-9./_-]+$/)
      .default('/')
      .describe('Suite or distribution; "/" for a flat repository such as pkgs.k8s.io.'),
    components: z.array(z.string().regex(/^[a-z0-9-]+$/)).default([]),
    key: urlTemplate('key').describe(
      'URL of the repository signing key (ASCII-armored or binary).',
    ),
    packages: z.array(AptPackageSchema).min(1),
  })
  .describe('An extra signed apt repository, added through a keyring and a signed-by source.');

export const BinarySchema = z
  .strictObject({
    name: z.string().regex(NAME),
    url: urlTemplate('url').describe('Download URL; ${TARGETARCH} selects the architecture.'),
    sha256: z
      .partialRecord(
        z.enum(KNOWN_ARCHES as [string, ...string[]]),
        z.string().regex(SHA256_HEX, {
          message: 'must be 64 lowercase hex digits',
        }),
      )
      .optional()
      .describe('Pinned sha256 per TARGETARCH (amd64, arm64, ...).'),
    checksumUrl: urlTemplate('checksumUrl')
      .optional()
      .describe(
        'Published checksum file ("<sha256>  <name>"), checked for architectures with no pin.',
      ),
    dest: cleanAbsolutePath(ABS_PATH, 'dest'),
    mode: z
      .string()
      .regex(/^0?[0-7]{3}$/, { message: 'must be an octal mode such as 0755' })
      .default('0755'),
    check: CheckSchema.optional(),
  })
  .describe('A binary downloaded per architecture and verified by sha256 before use.');

export const UserSchema = z
  .strictObject({
    name: z.string().regex(USER_NAME, { message: 'must be a valid Linux user name' }),
    uid: z
      .int()
      .min(0)
      .max(2 ** 31 - 2),
    gid: z
      .int()
      .min(0)
      .max(2 ** 31 - 2),
    shell: cleanAbsolutePath(ABS_PATH, 'shell').default('/bin/bash'),
    home: cleanAbsolutePath(ABS_PATH, 'home')
      .optional()
      .describe('Default: /home/<name>. Not a system directory such as /etc or /usr.'),
    nonRoot: z
      .boolean()
      .default(true)
      .describe('Claim that the image runs as non-root (runAsNonRoot); uid 0 is then an error.'),
  })
  .describe('The user the image runs as; kubox sets USER to the numeric uid:gid.');

export const BuilderSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/),
    driver: z
      .enum(['docker-container', 'docker', 'kubernetes', 'remote'])
      .default('docker-container'),
    driverOpts: z.record(z.string(), z.string()).default({}),
    endpoint: z.string().optional().describe('For the remote driver: the BuildKit address.'),
  })
  .describe('The buildx builder; kubox creates it when missing (except for the docker driver).');

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export { SEVERITIES };

export const ScanPolicySchema = z
  .strictObject({
    severity: z
      .array(z.enum(SEVERITIES))
      .min(1)
      .default(['CRITICAL', 'HIGH'])
      .describe('Severities that fail the gate.'),
    ignoreUnfixed: z
      .boolean()
      .default(false)
      .describe('Only vulnerabilities with a fixed version fail the gate.'),
    ignoreFile: z.string().optional().describe('A .trivyignore file of accepted IDs.'),
  })
  .describe('The vulnerability gate `kubox scan` and `kubox build --scan` apply.');

export const GithubCiSchema = z
  .strictObject({
    branch: z
      .string()
      .regex(/^[A-Za-z0-9._/-]+$/)
      .default('main'),
    secrets: z
      .strictObject({
        username: z.string().regex(SECRET_NAME).default('REGISTRY_USERNAME'),
        password: z.string().regex(SECRET_NAME).default('REGISTRY_PASSWORD'),
      })
      .default({ username: 'REGISTRY_USERNAME', password: 'REGISTRY_PASSWORD' })
      .describe('Names of the repository secrets holding the registry login.'),
    pinSchedule: z
      .string()
      .regex(/^[0-9*/,-]+( [0-9*/,A-Za-z-]+){4}$/, {
        message: 'must be a cron expression with five fields',
      })
      .default('17 5 * * 1')
      .describe('When `kubox pin --check` runs (cron, UTC).'),
    nodeVersion: z.string().regex(/^\d+$/).default('20'),
    sign: z
      .enum(['keyless', 'none'])
      .default('keyless')
      .describe(
        "keyless: sign the pushed image with cosign and GitHub's OIDC token (Fulcio certificate, Rekor's public log, which records the image digest and the workflow's identity); none: no signing step.",
      ),
  })
  .describe('The GitHub Actions workflow `kubox ci github` writes.');

export const VerifyCheckSchema = CheckSchema.extend({
  name: z.string().min(1),
}).describe('An extra command run by `kubox verify` on every platform.');

export const SpecSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().regex(NAME, { message: 'use lowercase letters, digits, ".", "_" and "-"' }),
    version: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'must be usable in an image tag' })
      .describe('Image version; tags and labels use it through {{version}}.'),
    description: z.string().optional(),
    image: z
      .strictObject({
        repository: z
          .string()
          .optional()
          .describe('Where to push, e.g. ghcr.io/acme/py-kube. Without it, builds go to ./out.'),
        tags: z.array(z.string().min(1)).min(1).default(['{{version}}', 'latest']),
      })
      .default({ tags: ['{{version}}', 'latest'] }),
    platforms: z
      .array(z.enum(KNOWN_PLATFORMS as [string, ...string[]]))
      .min(1)
      .default(['linux/amd64', 'linux/arm64']),
    base: z
      .string()
      .describe(
        'Base image pinned by digest: name:tag@sha256:<64 hex>; or `scratch` (native engine): the whole root filesystem from Debian packages.',
      ),
    args: z
      .record(z.string().regex(ARG_NAME), z.string().regex(ARG_VALUE))
      .default({})
      .describe('Build args with their default values, e.g. KUBECTL_VERSION.'),
    apt: z
      .strictObject({
        mirror: urlTemplate('mirror')
          .optional()
          .describe('Replaces http://deb.debian.org/debian in the base image apt sources.'),
        securityMirror: urlTemplate('securityMirror')
          .optional()
          .describe('Replaces http://deb.debian.org/debian-security.'),
        release: z
          .string()
          .regex(/^[a-z]+$/, { message: 'must be a Debian codename such as bookworm' })
          .optional()
          .describe(
            "Native engine: the Debian release (codename) to install from. Default: the base's own; required with base: scratch.",
          ),
        snapshot: z
          .string()
          .regex(/^\d{8}T\d{6}Z$/, {
            message: 'must be a snapshot.debian.org timestamp such as 20251101T000000Z',
          })
          .optional()
          .describe(
            'Native engine: resolve Debian packages from snapshot.debian.org as they were at this time (YYYYMMDDTHHMMSSZ), instead of the mirrors.',
          ),
        packages: z.array(AptPackageSchema).default([]),
        repositories: z.array(AptRepositorySchema).default([]),
      })
      .default({ packages: [], repositories: [] }),
    binaries: z.array(BinarySchema).default([]),
    pip: z
      .strictObject({
        indexUrl: urlTemplate('indexUrl').optional(),
        packages: z.array(PipPackageSchema).default([]),
      })
      .default({ packages: [] }),
    user: UserSchema,
    workdir: cleanAbsolutePath(ABS_PATH, 'workdir')
      .default('/app')
      .describe('The working directory, owned by the user. Not a system directory such as /etc.'),
    cmd: z.array(z.string()).min(1).default(['bash']),
    env: z.record(z.string().regex(ARG_NAME), z.string()).default({}),
    labels: z.record(z.string().regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/), z.string()).default({}),
    dockerignore: z
      .array(z.string())
      .default([])
      .describe('Lines of .dockerignore; lines starting with # are comments.'),
    engine: z
      .enum(['auto', 'native', 'buildx'])
      .default('auto')
      .describe(
        'How `kubox build` builds: buildx (a Docker engine), native (no daemon: Debian packages, wheels and binaries assembled onto the base), or auto (buildx when a Docker engine with buildx answers, else native).',
      ),
    builder: BuilderSchema.optional().describe('The buildx builder. Default: the current builder.'),
    syntax: z
      .union([z.literal(false), z.string().regex(/^[a-z0-9./:@_-]+$/)])
      .default(false)
      .describe('Emit `# syntax=<value>` as the first line, or false for the built-in frontend.'),
    verify: z.array(VerifyCheckSchema).default([]),
    scan: ScanPolicySchema.default({ severity: ['CRITICAL', 'HIGH'], ignoreUnfixed: false }),
    ci: z
      .strictObject({ github: GithubCiSchema.default(GithubCiSchema.parse({})) })
      .default({ github: GithubCiSchema.parse({}) }),
  })
  .superRefine((spec, ctx) => {
    // The base must be pinned: a tag alone can move under a rebuild.
    if (spec.base === SCRATCH) {
      if (!spec.apt.release)
        ctx.addIssue({
          code: 'custom',
          path: ['apt', 'release'],
          message:
            'base: scratch has no Debian release to follow; name one (apt.release: bookworm)',
        });
      if (spec.pip.packages.length > 0)
        ctx.addIssue({
          code: 'custom',
          path: ['pip', 'packages'],
          message:
            'base: scratch has no Python to install wheels into; use a Python base (python:3.13-slim) or drop pip.packages',
        });
      if (spec.engine === 'buildx')
        ctx.addIssue({
          code: 'custom',
          path: ['engine'],
          message: 'base: scratch is built by the native engine only (a Dockerfile needs a shell)',
        });
    } else
      try {
        const ref = parseReference(spec.base);
        if (!ref.digest) {
          ctx.addIssue({
            code: 'custom',
            path: ['base'],
            message: `"${spec.base}" is not pinned by digest; write it as name:tag@sha256:<digest> (\`kubox pin\` or \`docker buildx imagetools inspect\` shows the digest)`,
          });
        }
        if (!ref.tag) {
          ctx.addIssue({
            code: 'custom',
            path: ['base'],
            message: `"${spec.base}" has no tag; keep the tag next to the digest (name:tag@sha256:...) so readers and \`kubox pin\` know what it tracks`,
          });
        }
      } catch (e) {
        if (!(e instanceof ReferenceError)) throw e;
        ctx.addIssue({
          code: 'custom',
          path: ['base'],
          message: `invalid image reference: ${e.message}`,
        });
      }

    if (spec.image.repository !== undefined) {
      try {
        const ref = parseReference(spec.image.repository);
        if (ref.tag || ref.digest) {
          ctx.addIssue({
            code: 'custom',
            path: ['image', 'repository'],
            message: 'the repository must not carry a tag or digest; put tags under image.tags',
          });
        }
      } catch (e) {
        if (!(e instanceof ReferenceError)) throw e;
        ctx.addIssue({
          code: 'custom',
          path: ['image', 'repository'],
          message: `invalid repository: ${e.message}`,
        });
      }
    }

    if (spec.apt.snapshot && (spec.apt.mirror || spec.apt.securityMirror)) {
      ctx.addIssue({
        code: 'custom',
        path: ['apt', 'snapshot'],
        message:
          'snapshot and mirror/securityMirror both choose where Debian packages come from; keep one',
      });
    }

    // The user owns its workdir and home: a system directory would hand it the system.
    const workdirProblem = systemDirectoryProblem(spec.workdir, spec.user.uid);
    if (workdirProblem)
      ctx.addIssue({ code: 'custom', path: ['workdir'], message: workdirProblem });
    if (spec.user.home !== undefined) {
      const homeProblem = systemDirectoryProblem(spec.user.home, spec.user.uid);
      if (homeProblem)
        ctx.addIssue({ code: 'custom', path: ['user', 'home'], message: homeProblem });
    }

    // Tags and labels are expanded here too, so a bad one is reported at its line in the file.
    const vars = { name: spec.name, version: spec.version };
    const expanded = (text: string, path: (string | number)[]): string | undefined => {
      try {
        return expandTemplate(text, vars);
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        ctx.addIssue({ code: 'custom', path, message: e.message });
        return undefined;
      }
    };
    spec.image.tags.forEach((t, i) => {
      const tag = expanded(t, ['image', 'tags', i]);
      if (tag !== undefined && !TAG.test(tag))
        ctx.addIssue({
          code: 'custom',
          path: ['image', 'tags', i],
          message: `"${tag}" is not a valid tag (letters, digits, _ . -; at most 128; not starting with . or -)`,
        });
    });
    for (const [k, v] of Object.entries(spec.labels)) expanded(v, ['labels', k]);

    if (new Set(spec.platforms).size !== spec.platforms.length) {
      ctx.addIssue({ code: 'custom', path: ['platforms'], message: 'a platform is listed twice' });
    }

    if (spec.user.nonRoot && (spec.user.uid === 0 || spec.user.gid === 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['user', spec.user.uid === 0 ? 'uid' : 'gid'],
        message:
          'uid/gid 0 is root, but user.nonRoot is true; pick a non-zero id such as 1000, or set nonRoot: false (a root debug image cannot run in pods with runAsNonRoot)',
      });
    }

    // Every ${NAME} a template uses must be a declared build arg or one BuildKit defines.
    const known = new Set<string>([...AUTOMATIC_ARGS, ...Object.keys(spec.args)]);
    const checkVars = (value: string | undefined, path: (string | number)[]) => {
      for (const m of (value ?? '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
        if (!known.has(m[1]!)) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `\${${m[1]}} is not a build arg; declare it under args (args: { ${m[1]}: "..." })`,
          });
        }
      }
    };
    spec.apt.repositories.forEach((r, i) => {
      checkVars(r.url, ['apt', 'repositories', i, 'url']);
      checkVars(r.key, ['apt', 'repositories', i, 'key']);
    });
    spec.binaries.forEach((b, i) => {
      checkVars(b.url, ['binaries', i, 'url']);
      checkVars(b.checksumUrl, ['binaries', i, 'checksumUrl']);
      // A binary is never used unverified: each target arch needs a pin or a checksum file.
      if (!b.checksumUrl) {
        const missing = [...new Set(spec.platforms.map(targetArch))].filter((a) => !b.sha256?.[a]);
        if (missing.length > 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['binaries', i, 'sha256'],
            message: `no sha256 for ${missing.join(', ')} (the spec builds ${spec.platforms.join(', ')}); add sha256.${missing[0]}: <64 hex digits> or a checksumUrl`,
          });
        }
      }
    });
    checkVars(spec.pip.indexUrl, ['pip', 'indexUrl']);

    const seen = new Map<string, string>();
    const names = (
      entries: readonly (string | { name: string })[],
      where: (string | number)[],
      label: string,
    ) =>
      entries.forEach((e, i) => {
        const n = (typeof e === 'string' ? e : e.name).split('=')[0]!;
        const prev = seen.get(n);
        if (prev) {
          ctx.addIssue({
            code: 'custom',
            path: [...where, i],
            message: `package "${n}" is already listed at ${prev}`,
          });
        } else seen.set(n, `${label}[${i}]`);
      });
    names(spec.apt.packages, ['apt', 'packages'], 'apt.packages');
    spec.apt.repositories.forEach((r, j) =>
      names(r.packages, ['apt', 'repositories', j, 'packages'], `apt.repositories[${j}].packages`),
    );
  });

/** A spec as written (defaults may be missing). */
export type SpecInput = z.input<typeof SpecSchema>;
/** A validated spec with every default filled in. */
export type Spec = z.output<typeof SpecSchema>;
export type Check = z.output<typeof CheckSchema>;
export type AptPackage = z.output<typeof AptPackageSchema>;
export type Binary = z.output<typeof BinarySchema>;
export type AptRepository = z.output<typeof AptRepositorySchema>;
