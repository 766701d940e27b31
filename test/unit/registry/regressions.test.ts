/** Cases found in review: each failed before its fix. */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../../src/registry/client.js';
import { credentialsFor } from '../../../src/registry/credentials.js';
import { replaceScalar } from '../../../src/spec/edit.js';
import { startServer, type TestServer } from './http-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("registry errors keep the registry's own explanation", () => {
  it('reports DIGEST_INVALID from a refused upload', async () => {
    server = await startServer((rec, res) => {
      if (rec.method === 'POST') {
        res.writeHead(202, { location: '/v2/r/blobs/uploads/u1?_state=abc' }).end();
      } else {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ errors: [{ code: 'DIGEST_INVALID', message: 'mismatch' }] }));
      }
    });
    const c = await RegistryClient.connect(server.host, { credential: { kind: 'anonymous' } });
    const digest = `sha256:${'a'.repeat(64)}`;
    await expect(
      c.uploadBlob('r', { digest, size: 3 }, () => Readable.from([Buffer.from('abc')]), {
        attempts: 1,
      }),
    ).rejects.toThrow(
      `upload ${digest}: ${server.host} answered HTTP 400 (DIGEST_INVALID: mismatch)`,
    );
  });
});

describe('credential helpers that misbehave', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it('a helper printing non-JSON is a clear error that does not echo its output, with the right config path', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'helper-'));
    // Stand-in for a broken docker-credential-* helper.
    writeFileSync(
      join(bin, 'docker-credential-broken'),
      '#!/bin/sh\necho "not-json SECRET-VALUE"\n',
    );
    chmodSync(join(bin, 'docker-credential-broken'), 0o755);
    process.env.PATH = `${bin}:${path}`;
    const config = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(
      join(config, 'config.json'),
      JSON.stringify({ credsStore: 'broken', credHelpers: { 'x.example': 'missing-helper' } }),
    );
    const err = await credentialsFor('r.example', { DOCKER_CONFIG: config }).catch((e: Error) => e);
    expect(String(err)).toContain('docker-credential-broken printed something that is not JSON');
    expect(String(err)).not.toContain('SECRET-VALUE');
    const missing = await credentialsFor('x.example', { DOCKER_CONFIG: config }).catch(
      (e: { hint: string }) => e,
    );
    expect((missing as { hint: string }).hint).toContain(join(config, 'config.json'));
  });
});

describe('replaceScalar writes values that read back', () => {
  it('quotes a plain value that YAML would read differently', () => {
    expect(replaceScalar('a: x\nb: y\n', ['a'], 'b # c')).toBe('a: "b # c"\nb: y\n');
    expect(replaceScalar('a: x\nb: y\n', ['a'], 'k: v')).toBe('a: "k: v"\nb: y\n');
  });

  it('replaces a block scalar without joining the next line', () => {
    expect(replaceScalar('a: |\n  x\nb: y\n', ['a'], 'new')).toBe('a: new\nb: y\n');
  });
});
