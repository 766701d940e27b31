/**
 * The .debs of one build, read for whichever platforms install them. An
 * `Architecture: all` package is the same file for every platform: read once
 * (its shared layer is built once, and its metadata taken once) instead of
 * once per platform, and let go by the layer that unpacked it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readDeb } from '../../debian/deb.js';
import { writeFileAtomic } from '../../fs.js';
import { kuboxVersion } from '../../version.js';
import type { DebInput } from './assemble.js';
import { debMeta, formatDebMeta, parseDebMeta, type DebMeta } from './deb-meta.js';
import type { LockedDeb } from './lock.js';

/** Bump when DebMeta (deb-meta.ts) changes shape or content for the same .deb. */
const DEBMETA_FORMAT = 3;

export interface DebReader {
  /** The .deb unpacked in memory, until `release`: a layer and metadata taken meanwhile share it. */
  readAll(debs: readonly LockedDeb[]): Promise<DebInput[]>;
  /** Lets go of the unpacked .debs (their metadata stays). */
  release(debs: readonly LockedDeb[]): void;
  /** dpkg's view of a .deb: from the derived cache, or taken from the .deb once per build. */
  metaOf(d: LockedDeb): Promise<DebMeta>;
}

/** `files`: sha256 -> path of every .deb the build fetched; `root`: the cache. */
export function debReader(files: ReadonlyMap<string, string>, root: string): DebReader {
  const reads = new Map<string, Promise<DebInput>>();
  const readOne = (d: LockedDeb) => {
    let p = reads.get(d.sha256);
    if (!p) {
      p = readFile(files.get(d.sha256)!).then(async (bytes) => ({
        name: d.name,
        architecture: d.architecture,
        source: d.source,
        deb: await readDeb(bytes, `${d.name}_${d.version}_${d.architecture}.deb`),
      }));
      reads.set(d.sha256, p);
    }
    return p;
  };
  const derivedMeta = async (d: LockedDeb): Promise<DebMeta> => {
    const path = join(
      root,
      'derived',
      `debmeta-${DEBMETA_FORMAT}-${kuboxVersion()}`,
      `${d.sha256}.json`,
    );
    if (existsSync(path)) return parseDebMeta(await readFile(path, 'utf8'));
    const { deb } = await readOne(d);
    const meta = debMeta(d.name, d.architecture, deb);
    await writeFileAtomic(path, formatDebMeta(meta));
    return meta;
  };
  const metas = new Map<string, Promise<DebMeta>>();
  return {
    readAll: (debs) => Promise.all(debs.map(readOne)),
    release: (debs) => debs.forEach((d) => reads.delete(d.sha256)),
    metaOf: (d) => {
      let meta = metas.get(d.sha256);
      if (!meta) {
        meta = derivedMeta(d);
        metas.set(d.sha256, meta);
      }
      return meta;
    },
  };
}
