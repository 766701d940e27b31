/** What every command's action is given: where to print, and how errors are printed. */
import type { Out } from './output.js';

export interface Context {
  out: Out;
  /** Set by --json on commands that support it; errors are then printed as JSON too. */
  json: boolean;
}
