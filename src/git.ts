/** What a build records about its source: the commit and its time, when there is a git checkout. */
import { run } from './exec.js';

export interface SourceInfo {
  revision?: string;
  /** Seconds since the epoch of the HEAD commit. */
  commitTime?: number;
}

export async function sourceInfo(dir: string): Promise<SourceInfo> {
  const rev = await run('git', ['-C', dir, 'rev-parse', 'HEAD']);
  if (rev.exitCode !== 0) return {};
  const time = await run('git', ['-C', dir, 'log', '-1', '--format=%ct']);
  const commitTime = Number.parseInt(time.stdout.trim(), 10);
  return { revision: rev.stdout.trim(), ...(Number.isFinite(commitTime) ? { commitTime } : {}) };
}

/**
 * The build's timestamp: SOURCE_DATE_EPOCH when set (reproducible builds),
 * else the HEAD commit's time, else now.
 */
export function buildEpoch(
  env: NodeJS.ProcessEnv,
  info: SourceInfo,
  now: Date = new Date(),
): number {
  const fromEnv = env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined && /^\d+$/.test(fromEnv)) return Number.parseInt(fromEnv, 10);
  return info.commitTime ?? Math.floor(now.getTime() / 1000);
}
