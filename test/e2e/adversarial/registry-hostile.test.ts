/**
 * Hostile registries (issue 15), one table of cases against a stand-in
 * registry on loopback (registry-stand-in.ts): digest mismatches, malformed
 * and endless manifests, slowloris, redirect loops and redirects to other
 * hosts, token realms on other hosts over http, storms with huge
 * Retry-After, echoed credentials, path-traversal digests, and pulls of
 * blobs that are not what their descriptor says. Each case states its
 * outcome: refused with a KuboxError of a kind (exit 1, never 70), within a
 * time bound, with bounded memory, asking for nothing it should not, and
 * writing nothing (no archive, no temporary directory) on failure.
 *
 * kubox is driven through its library (inspectRemote, pull) with small
 * time-outs given to its HTTP layer, and through the CLI's main() for what
 * the CLI prints (text and --json).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runMain } from '../../support/run-main.js';
import { KuboxError, type ErrorKind } from '../../../src/errors.js';
import { clearSecrets } from '../../../src/redact.js';
import type { Credential } from '../../../src/registry/credentials.js';
import { inspectRemote, pull } from '../../../src/registry/remote.js';
import { createTransport } from '../../../src/registry/transport.js';
import {
  endless,
  OCI_MANIFEST,
  sha,
  startStandIn,
  type Hostile,
  type StandIn,
} from './registry-stand-in.js';

const REPO = 'team/app';
const PASSWORD = 'hostile-echo-pass-42';
const alice: Credential = { kind: 'basic', username: 'alice', password: PASSWORD };
const basicOf = (c: { username: string; password: string }) =>
  `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;

/** Small time-outs and few, short waits: every hostile case ends in seconds. */
const transport = () =>
  createTransport({
    timeouts: { headersMs: 500, idleMs: 500 },
    retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 50, maxTotalWaitMs: 1000 },
  });

let s: StandIn;
let work: string;
beforeAll(async () => {
  s = await startStandIn();
  work = mkdtempSync(join(tmpdir(), 'kubox-hostile-registry-'));
});
afterAll(async () => {
  await s.close();
  rmSync(work, { recursive: true, force: true });
  clearSecrets();
});

const path = (req: IncomingMessage) => req.url ?? '';
const isTag = (req: IncomingMessage) => path(req) === `/v2/${REPO}/manifests/latest`;
/** Answers the tag with `body` as a document that hashes to what its header says. */
const tagServes =
  (body: string | Buffer, type = OCI_MANIFEST): Hostile =>
  (req, res) => {
    if (!isTag(req)) return false;
    const bytes = Buffer.from(body);
    res.writeHead(200, { 'content-type': type, 'docker-content-digest': sha(bytes) });
    res.end(bytes);
    return true;
  };
const answer = (res: ServerResponse, status: number, headers: Record<string, string> = {}) =>
  res.writeHead(status, headers).end();

interface Case {
  name: string;
  hostile: (s: StandIn) => Hostile;
  /** inspect (default) reads manifests and configs; pull also every blob into an archive. */
  op?: 'inspect' | 'pull';
  credential?: Credential;
  /** A KuboxError of this kind whose message matches, or 'ok'. */
  outcome: { kind: ErrorKind; message: RegExp } | 'ok';
  /** Upper bound on the time the case takes, in ms. */
  within?: number;
  /** What must (not) have been asked of the registry. */
  check?: (s: StandIn) => void;
}

