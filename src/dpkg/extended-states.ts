/**
 * apt's /var/lib/apt/extended_states: which packages were installed only as
 * dependencies (`Auto-Installed: 1`). `apt-mark showauto` reads it, and
 * `apt-get autoremove` removes what it lists once nothing needs it any more,
 * so an image assembled without apt must write what `apt-get install` would
 * have. Pure.
 */
import { parseParagraphs } from '../debian/control.js';

export interface AutoInstalled {
  name: string;
  /** As apt records it: the image's architecture for `Architecture: all` packages. */
  architecture: string;
}

/**
 * The base's file with a paragraph for each package installed as a
 * dependency that it does not list yet, in the order given. A package the
 * spec asks for by name is manual, as `apt-get install NAME` marks it: its
 * paragraph in the base (if any) is dropped.
 */
export function mergeExtendedStates(
  base: string,
  auto: readonly AutoInstalled[],
  manual: ReadonlySet<string>,
): string {
  // The base's paragraphs as they are written, less those of packages now asked for by name.
  const kept = base
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter(Boolean)
    .map((block) => ({ block, fields: parseParagraphs(block)[0] }))
    .filter(({ fields }) => !manual.has(fields?.get('Package') ?? ''));
  const listed = new Set(
    kept.map(({ fields }) => `${fields?.get('Package')}:${fields?.get('Architecture')}`),
  );
  const text = kept.map(({ block }) => block);
  for (const a of auto) {
    if (listed.has(`${a.name}:${a.architecture}`)) continue;
    text.push(`Package: ${a.name}\nArchitecture: ${a.architecture}\nAuto-Installed: 1`);
  }
  return text.length ? `${text.join('\n\n')}\n` : '';
}
