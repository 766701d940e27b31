/**
 * `kubox/ci`: what `kubox ci github` writes (the workflow and dependabot.yml)
 * and the `key=value` lines the workflow reads back from the spec.
 *
 *   import { renderCi } from 'kubox/ci';
 *   const files = renderCi(spec, { specPath: 'kubox.yaml', kuboxVersion: '0.1.0' });
 */
import {
  ciOutputs as ciOutputsPlan,
  renderCi as renderCiPlan,
  renderWorkflow as renderWorkflowPlan,
  type CiFiles,
  type CiOptions,
} from '../ci/github.js';
import type { Plan } from '../plan/plan.js';
import type { Spec } from '../spec/schema.js';
import { toPlan } from './plan.js';

/** The workflow and dependabot.yml, by path relative to the repository root. */
export function renderCi(spec: Spec | Plan, options: CiOptions): CiFiles {
  return renderCiPlan(toPlan(spec, options.specPath), options);
}

/** The workflow alone (.github/workflows/build-NAME.yml). */
export function renderWorkflow(spec: Spec | Plan, options: CiOptions): string {
  return renderWorkflowPlan(toPlan(spec, options.specPath), options);
}

/** `key=value` lines for $GITHUB_OUTPUT: name, version, tags, and the registry if given. */
export function ciOutputs(spec: Spec | Plan, registry?: string): string {
  return ciOutputsPlan(toPlan(spec), registry);
}

export { renderDependabot } from '../ci/github.js';
export type { CiFiles, CiOptions };
