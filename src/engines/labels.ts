/** The labels that depend on the build itself, set by every engine alike. */
import { OCI } from '../plan/plan.js';

/** The build-time labels the seed's build.sh sets, from when and what is built. */
export function buildLabels(created: Date, revision: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {
    [`${OCI}.created`]: created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  if (revision) labels[`${OCI}.revision`] = revision;
  return labels;
}
