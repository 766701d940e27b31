/** `kubox init`: a commented kubox.yaml from a preset, wired to the JSON Schema for editors. */
import { existsSync, readFileSync } from 'node:fs';
import { KuboxError } from './errors.js';
import { writeFileAtomic } from './fs.js';
import { isPresetName, presetPath, PRESETS } from './spec/presets.js';

export const SCHEMA_MODELINE =
  '# yaml-language-server: $schema=./node_modules/kubox/schema/kubox.schema.json';

export function presetText(preset: string): string {
  if (!isPresetName(preset)) {
    throw new KuboxError('usage', `unknown preset "${preset}"`, {
      hint: `use one of: ${PRESETS.join(', ')}`,
    });
  }
  return `${SCHEMA_MODELINE}\n${readFileSync(presetPath(preset), 'utf8')}`;
}

export async function init(path: string, preset = 'py-kube', force = false): Promise<void> {
  const text = presetText(preset);
  if (existsSync(path) && !force) {
    throw new KuboxError('usage', `${path} already exists`, {
      hint: 'pass --force to overwrite it, or -f to write another file',
    });
  }
  await writeFileAtomic(path, text);
}
