/**
 * One error family for everything kubox reports to a user. Each error carries
 * what went wrong, what to do about it, and the exit code the CLI returns, so
 * the mapping from failure to exit status lives in exactly one place.
 */

import { redact } from './redact.js';

export const ExitCode = {
  ok: 0,
  /** The operation ran and found a failure: a build broke, a check did not pass. */
  failed: 1,
  /** The input is wrong: spec file, flags, arguments. Nothing was built or written. */
  badInput: 2,
  /** A tool or service kubox needs is not available (docker, buildx, an emulator). */
  unavailable: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorKind =
  | 'spec'
  | 'usage'
  | 'docker-missing'
  | 'daemon-unreachable'
  | 'buildx-missing'
  | 'emulator-missing'
  | 'builder'
  | 'registry-auth'
  | 'base-not-found'
  | 'build-failed'
  | 'verify-failed'
  | 'registry-denied'
  | 'not-found'
  | 'network'
  | 'registry'
  | 'pin-moved'
  | 'io'
  /** No vulnerability scanner: no `trivy` on PATH, no docker able to run the Trivy image (exit 3). */
  | 'scanner-missing'
  /** Trivy could not get its vulnerability database (exit 3: a service kubox needs). */
  | 'scan-db'
  /** The scan ran past its time-out and was killed (exit 1; never a pass). */
  | 'scan-timeout'
  /**
   * The scanner ran but gave no usable report: a crash, registry errors, output
   * that is not Trivy's JSON (exit 1; never a pass). A gate that fails is not an
   * error: `scan()` returns it, and the CLI exits 1 with the reason.
   */
  | 'scan-failed'
  /** A signature that does not verify, or a download whose hash is not the one it was signed or locked with. */
  | 'integrity'
  /** Packages or wheels that cannot be resolved: an unsatisfiable or conflicting request, an sdist-only distribution. */
  | 'resolve'
  /** `--locked` and kubox.lock does not match the spec, or the lock is unreadable. */
  | 'lock';

const exitCodes: Record<ErrorKind, ExitCode> = {
  spec: ExitCode.badInput,
  usage: ExitCode.badInput,
  'docker-missing': ExitCode.unavailable,
  'daemon-unreachable': ExitCode.unavailable,
  'buildx-missing': ExitCode.unavailable,
  'emulator-missing': ExitCode.unavailable,
  builder: ExitCode.unavailable,
  'registry-auth': ExitCode.failed,
  'base-not-found': ExitCode.failed,
  'build-failed': ExitCode.failed,
  'verify-failed': ExitCode.failed,
  'registry-denied': ExitCode.failed,
  'not-found': ExitCode.failed,
  network: ExitCode.failed,
  registry: ExitCode.failed,
  'pin-moved': ExitCode.failed,
  io: ExitCode.failed,
  'scanner-missing': ExitCode.unavailable,
  'scan-db': ExitCode.unavailable,
  'scan-timeout': ExitCode.failed,
  'scan-failed': ExitCode.failed,
  integrity: ExitCode.failed,
  resolve: ExitCode.failed,
  lock: ExitCode.failed,
};

/** Where in a file a problem is; lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
  /** The key path inside the document, e.g. `binaries[0].sha256.arm64`. */
  path?: string;
}

export interface Problem {
  message: string;
  location?: SourceLocation;
  hint?: string;
}

export class KuboxError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly problems: readonly Problem[];

  constructor(
    kind: ErrorKind,
    message: string,
    options: { hint?: string; problems?: Problem[]; cause?: unknown } = {},
  ) {
    // Messages quote URLs, files and servers' answers: no credential kubox holds leaves in one.
    super(redact(message), { cause: options.cause });
    this.name = 'KuboxError';
    this.kind = kind;
    this.hint = options.hint === undefined ? undefined : redact(options.hint);
    this.problems = (options.problems ?? []).map((p) => ({
      ...p,
      message: redact(p.message),
      ...(p.hint !== undefined ? { hint: redact(p.hint) } : {}),
    }));
  }

  get exitCode(): ExitCode {
    return exitCodes[this.kind];
  }
}

export function formatLocation(loc: SourceLocation): string {
  let out = loc.file;
  if (loc.line !== undefined) out += `:${loc.line}`;
  if (loc.line !== undefined && loc.column !== undefined) out += `:${loc.column}`;
  return out;
}

/** Renders an error the way the CLI prints it: one line per problem, then the fix. */
export function formatError(err: KuboxError): string {
  const lines = [`error: ${err.message}`];
  for (const p of err.problems) {
    const where = p.location ? `${formatLocation(p.location)}: ` : '';
    const key = p.location?.path ? `${p.location.path}: ` : '';
    lines.push(`  ${where}${key}${p.message}`);
    if (p.hint) lines.push(`    fix: ${p.hint}`);
  }
  if (err.hint) lines.push(`  fix: ${err.hint}`);
  return redact(lines.join('\n'));
}
