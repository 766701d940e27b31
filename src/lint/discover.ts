/**
 * The linter's edge with the file system: which files to lint, reading them,
 * and finding the config file. Problems here are bad input (exit 2).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { KuboxError } from '../errors.js';
import { DEFAULT_CONFIG, type LintConfig } from './config.js';

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'out']);

/** `Dockerfile`, `*.Dockerfile`, `Dockerfile.*` (not `Dockerfile.dockerignore`). */
export function isDockerfileName(name: string): boolean {
  if (name.endsWith('.dockerignore')) return false;
  return name === 'Dockerfile' || name.endsWith('.Dockerfile') || name.startsWith('Dockerfile.');
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) walk(full, out);
    } else if (entry.isFile() && isDockerfileName(entry.name)) out.push(full);
  }
}

/** Files named directly, and every Dockerfile under directories, as paths relative to cwd. */
export function findDockerfiles(paths: readonly string[], cwd: string): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const full = resolve(cwd, p);
    let isDir: boolean;
    try {
      isDir = statSync(full).isDirectory();
    } catch {
      throw new KuboxError('usage', `${p}: no such file or directory`, {
        hint: 'pass Dockerfiles or directories that contain them',
      });
    }
    if (!isDir) {
      out.push(full);
      continue;
    }
    const found: string[] = [];
    walk(full, found);
    if (found.length === 0) {
      throw new KuboxError('usage', `${p}: no Dockerfile in this directory`, {
        hint: 'files are found by name: Dockerfile, *.Dockerfile, Dockerfile.*',
      });
    }
    out.push(...found);
  }
  return [...new Set(out)].map((f) => relative(cwd, f) || basename(f));
}

export function readDockerfile(path: string, cwd: string): string {
  try {
    return readFileSync(resolve(cwd, path), 'utf8');
  } catch (e) {
    throw new KuboxError(
      'usage',
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      { cause: e },
    );
  }
}

export const CONFIG_FILES = [
  '.kubox-lint.yaml',
  '.kubox-lint.yml',
  '.hadolint.yaml',
  '.hadolint.yml',
];

/**
 * The config: the file given, else the first of .kubox-lint.yaml and
 * .hadolint.yaml found in cwd (kubox's own wins; the two are not merged).
 */
export async function loadLintConfig(
  cwd: string,
  explicit?: string,
): Promise<{ config: LintConfig; source?: string }> {
  const candidates = explicit ? [explicit] : CONFIG_FILES;
  for (const name of candidates) {
    const path = resolve(cwd, name);
    if (!explicit && !existsSync(path)) continue;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new KuboxError(
        'usage',
        `cannot read config ${name}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      );
    }
    const kind = basename(name).startsWith('.hadolint') ? 'hadolint' : 'kubox';
    const { parseConfig } = await import('./config-file.js');
    return { config: parseConfig(text, name, kind), source: name };
  }
  return { config: DEFAULT_CONFIG };
}
