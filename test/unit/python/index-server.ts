/**
 * A real Simple API index on a loopback port, serving test wheels as PEP 691
 * JSON or PEP 503 HTML, with PEP 658 metadata files where asked.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { normalizeName } from '../../../src/python/name.js';

export interface ServedFile {
  filename: string;
  bytes: Uint8Array;
  requiresPython?: string;
  yanked?: boolean | string;
  /** Publish the sha256 (default true). */
  hash?: boolean;
  /** Serve this text at `<file>.metadata` (PEP 658) and announce it. */
  metadata?: string;
}

export interface IndexServer {
  /** The Simple API root, ending in /simple/. */
  url: string;
  /** Paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

const sha = (d: Uint8Array | string): string => createHash('sha256').update(d).digest('hex');
const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export async function startIndex(
  projects: Record<string, ServedFile[]>,
  form: 'json' | 'html',
): Promise<IndexServer> {
  const byProject = new Map(Object.entries(projects).map(([k, v]) => [normalizeName(k), v]));
  const files = new Map([...byProject.values()].flat().map((f) => [f.filename, f]));
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const project = /^\/simple\/([^/]+)\/$/.exec(path)?.[1];
    if (project !== undefined) {
      const list = byProject.get(project);
      if (!list) {
        res.writeHead(404).end('not found');
        return;
      }
      const wantsJson =
        form === 'json' &&
        (req.headers.accept ?? '').includes('application/vnd.pypi.simple.v1+json');
      if (wantsJson) {
        const body = {
          meta: { 'api-version': '1.1' },
          name: project,
          files: list.map((f, i) => ({
            filename: f.filename,
            // Alternate absolute and relative URLs: both are allowed by PEP 691.
            url:
              i % 2
                ? `../../files/${f.filename}`
                : `http://${req.headers.host}/files/${f.filename}`,
            hashes: f.hash === false ? {} : { sha256: sha(f.bytes) },
            ...(f.requiresPython ? { 'requires-python': f.requiresPython } : {}),
            ...(f.yanked !== undefined ? { yanked: f.yanked } : {}),
            ...(f.metadata !== undefined ? { 'core-metadata': { sha256: sha(f.metadata) } } : {}),
          })),
        };
        res
          .writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' })
          .end(JSON.stringify(body));
        return;
      }
      const links = list.map((f) => {
        const attrs = [
          `href="../../files/${encodeURIComponent(f.filename)}${f.hash === false ? '' : `#sha256=${sha(f.bytes)}`}"`,
        ];
        if (f.requiresPython) attrs.push(`data-requires-python="${esc(f.requiresPython)}"`);
        if (f.yanked)
          attrs.push(
            typeof f.yanked === 'string' ? `data-yanked="${esc(f.yanked)}"` : 'data-yanked',
          );
        if (f.metadata !== undefined)
          attrs.push(`data-dist-info-metadata="sha256=${sha(f.metadata)}"`);
        return `    <a ${attrs.join(' ')}>${esc(f.filename)}</a><br/>`;
      });
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          `<!DOCTYPE html>\n<html><body>\n<h1>Links for ${project}</h1>\n${links.join('\n')}\n</body></html>\n`,
        );
      return;
    }
    const file = /^\/files\/(.+?)(\.metadata)?$/.exec(path);
    const f = file && files.get(file[1]!);
    if (f && file[2] && f.metadata !== undefined) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(f.metadata);
    } else if (f && !file[2]) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(f.bytes);
    } else {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
