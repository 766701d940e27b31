/**
 * Reading kubox.yaml: YAML with source positions, then the zod schema. The
 * only module that knows the file format; everything after it sees a Spec.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkYamlSize, parseYaml } from './yaml.js';
import { KuboxError, type Problem } from '../errors.js';
import { describeIssues } from './issues.js';
import { formatPath, Locator } from './locate.js';
import { presetPath, PRESETS, type PresetName } from './presets.js';
import { SpecSchema, type Spec } from './schema.js';
import { DEFAULT_SPEC_FILE } from './constants.js';

export { DEFAULT_SPEC_FILE };

export interface LoadedSpec {
  spec: Spec;
  /** The file it came from, or `preset:<name>` for a built-in preset. */
  source: string;
}

/** Parses and validates spec text. Pure: `file` is only used in messages. */
export function parseSpec(text: string, file: string): Spec {
  const { doc, counter, data: parsed } = parseYaml(text, file);
  const data: unknown = parsed ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new KuboxError(
      'spec',
      `${file} must be a YAML mapping of keys (name:, version:, base: ...)`,
      {
        problems: [
          { message: 'the document is not a mapping', location: { file, line: 1, column: 1 } },
        ],
      },
    );
  }
  const result = SpecSchema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  const locator = new Locator(doc, counter);
  const raw = (path: readonly PropertyKey[]) => {
    const range = locator.node(path)?.range;
    return range ? text.slice(range[0], range[1]).trim() : undefined;
  };
  const problems: Problem[] = describeIssues(result.error.issues, raw).map((i) => {
    const pos = locator.locate(i.path, { key: i.atKey });
    return {
      message: i.message,
      location: { file, line: pos.line, column: pos.column, path: formatPath(i.path) },
      ...(i.hint ? { hint: i.hint } : {}),
    };
  });
  problems.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0));
  const n = problems.length;
  throw new KuboxError('spec', `${file} has ${n} problem${n === 1 ? '' : 's'}`, { problems });
}

export function loadPreset(name: PresetName): LoadedSpec {
  return {
    spec: parseSpec(readFileSync(presetPath(name), 'utf8'), `preset:${name}`),
    source: `preset:${name}`,
  };
}

/**
 * Loads the spec a command works on: the given file, else ./kubox.yaml, else
 * the built-in py-kube preset.
 */
export function loadSpec(file?: string, cwd: string = process.cwd()): LoadedSpec {
  const path = file ? resolve(cwd, file) : resolve(cwd, DEFAULT_SPEC_FILE);
  if (!file && !existsSync(path)) return loadPreset('py-kube');
  let text: string;
  try {
    checkYamlSize(statSync(path).size, file ?? DEFAULT_SPEC_FILE);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof KuboxError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new KuboxError(
      'spec',
      `cannot read ${file ?? DEFAULT_SPEC_FILE}: ${code === 'ENOENT' ? 'no such file' : String(e)}`,
      {
        hint: code === 'ENOENT' ? 'check the path, or run `kubox init` to write one' : undefined,
      },
    );
  }
  return { spec: parseSpec(text, file ?? DEFAULT_SPEC_FILE), source: path };
}

export { PRESETS };
