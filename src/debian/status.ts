/**
 * What a base image has installed, read from its dpkg status file
 * (/var/lib/dpkg/status). Pure.
 */
import { parseParagraphs } from './control.js';
import { recordFromParagraph, type PackageRecord } from './resolve.js';

/**
 * Packages that are installed and configured: Status "install ok installed",
 * or "hold ok installed" (held, but just as present). Half-installed,
 * config-files-only and deinstalled entries are left out, as apt sees them.
 */
export function installedFromStatus(text: string): Map<string, PackageRecord> {
  const out = new Map<string, PackageRecord>();
  for (const p of parseParagraphs(text)) {
    const [want, flag, state] = (p.get('Status') ?? '').split(/\s+/);
    if ((want !== 'install' && want !== 'hold') || flag !== 'ok' || state !== 'installed') continue;
    const rec = recordFromParagraph(p);
    if (rec.name) out.set(rec.name, rec);
  }
  return out;
}
