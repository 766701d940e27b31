/**
 * Hostile apt repositories (issue 15): a stand-in mirror on loopback, a
 * real node:http server serving a flat repository signed with a key made
 * for the test, unless a case's handler answers first. Bad and expired
 * signatures and plain hash mismatches are covered by
 * test/unit/debian/repo.test.ts and test/e2e/debian-repo.test.ts; this
 * table adds what a mirror can do beyond them: endless bodies (InRelease,
 * Packages, a .deb whose signed Size is 678 bytes), sizes that lie, bodies
 * that trickle or never come. Each case is refused with a KuboxError of a
 * kind (exit 1), within a time bound, with bounded memory, writing at most
 * the declared size to the cache and leaving no temporary file there. A
 * pip index is a repository too: an endless page, a wheel announced as
 * 3 GB, a wheel that trickles.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentCache } from '../../../src/cache.js';
import { readKeys } from '../../../src/debian/keyring.js';
import { fetchPackages, fetchRelease } from '../../../src/debian/repo.js';
import type { AptSource } from '../../../src/debian/sources.js';
import { KuboxError, type ErrorKind } from '../../../src/errors.js';
import { createHttp } from '../../../src/http/client.js';
import { download } from '../../../src/http/download.js';
import { downloadDistribution, listDistributions } from '../../../src/python/simple-index.js';

const hex = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const DEB = Buffer.alloc(678, 0x64);
const PACKAGES = `Package: tool
Version: 1.0
Architecture: amd64
Filename: pool/tool_1.0_amd64.deb
Size: ${DEB.length}
SHA256: ${hex(DEB)}
`;
const GZ = gzipSync(Buffer.from(PACKAGES));

type Handler = (req: IncomingMessage, res: ServerResponse) => boolean;

let server: ReturnType<typeof createServer>;
let base: string;
let inRelease: Buffer;
let keys: openpgp.PublicKey[];
let hostile: Handler | undefined;
let sent = 0;
let work: string;

/** Writes until the client goes away, counting what left. */
function endless(res: ServerResponse): void {
  const chunk = Buffer.alloc(64 * 1024, 0x78);
  const more = () => {
    while (!res.destroyed && res.write(chunk)) sent += chunk.length;
    if (!res.destroyed) res.once('drain', more);
  };
  more();
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kubox-hostile-repo-'));
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: 'kubox hostile repository test' }],
    format: 'object',
  });
  keys = await readKeys(Buffer.from(publicKey.armor()));
  const release = [
    'Origin: kubox-hostile-test',
    `Date: ${new Date().toUTCString()}`,
    `Valid-Until: ${new Date(Date.now() + 86400_000).toUTCString()}`,
    'SHA256:',
    ` ${hex(GZ)} ${GZ.length} Packages.gz`,
    '',
  ].join('\n');
  inRelease = Buffer.from(
    await openpgp.sign({
      message: await openpgp.createCleartextMessage({ text: release }),
      signingKeys: privateKey,
    }),
  );
  server = createServer((req, res) => {
    req.resume();
    if (hostile?.(req, res)) return;
    if (req.url === '/simple/tool/') {
      // PEP 691 JSON with PEP 700's size: the wheel is declared as 100 bytes.
      const page = {
        meta: { 'api-version': '1.1' },
        name: 'tool',
        files: [
          {
            filename: 'tool-1.0-py3-none-any.whl',
            url: '/files/tool-1.0-py3-none-any.whl',
            hashes: {},
            size: 100,
          },
        ],
      };
      res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' });
      return void res.end(JSON.stringify(page));
    }
    const files: Record<string, Buffer> = {
      '/repo/InRelease': inRelease,
      '/repo/Packages.gz': GZ,
      '/repo/pool/tool_1.0_amd64.deb': DEB,
    };
    const body = files[req.url ?? ''];
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(work, { recursive: true, force: true });
});

