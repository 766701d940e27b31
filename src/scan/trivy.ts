/**
 * Running Trivy: find a scanner, build its argument arrays, run it with a
 * time-out, and turn every way it can fail into a KuboxError, so that a scan
 * that did not happen can never read as a clean one.
 *
 * Scanners, in order (`scanner: 'auto'`):
 * 1. `trivy` on PATH;
 * 2. the `aquasec/trivy` image through `docker run`, with the named volume
 *    `kubox-trivy-cache` at /root/.cache (the vulnerability database survives
 *    between runs) and the archive and ignore file mounted read-only.
 * Neither: `scanner-missing` (exit 3) with how to get one.
 *
 * Registry images are scanned with `--image-src remote`: Trivy reads registry
 * credentials from $DOCKER_CONFIG/config.json or ~/.docker/config.json (or
 * TRIVY_USERNAME / TRIVY_PASSWORD). In the docker container there is no
 * credential helper, so kubox forwards TRIVY_USERNAME, TRIVY_PASSWORD and
 * TRIVY_REGISTRY_TOKEN only.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { KuboxError } from '../errors.js';
import { isLoopbackRegistry } from '../registry/client.js';
import { run, type RunResult } from '../exec.js';
import { parseImageName, type ImageName } from '../image/name.js';
import { parseReference, ReferenceError } from '../oci/reference.js';

/**
 * The Trivy image used when there is no `trivy` binary. Pinned by tag here;
 * whoever can reach Docker Hub should pin it by digest as well
 * (`aquasec/trivy:0.58.1@sha256:...`), as kubox does for base images.
 */
export const TRIVY_IMAGE = 'aquasec/trivy:0.58.1';
export const TRIVY_CACHE_VOLUME = 'kubox-trivy-cache';
export const DEFAULT_SCAN_TIMEOUT_MS = 15 * 60_000;
export const TRIVY_INSTALL_URL = 'https://trivy.dev/latest/getting-started/installation/';

export type ScannerKind = 'trivy' | 'docker';
export type ScannerPreference = 'auto' | ScannerKind;

export interface Scanner {
  kind: ScannerKind;
  /** The program kubox runs: `trivy` or `docker`. */
  command: string;
  /** Trivy's version when known (`trivy --version`, or the image tag). */
  version?: string;
  /** For `docker`: the Trivy image. */
  image?: string;
}

/** What to scan: an OCI layout (directory or archive) on disk, or a registry image. */
export type ScanTarget = { kind: 'archive'; path: string } | { kind: 'remote'; ref: string };

/**
 * `oci:PATH` is an archive or layout on disk (resolved against `cwd`); anything
 * else must be a registry reference. Bad input is a `usage` error (exit 2).
 */
export function parseTarget(target: string, cwd: string = process.cwd()): ScanTarget {
  let name: ImageName;
  try {
    name = parseImageName(target);
  } catch (e) {
    if (e instanceof ReferenceError) {
      throw new KuboxError('usage', `"${target}" is not an image reference: ${e.message}`, {
        hint: 'give a registry reference (ghcr.io/acme/py-kube:0.9.0) or oci:PATH',
      });
    }
    throw e;
  }
  if (name.kind === 'registry') return { kind: 'remote', ref: target };
  if (!name.path) throw new KuboxError('usage', 'oci: needs a path, e.g. oci:out/py-kube.oci.tar');
  const path = resolve(cwd, name.path);
  if (!existsSync(path)) {
    throw new KuboxError('usage', `${name.path}: no such file or directory`, {
      hint: 'build the archive first: kubox build --output oci:PATH',
    });
  }
  return { kind: 'archive', path };
}

