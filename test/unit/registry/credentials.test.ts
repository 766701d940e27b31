/**
 * The credential chain with temporary directories and an env object: the real
 * ~/.docker and ~/.config/containers are never read (every test sets
 * DOCKER_CONFIG and XDG_CONFIG_HOME). Credential helpers are real processes
 * found on PATH.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import {
  configKeys,
  credentialsFor,
  dockerConfigPath,
  fromAuthEntry,
  fromHelper,
  podmanAuthPaths,
} from '../../../src/registry/credentials.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * A stand-in for a real docker-credential-helpers binary (docker-credential-pass,
 * -secretservice, -osxkeychain, ecr-login...): it implements the `get` verb of
 * the protocol. The server URL comes on stdin; a known server gets
 * {"ServerURL","Username","Secret"} on stdout, an unknown one the helpers'
 * "credentials not found in native keychain" and exit status 1. Every server
 * asked for is appended to calls.log beside the script.
 */
const HELPER = `#!/bin/sh
[ "$1" = get ] || { echo "unsupported verb: $1" >&2; exit 1; }
read -r server
printf '%s\\n' "$server" >> "$(dirname "$0")/calls.log"
case "$server" in
  helper.example:5000)
    printf '%s\\n' '{"ServerURL":"helper.example:5000","Username":"helper-user","Secret":"helper-secret"}' ;;
  https://index.docker.io/v1/)
    printf '%s\\n' '{"ServerURL":"https://index.docker.io/v1/","Username":"hub-user","Secret":"hub-secret"}' ;;
  token.example)
    printf '%s\\n' '{"ServerURL":"token.example","Username":"<token>","Secret":"identity-from-helper"}' ;;
  empty.example)
    printf '%s\\n' '{"ServerURL":"empty.example","Username":"u","Secret":""}' ;;
  *)
    echo "credentials not found in native keychain"
    exit 1 ;;
esac
`;

let binDir: string;
let savedPath: string | undefined;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  binDir = mkdtempSync(join(tmpdir(), 'kubox-cred-bin-'));
  const helper = join(binDir, 'docker-credential-kubox-test');
  writeFileSync(helper, HELPER);
  chmodSync(helper, 0o755);
  savedPath = process.env.PATH;
  // fromHelper spawns with the process's PATH, not the env handed to credentialsFor.
  process.env.PATH = `${binDir}${delimiter}${savedPath ?? ''}`;
});

afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(binDir, { recursive: true, force: true });
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubox-cred-'));
  mkdirSync(join(dir, 'docker'));
  mkdirSync(join(dir, 'xdg-config'));
  env = { DOCKER_CONFIG: join(dir, 'docker'), XDG_CONFIG_HOME: join(dir, 'xdg-config') };
  rmSync(join(binDir, 'calls.log'), { force: true });
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const writeDockerConfig = (config: unknown) =>
  writeFileSync(join(dir, 'docker', 'config.json'), JSON.stringify(config));

const helperCalls = (): string[] => {
  try {
    return readFileSync(join(binDir, 'calls.log'), 'utf8').trim().split('\n');
  } catch {
    return [];
  }
};

describe('configKeys', () => {
  it('uses the v1 URL and aliases for Docker Hub, most specific first', () => {
    const hub = [
      'https://index.docker.io/v1/',
      'index.docker.io',
      'docker.io',
      'registry-1.docker.io',
    ];
    expect(configKeys('docker.io')).toEqual(hub);
    expect(configKeys('registry-1.docker.io')).toEqual(hub);
    expect(configKeys('index.docker.io')).toEqual(hub);
  });

  it('tries the bare host, then URL forms', () => {
    expect(configKeys('ghcr.io')).toEqual([
      'ghcr.io',
      'https://ghcr.io',
      'http://ghcr.io',
      'https://ghcr.io/v1/',
      'https://ghcr.io/v2/',
    ]);
    expect(configKeys('localhost:5000')[0]).toBe('localhost:5000');
  });
});

describe('dockerConfigPath and podmanAuthPaths', () => {
  it('follows DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigPath({ DOCKER_CONFIG: '/x/y' })).toBe('/x/y/config.json');
    expect(dockerConfigPath({})).toBe(join(homedir(), '.docker', 'config.json'));
  });

  it('lists REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR and XDG_CONFIG_HOME in that order', () => {
    expect(
      podmanAuthPaths({
        REGISTRY_AUTH_FILE: '/a/auth.json',
        XDG_RUNTIME_DIR: '/run/user/1000',
        XDG_CONFIG_HOME: '/cfg',
      }),
    ).toEqual(['/a/auth.json', '/run/user/1000/containers/auth.json', '/cfg/containers/auth.json']);
    expect(podmanAuthPaths({})).toEqual([join(homedir(), '.config', 'containers', 'auth.json')]);
  });
});

