/** `kubox scan`: scan an image with Trivy and apply the spec's gate. */
import { isAbsolute, relative } from 'node:path';
import { ExitCode, KuboxError } from '../errors.js';
import { writeFileAtomic } from '../fs.js';
import { SEVERITIES, type Severity } from '../scan/report.js';
import { formatScanSarif } from '../scan/sarif.js';
import { scan, specScanOptions, type ScanOutcome } from '../scan/scan.js';
import { formatScanTable, gateLine } from '../scan/table.js';
import { DEFAULT_SCAN_TIMEOUT_MS, type ScannerPreference } from '../scan/trivy.js';
import { loadSpec } from '../spec/load.js';
import type { Context } from './context.js';
import { json, paint } from './output.js';
import { commaList } from './options.js';

type Format = 'table' | 'json' | 'sarif';

/** "CRITICAL,high" -> ['CRITICAL', 'HIGH']; anything else is a usage error (exit 2). */
export function parseSeverities(list: string): Severity[] {
  const items = commaList(list).map((s) => s.toUpperCase());
  const bad = items.filter((s) => !(SEVERITIES as readonly string[]).includes(s));
  if (bad.length || !items.length) {
    throw new KuboxError(
      'usage',
      bad.length
        ? `unknown severity ${bad.map((b) => `"${b}"`).join(', ')}`
        : '--severity is empty',
      { hint: `use a comma-separated list of ${SEVERITIES.join(', ')}` },
    );
  }
  return [...new Set(items)] as Severity[];
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Go-style durations: "15m", "90s", "1h30m", "5m0s", "500ms". */
export function parseDuration(text: string): number {
  const t = text.trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(t))) {
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
    end = re.lastIndex;
  }
  if (!t || end !== t.length || total <= 0) {
    throw new KuboxError('usage', `--timeout "${text}" is not a duration`, {
      hint: 'write it like 15m, 90s or 1h30m',
    });
  }
  return Math.round(total);
}

/** kubox's own JSON of a scan (`--format json`). */
export function scanJson(o: ScanOutcome): unknown {
  const failing = new Set(o.gate.failing);
  return {
    target: o.target,
    scanner: o.scanner,
    artifact: {
      name: o.report.artifactName,
      ...(o.report.os ? { os: o.report.os } : {}),
      ...(o.report.imageId ? { imageId: o.report.imageId } : {}),
    },
    policy: o.policy,
    counts: o.counts,
    gate: {
      passed: o.gate.passed,
      reason: o.gate.reason,
      failing: o.gate.failing.length,
      ignoredUnfixed: o.gate.ignoredUnfixed,
      notAffected: o.gate.notAffected,
    },
    findings: o.findings.map((f) => ({ ...f, failsGate: failing.has(f) })),
  };
}

export interface ScanFlags {
  file?: string;
  severity?: string;
  ignoreUnfixed?: boolean;
  ignoreFile?: string;
  format?: string;
  output?: string;
  timeout: string;
  scanner: ScannerPreference;
  json: boolean;
}

export async function runScan(ctx: Context, image: string, o: ScanFlags): Promise<void> {
  ctx.json = o.json || o.format === 'json';
  if (o.json && o.format && o.format !== 'json') {
    throw new KuboxError('usage', `--json and --format ${o.format} disagree`, {
      hint: 'give one of them',
    });
  }
  const format: Format = o.json ? 'json' : ((o.format as Format | undefined) ?? 'table');
  const severity = o.severity !== undefined ? parseSeverities(o.severity) : undefined;
  const timeoutMs = o.timeout ? parseDuration(o.timeout) : DEFAULT_SCAN_TIMEOUT_MS;

  const { spec, source } = loadSpec(o.file);
  const fromFile = !source.startsWith('preset:');
  const fromSpec = specScanOptions(spec, source);
  const policy = {
    severity: severity ?? spec.scan.severity,
    ignoreUnfixed: o.ignoreUnfixed ?? spec.scan.ignoreUnfixed,
  };
  const ignoreFile = o.ignoreFile ?? fromSpec.ignoreFile;

  const outcome = await scan(image, {
    policy,
    ...(ignoreFile ? { ignoreFile } : {}),
    timeoutMs,
    scanner: o.scanner,
    log: (m) => ctx.out.info(`kubox: ${m}`),
  });

  const tableText = formatScanTable(outcome, { paint: (s, t) => paint(ctx.out, s, t) });
  let text: string;
  if (format === 'table') text = formatScanTable(outcome);
  else if (format === 'json') text = json(scanJson(outcome));
  else {
    const rel = fromFile ? relative(process.cwd(), source) : 'Dockerfile';
    const artifactUri = isAbsolute(rel) ? 'kubox.yaml' : rel.split('\\').join('/');
    text = formatScanSarif(outcome, { artifactUri }).trimEnd();
  }

  if (o.output) {
    await writeFileAtomic(o.output, `${text}\n`);
    ctx.out.info(`kubox: wrote ${o.output}`);
    ctx.out.print(tableText);
  } else if (format === 'table') {
    ctx.out.print(tableText);
  } else {
    ctx.out.print(text);
    ctx.out.info(`kubox: ${gateLine(outcome.gate)}`);
  }
  if (!outcome.gate.passed) process.exitCode = ExitCode.failed;
}
