/**
 * OCI image layouts (`oci-layout`, `index.json`, `blobs/sha256/...`) on
 * disk: making one, storing blobs in it (kubox's cache is one too), packing
 * it into a tar, and the library's `openLayout`. Every blob written is
 * checked against its digest. Images are read from a layout through the
 * model (src/image/layout-dir.ts, archive.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import {
  mkdir,
  mkdtemp,
  open,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
  readdir,
  type FileHandle,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { extract, pack } from 'tar-stream';
import { sweepStale } from '../cache.js';
import { KuboxError } from '../errors.js';
import { writeOutput } from '../fs.js';
import { MediaType, type Descriptor, type Index } from './types.js';

export interface Layout {
  dir: string;
  index: Index;
  /** Removes what opening made (the extraction of an archive). */
  close(): Promise<void>;
}

export function blobPath(dir: string, digest: string): string {
  const [alg, hex] = digest.split(':');
  if (alg !== 'sha256' || !hex || !/^[a-f0-9]{64}$/.test(hex))
    throw new KuboxError('io', `not a sha256 digest: ${digest}`);
  return join(dir, 'blobs', alg, hex);
}

async function extractArchive(path: string, into: string): Promise<void> {
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.\//, '');
    // Only the layout's own files, and never a path that climbs out.
    if (
      header.type !== 'file' ||
      name.includes('..') ||
      !(name === 'index.json' || name === 'oci-layout' || name.startsWith('blobs/'))
    ) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    const target = join(into, name);
    mkdir(dirname(target), { recursive: true })
      .then(() => pipeline(stream, createWriteStream(target)))
      .then(() => next(), next);
  });
  await pipeline(createReadStream(path), ex);
}

/** Opens a layout directory, or a tar of one (extracted to a temporary directory). */
export async function openLayout(path: string): Promise<Layout> {
  if (!existsSync(path))
    throw new KuboxError('io', `${path} does not exist`, {
      hint: 'give an OCI layout directory or archive (kubox build --output oci:PATH writes one)',
    });
  let dir = path;
  let close = async () => {};
  if (!statSync(path).isDirectory()) {
    dir = await mkdtemp(join(tmpdir(), 'kubox-layout-'));
    const made = dir;
    close = () => rm(made, { recursive: true, force: true });
    try {
      await extractArchive(path, dir);
    } catch (e) {
      await close();
      throw new KuboxError('io', `cannot read the OCI archive ${path}: ${(e as Error).message}`);
    }
  }
  const indexFile = join(dir, 'index.json');
  if (!existsSync(indexFile)) {
    await close();
    throw new KuboxError('io', `${path} is not an OCI image layout (no index.json)`);
  }
  let index: Index;
  try {
    index = parseIndexJson(await readFile(indexFile, 'utf8'), path);
  } catch (e) {
    await close();
    throw e;
  }
  return { dir, index, close };
}

/** index.json, checked: a KuboxError (never a crash) for anything that is not a usable index. */
export function parseIndexJson(text: string, path: string): Index {
  let index: Partial<Index>;
  try {
    index = JSON.parse(text) as Partial<Index>;
  } catch (e) {
    throw new KuboxError('io', `${path}: index.json is not JSON (${(e as Error).message})`);
  }
  if (
    !Array.isArray(index.manifests) ||
    !index.manifests.every((m) => typeof m?.digest === 'string')
  ) {
    throw new KuboxError('io', `${path}: index.json has no valid manifests list`, {
      hint: 'the layout is damaged; build or pull it again',
    });
  }
  return index as Index;
}

/** Reads a small blob (manifest, config) and checks its digest. */
export async function readBlob(layout: Pick<Layout, 'dir'>, digest: string): Promise<Buffer> {
  const bytes = await readFile(blobPath(layout.dir, digest)).catch(() => {
    throw new KuboxError('io', `the layout lacks blob ${digest}`);
  });
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (actual !== digest)
    throw new KuboxError('io', `blob ${digest} in the layout hashes to ${actual}`);
  return bytes;
}

