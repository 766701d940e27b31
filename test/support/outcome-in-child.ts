/**
 * Runs a reader of hostile input in a node process of its own (tsx over
 * src/), so that its peak RSS is its own and a crash cannot take the test
 * runner with it; reports how it ended, how much memory it took, how long.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { expect } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What the child process reports. */
export interface Outcome {
  ok: boolean;
  /** How many files the reader produced, when it succeeded. */
  files?: number;
  kind?: string;
  exitCode?: number;
  message?: string;
  maxRssMiB: number;
  seconds: number;
}

/**
 * `imports`: the module lines the call needs; `count`: an expression over
 * `input` (the file's bytes) that reads it and gives the number of files.
 */
export async function outcomeInChild(
  dir: string,
  code: { imports: string; count: string },
  file: string,
): Promise<Outcome> {
  const script = join(dir, `child-${randomBytes(4).toString('hex')}.mts`);
  writeFileSync(
    script,
    `import { readFileSync } from 'node:fs';
     ${code.imports}
     let outcome;
     try {
       const input = readFileSync(process.argv[2]);
       outcome = { ok: true, files: ${code.count} };
     } catch (e) {
       outcome = { ok: false, kind: e.kind, exitCode: e.exitCode, message: e.message, name: e.constructor.name };
     }
     outcome.maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
     process.stdout.write(JSON.stringify(outcome));
    `,
  );
  const t = performance.now();
  const res = await execa(process.execPath, ['--import', 'tsx', script, file], {
    cwd: ROOT,
    reject: false,
  });
  expect(res.exitCode, res.stderr).toBe(0);
  return {
    ...(JSON.parse(res.stdout) as Omit<Outcome, 'seconds'>),
    seconds: (performance.now() - t) / 1000,
  };
}
