/**
 * Trivy's JSON report (`trivy image --format json`, SchemaVersion 2): the raw
 * shape as Trivy writes it, checked with zod, and the normalized form the rest
 * of kubox works on. Anything that is not a SchemaVersion 2 report is an error,
 * never an empty (passing) report. Pure: no I/O.
 */
import { z } from 'zod';
import { KuboxError } from '../errors.js';
import { SEVERITIES } from '../spec/schema.js';

export type Severity = (typeof SEVERITIES)[number];
export { SEVERITIES };

/** Trivy's vulnerability statuses (trivy-db `types.Status`). */
export const VULN_STATUSES = [
  'unknown',
  'not_affected',
  'affected',
  'fixed',
  'under_investigation',
  'will_not_fix',
  'fix_deferred',
  'end_of_life',
] as const;
export type VulnStatus = (typeof VULN_STATUSES)[number];

/** Result classes Trivy writes; other strings are kept as they are. */
export type ResultClass = 'os-pkgs' | 'lang-pkgs' | 'config' | 'secret' | 'license' | (string & {});

const CvssSchema = z.object({
  V2Vector: z.string().optional(),
  V3Vector: z.string().optional(),
  V40Vector: z.string().optional(),
  V2Score: z.number().optional(),
  V3Score: z.number().optional(),
  V40Score: z.number().optional(),
});

const str = z.string().nullish();

const VulnerabilitySchema = z.object({
  VulnerabilityID: z.string().min(1),
  PkgID: str,
  PkgName: z.string(),
  PkgPath: str,
  PkgIdentifier: z.object({ PURL: str, UID: str }).nullish(),
  InstalledVersion: z.string().nullish(),
  FixedVersion: str,
  Status: str,
  Severity: str,
  SeveritySource: str,
  Title: str,
  Description: str,
  PrimaryURL: str,
  CVSS: z.record(z.string(), CvssSchema).nullish(),
});

const ResultSchema = z.object({
  Target: z.string(),
  Class: z.string().nullish(),
  Type: z.string().nullish(),
  Vulnerabilities: z.array(VulnerabilitySchema).nullish(),
});

/** The part of Trivy's JSON report kubox reads (other fields are ignored). */
export const TrivyJsonSchema = z.object({
  SchemaVersion: z.literal(2),
  CreatedAt: str,
  ArtifactName: z.string().nullish(),
  ArtifactType: str,
  Metadata: z
    .object({
      OS: z.object({ Family: str, Name: str, EOSL: z.boolean().nullish() }).nullish(),
      ImageID: str,
      RepoTags: z.array(z.string()).nullish(),
      RepoDigests: z.array(z.string()).nullish(),
    })
    .nullish(),
  Results: z.array(ResultSchema).nullish(),
  /** Newer Trivy releases name themselves in the report. */
  Trivy: z.object({ Version: str }).nullish(),
});
export type TrivyJson = z.infer<typeof TrivyJsonSchema>;
export type TrivyJsonVulnerability = z.infer<typeof VulnerabilitySchema>;

export interface Cvss {
  v2Score?: number;
  v3Score?: number;
  v3Vector?: string;
}

export interface Vulnerability {
  id: string;
  pkgName: string;
  pkgId?: string;
  /** Where a language package was found, e.g. `usr/lib/python3/dist-packages/x.dist-info/METADATA`. */
  pkgPath?: string;
  purl?: string;
  installedVersion: string;
  /** `''` when no fixed version is known. */
  fixedVersion: string;
  status: VulnStatus;
  /** Normalized; anything Trivy writes that is not one of SEVERITIES becomes UNKNOWN. */
  severity: Severity;
  /** Exactly what the report said, when it differs from `severity`. */
  severityRaw?: string;
  title?: string;
  description?: string;
  primaryUrl?: string;
  /** By source (nvd, redhat, ghsa, ...). */
  cvss: Record<string, Cvss>;
}

export interface ScanResult {
  target: string;
  class: ResultClass;
  type: string;
  vulnerabilities: Vulnerability[];
}

export interface TrivyReport {
  schemaVersion: 2;
  artifactName: string;
  artifactType?: string;
  createdAt?: string;
  os?: { family: string; name: string; eosl?: boolean };
  imageId?: string;
  repoDigests: string[];
  trivyVersion?: string;
  results: ScanResult[];
}

const SEVERITY_SET = new Set<string>(SEVERITIES);
const STATUS_SET = new Set<string>(VULN_STATUSES);

export function normalizeSeverity(raw: string | null | undefined): Severity {
  const up = (raw ?? '').trim().toUpperCase();
  return SEVERITY_SET.has(up) ? (up as Severity) : 'UNKNOWN';
}

