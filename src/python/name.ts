/**
 * Project names and wheel filenames (PEP 503, PEP 427, PEP 425). Pure.
 */

/** PEP 503 normalisation: runs of `-`, `_`, `.` become one `-`, lower case. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

export interface WheelFilename {
  /** Normalised project name. */
  name: string;
  version: string;
  build?: string;
  /** Every tag the file claims, compressed tag sets (`py2.py3-none-any`) expanded. */
  tags: string[];
}

/**
 * Splits `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
 * Returns undefined for a name that is not a wheel's, so an index listing with
 * odd files is skipped rather than fatal.
 */
export function parseWheelFilename(filename: string): WheelFilename | undefined {
  if (!filename.endsWith('.whl')) return undefined;
  const parts = filename.slice(0, -4).split('-');
  if (parts.length !== 5 && parts.length !== 6) return undefined;
  const [name, version] = parts as [string, string];
  const [py, abi, plat] = parts.slice(-3) as [string, string, string];
  const build = parts.length === 6 ? parts[2] : undefined;
  if (build !== undefined && !/^\d/.test(build)) return undefined;
  const tags: string[] = [];
  for (const p of py.split('.'))
    for (const a of abi.split('.')) for (const pl of plat.split('.')) tags.push(`${p}-${a}-${pl}`);
  return { name: normalizeName(name), version, ...(build !== undefined ? { build } : {}), tags };
}

const SDIST_EXTENSIONS = ['.tar.gz', '.zip', '.tar.bz2', '.tar.xz', '.tgz', '.tar'];

/**
 * The version of an sdist named `{name}-{version}.tar.gz`. Legacy sdists put
 * hyphens in the name part, so the split is found by matching the project name
 * rather than by the first or last hyphen.
 */
export function parseSdistFilename(
  filename: string,
  project: string,
): { name: string; version: string } | undefined {
  const ext = SDIST_EXTENSIONS.find((e) => filename.toLowerCase().endsWith(e));
  if (ext === undefined) return undefined;
  const stem = filename.slice(0, -ext.length);
  const want = normalizeName(project);
  for (let i = stem.indexOf('-'); i >= 0; i = stem.indexOf('-', i + 1)) {
    if (normalizeName(stem.slice(0, i)) === want) return { name: want, version: stem.slice(i + 1) };
  }
  return undefined;
}
