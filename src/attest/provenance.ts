/**
 * SLSA v1 provenance for a build, as an in-toto v1 statement: who built the
 * image (kubox, its version and engine), from what (the spec's digest, the
 * build args, the source revision) and with what (the base by digest, and
 * for the native engine every .deb, wheel and binary the lock pins, and the
 * lock itself). Pure: the build hands in what it knows.
 */
import type { Lock } from '../engines/native/lock.js';

export const IN_TOTO_STATEMENT = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
/** What a kubox build's parameters mean (the README's "Provenance" says): a URN, as kubox has no site. */
export const KUBOX_BUILD_TYPE = 'urn:kubox:build-type:v1';
/** in-toto's media type for a statement, as an OCI artifact's layer. */
export const IN_TOTO_MEDIA_TYPE = 'application/vnd.in-toto+json';

/** An in-toto ResourceDescriptor (what SLSA's resolvedDependencies and subjects are made of). */
export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface ProvenanceInput {
  /** What was built: the repository and each digest (the index and every platform manifest). */
  subjects: { name: string; digest: string }[];
  engine: 'buildx' | 'native';
  kuboxVersion: string;
  /** sha256 hex of the spec file's bytes (or of the spec as canonical JSON when it had no file). */
  specSha256: string;
  specPath?: string;
  buildArgs: Readonly<Record<string, string>>;
  platforms: readonly string[];
  /** The base image as the spec names it (name@digest), unless scratch. */
  base?: string;
  /** The native engine's lock and the sha256 of its file. */
  lock?: { lock: Lock; sha256: string; path: string };
  /** git HEAD of the directory the build ran in. */
  revision?: string;
  startedOn: Date;
  finishedOn: Date;
}

/** SLSA's timestamp form: RFC 3339 in UTC, to the second. */
const timestamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function hexOf(digest: string): Record<string, string> {
  const [algorithm, hex] = digest.split(':');
  return { [algorithm!]: hex! };
}

/** Every input the lock pins, once each (a deb shared by platforms is one dependency). */
function lockedDependencies(lock: Lock): ResourceDescriptor[] {
  const seen = new Map<string, ResourceDescriptor>();
  const add = (d: ResourceDescriptor & { uri: string }) => {
    const key = `${d.uri} ${d.digest.sha256}`;
    if (!seen.has(key)) seen.set(key, d);
  };
  for (const k of lock.keys)
    add({ name: `${k.name} signing key`, uri: k.url, digest: { sha256: k.sha256 } });
  for (const s of lock.sources)
    add({
      name: `${s.name} ${s.suite} InRelease`,
      uri: `${s.url.replace(/\/$/, '')}/dists/${s.suite}/InRelease`,
      digest: { sha256: s.inRelease },
    });
  for (const platform of Object.values(lock.platforms)) {
    for (const d of platform.debs)
      add({
        name: `${d.name}_${d.version}_${d.architecture}.deb`,
        uri: d.url,
        digest: { sha256: d.sha256 },
        annotations: { source: d.source },
      });
    for (const b of platform.binaries)
      add({ name: b.name, uri: b.url, digest: { sha256: b.sha256 } });
    for (const w of platform.wheels)
      add({ name: w.filename, uri: w.url, digest: { sha256: w.sha256 } });
  }
  // Sorted, so that the same lock gives the same statement.
  return [...seen.values()].sort((a, b) => (a.uri! < b.uri! ? -1 : a.uri! > b.uri! ? 1 : 0));
}

export function provenanceStatement(input: ProvenanceInput): Record<string, unknown> {
  const resolved: ResourceDescriptor[] = [];
  if (input.revision)
    resolved.push({ name: 'source', uri: 'git', digest: { gitCommit: input.revision } });
  if (input.base) {
    const [name, digest] = input.base.split('@');
    resolved.push({ name: 'base', uri: `oci://${name}`, digest: digest ? hexOf(digest) : {} });
  }
  if (input.lock) {
    resolved.push({
      name: 'kubox.lock',
      uri: input.lock.path,
      digest: { sha256: input.lock.sha256 },
    });
    resolved.push(...lockedDependencies(input.lock.lock));
  }
  return {
    _type: IN_TOTO_STATEMENT,
    subject: input.subjects.map((s) => ({ name: s.name, digest: hexOf(s.digest) })),
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: KUBOX_BUILD_TYPE,
        externalParameters: {
          spec: {
            ...(input.specPath ? { path: input.specPath } : {}),
            digest: { sha256: input.specSha256 },
          },
          buildArgs: Object.fromEntries(
            Object.entries(input.buildArgs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
          ),
          platforms: [...input.platforms],
        },
        internalParameters: { engine: input.engine },
        resolvedDependencies: resolved,
      },
      runDetails: {
        builder: {
          id: `urn:kubox:builder:${input.engine}`,
          version: { kubox: input.kuboxVersion },
        },
        metadata: {
          startedOn: timestamp(input.startedOn),
          finishedOn: timestamp(input.finishedOn),
        },
      },
    },
  };
}
