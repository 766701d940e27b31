/**
 * Self-consistency with the design document: its Dockerfile, exactly as
 * printed, gets exactly the findings it deserves, and what kubox renders for
 * the same image lints clean.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { render } from '../../../src/dockerfile/render.js';
import { makePlan } from '../../../src/plan/plan.js';
import { loadPreset } from '../../../src/spec/load.js';
import { lint } from './support.js';

const fixture = (p: string) =>
  readFileSync(new URL(`../../fixtures/${p}`, import.meta.url), 'utf8');

describe('kubox lint and the seed', () => {
  it("the seed's Dockerfile gets exactly its findings", () => {
    const found = lint(fixture('seed/Dockerfile')).map((f) => [
      f.code,
      f.span.start.line,
      f.severity,
    ]);
    expect(found).toEqual([
      ['KBX008', 1, 'info'], // # syntax=docker/dockerfile:1.3: an unpinned frontend image
      ['DL4006', 22, 'warning'], // curl ... | gpg --dearmor without pipefail
      ['DL3015', 27, 'info'], // apt-get install -y kubectl without --no-install-recommends
      ['KBX006', 30, 'warning'], // mc downloaded and made executable, never verified
      ['KBX003', 42, 'warning'], // USER kuser: not numeric, runAsNonRoot cannot be verified
    ]);
  });

  it('the py-kube rendering lints clean, at every level, with every default rule', () => {
    const { dockerfile } = render(makePlan(loadPreset('py-kube').spec));
    expect(dockerfile).toBe(fixture('golden/py-kube.Dockerfile'));
    expect(lint(dockerfile)).toEqual([]);
  });

  it('the off-by-default pin rules are the only thing the rendering would add', () => {
    const { dockerfile } = render(makePlan(loadPreset('py-kube').spec));
    const found = lint(dockerfile, { enable: ['DL3008', 'DL3013'] }).map((f) => f.code);
    expect([...new Set(found)].sort()).toEqual(['DL3008', 'DL3013']);
  });
});
