/**
 * What every library entry that takes a spec accepts, as the CLI does: a
 * loaded spec (planned here, as `source` for its error messages) or a plan.
 */
import { makePlan, type Plan } from '../plan/plan.js';
import type { Spec } from '../spec/schema.js';

export function toPlan(x: Spec | Plan, source?: string): Plan {
  return 'tools' in x && 'spec' in x ? x : makePlan(x, source);
}
