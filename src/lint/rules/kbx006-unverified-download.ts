import { basename, type CommandRef } from '../shell/analyze.js';
import type { Hit, Rule } from '../types.js';
import {
  comparesChecksum,
  consumesAsCode,
  download,
  isVerificationMaterial,
  verifies,
} from '../tools/fetch.js';
import { commandSpan, pipelineOf, runs } from './helpers.js';

/** The verifier's pipeline names the file, or checks a list of sums (which may name it). */
function covers(commands: CommandRef[], verifier: CommandRef, path: string): boolean {
  const name = basename(path);
  const words = pipelineOf(commands, verifier).flatMap((c) => c.words);
  if (words.some((w) => w.includes(path) || w.split(/[\s/]/).includes(name))) return true;
  // `sha256sum -c SUMS`: a list of sums we cannot read, which may well name the file.
  const checksList = verifier.argv.some((a) => a === '-c' || a === '--check');
  return checksList && verifier.argv.slice(1).some((a) => !a.startsWith('-'));
}

export const kbx006: Rule = {
  code: 'KBX006',
  name: 'verify-downloads',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'Verify what curl or wget downloads (checksum or signature) before using it.',
  hint: 'pin its sha256 and check it: echo "<sha256>  FILE" | sha256sum -c - (or verify a signature with gpg --verify / cosign verify-blob)',
  docs: `TLS proves who served a file, not that it is the file you reviewed: a
compromised release page, mirror or CDN serves anything. Reported: a download
to a file with no checksum or signature check of that file later in the same
RUN (\`sha256sum -c\`, \`sha512sum -c\`, \`shasum -c\`, a computed sum compared
with grep or in a test, \`gpg --verify\`, \`gpgv\`, \`cosign verify-blob\`,
\`minisign -V\`), and a download piped straight into a shell, an interpreter or
tar. Not reported: checksum files, signatures and keys themselves (they are the
verification material; a repository key's trust comes from its URL, as in the
seed's \`curl ... | gpg --dearmor\`), downloads captured in \`$(...)\`, and
downloads piped into other programs. Only the order download-then-check within
one RUN is checked, not that nothing used the file in between.`,
  check(doc) {
    const hits: Hit[] = [];
    for (const i of runs(doc)) {
      const cmds = i.shell.commands;
      for (const ref of cmds) {
        const d = download(ref);
        if (!d) continue;
        for (const dest of d.destinations) {
          if (dest.kind === 'stdout') {
            if (ref.inSubstitution) continue;
            const next = cmds.find(
              (c) => c.pipelineId === ref.pipelineId && c.pipelineIndex === ref.pipelineIndex + 1,
            );
            if (next && consumesAsCode(next.name)) {
              hits.push({
                span: commandSpan(doc, ref),
                message: `${ref.name} output is piped into ${next.name} unverified`,
              });
            }
            continue;
          }
          if (isVerificationMaterial(dest.path)) continue;
          const checked = cmds.some(
            (v) =>
              v.order > ref.order &&
              (verifies(v) || comparesChecksum(v, pipelineOf(cmds, v))) &&
              covers(cmds, v, dest.path),
          );
          if (!checked) {
            hits.push({
              span: commandSpan(doc, ref),
              message: `${dest.path} is downloaded by ${ref.name} and never verified`,
            });
          }
        }
      }
    }
    return hits;
  },
};