export function normalizeStatus(raw: string | null | undefined): VulnStatus {
  const s = (raw ?? '').trim().toLowerCase();
  return STATUS_SET.has(s) ? (s as VulnStatus) : 'unknown';
}

const opt = <K extends string>(key: K, v: string | null | undefined) =>
  (v ? { [key]: v } : {}) as Partial<Record<K, string>>;

function normalizeVulnerability(v: TrivyJsonVulnerability): Vulnerability {
  const severity = normalizeSeverity(v.Severity);
  const cvss: Record<string, Cvss> = {};
  for (const [source, c] of Object.entries(v.CVSS ?? {})) {
    cvss[source] = {
      ...(c.V2Score !== undefined ? { v2Score: c.V2Score } : {}),
      ...(c.V3Score !== undefined ? { v3Score: c.V3Score } : {}),
      ...(c.V3Vector ? { v3Vector: c.V3Vector } : {}),
    };
  }
  return {
    id: v.VulnerabilityID,
    pkgName: v.PkgName,
    ...opt('pkgId', v.PkgID),
    ...opt('pkgPath', v.PkgPath),
    ...opt('purl', v.PkgIdentifier?.PURL),
    installedVersion: v.InstalledVersion ?? '',
    fixedVersion: (v.FixedVersion ?? '').trim(),
    status: normalizeStatus(v.Status),
    severity,
    ...(v.Severity && v.Severity !== severity ? { severityRaw: v.Severity } : {}),
    ...opt('title', v.Title),
    ...opt('description', v.Description),
    ...opt('primaryUrl', v.PrimaryURL),
    cvss,
  };
}

function invalid(source: string, message: string, hint?: string): KuboxError {
  return new KuboxError('scan-failed', `${source} is not a Trivy JSON report: ${message}`, {
    hint:
      hint ??
      'kubox reads `trivy image --format json` (SchemaVersion 2); check the scanner and its version',
  });
}

/**
 * Parses and checks Trivy's JSON output. `input` is the text Trivy printed (or
 * an already parsed value). Throws a `scan-failed` KuboxError for anything that
 * is not a SchemaVersion 2 report: no output, broken JSON, another schema.
 */
export function parseTrivyReport(
  input: string | unknown,
  source = 'the scanner output',
): TrivyReport {
  let data: unknown = input;
  if (typeof input === 'string') {
    const text = input.trim();
    if (text === '') throw invalid(source, 'it is empty');
    try {
      data = JSON.parse(text);
    } catch (e) {
      const head = text.slice(0, 80).replace(/\s+/g, ' ');
      throw invalid(source, `not JSON (${(e as Error).message}); it starts with "${head}"`);
    }
  }
  if (Array.isArray(data)) {
    throw invalid(
      source,
      "a JSON array, not an object (Trivy's SchemaVersion 1 layout)",
      'use a Trivy release that writes SchemaVersion 2 (0.20 or later)',
    );
  }
  if (typeof data !== 'object' || data === null) throw invalid(source, 'not a JSON object');
  const version = (data as { SchemaVersion?: unknown }).SchemaVersion;
  if (version !== 2) {
    throw invalid(
      source,
      version === undefined
        ? 'it has no SchemaVersion'
        : `SchemaVersion ${JSON.stringify(version)} is not supported (kubox reads 2)`,
      'use a Trivy release that writes SchemaVersion 2 (0.20 or later)',
    );
  }
  const parsed = TrivyJsonSchema.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 3).map((i) => {
      const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`));
      return `${path.join('').replace(/^\./, '') || '(root)'}: ${i.message}`;
    });
    throw invalid(source, first.join('; '));
  }
  const j = parsed.data;
  const os = j.Metadata?.OS;
  return {
    schemaVersion: 2,
    artifactName: j.ArtifactName ?? '',
    ...opt('artifactType', j.ArtifactType),
    ...opt('createdAt', j.CreatedAt),
    ...(os?.Family
      ? {
          os: {
            family: os.Family,
            name: os.Name ?? '',
            ...(typeof os.EOSL === 'boolean' ? { eosl: os.EOSL } : {}),
          },
        }
      : {}),
    ...opt('imageId', j.Metadata?.ImageID),
    repoDigests: j.Metadata?.RepoDigests ?? [],
    ...opt('trivyVersion', j.Trivy?.Version),
    results: (j.Results ?? []).map((r) => ({
      target: r.Target,
      class: r.Class ?? '',
      type: r.Type ?? '',
      vulnerabilities: (r.Vulnerabilities ?? []).map(normalizeVulnerability),
    })),
  };
}
