/**
 * Finding credentials the way docker and podman do: $DOCKER_CONFIG/config.json
 * (or ~/.docker/config.json) with credHelpers, credsStore and auths, then
 * podman's auth.json. Secrets are returned to the caller and never logged.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KuboxError } from '../errors.js';
import { run } from '../exec.js';
import { addCredentials, addSecret } from '../redact.js';

export type Credential =
  | { kind: 'anonymous' }
  | { kind: 'basic'; username: string; password: string }
  /** An identity (refresh) token, exchanged with grant_type=refresh_token. */
  | { kind: 'identity-token'; token: string };

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Docker Hub's credentials are stored under its old v1 URL. */
const DOCKER_HUB_KEYS = [
  'https://index.docker.io/v1/',
  'index.docker.io',
  'docker.io',
  'registry-1.docker.io',
];

/** The keys a registry's entry may be stored under, most specific first. */
export function configKeys(registry: string): string[] {
  if (
    registry === 'docker.io' ||
    registry === 'registry-1.docker.io' ||
    registry === 'index.docker.io'
  ) {
    return DOCKER_HUB_KEYS;
  }
  return [
    registry,
    `https://${registry}`,
    `http://${registry}`,
    `https://${registry}/v1/`,
    `https://${registry}/v2/`,
  ];
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

/** Podman's and skopeo's auth.json, in their lookup order. */
export function podmanAuthPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const paths: string[] = [];
  if (env.REGISTRY_AUTH_FILE) paths.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) paths.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  paths.push(join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'containers', 'auth.json'));
  return paths;
}

function readConfig(path: string): DockerConfig | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as DockerConfig;
  } catch (e) {
    throw new KuboxError('usage', `cannot read credentials from ${path}: ${(e as Error).message}`, {
      hint: 'fix or remove the file (docker login rewrites it)',
    });
  }
}

/** Decodes one `auths` entry. Pure. */
export function fromAuthEntry(entry: AuthEntry): Credential | undefined {
  if (entry.identitytoken) return { kind: 'identity-token', token: entry.identitytoken };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0)
      return {
        kind: 'basic',
        username: decoded.slice(0, colon),
        password: decoded.slice(colon + 1),
      };
  }
  if (entry.username && entry.password)
    return { kind: 'basic', username: entry.username, password: entry.password };
  return undefined;
}

/** Asks `docker-credential-<helper> get` for the registry's credentials. */
export async function fromHelper(
  helper: string,
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credential | undefined> {
  const server = configKeys(registry)[0]!;
  const res = await run(`docker-credential-${helper}`, ['get'], {
    input: server,
    timeoutMs: 30_000,
  });
  if (res.missing) {
    throw new KuboxError(
      'usage',
      `credential helper docker-credential-${helper} is configured but not installed`,
      {
        hint: `install it, or remove "${helper}" from credsStore/credHelpers in ${dockerConfigPath(env)}`,
      },
    );
  }
  // Helpers answer "credentials not found in native keychain" with a non-zero exit: that is no credential.
  if (res.exitCode !== 0) return undefined;
  let parsed: { Username?: string; Secret?: string };
  try {
    parsed = JSON.parse(res.stdout) as { Username?: string; Secret?: string };
  } catch {
    // Never echo the output: it may be a secret.
    throw new KuboxError(
      'usage',
      `credential helper docker-credential-${helper} printed something that is not JSON`,
      {
        hint: `check the helper (\`echo ${server} | docker-credential-${helper} get\`)`,
      },
    );
  }
  if (!parsed.Secret) return undefined;
  if (parsed.Username === '<token>') return { kind: 'identity-token', token: parsed.Secret };
  return { kind: 'basic', username: parsed.Username ?? '', password: parsed.Secret };
}

function lookup(config: DockerConfig | undefined, registry: string): AuthEntry | undefined {
  for (const key of configKeys(registry)) {
    const entry = config?.auths?.[key];
    if (entry) return entry;
  }
  return undefined;
}

/** Registers a credential's secrets with the redactor (src/redact.ts), and returns it. */
export function remember<C extends Credential>(cred: C): C {
  if (cred.kind === 'basic') addCredentials(cred.username, cred.password);
  if (cred.kind === 'identity-token') addSecret(cred.token);
  return cred;
}

/** Credentials for a registry host, or anonymous; their secrets known to the redactor. */
export async function credentialsFor(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credential> {
  return remember(await findCredentials(registry, env));
}

async function findCredentials(registry: string, env: NodeJS.ProcessEnv): Promise<Credential> {
  const config = readConfig(dockerConfigPath(env));
  const helper = configKeys(registry)
    .map((k) => config?.credHelpers?.[k])
    .find(Boolean);
  if (helper) return (await fromHelper(helper, registry, env)) ?? { kind: 'anonymous' };
  if (config?.credsStore) {
    const fromStore = await fromHelper(config.credsStore, registry, env);
    if (fromStore) return fromStore;
  }
  const entry = lookup(config, registry);
  addSecret(entry?.auth);
  const fromDocker = entry && fromAuthEntry(entry);
  if (fromDocker) return fromDocker;
  for (const path of podmanAuthPaths(env)) {
    const podman = lookup(readConfig(path), registry);
    const cred = podman && fromAuthEntry(podman);
    if (cred) return cred;
  }
  return { kind: 'anonymous' };
}
