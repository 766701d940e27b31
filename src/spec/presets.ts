/** Built-in presets: commented kubox.yaml files shipped in the package's presets/ folder. */
import { fileURLToPath } from 'node:url';

export const PRESETS = ['py-kube'] as const;
export type PresetName = (typeof PRESETS)[number];

export function isPresetName(name: string): name is PresetName {
  return (PRESETS as readonly string[]).includes(name);
}

// src/spec and dist/spec both sit two levels below the package root.
export function presetPath(name: PresetName): string {
  return fileURLToPath(new URL(`../../presets/${name}.yaml`, import.meta.url));
}