const cases: Case[] = [
  {
    name: 'a child manifest that does not hash to its digest',
    hostile: (st) => (req, res) => {
      if (!path(req).endsWith(`/manifests/${st.image.digests.manifest}`)) return false;
      res.writeHead(200, { 'content-type': OCI_MANIFEST });
      // Substituted content of the very same length: only the digest tells.
      res.end(st.image.manifest.toString().replace('"schemaVersion":2', '"schemaVersion":3'));
      return true;
    },
    outcome: { kind: 'registry', message: /hashes to sha256:/ },
  },
  {
    name: 'a child manifest longer than its index entry says',
    hostile: (st) => (req, res) => {
      if (!path(req).endsWith(`/manifests/${st.image.digests.manifest}`)) return false;
      res.writeHead(200, { 'content-type': OCI_MANIFEST });
      endless(res);
      return true;
    },
    outcome: {
      kind: 'registry',
      message: /larger than \d+ bytes \(the size its descriptor declares\)/,
    },
  },
  {
    name: 'a manifest that is null',
    hostile: () => tagServes('null'),
    outcome: { kind: 'registry', message: /team\/app:latest is not a valid manifest.*it is null/ },
  },
  {
    name: 'a manifest that is not JSON',
    hostile: () => tagServes('<html>maintenance</html>'),
    outcome: { kind: 'registry', message: /team\/app:latest is not a valid manifest.*not JSON/ },
  },
  {
    name: 'an index whose manifests is an object',
    hostile: () => tagServes('{"schemaVersion":2,"manifests":{"a":1}}'),
    outcome: { kind: 'registry', message: /`manifests` is not an array/ },
  },
  {
    name: 'a manifest without config',
    hostile: () => tagServes(`{"schemaVersion":2,"mediaType":"${OCI_MANIFEST}","layers":[]}`),
    outcome: { kind: 'registry', message: /neither `manifests` nor `config`/ },
  },
  {
    name: 'an endless manifest',
    hostile: () => (req, res) => {
      if (!isTag(req)) return false;
      res.writeHead(200, { 'content-type': OCI_MANIFEST });
      endless(res);
      return true;
    },
    outcome: { kind: 'network', message: /larger than 4194304 bytes/ },
  },
  {
    name: 'a 200 MB manifest (announced)',
    hostile: () => (req, res) => {
      if (!isTag(req)) return false;
      res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': 200_000_000 });
      endless(res);
      return true;
    },
    outcome: { kind: 'network', message: /announced \(Content-Length 200000000\)/ },
    check: (st) => expect(st.seen.filter((r) => r.url.includes('/manifests/'))).toHaveLength(1),
  },
  {
    name: 'a registry that never sends headers (slowloris)',
    hostile: () => () => true,
    outcome: { kind: 'network', message: /no response within 500 ms/ },
  },
  {
    name: 'a manifest trickled a byte at a time (slowloris)',
    hostile: () => (req, res) => {
      if (!isTag(req)) return false;
      res.writeHead(200, { 'content-type': OCI_MANIFEST });
      const timer = setInterval(() => res.write('{'), 50);
      res.on('close', () => clearInterval(timer));
      return true;
    },
    outcome: { kind: 'network', message: /only \d+ bytes in 500 ms/ },
  },
  {
    name: 'a redirect loop',
    hostile: () => (req, res) => {
      answer(res, 307, { location: path(req) });
      return true;
    },
    outcome: { kind: 'network', message: /more than 10 redirects/ },
  },
  {
    name: 'a path-traversal digest in an index',
    hostile: () =>
      tagServes(
        JSON.stringify({
          schemaVersion: 2,
          manifests: [{ mediaType: OCI_MANIFEST, digest: 'sha256:../../x', size: 10 }],
        }),
      ),
    outcome: { kind: 'registry', message: /manifests\[0\]\.digest "sha256:\.\.\/\.\.\/x"/ },
    // Nothing asked with it (fetch would have normalised the `..` away): only the tag.
    check: (st) => expect(st.seen.map((r) => r.url)).toEqual([`/v2/${REPO}/manifests/latest`]),
  },
  {
    name: 'a path-traversal layer digest',
    hostile: (st) =>
      tagServes(
        JSON.stringify({
          ...JSON.parse(st.image.manifest.toString()),
          layers: [{ mediaType: 'x', digest: 'sha256:../../../../etc/passwd', size: 1 }],
        }),
      ),
    outcome: { kind: 'registry', message: /layers\[0\]\.digest/ },
    // Nothing asked with it (fetch would have normalised the `..` away): only the tag.
    check: (st) => expect(st.seen.map((r) => r.url)).toEqual([`/v2/${REPO}/manifests/latest`]),
  },
  {
    name: 'a malformed Docker-Content-Digest',
    hostile: (st) => (req, res) => {
      if (!isTag(req)) return false;
      res.writeHead(200, { 'content-type': OCI_MANIFEST, 'docker-content-digest': 'sha256:../x' });
      res.end(st.image.manifest);
      return true;
    },
    outcome: { kind: 'registry', message: /Docker-Content-Digest .* is not a valid digest/ },
  },
  {
    name: 'a 429 storm asking to retry in a day',
    hostile: () => (_req, res) => {
      answer(res, 429, { 'retry-after': '86400' });
      return true;
    },
    outcome: { kind: 'registry', message: /answered HTTP 429/ },
    within: 3000,
    check: (st) => expect(st.seen).toHaveLength(1),
  },
  {
    name: 'a 503 storm',
    hostile: () => (_req, res) => {
      answer(res, 503);
      return true;
    },
    outcome: { kind: 'registry', message: /answered HTTP 503/ },
    check: (st) => expect(st.seen).toHaveLength(2),
  },
  {
    name: 'an endless error page',
    hostile: () => (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      endless(res);
      return true;
    },
    outcome: { kind: 'registry', message: /answered HTTP 500 \(\{{10}/ },
  },
  {
    name: 'an endless token response',
    credential: alice,
    hostile: (st) => (req, res) => {
      if (path(req).startsWith('/token')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        endless(res);
        return true;
      }
      answer(res, 401, {
        'www-authenticate': `Bearer realm="http://127.0.0.1:${st.port}/token",service="x"`,
      });
      return true;
    },
    outcome: { kind: 'network', message: /larger than 1048576 bytes/ },
  },
  {
    name: 'a token realm on another host over plain http',
    credential: alice,
    hostile: () => (_req, res) => {
      answer(res, 401, {
        'www-authenticate': 'Bearer realm="http://127.0.0.1.nip.io:9/token",service="x"',
      });
      return true;
    },
    outcome: { kind: 'registry-auth', message: /over plain http/ },
    check: (st) => expect(st.seen.every((r) => r.headers.authorization === undefined)).toBe(true),
  },
  {
    name: 'a registry that echoes the credentials in its error',
    credential: alice,
    hostile: () => (req, res) => {
      if (!req.headers.authorization) {
        answer(res, 401, { 'www-authenticate': 'Basic realm="r"' });
        return true;
      }
      const auth = req.headers.authorization;
      const decoded = Buffer.from(auth.slice(6), 'base64').toString();
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ errors: [{ code: 'DENIED', message: `${auth} means ${decoded}` }] }),
      );
      return true;
    },
    outcome: {
      kind: 'registry',
      message: /answered HTTP 400 \(DENIED: Basic \*\*\* means alice:\*\*\*\)/,
    },
  },
  {
    name: 'a blob redirected to another host (credentials stay home)',
    op: 'pull',
    credential: alice,
    hostile: (st) => (req, res) => {
      if (path(req).startsWith('/elsewhere/')) {
        res.writeHead(200).end(st.image.layer);
        return true;
      }
      if (req.headers.authorization !== basicOf(alice)) {
        answer(res, 401, { 'www-authenticate': 'Basic realm="r"' });
        return true;
      }
      if (!path(req).endsWith(`/blobs/${st.image.digests.layer}`)) return false;
      answer(res, 307, { location: `http://localhost:${st.port}/elsewhere/layer` });
      return true;
    },
    outcome: 'ok',
    check: (st) => {
      const elsewhere = st.seen.filter((r) => r.url.startsWith('/elsewhere/'));
      expect(elsewhere).toHaveLength(1);
      expect(elsewhere[0]!.headers.authorization).toBeUndefined();
    },
  },
  {
    name: 'a pulled blob that does not hash to its digest',
    op: 'pull',
    hostile: (st) => (req, res) => {
      if (!path(req).endsWith(`/blobs/${st.image.digests.layer}`)) return false;
      res.writeHead(200).end(Buffer.alloc(st.image.layer.length, 0x41));
      return true;
    },
    outcome: { kind: 'registry', message: /blob sha256:\w+ from .* hashes to sha256:/ },
  },
  {
    name: 'an endless pulled blob',
    op: 'pull',
    hostile: (st) => (req, res) => {
      if (!path(req).endsWith(`/blobs/${st.image.digests.layer}`)) return false;
      res.writeHead(200);
      endless(res);
      return true;
    },
    outcome: {
      kind: 'registry',
      message: /larger than 1200 bytes \(the size its descriptor declares\)/,
    },
  },
  {
    name: 'a pulled blob whose Content-Length passes its descriptor',
    op: 'pull',
    hostile: (st) => (req, res) => {
      if (!path(req).endsWith(`/blobs/${st.image.digests.layer}`)) return false;
      res.writeHead(200, { 'content-length': 3_000_000_000 });
      endless(res);
      return true;
    },
    outcome: { kind: 'registry', message: /announced \(Content-Length 3000000000\)/ },
  },
];

