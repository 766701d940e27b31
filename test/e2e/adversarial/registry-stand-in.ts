/**
 * A hostile registry, named as such: a real node:http server on 127.0.0.1
 * port 0 that serves one small, valid image (an index over one manifest, its
 * config and a layer) unless a test's `hostile` handler answers a request
 * first, the way a compromised registry or a man in the middle would.
 * Every request is recorded with its headers, so a test can assert what
 * kubox asked for and what it sent (credentials included).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface GoodImage {
  config: Buffer;
  layer: Buffer;
  manifest: Buffer;
  index: Buffer;
  digests: { config: string; layer: string; manifest: string; index: string };
}

/** One linux/amd64 image under an index; `layer` bytes need not be a tar for inspect and pull. */
export function goodImage(layer = Buffer.from('layer bytes '.repeat(100))): GoodImage {
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { User: '1000' },
      rootfs: { type: 'layers', diff_ids: [sha('tar')] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha(config), size: config.length },
      layers: [{ mediaType: OCI_LAYER, digest: sha(layer), size: layer.length }],
    }),
  );
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        {
          mediaType: OCI_MANIFEST,
          digest: sha(manifest),
          size: manifest.length,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    }),
  );
  return {
    config,
    layer,
    manifest,
    index,
    digests: { config: sha(config), layer: sha(layer), manifest: sha(manifest), index: sha(index) },
  };
}

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

/** Answers a request itself (returns true), or leaves it to the good image (false). */
export type Hostile = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface StandIn {
  host: string;
  base: string;
  port: number;
  seen: Seen[];
  image: GoodImage;
  /** Replaces the hostile handler (none: a well-behaved registry). */
  hostile(h: Hostile | undefined): void;
  close(): Promise<void>;
}

/** Writes `chunk` until the client goes away: an endless body, never buffered here either. */
export function endless(res: ServerResponse, chunk = Buffer.alloc(64 * 1024, 0x7b)): void {
  const more = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', more);
  };
  more();
}

export async function startStandIn(image = goodImage()): Promise<StandIn> {
  const seen: Seen[] = [];
  let hostile: Hostile | undefined;
  const send = (res: ServerResponse, body: Buffer, type: string, method: string) => {
    res.writeHead(200, {
      'content-type': type,
      'content-length': body.length,
      'docker-content-digest': sha(body),
    });
    res.end(method === 'HEAD' ? undefined : body);
  };
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    if (hostile?.(req, res)) return;
    const url = req.url ?? '';
    const method = req.method ?? 'GET';
    const m = /^\/v2\/[^]+?\/(manifests|blobs)\/([^/?]+)$/.exec(url);
    if (url === '/v2/' || url === '/v2') return void res.writeHead(200).end('{}');
    if (!m) return void res.writeHead(404).end('{"errors":[{"code":"NAME_UNKNOWN"}]}');
    const [, kind, ref] = m as unknown as [string, string, string];
    if (kind === 'manifests') {
      if (ref === 'latest' || ref === image.digests.index)
        return send(res, image.index, OCI_INDEX, method);
      if (ref === image.digests.manifest) return send(res, image.manifest, OCI_MANIFEST, method);
    } else {
      if (ref === image.digests.config)
        return send(res, image.config, 'application/octet-stream', method);
      if (ref === image.digests.layer)
        return send(res, image.layer, 'application/octet-stream', method);
    }
    res.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    base: `http://127.0.0.1:${port}`,
    port,
    seen,
    image,
    hostile: (h) => void (hostile = h),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
