/** Cases from the code review: each failed (or crashed with exit 70) before its fix. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { limiter, pool, poolMap } from '../../src/pool.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseSpec } from '../../src/spec/load.js';
import { CLI_TEST_TIMEOUT, kubox } from '../support/cli.js';
import { startServer } from './registry/http-server.js';

const base = `name: t\nversion: '1'\nbase: debian:12@sha256:${'c'.repeat(64)}\nuser: {name: u, uid: 1000, gid: 1000}\n`;
const problems = (text: string) => {
  try {
    parseSpec(text, 'k.yaml');
    return [];
  } catch (e) {
    return (e as { problems: { message: string; location?: { path?: string } }[] }).problems;
  }
};

describe('spec validation closes two holes', () => {
  it('refuses credentials in a URL: they would be baked into the image', () => {
    const p = problems(
      `${base}pip:\n  indexUrl: https://bob:s3cret@pypi.internal/simple/\n  packages: [httpie]\n`,
    );
    expect(p[0]?.location?.path).toBe('pip.indexUrl');
    expect(p[0]?.message).toContain('must not carry credentials');
  });

  it('refuses an `expect` that is not a regular expression', () => {
    const p = problems(`${base}verify:\n  - {name: x, run: [test], expect: '([a-z'}\n`);
    expect(p[0]).toMatchObject({
      message: 'is not a valid regular expression',
      location: { path: 'verify[0].expect' },
    });
  });
});

describe('bad files and flags are KuboxErrors, not crashes', { timeout: CLI_TEST_TIMEOUT }, () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'kubox-review-'));

  it('render into a path under a file: exit 1, cannot write', async () => {
    const d = dir();
    writeFileSync(join(d, 'afile'), 'x');
    const res = await kubox(['render', '--out', 'afile/sub'], { cwd: d });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain(
      'error: cannot write afile/sub/Dockerfile: a part of its path is a file, not a directory',
    );
  });

  it('inspect of an archive whose index.json is not JSON: exit 1 naming the file', async () => {
    const d = dir();
    const p = pack();
    p.entry({ name: 'index.json' }, '{not json');
    p.finalize();
    const chunks: Buffer[] = [];
    for await (const c of p) chunks.push(c as Buffer);
    writeFileSync(join(d, 'bad.tar'), Buffer.concat(chunks));
    const res = await kubox(['inspect', 'oci:bad.tar'], { cwd: d });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain('bad.tar: index.json is not JSON');
  });

  it('a --build-arg value with shell or newline characters: exit 2', async () => {
    const res = await kubox(
      ['build', '--build-arg', 'KUBECTL_VERSION=1.36\ndeb http://evil/ /', '--output', 'oci:x.tar'],
      { cwd: dir() },
    );
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain('--build-arg KUBECTL_VERSION=');
  });
});

describe('registry credentials stay with the registry', () => {
  it('does not send Authorization to an upload Location on another host', async () => {
    const other = await startServer((_rec, res) => void res.writeHead(201).end());
    const registry = await startServer((rec, res) => {
      if (!rec.headers.authorization) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
        return;
      }
      res.writeHead(202, { location: `${other.base}/upload/1` }).end();
    });
    try {
      const c = await RegistryClient.connect(registry.host, {
        credential: { kind: 'basic', username: 'u', password: 'SECRET-pw' },
      });
      await c.uploadBlob(
        'r',
        { digest: `sha256:${'a'.repeat(64)}`, size: 1 },
        () => Readable.from([Buffer.from('a')]),
        { attempts: 1 },
      );
      expect(other.requests).toHaveLength(1);
      expect(other.requests[0]!.headers.authorization).toBeUndefined();
    } finally {
      await other.close();
      await registry.close();
    }
  });
});

describe('pool', () => {
  it('starts nothing after a failure, waits for what runs, and throws the first error', async () => {
    const started: number[] = [];
    let running = 0;
    const items = [1, 2, 3, 4, 5, 6, 7, 8];
    const result = pool(items, 2, async (i) => {
      started.push(i);
      running++;
      await new Promise((r) => setTimeout(r, 20));
      running--;
      if (i === 2) throw new Error('boom 2');
    });
    await expect(result).rejects.toThrow('boom 2');
    expect(running).toBe(0);
    expect(started.length).toBeLessThan(items.length);
  });

  it('poolMap keeps each result at its item, whatever finishes first, at most `size` at a time', async () => {
    let running = 0;
    let most = 0;
    const out = await poolMap([30, 5, 20, 1, 10], 2, async (ms) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return ms * 2;
    });
    expect(out).toEqual([60, 10, 40, 2, 20]);
    expect(most).toBe(2);
  });

  it('limiter runs at most `size` calls at once, starts the rest in order, and survives failures', async () => {
    const run = limiter(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const call = (i: number, ms: number, fail = false) =>
      run(async () => {
        started.push(i);
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, ms));
        running--;
        if (fail) throw new Error(`boom ${i}`);
        return i;
      });
    const got = await Promise.allSettled([
      call(0, 30),
      call(1, 5, true),
      call(2, 5),
      call(3, 5),
      call(4, 1),
    ]);
    expect(got.map((g) => (g.status === 'fulfilled' ? g.value : String(g.reason)))).toEqual([
      0,
      'Error: boom 1',
      2,
      3,
      4,
    ]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(running).toBe(0);
  });

  it('limiter starts the costliest call of a batch first, and lets no newcomer overtake', async () => {
    const run = limiter(1);
    const started: string[] = [];
    let running = 0;
    let most = 0;
    const call = (name: string, cost?: number) =>
      run(async () => {
        started.push(name);
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 2));
        running--;
      }, cost);
    // Made in one turn of the event loop: ordered by cost before any starts.
    const batch = [call('first'), call('small', 1), call('big', 9), call('none'), call('mid', 5)];
    await batch[2];
    // 'big' is done and its slot went to 'mid' at once: a call made now waits (most stays 1),
    // and its cost puts it before the rest.
    batch.push(call('late', 100), call('big2', 9));
    await Promise.all(batch);
    expect(started).toEqual(['big', 'mid', 'late', 'big2', 'small', 'first', 'none']);
    expect(most).toBe(1);
  });

  it('limiter keeps the costs of what runs at once within its budget; a call over it runs alone', async () => {
    const run = limiter(3, 100);
    let held = 0;
    const seen: number[] = [];
    const call = (cost: number) =>
      run(async () => {
        held += cost;
        seen.push(held);
        await new Promise((r) => setTimeout(r, 3));
        held -= cost;
      }, cost);
    await Promise.all([call(150), call(60), call(50), call(40), call(10), call(10), call(0)]);
    // 150 alone; 60 (50 beside it would pass 100, and nothing overtakes 50); 50+40+10; the rest.
    expect(seen[0]).toBe(150);
    expect(Math.max(...seen.slice(1))).toBeLessThanOrEqual(100);
    expect(held).toBe(0);
  });
});

describe('layoutRoot', () => {
  it('takes one image written under several tags as that image, not as an index of copies', async () => {
    const { layoutRoot } = await import('../../src/oci/layout.js');
    const d = {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      digest: `sha256:${'b'.repeat(64)}`,
      size: 10,
    };
    const root = layoutRoot({
      schemaVersion: 2,
      manifests: [
        { ...d, annotations: { 'org.opencontainers.image.ref.name': '1' } },
        { ...d, annotations: { 'org.opencontainers.image.ref.name': 'latest' } },
      ],
    });
    expect(root.bytes).toBeUndefined();
    expect(root.descriptor.digest).toBe(d.digest);
  });
});
