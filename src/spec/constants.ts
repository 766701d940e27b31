/**
 * Spec constants the CLI's help texts show. A module of its own, free of zod
 * and yaml: every command is defined at start-up, and --help must not wait
 * for the schema to load.
 */

/** The spec file every command reads unless given -f. */
export const DEFAULT_SPEC_FILE = 'kubox.yaml';

/** Vulnerability severities, lowest first, as Trivy names them. */
export const SEVERITIES = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

/** The shell the image's RUN steps use (the rendered Dockerfile's SHELL, and the native config's Shell). */
export const RUN_SHELL: readonly string[] = ['/bin/bash', '-o', 'pipefail', '-c'];
