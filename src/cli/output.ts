/** Printing for the CLI: colors only on a TTY (and never with NO_COLOR), tables, JSON. */
export { table } from '../text.js';
import type { Progress } from '../cache.js';
import { redact } from '../redact.js';

export interface Out {
  color: boolean;
  print: (text: string) => void;
  info: (text: string) => void;
  /** A line that updates in place on a TTY (progress); elsewhere only the final one is printed. */
  status: (text: string, final: boolean) => void;
}

export function makeOut(
  stream: NodeJS.WriteStream = process.stdout,
  err: NodeJS.WriteStream = process.stderr,
): Out {
  const colorOn = (s: NodeJS.WriteStream) =>
    Boolean(s.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
  const dimErr = colorOn(err);
  return {
    color: colorOn(stream),
    // Everything printed passes the redactor: text quoted from servers may hold a credential.
    print: (t) => stream.write(`${redact(t)}\n`),
    info: (t) => err.write(dimErr ? `\x1b[2m${redact(t)}\x1b[0m\n` : `${redact(t)}\n`),
    status: (raw, final) => {
      const t = redact(raw);
      if (err.isTTY) err.write(`\r\x1b[K${t}${final ? '\n' : ''}`);
      else if (final) err.write(`${t}\n`);
    },
  };
}

const CODES = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;
export function paint(out: Out, style: keyof typeof CODES, text: string): string {
  return out.color ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text;
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** Download progress for the native engine: one line, refreshed at most ten times a second. */
export function downloadProgress(out: Out): Progress {
  let last = 0;
  return (e) => {
    const final = e.done === e.total;
    const now = Date.now();
    if (!final && now - last < 100) return;
    last = now;
    out.status(
      `kubox: ${final ? 'fetched' : 'fetching'} ${e.done}/${e.total} files (${e.cached} from the cache), ${mb(e.bytes)} downloaded${e.totalBytes ? ` of at most ${mb(e.totalBytes)}` : ''}`,
      final,
    );
  };
}