describe('fromAuthEntry', () => {
  it('decodes base64 user:password, keeping colons in the password', () => {
    expect(fromAuthEntry({ auth: b64('alice:pa:ss') })).toEqual({
      kind: 'basic',
      username: 'alice',
      password: 'pa:ss',
    });
  });

  it('reads username and password fields', () => {
    expect(fromAuthEntry({ username: 'bob', password: 'pw' })).toEqual({
      kind: 'basic',
      username: 'bob',
      password: 'pw',
    });
  });

  it('prefers an identity token', () => {
    expect(fromAuthEntry({ auth: b64('alice:pw'), identitytoken: 'idt' })).toEqual({
      kind: 'identity-token',
      token: 'idt',
    });
  });

  it('is undefined for an empty entry or an auth without a colon', () => {
    expect(fromAuthEntry({})).toBeUndefined();
    expect(fromAuthEntry({ auth: b64('nocolon') })).toBeUndefined();
    expect(fromAuthEntry({ auth: b64(':onlypassword') })).toBeUndefined();
  });
});

describe('credentialsFor from config.json auths', () => {
  it('reads a base64 auth from $DOCKER_CONFIG/config.json', async () => {
    writeDockerConfig({ auths: { 'reg.example:5000': { auth: b64('alice:s3cret') } } });
    expect(await credentialsFor('reg.example:5000', env)).toEqual({
      kind: 'basic',
      username: 'alice',
      password: 's3cret',
    });
  });

  it('reads username/password fields and identity tokens', async () => {
    writeDockerConfig({
      auths: {
        'a.example': { username: 'bob', password: 'pw' },
        'b.example': { identitytoken: 'refresh-me' },
      },
    });
    expect(await credentialsFor('a.example', env)).toEqual({
      kind: 'basic',
      username: 'bob',
      password: 'pw',
    });
    expect(await credentialsFor('b.example', env)).toEqual({
      kind: 'identity-token',
      token: 'refresh-me',
    });
  });

  it('finds Docker Hub credentials under https://index.docker.io/v1/', async () => {
    writeDockerConfig({ auths: { 'https://index.docker.io/v1/': { auth: b64('hub:pw') } } });
    for (const registry of ['docker.io', 'registry-1.docker.io', 'index.docker.io']) {
      expect(await credentialsFor(registry, env)).toEqual({
        kind: 'basic',
        username: 'hub',
        password: 'pw',
      });
    }
    expect(await credentialsFor('ghcr.io', env)).toEqual({ kind: 'anonymous' });
  });

  it('finds keys written with an http:// or https:// prefix', async () => {
    writeDockerConfig({
      auths: {
        'https://secure.example': { auth: b64('s:1') },
        'http://plain.example:5000': { auth: b64('p:2') },
        'https://v2.example/v2/': { auth: b64('v:3') },
      },
    });
    expect(await credentialsFor('secure.example', env)).toMatchObject({ username: 's' });
    expect(await credentialsFor('plain.example:5000', env)).toMatchObject({ username: 'p' });
    expect(await credentialsFor('v2.example', env)).toMatchObject({ username: 'v' });
  });

  it('prefers the bare host key over a prefixed one', async () => {
    writeDockerConfig({
      auths: {
        'https://r.example': { auth: b64('prefixed:1') },
        'r.example': { auth: b64('bare:2') },
      },
    });
    expect(await credentialsFor('r.example', env)).toMatchObject({ username: 'bare' });
  });

  it('is anonymous when nothing matches or nothing exists', async () => {
    expect(await credentialsFor('reg.example', env)).toEqual({ kind: 'anonymous' });
    writeDockerConfig({ auths: { 'other.example': { auth: b64('o:p') }, 'reg.example': {} } });
    expect(await credentialsFor('reg.example', env)).toEqual({ kind: 'anonymous' });
    // A port is part of the host: reg.example's entry is not reg.example:5000's.
    expect(await credentialsFor('other.example:5000', env)).toEqual({ kind: 'anonymous' });
  });

  it('rejects a malformed config.json as a usage error naming the file', async () => {
    const file = join(dir, 'docker', 'config.json');
    writeFileSync(file, '{"auths": {');
    const err = await credentialsFor('reg.example', env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).kind).toBe('usage');
    expect((err as KuboxError).message).toContain(file);
    expect((err as KuboxError).hint).toMatch(/docker login/);
  });
});