const source = (): AptSource => ({
  name: 'hostile',
  url: `${base}/repo/`,
  suite: '/',
  components: [],
  keys: { url: `${base}/repo/Release.key` },
});
/** Small time-outs and no real waits: a slow mirror is given up on in about a second. */
const http = () =>
  createHttp({
    timeouts: { headersMs: 400, idleMs: 400 },
    retry: { attempts: 2 },
    sleep: async () => {},
  });

const on =
  (path: string, act: (res: ServerResponse) => void): Handler =>
  (req, res) => {
    if (req.url !== path) return false;
    act(res);
    return true;
  };

interface Case {
  name: string;
  hostile: Handler;
  /** What kubox is asked to fetch. */
  op: 'release' | 'packages' | 'deb' | 'page' | 'wheel' | 'indexed-wheel';
  outcome: { kind: ErrorKind; message: RegExp };
  within?: number;
  /** At most this many bytes in the cache when it is over (the declared size). */
  cacheBytes?: number;
}

const cases: Case[] = [
  {
    name: 'an endless InRelease',
    op: 'release',
    hostile: on('/repo/InRelease', (res) => (res.writeHead(200), endless(res))),
    outcome: { kind: 'network', message: /larger than 16777216 bytes/ },
  },
  {
    name: 'an InRelease whose headers never come',
    op: 'release',
    hostile: on('/repo/InRelease', () => {}),
    outcome: { kind: 'network', message: /no response within 400 ms/ },
  },
  {
    name: 'an InRelease trickled a byte at a time',
    op: 'release',
    hostile: on('/repo/InRelease', (res) => {
      res.writeHead(200);
      const t = setInterval(() => res.write('-'), 50);
      res.on('close', () => clearInterval(t));
    }),
    outcome: { kind: 'network', message: /only \d+ bytes in 400 ms/ },
  },
  {
    name: 'an endless Packages.gz (signed size known)',
    op: 'packages',
    hostile: on('/repo/Packages.gz', (res) => (res.writeHead(200), endless(res))),
    outcome: { kind: 'integrity', message: /Packages\.gz does not match.*\(\d+ bytes\)/ },
    cacheBytes: GZ.length,
  },
  {
    name: 'a Packages.gz shorter than signed',
    op: 'packages',
    hostile: on('/repo/Packages.gz', (res) => res.writeHead(200).end(GZ.subarray(0, 10))),
    outcome: { kind: 'integrity', message: /does not match.*got \w+ \(10 bytes\)/ },
    cacheBytes: GZ.length,
  },
  {
    name: 'an endless .deb whose signed Size is 678 bytes',
    op: 'deb',
    hostile: on('/repo/pool/tool_1.0_amd64.deb', (res) => (res.writeHead(200), endless(res))),
    outcome: { kind: 'integrity', message: /tool_1\.0_amd64\.deb .*does not match.*\(678 bytes\)/ },
    cacheBytes: DEB.length,
  },
  {
    name: 'a .deb announced as 3 GB',
    op: 'deb',
    hostile: on('/repo/pool/tool_1.0_amd64.deb', (res) => {
      res.writeHead(200, { 'content-length': 3_000_000_000 });
      endless(res);
    }),
    outcome: { kind: 'integrity', message: /does not match/ },
    cacheBytes: DEB.length,
  },
  {
    name: 'a .deb trickled a byte at a time',
    op: 'deb',
    hostile: on('/repo/pool/tool_1.0_amd64.deb', (res) => {
      res.writeHead(200);
      const t = setInterval(() => res.write('d'), 50);
      res.on('close', () => clearInterval(t));
    }),
    outcome: { kind: 'network', message: /only \d+ bytes in 400 ms/ },
    cacheBytes: 0,
  },
  {
    name: 'an endless Simple API page',
    op: 'page',
    hostile: on(
      '/simple/tool/',
      (res) => (res.writeHead(200, { 'content-type': 'text/html' }), endless(res)),
    ),
    outcome: { kind: 'network', message: /larger than 67108864 bytes \(the cap on index pages\)/ },
    within: 30_000,
  },
  {
    name: 'a wheel announced as 3 GB',
    op: 'wheel',
    hostile: on('/files/tool-1.0-py3-none-any.whl', (res) => {
      res.writeHead(200, { 'content-length': 3_000_000_000 });
      endless(res);
    }),
    outcome: { kind: 'network', message: /announced \(Content-Length 3000000000\)/ },
  },
  {
    name: 'an endless wheel the index gives a size (PEP 700) for',
    op: 'indexed-wheel',
    hostile: on('/files/tool-1.0-py3-none-any.whl', (res) => (res.writeHead(200), endless(res))),
    outcome: { kind: 'integrity', message: /larger than 100 bytes \(the size the index gives\)/ },
  },
  {
    name: 'a wheel trickled a byte at a time',
    op: 'wheel',
    hostile: on('/files/tool-1.0-py3-none-any.whl', (res) => {
      res.writeHead(200);
      const t = setInterval(() => res.write('w'), 50);
      res.on('close', () => clearInterval(t));
    }),
    outcome: { kind: 'network', message: /only \d+ bytes in 400 ms/ },
  },
];

