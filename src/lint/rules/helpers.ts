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

/** `--mount=type=cache,target=/var/cache/apt` targets of a RUN. */
export function cacheMountTargets(instr: Instr): string[] {
  return instr.flags
    .filter((f) => f.name === 'mount' && f.value)
    .map((f) =>
      Object.fromEntries(f.value!.split(',').map((kv) => kv.split('=') as [string, string])),
    )
    .filter((m: Record<string, string>) => m.type === 'cache')
    .map((m: Record<string, string>) =>
      (m.target ?? m.dst ?? m.destination ?? '').replace(/\/+$/, ''),
    );
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