describe('credentialsFor through credential helpers', () => {
  it('asks the credHelpers entry for that host', async () => {
    writeDockerConfig({
      credHelpers: { 'helper.example:5000': 'kubox-test' },
      auths: { 'helper.example:5000': { auth: b64('ignored:pw') } },
    });
    expect(await credentialsFor('helper.example:5000', env)).toEqual({
      kind: 'basic',
      username: 'helper-user',
      password: 'helper-secret',
    });
    expect(helperCalls()).toEqual(['helper.example:5000']);
  });

  it('sends https://index.docker.io/v1/ to the helper for Docker Hub', async () => {
    writeDockerConfig({ credHelpers: { 'docker.io': 'kubox-test' } });
    expect(await credentialsFor('docker.io', env)).toEqual({
      kind: 'basic',
      username: 'hub-user',
      password: 'hub-secret',
    });
    expect(helperCalls()).toEqual(['https://index.docker.io/v1/']);
  });

  it('reads Username <token> as an identity token', async () => {
    writeDockerConfig({ credHelpers: { 'token.example': 'kubox-test' } });
    expect(await credentialsFor('token.example', env)).toEqual({
      kind: 'identity-token',
      token: 'identity-from-helper',
    });
  });

  it('is anonymous when the host’s helper has nothing (no fall-through to auths)', async () => {
    writeDockerConfig({
      credHelpers: { 'unknown.example': 'kubox-test' },
      auths: { 'unknown.example': { auth: b64('a:b') } },
    });
    expect(await credentialsFor('unknown.example', env)).toEqual({ kind: 'anonymous' });
    expect(helperCalls()).toEqual(['unknown.example']);
  });

  it('uses credsStore, falling back to auths when the store has nothing', async () => {
    writeDockerConfig({
      credsStore: 'kubox-test',
      auths: { 'other.example': { auth: b64('from-auths:pw') } },
    });
    expect(await credentialsFor('helper.example:5000', env)).toEqual({
      kind: 'basic',
      username: 'helper-user',
      password: 'helper-secret',
    });
    expect(await credentialsFor('other.example', env)).toEqual({
      kind: 'basic',
      username: 'from-auths',
      password: 'pw',
    });
    expect(await credentialsFor('nothing.example', env)).toEqual({ kind: 'anonymous' });
    expect(helperCalls()).toEqual(['helper.example:5000', 'other.example', 'nothing.example']);
  });

  it('treats an empty Secret as no credential', async () => {
    expect(await fromHelper('kubox-test', 'empty.example')).toBeUndefined();
  });

  it('fails clearly when a configured helper is not installed', async () => {
    writeDockerConfig({ credHelpers: { 'x.example': 'kubox-absent' } });
    const err = await credentialsFor('x.example', env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).kind).toBe('usage');
    expect((err as KuboxError).message).toBe(
      'credential helper docker-credential-kubox-absent is configured but not installed',
    );
    expect((err as KuboxError).hint).toContain('"kubox-absent"');
  });

  it('credHelpers wins over credsStore', async () => {
    writeDockerConfig({
      credsStore: 'kubox-absent',
      credHelpers: { 'helper.example:5000': 'kubox-test' },
    });
    expect(await credentialsFor('helper.example:5000', env)).toMatchObject({
      username: 'helper-user',
    });
  });
});

describe('credentialsFor from podman auth.json', () => {
  const writeAuth = (path: string, auths: unknown) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, JSON.stringify({ auths }));
  };

  it('reads REGISTRY_AUTH_FILE', async () => {
    const file = join(dir, 'custom-auth.json');
    writeAuth(file, { 'quay.example': { auth: b64('podman:pw') } });
    expect(await credentialsFor('quay.example', { ...env, REGISTRY_AUTH_FILE: file })).toEqual({
      kind: 'basic',
      username: 'podman',
      password: 'pw',
    });
  });

  it('reads $XDG_RUNTIME_DIR/containers/auth.json and $XDG_CONFIG_HOME/containers/auth.json', async () => {
    const runtime = join(dir, 'run');
    writeAuth(join(runtime, 'containers', 'auth.json'), { 'rt.example': { auth: b64('rt:1') } });
    writeAuth(join(dir, 'xdg-config', 'containers', 'auth.json'), {
      'cfg.example': { auth: b64('cfg:2') },
      'rt.example': { auth: b64('shadowed:3') },
    });
    const e = { ...env, XDG_RUNTIME_DIR: runtime };
    expect(await credentialsFor('rt.example', e)).toMatchObject({ username: 'rt' });
    expect(await credentialsFor('cfg.example', e)).toMatchObject({ username: 'cfg' });
  });

  it('comes after docker’s config.json', async () => {
    const file = join(dir, 'auth.json');
    writeAuth(file, { 'both.example': { auth: b64('podman:1') } });
    writeDockerConfig({ auths: { 'both.example': { auth: b64('docker:2') } } });
    expect(
      await credentialsFor('both.example', { ...env, REGISTRY_AUTH_FILE: file }),
    ).toMatchObject({ username: 'docker' });
  });

  it('rejects a malformed auth.json naming the file', async () => {
    const file = join(dir, 'broken-auth.json');
    writeFileSync(file, 'not json');
    const err = await credentialsFor('x.example', { ...env, REGISTRY_AUTH_FILE: file }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).kind).toBe('usage');
    expect((err as KuboxError).message).toContain(file);
  });
});