const pullDirs = () => new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('kubox-pull-')));

describe('hostile registries', () => {
  it.each(cases)('$name', async (c) => {
    s.seen.length = 0;
    s.hostile(c.hostile(s));
    const before = pullDirs();
    const rss = process.memoryUsage().rss;
    const dest = join(work, `${c.name.replace(/\W+/g, '-')}.tar`);
    const opts = { transport: transport(), credential: c.credential ?? { kind: 'anonymous' } };
    const started = Date.now();
    const ref = `${s.host}/${REPO}:latest`;
    const got = await (c.op === 'pull' ? pull(ref, dest, opts) : inspectRemote(ref, opts)).then(
      () => 'ok' as const,
      (e: unknown) => e,
    );
    const took = Date.now() - started;
    s.hostile(undefined);
    if (c.outcome === 'ok') expect(got).toBe('ok');
    else {
      expect(got).toBeInstanceOf(KuboxError);
      const e = got as KuboxError;
      expect({ kind: e.kind, exit: e.exitCode }).toEqual({ kind: c.outcome.kind, exit: 1 });
      expect(e.message).toMatch(c.outcome.message);
      expect(`${e.message} ${e.hint ?? ''}`).not.toContain(PASSWORD);
      // Nothing written on failure: no archive, no temporary directory left.
      expect(existsSync(dest)).toBe(false);
    }
    expect([...pullDirs()].filter((d) => !before.has(d))).toEqual([]);
    expect(took).toBeLessThan(c.within ?? 15_000);
    // An endless body is never held: well under what an unbounded read would take.
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * 1024 * 1024);
    c.check?.(s);
  });
});