/** Bytes of every file in the cache's blob directory, and the names of temporary ones. */
function cacheState(root: string): { bytes: number; temporary: string[] } {
  const dir = join(root, 'sha256');
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return { bytes: 0, temporary: [] };
  }
  return {
    bytes: names.reduce((n, f) => n + statSync(join(dir, f)).size, 0),
    temporary: names.filter((f) => f.endsWith('.tmp') || f.endsWith('.partial')),
  };
}

describe('hostile repositories', () => {
  it.each(cases)('$name', async (c) => {
    hostile = c.hostile;
    sent = 0;
    const cache = new ContentCache(mkdtempSync(join(work, 'cache-')));
    const rss = process.memoryUsage().rss;
    const started = Date.now();
    const run = async () => {
      if (c.op === 'release') return fetchRelease(source(), { keys, http: http() });
      if (c.op === 'page') return listDistributions(`${base}/simple/`, 'tool', http());
      if (c.op === 'indexed-wheel') {
        const [d] = await listDistributions(`${base}/simple/`, 'tool', http());
        expect(d?.size).toBe(100);
        return downloadDistribution(d!, http());
      }
      if (c.op === 'wheel')
        return downloadDistribution(
          { url: `${base}/files/tool-1.0-py3-none-any.whl`, filename: 'tool-1.0-py3-none-any.whl' },
          http(),
        );
      if (c.op === 'deb')
        return download(
          cache,
          {
            url: `${base}/repo/pool/tool_1.0_amd64.deb`,
            sha256: hex(DEB),
            size: DEB.length,
            what: 'tool_1.0_amd64.deb',
          },
          { http: http() },
        );
      hostile = undefined;
      const release = await fetchRelease(source(), { keys, http: http() });
      hostile = c.hostile;
      return fetchPackages(release, 'amd64', cache);
    };
    const got = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    hostile = undefined;
    expect(got).toBeInstanceOf(KuboxError);
    const e = got as KuboxError;
    expect({ kind: e.kind, exit: e.exitCode }).toEqual({ kind: c.outcome.kind, exit: 1 });
    expect(e.message).toMatch(c.outcome.message);
    expect(Date.now() - started).toBeLessThan(c.within ?? 15_000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * 1024 * 1024);
    // Cut off early: an endless body never got far past its cap (64 MiB for a page).
    expect(sent).toBeLessThan(80 * 1024 * 1024);
    const state = cacheState(cache.root);
    expect(state.temporary).toEqual([]);
    if (c.cacheBytes !== undefined) expect(state.bytes).toBeLessThanOrEqual(c.cacheBytes);
  });
});
