/**
 * Quoting what a person chose (kubox.yaml's path) into the generated
 * workflow: a shell word inside a YAML scalar, a YAML scalar, a GitHub path
 * filter. A path such as `x$(touch PWNED).yaml` must stay a file name in
 * CI's shell, never a command.
 */
import { KuboxError } from '../errors.js';

/** Refuses what no quoting makes safe in a workflow: control characters and `${{` expressions. */
export function checkWorkflowPath(path: string): void {
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.exec(path);
  if (control || path.includes('${{'))
    throw new KuboxError(
      'usage',
      `the spec path ${JSON.stringify(path)} cannot be written into a GitHub workflow: it contains ${control ? 'a control character' : 'a ${{ expression }}, which GitHub would evaluate'}`,
      { hint: 'rename the file (letters, digits, ".", "_", "-" and "/" are always safe)' },
    );
}

/** A POSIX shell word: bare when it is plainly safe, else single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9._/=:@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A YAML scalar: bare when it reads back as itself, else double-quoted (JSON is valid YAML). */
export function yamlScalar(s: string): string {
  return /^[A-Za-z0-9._/$][A-Za-z0-9._/$ =:@%+"'<>-]*$/.test(s) &&
    !/: |:$|^[-?:]|\s$/.test(s) &&
    !/^(true|false|null|yes|no|on|off|~|[-+]?[0-9.]+)$/i.test(s)
    ? s
    : JSON.stringify(s);
}

/** A GitHub Actions path filter matching exactly `path`: its glob characters escaped. */
export function pathFilter(path: string): string {
  return yamlScalar(path.replace(/[*?[\]!+\\]/g, (c) => `\\${c}`));
}