/**
 * The image a layout holds: its single index.json entry (entries that name the
 * same digest, one per tag, count once), or, when index.json lists several
 * images, index.json itself taken as the image index.
 */
export function layoutRoot(index: Index): { descriptor: Descriptor; bytes?: Buffer } {
  if (index.manifests.length === 0) {
    throw new KuboxError('io', 'the OCI layout holds no image (index.json lists no manifest)');
  }
  // One image under several names (buildx writes an entry per tag) is still one image.
  const images = [...new Map(index.manifests.map((m) => [m.digest, m])).values()];
  if (images.length === 1) return { descriptor: images[0]! };
  const bytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: images }),
  );
  return {
    descriptor: {
      mediaType: MediaType.ociIndex,
      digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
      size: bytes.length,
    },
    bytes,
  };
}

/** Writes a new, empty layout directory. */
export async function createLayout(dir: string): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
}

/** Stores a blob from a stream, checking it hashes to `digest`; nothing is left on a mismatch. */
export async function writeBlob(
  dir: string,
  digest: string,
  content: Readable | Buffer,
): Promise<void> {
  let target: string;
  try {
    target = blobPath(dir, digest);
  } catch (e) {
    if (!Buffer.isBuffer(content)) content.destroy();
    throw e;
  }
  if (existsSync(target)) {
    // Not read: closed, so that it neither holds a connection nor errors unheard.
    if (!Buffer.isBuffer(content)) content.destroy();
    return;
  }
  await mkdir(dirname(target), { recursive: true });
  // What a killed writer left here (kubox's cache is a layout) goes on the first write.
  await sweepStale(dirname(target));
  // Unique per writer: kubox's cache is a layout that parallel builds share.
  const tmp = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  const hash = createHash('sha256');
  // Opened (O_EXCL) before anything can fail: a stream's lazy open could create the
  // file after the clean-up below ran, and leave it.
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'wx', 0o600);
    if (Buffer.isBuffer(content)) {
      hash.update(content);
      await fh.writeFile(content);
    } else {
      const hashing = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      const out = fh.createWriteStream();
      // The stream closes the handle when it ends or is destroyed.
      fh = undefined;
      await pipeline(content, hashing, out);
    }
    await fh?.close();
    fh = undefined;
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== digest) throw new KuboxError('io', `blob ${digest} hashes to ${actual}`);
    await rename(tmp, target);
  } catch (e) {
    // A stream not read to its end would error later with no one listening.
    if (!Buffer.isBuffer(content)) content.destroy();
    throw e;
  } finally {
    await fh?.close().catch(() => {});
    await rm(tmp, { force: true });
  }
}

/** Stores JSON bytes (a config, a manifest, an index) as a blob; returns their digest. */
export async function storeBlob(dir: string, bytes: Buffer): Promise<string> {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  await writeBlob(dir, digest, bytes);
  return digest;
}

export async function writeIndex(dir: string, index: Index): Promise<void> {
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
}

/**
 * Packs a layout directory into a tar at `tarPath`: written beside it and renamed
 * when complete, or, when `tarPath` is a device or FIFO, written into it in place.
 */
export async function packLayout(dir: string, tarPath: string): Promise<void> {
  await writeOutput(tarPath, async (out) => {
    const p = pack();
    const written = pipeline(p, out);
    const add = async (name: string) => {
      const file = join(dir, name);
      const size = (await stat(file)).size;
      await new Promise<void>((resolve, reject) => {
        const entry = p.entry({ name, size, mode: 0o644, mtime: new Date(0) }, (err) =>
          err ? reject(err) : resolve(),
        );
        createReadStream(file).on('error', reject).pipe(entry);
      });
    };
    const adding = (async () => {
      await add('oci-layout');
      await add('index.json');
      for (const hex of (await readdir(join(dir, 'blobs', 'sha256'))).sort())
        await add(`blobs/sha256/${hex}`);
      p.finalize();
    })();
    try {
      // A write that fails (a reader that went away) ends the packing too.
      await Promise.all([adding, written]);
    } catch (e) {
      p.destroy();
      throw e;
    }
  });
}
