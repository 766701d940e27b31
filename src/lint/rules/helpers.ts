/** Small queries shared by rules: RUN instructions, spans, the final USER, cache mounts. */
import { lineage, type Instr, type LintDocument, type Stage } from '../document.js';
import type { CommandRef } from '../shell/analyze.js';
import { expandVars, hasVariable } from '../shell/expand.js';
import type { Span } from '../types.js';

/** RUN instructions (ONBUILD triggers included unless `own` is set) that have a shell model. */
export function runs(
  doc: LintDocument,
  own = false,
): (Instr & { shell: NonNullable<Instr['shell']> })[] {
  return doc.instructions.filter(
    (i): i is Instr & { shell: NonNullable<Instr['shell']> } =>
      i.keyword === 'RUN' && i.shell !== undefined && !(own && i.onbuild),
  );
}

/** RUNs whose effects end up in the final image (not builder stages, not ONBUILD triggers). */
export function finalImageRuns(doc: LintDocument): ReturnType<typeof runs> {
  return runs(doc, true).filter((i) => i.stage?.inFinalImage ?? false);
}

export function commandSpan(doc: LintDocument, ref: CommandRef): Span {
  return doc.source.span(ref.start, ref.end);
}

/** The first line of an instruction: where a finding about the whole instruction points. */
export function headSpan(doc: LintDocument, instr: Instr): Span {
  const start = doc.source.posAt(instr.start);
  const end = doc.source.posAt(instr.end);
  return end.line === start.line
    ? { start, end }
    : { start, end: { line: start.line, column: doc.source.line(start.line).length + 1 } };
}

/** The `--mount=` options of a RUN, each as key/value pairs (`type` defaults to bind). */
export function mounts(instr: Instr): Record<string, string>[] {
  return instr.flags
    .filter((f) => f.name === 'mount' && f.value)
    .map((f) => {
      const m: Record<string, string> = { type: 'bind' };
      for (const kv of f.value!.split(',')) {
        const eq = kv.indexOf('=');
        m[eq === -1 ? kv : kv.slice(0, eq)] = eq === -1 ? 'true' : kv.slice(eq + 1);
      }
      return m;
    });
}

/**
 * Targets of `--mount=type=cache` and `--mount=type=tmpfs` on a RUN: what is
 * written below them never reaches the layer, so a cache kept there costs nothing.
 */
export function cacheMountTargets(instr: Instr): string[] {
  return mounts(instr)
    .filter((m) => m.type === 'cache' || m.type === 'tmpfs')
    .map((m) => (m.target ?? m.dst ?? m.destination ?? '').replace(/\/+$/, ''));
}

export interface FinalUser {
  instr: Instr;
  /** As expanded; undefined parts when a variable could not be resolved. */
  user: string;
  group: string | undefined;
  unresolved: boolean;
}

/** The USER the final image runs as, if any USER is set in it or its ancestors. */
export function finalUser(doc: LintDocument): FinalUser | undefined {
  const final = finalStage(doc);
  if (!final) return undefined;
  const instr = lineage(final)
    .filter((i) => i.keyword === 'USER')
    .at(-1);
  if (!instr) return undefined;
  const value = expandVars(instr.args.join(' ').trim(), instr.vars);
  const [user = '', group] = value.split(':');
  return { instr, user, group, unresolved: hasVariable(value) };
}

export function finalStage(doc: LintDocument): Stage | undefined {
  return doc.stages.at(-1);
}

export function isRoot(user: string): boolean {
  return user === 'root' || user === '0';
}

/** Commands of the same pipeline as `ref`. */
export function pipelineOf(commands: CommandRef[], ref: CommandRef): CommandRef[] {
  return commands.filter((c) => c.pipelineId === ref.pipelineId);
}