/** Go duration for Trivy's --timeout, in whole seconds (at least 1s). */
export function goDuration(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))}s`;
}

export interface TrivyArgsOptions {
  ignoreFile?: string;
  timeoutMs: number;
}

/**
 * Trivy's arguments for a scan. The policy is not among them: kubox wants every
 * finding (no --severity, --ignore-unfixed or --exit-code) and applies the gate
 * itself.
 */
export function trivyArgs(target: ScanTarget, opts: TrivyArgsOptions): string[] {
  return [
    'image',
    ...(target.kind === 'archive' ? ['--input', target.path] : ['--image-src', 'remote']),
    '--format',
    'json',
    '--quiet',
    '--scanners',
    'vuln',
    '--timeout',
    goDuration(opts.timeoutMs),
    ...(opts.ignoreFile ? ['--ignorefile', opts.ignoreFile] : []),
    ...(target.kind === 'remote' ? [target.ref] : []),
  ];
}

/** Environment variables passed into the Trivy container when they are set. */
export const FORWARDED_ENV = [
  'TRIVY_USERNAME',
  'TRIVY_PASSWORD',
  'TRIVY_REGISTRY_TOKEN',
  'TRIVY_DB_REPOSITORY',
  'TRIVY_JAVA_DB_REPOSITORY',
  'TRIVY_SKIP_DB_UPDATE',
  'TRIVY_INSECURE',
] as const;

/**
 * Environment variables that would make Trivy drop findings or send its report
 * elsewhere; kubox unsets them so its counts stay complete.
 */
export const FILTERING_ENV = [
  'TRIVY_SEVERITY',
  'TRIVY_IGNORE_UNFIXED',
  'TRIVY_IGNORE_STATUS',
  'TRIVY_EXIT_CODE',
  'TRIVY_FORMAT',
  'TRIVY_OUTPUT',
  'TRIVY_TEMPLATE',
] as const;

const IN_CONTAINER = '/kubox';

function isLoopback(ref: string): boolean {
  return isLoopbackRegistry(parseReference(ref).registry);
}

/**
 * `docker run` arguments for the Trivy image: paths are mounted read-only
 * under /kubox and Trivy gets the in-container paths.
 */
export function dockerArgs(
  target: ScanTarget,
  opts: TrivyArgsOptions & {
    image?: string;
    name?: string;
    env?: Record<string, string | undefined>;
  },
): string[] {
  const mounts: string[] = ['-v', `${TRIVY_CACHE_VOLUME}:/root/.cache`];
  let inner: ScanTarget = target;
  if (target.kind === 'archive') {
    const at = `${IN_CONTAINER}/input/${basename(target.path)}`;
    mounts.push('-v', `${target.path}:${at}:ro`);
    inner = { kind: 'archive', path: at };
  }
  let ignoreFile: string | undefined;
  if (opts.ignoreFile) {
    ignoreFile = `${IN_CONTAINER}/trivyignore`;
    mounts.push('-v', `${opts.ignoreFile}:${ignoreFile}:ro`);
  }
  const env = opts.env ?? process.env;
  const forwarded = FORWARDED_ENV.filter((k) => env[k] !== undefined).flatMap((k) => ['-e', k]);
  const network = target.kind === 'remote' && isLoopback(target.ref) ? ['--network', 'host'] : [];
  return [
    'run',
    '--rm',
    ...(opts.name ? ['--name', opts.name] : []),
    ...mounts,
    ...forwarded,
    ...network,
    opts.image ?? TRIVY_IMAGE,
    ...trivyArgs(inner, { timeoutMs: opts.timeoutMs, ...(ignoreFile ? { ignoreFile } : {}) }),
  ];
}

function missingScanner(why: string[]): KuboxError {
  return new KuboxError('scanner-missing', 'no vulnerability scanner: kubox scans with Trivy', {
    problems: why.map((message) => ({ message })),
    hint: `install trivy (${TRIVY_INSTALL_URL}), or start docker so kubox can run ${TRIVY_IMAGE}`,
  });
}

function tail(text: string, lines = 15): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

async function trivyOnPath(env?: Record<string, string>): Promise<Scanner | undefined> {
  const res = await run('trivy', ['--version'], { timeoutMs: 30_000, ...(env ? { env } : {}) });
  if (res.missing) return undefined;
  if (res.exitCode !== 0) {
    throw new KuboxError('scan-failed', `trivy --version failed (exit ${res.exitCode})`, {
      problems: res.stderr.trim() ? [{ message: tail(res.stderr) }] : [],
      hint: `reinstall trivy (${TRIVY_INSTALL_URL})`,
    });
  }
  const version = /Version:\s*v?(\S+)/.exec(res.stdout)?.[1];
  return { kind: 'trivy', command: 'trivy', ...(version ? { version } : {}) };
}

async function dockerReady(env?: Record<string, string>): Promise<string | undefined> {
  const res = await run('docker', ['version', '--format', '{{.Server.Version}}'], {
    timeoutMs: 20_000,
    ...(env ? { env } : {}),
  });
  if (res.missing) return 'docker is not on PATH';
  if (res.exitCode !== 0)
    return `docker is installed but its daemon is not reachable: ${tail(res.stderr, 1)}`;
  return undefined;
}

/** Finds the scanner to use, or throws `scanner-missing` (exit 3). */
export async function findScanner(
  preference: ScannerPreference = 'auto',
  env?: Record<string, string>,
): Promise<Scanner> {
  const why: string[] = [];
  if (preference !== 'docker') {
    const trivy = await trivyOnPath(env);
    if (trivy) return trivy;
    why.push('trivy is not on PATH');
    if (preference === 'trivy') throw missingScanner(why);
  }
  const problem = await dockerReady(env);
  if (problem) throw missingScanner([...why, problem]);
  return {
    kind: 'docker',
    command: 'docker',
    image: TRIVY_IMAGE,
    version: TRIVY_IMAGE.split(':')[1]!,
  };
}

const DB_FAILURE =
  /failed to download vulnerability DB|DB error|db download|database download|first run cannot skip|failed to download (the )?java DB|OCI repository error|failed to init(ialize)? (the )?DB/i;
const DEADLINE = /context deadline exceeded/i;
const AUTH = /UNAUTHORIZED|authentication required|401 Unauthorized|DENIED|403 Forbidden/i;

/** Turns a failed Trivy run into the error a user can act on. Pure. */
export function trivyFailure(
  res: Pick<RunResult, 'exitCode' | 'stderr'>,
  context: { timedOut: boolean; timeoutMs: number; what: string },
): KuboxError {
  const problems = res.stderr.trim() ? [{ message: tail(res.stderr) }] : [];
  const minutes = (context.timeoutMs / 60_000).toFixed(context.timeoutMs % 60_000 ? 1 : 0);
  if (context.timedOut || (DEADLINE.test(res.stderr) && !DB_FAILURE.test(res.stderr))) {
    return new KuboxError(
      'scan-timeout',
      `the scan of ${context.what} did not finish within ${context.timeoutMs < 60_000 ? `${context.timeoutMs} ms` : `${minutes} min`}; it was stopped and nothing passed`,
      {
        problems,
        hint: 'raise --timeout (e.g. --timeout 30m); the first run also downloads the vulnerability database',
      },
    );
  }
  if (DB_FAILURE.test(res.stderr)) {
    return new KuboxError(
      'scan-db',
      'Trivy could not download its vulnerability database, so nothing was scanned',
      {
        problems,
        hint:
          'check the network access to ghcr.io (mirror.gcr.io); or point TRIVY_DB_REPOSITORY at a mirror; ' +
          'or, with a database already cached, set TRIVY_SKIP_DB_UPDATE=true',
      },
    );
  }
  if (AUTH.test(res.stderr)) {
    return new KuboxError('scan-failed', `Trivy could not read ${context.what} from its registry`, {
      problems,
      hint: 'log in (docker login REGISTRY) or set TRIVY_USERNAME and TRIVY_PASSWORD',
    });
  }
  return new KuboxError('scan-failed', `Trivy failed on ${context.what} (exit ${res.exitCode})`, {
    problems,
    hint: "see Trivy's message above; `trivy image --debug` shows more",
  });
}

export interface RunScannerOptions {
  ignoreFile?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

/**
 * Runs the scanner on the target and returns Trivy's stdout (its JSON report,
 * not yet parsed). Throws scan-timeout / scan-db / scan-failed.
 */
export async function runScanner(
  scanner: Scanner,
  target: ScanTarget,
  opts: RunScannerOptions = {},
): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_SCAN_TIMEOUT_MS;
  const what = target.kind === 'archive' ? target.path : target.ref;
  const ignoreFile = opts.ignoreFile;
  if (ignoreFile && !(existsSync(ignoreFile) && statSync(ignoreFile).isFile())) {
    throw new KuboxError('usage', `ignore file ${ignoreFile} not found`, {
      hint: 'give a .trivyignore with one accepted vulnerability ID a line',
    });
  }
  const base = { ...process.env, ...opts.env };
  // Unset (undefined) the variables that would filter Trivy's findings.
  const env = Object.fromEntries([
    ...Object.entries(base),
    ...FILTERING_ENV.map((k) => [k, undefined]),
  ]) as Record<string, string>;
  const name = `kubox-trivy-${process.pid}-${Date.now().toString(36)}`;
  const args =
    scanner.kind === 'trivy'
      ? trivyArgs(target, { timeoutMs, ...(ignoreFile ? { ignoreFile } : {}) })
      : dockerArgs(target, {
          timeoutMs,
          name,
          env: base,
          ...(scanner.image ? { image: scanner.image } : {}),
          ...(ignoreFile ? { ignoreFile } : {}),
        });
  const started = Date.now();
  const res = await run(scanner.command, args, { timeoutMs, env });
  const timedOut = Date.now() - started >= timeoutMs;
  if (timedOut && scanner.kind === 'docker') {
    // Stopping the docker client does not always stop the container.
    await run('docker', ['rm', '-f', name], { timeoutMs: 20_000, env });
  }
  if (res.missing) throw missingScanner([`${scanner.command} is not on PATH`]);
  if (!timedOut && scanner.kind === 'docker' && res.exitCode === 125) {
    // 125 is docker's own failure (the image could not be pulled or started), not Trivy's.
    throw new KuboxError(
      'scanner-missing',
      `docker could not start ${scanner.image ?? TRIVY_IMAGE}`,
      {
        problems: res.stderr.trim() ? [{ message: tail(res.stderr) }] : [],
        hint:
          `pull it where Docker Hub is reachable (docker pull ${scanner.image ?? TRIVY_IMAGE}; ` +
          `docker save / docker load to bring it here), or install trivy (${TRIVY_INSTALL_URL})`,
      },
    );
  }
  if (timedOut || res.exitCode !== 0) throw trivyFailure(res, { timedOut, timeoutMs, what });
  if (res.stdout.trim() === '') {
    throw new KuboxError('scan-failed', `Trivy printed no report for ${what}`, {
      problems: res.stderr.trim() ? [{ message: tail(res.stderr) }] : [],
      hint: 'check that TRIVY_OUTPUT is not set and that the scanner is Trivy',
    });
  }
  return res.stdout;
}