/** kubox's CLI run in this process, its output captured, with `env` set. */
async function cli(args: string[], env: Record<string, string>) {
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  try {
    const { code, stdout, stderr } = await runMain(args);
    return { code, stdout, stderr };
  } finally {
    vi.unstubAllEnvs();
    s.hostile(undefined);
  }
}

describe('the CLI against hostile registries', () => {
  it.each([[[]], [['--json']]])(
    'kubox inspect %j prints no password, no Basic value, when the registry echoes them',
    async (flags) => {
      // Only what this run of the CLI learns: the table above registered alice's password too.
      clearSecrets();
      const config = join(work, 'docker');
      mkdirSync(config, { recursive: true });
      const auth = Buffer.from(`alice:${PASSWORD}`).toString('base64');
      writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: { [s.host]: { auth } } }));
      s.hostile((req, res) => {
        if (!req.headers.authorization) {
          answer(res, 401, { 'www-authenticate': 'Basic realm="r"' });
          return true;
        }
        const echoed = req.headers.authorization;
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`you sent ${echoed} = ${Buffer.from(echoed.slice(6), 'base64').toString()}`);
        return true;
      });
      const r = await cli(['inspect', `${s.host}/${REPO}:latest`, ...flags], {
        DOCKER_CONFIG: config,
        KUBOX_HTTP_ATTEMPTS: '1',
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('answered HTTP 500');
      for (const secret of [PASSWORD, auth]) expect(r.stdout + r.stderr).not.toContain(secret);
      if (flags.length) expect(JSON.parse(r.stdout)).toHaveProperty('error.kind', 'registry');
    },
  );

  it('gives up on a registry that never answers within the time-out the environment sets', async () => {
    s.hostile(() => true);
    const started = Date.now();
    const r = await cli(['inspect', `${s.host}/${REPO}:latest`], {
      KUBOX_HTTP_HEADERS_TIMEOUT_MS: '300',
      KUBOX_HTTP_ATTEMPTS: '2',
      DOCKER_CONFIG: join(work, 'no-docker-config'),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no response within 300 ms');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
