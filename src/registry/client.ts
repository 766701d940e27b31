/**
 * A client for one registry speaking the OCI distribution API: manifests
 * (HEAD, GET with every digest verified, PUT), blobs (HEAD, streamed GET with
 * verification, cross-repository mount, monolithic or chunked upload streamed
 * from disk). go-containerregistry's remote package is the behavioural model.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { KuboxError } from '../errors.js';
import { HttpError } from '../http/error.js';
import { MediaType, type Descriptor } from '../oci/types.js';
import { Authorizer } from './auth.js';
import { repositoryScope } from './challenge.js';
import { credentialsFor, type Credential } from './credentials.js';
import { createTransport, type HttpRequest, type Transport } from './transport.js';

export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.ociManifest,
  MediaType.dockerManifestList,
  MediaType.dockerManifest,
].join(', ');

/** The host that actually serves a registry name (Docker Hub's API lives elsewhere). */
export function apiHost(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io'
    ? 'registry-1.docker.io'
    : registry;
}

/** Loopback registries speak plain HTTP, as docker allows; KUBOX_INSECURE_REGISTRIES adds others. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '');
  return host === 'localhost' || host.startsWith('127.') || host === '[::1]';
}

export function schemeFor(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): 'http' | 'https' {
  if (isLoopbackRegistry(registry)) return 'http';
  const insecure = (env.KUBOX_INSECURE_REGISTRIES ?? '').split(',').map((s) => s.trim());
  return insecure.includes(registry) ? 'http' : 'https';
}

export function sha256(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export interface ClientOptions {
  credential?: Credential;
  transport?: Transport;
  log?: (msg: string) => void;
  env?: NodeJS.ProcessEnv;
}

interface Req extends HttpRequest {
  method: string;
  /** A path under the registry (`/v2/...`) or an absolute URL (upload locations). */
  url: string;
  scopes: string[];
}

export interface FetchedManifest {
  descriptor: Descriptor;
  bytes: Buffer;
}

export class RegistryClient {
  readonly base: string;
  private readonly auth: Authorizer;

  private constructor(
    readonly registry: string,
    private readonly transport: Transport,
    credential: Credential,
    env: NodeJS.ProcessEnv,
  ) {
    this.base = `${schemeFor(registry, env)}://${apiHost(registry)}`;
    this.auth = new Authorizer(registry, credential, transport);
  }

  static async connect(registry: string, opts: ClientOptions = {}): Promise<RegistryClient> {
    const env = opts.env ?? process.env;
    const credential = opts.credential ?? (await credentialsFor(registry, env));
    const transport = opts.transport ?? createTransport(opts.log ? { log: opts.log } : {});
    return new RegistryClient(registry, transport, credential, env);
  }

  private async request(req: Req): Promise<Response> {
    const url = req.url.startsWith('http') ? req.url : `${this.base}${req.url}`;
    // Credentials go only to the registry itself, never to another host an upload Location names.
    const sameOrigin = new URL(url).origin === new URL(this.base).origin;
    const send = (authorization: string | undefined) =>
      this.transport.send({
        method: req.method,
        url,
        headers: { ...req.headers, ...(authorization && sameOrigin ? { authorization } : {}) },
        ...(req.body ? { body: req.body } : {}),
        ...(req.retry === false ? { retry: false } : {}),
      });
    const first = await this.auth.header(req.scopes);
    let res = await send(first);
    if (res.status === 401) {
      await res.body?.cancel().catch(() => {});
      res = await send(await this.auth.onUnauthorized(res, req.scopes, first));
      if (res.status === 401) throw this.auth.refused(req.scopes);
    }
    if (res.status === 403) {
      await res.body?.cancel().catch(() => {});
      throw new HttpError({
        method: req.method,
        url,
        status: 403,
        kind: 'registry-denied',
        message: `${this.registry} denied ${req.method} ${new URL(url).pathname} (403)`,
        hint: 'the account is known but lacks this permission (push rights, or the repository is private to another organization)',
      });
    }
    return res;
  }

  /** The registry's answer as an HttpError: its own error text, 404 as not-found. */
  private async fail(res: Response, method: string, what: string): Promise<never> {
    const text = await res.text().catch(() => '');
    let detail = text.slice(0, 300);
    try {
      const body = JSON.parse(text) as { errors?: { code: string; message: string }[] };
      if (body.errors?.length)
        detail = body.errors.map((e) => `${e.code}: ${e.message}`).join('; ');
    } catch {
      // not a JSON error body
    }
    // Not the query: that of a redirect's target (a storage backend's) may hold a signature.
    const url = res.url ? res.url.split('?')[0]! : this.base;
    const at = { method, url, status: res.status, statusText: res.statusText };
    if (res.status === 404)
      throw new HttpError({
        ...at,
        kind: 'not-found',
        message: `${what}: not found on ${this.registry}${detail ? ` (${detail})` : ''}`,
        hint: 'check the repository, tag or digest',
      });
    throw new HttpError({
      ...at,
      kind: 'registry',
      message: `${what}: ${this.registry} answered HTTP ${res.status}${detail ? ` (${detail})` : ''}`,
    });
  }

  /** Fails with the registry's own error text unless the status is one of `ok`; else drains the body. */
  private async expectStatus(
    res: Response,
    method: string,
    ok: readonly number[],
    what: string,
  ): Promise<void> {
    if (!ok.includes(res.status)) await this.fail(res, method, what);
    await res.body?.cancel().catch(() => {});
  }

  async headManifest(repo: string, reference: string): Promise<Descriptor | undefined> {
    const res = await this.request({
      method: 'HEAD',
      url: `/v2/${repo}/manifests/${reference}`,
      scopes: [repositoryScope(repo, ['pull'])],
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (res.status === 404) return undefined;
    if (!res.ok) return this.fail(res, 'HEAD', `HEAD ${repo}:${reference}`);
    const digest = res.headers.get('docker-content-digest');
    if (!digest) return undefined;
    return {
      mediaType: res.headers.get('content-type') ?? '',
      digest,
      size: Number(res.headers.get('content-length') ?? 0),
    };
  }

  /** GETs a manifest and checks its bytes against the digest asked for (or announced). */
  async getManifest(repo: string, reference: string): Promise<FetchedManifest> {
    const res = await this.request({
      method: 'GET',
      url: `/v2/${repo}/manifests/${reference}`,
      scopes: [repositoryScope(repo, ['pull'])],
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (!res.ok) return this.fail(res, 'GET', `manifest ${repo}:${reference}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = sha256(bytes);
    const expected = reference.startsWith('sha256:')
      ? reference
      : res.headers.get('docker-content-digest');
    if (expected && expected !== digest) {
      throw new KuboxError(
        'registry',
        `manifest ${repo}@${expected} from ${this.registry} hashes to ${digest}`,
        {
          hint: 'the registry or something between returned corrupted or substituted content; nothing was used',
        },
      );
    }
    const mediaType =
      res.headers.get('content-type')?.split(';')[0] ??
      (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ??
      '';
    return { descriptor: { mediaType, digest, size: bytes.length }, bytes };
  }

  async putManifest(
    repo: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
  ): Promise<string> {
    const res = await this.request({
      method: 'PUT',
      url: `/v2/${repo}/manifests/${reference}`,
      scopes: [repositoryScope(repo, ['pull', 'push'])],
      headers: { 'content-type': mediaType },
      body: () => bytes,
    });
    await this.expectStatus(res, 'PUT', [200, 201, 202], `PUT manifest ${repo}:${reference}`);
    const digest = sha256(bytes);
    const announced = res.headers.get('docker-content-digest');
    if (announced && announced !== digest)
      throw new KuboxError(
        'registry',
        `${this.registry} stored manifest ${digest} as ${announced}`,
      );
    return digest;
  }

  async blobExists(repo: string, digest: string): Promise<boolean> {
    const res = await this.request({
      method: 'HEAD',
      url: `/v2/${repo}/blobs/${digest}`,
      scopes: [repositoryScope(repo, ['pull'])],
    });
    if (res.status === 404) return false;
    if (!res.ok) return this.fail(res, 'HEAD', `HEAD blob ${digest}`);
    return true;
  }

  /** A blob's content as a stream that errors at its end when the bytes do not hash to `digest`. */
  async getBlob(repo: string, digest: string): Promise<Readable> {
    const res = await this.request({
      method: 'GET',
      url: `/v2/${repo}/blobs/${digest}`,
      scopes: [repositoryScope(repo, ['pull'])],
    });
    if (!res.ok || !res.body) return this.fail(res, 'GET', `blob ${repo}@${digest}`);
    const hash = createHash('sha256');
    const registry = this.registry;
    const verify = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
      flush(done) {
        const actual = `sha256:${hash.digest('hex')}`;
        done(
          actual === digest
            ? null
            : new KuboxError('registry', `blob ${digest} from ${registry} hashes to ${actual}`),
        );
      },
    });
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
    // pipe() does not pass a source error on: a connection reset mid-blob must fail the reader.
    body.on('error', (e) =>
      verify.destroy(
        new KuboxError('network', `blob ${digest} from ${registry}: ${e.message}`, { cause: e }),
      ),
    );
    return body.pipe(verify);
  }

  /** A small JSON blob (an image config), digest-checked. */
  async getJson<T>(repo: string, digest: string): Promise<T> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.getBlob(repo, digest)) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
  }

  /**
   * Asks the registry to link a blob from another repository. Returns true when
   * it did (201); otherwise the upload location it opened instead.
   */
  async mountBlob(repo: string, digest: string, from: string): Promise<true | string> {
    const res = await this.request({
      method: 'POST',
      url: `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      scopes: [repositoryScope(repo, ['pull', 'push']), repositoryScope(from, ['pull'])],
    });
    await this.expectStatus(res, 'POST', [201, 202], `mount ${digest} from ${from}`);
    return res.status === 201 ? true : this.location(res);
  }

  private location(res: Response): string {
    const loc = res.headers.get('location');
    if (!loc)
      throw new KuboxError('registry', `${this.registry} opened an upload without a Location`);
    // Relative locations are resolved against the registry; absolute ones are used as they are.
    return new URL(loc, `${this.base}/`).toString();
  }

  async startUpload(repo: string): Promise<string> {
    const res = await this.request({
      method: 'POST',
      url: `/v2/${repo}/blobs/uploads/`,
      scopes: [repositoryScope(repo, ['pull', 'push'])],
      retry: true,
    });
    await this.expectStatus(res, 'POST', [202], `start upload to ${repo}`);
    return this.location(res);
  }

  /**
   * Uploads a blob. `open(start, end)` gives a fresh stream of the bytes
   * [start, end) each time it is called. Monolithic when `chunkSize` is
   * unset or the blob is smaller; chunked PATCHes otherwise. A failed upload is
   * started over from a new session, a bounded number of times.
   */
  async uploadBlob(
    repo: string,
    blob: { digest: string; size: number },
    open: (start: number, end: number) => Readable,
    opts: { chunkSize?: number; location?: string; attempts?: number } = {},
  ): Promise<void> {
    const attempts = opts.attempts ?? 4;
    let location = opts.location;
    for (let attempt = 1; ; attempt++) {
      try {
        location ??= await this.startUpload(repo);
        await this.sendUpload(repo, blob, open, location, opts.chunkSize);
        return;
      } catch (e) {
        const retryable =
          e instanceof KuboxError &&
          (e.kind === 'network' ||
            (e instanceof HttpError && e.kind === 'registry' && e.transient));
        if (!retryable || attempt >= attempts) throw e;
        location = undefined;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }

  private async sendUpload(
    repo: string,
    blob: { digest: string; size: number },
    open: (start: number, end: number) => Readable,
    location: string,
    chunkSize?: number,
  ): Promise<void> {
    const scopes = [repositoryScope(repo, ['pull', 'push'])];
    const stream = (start: number, end: number) => () =>
      Readable.toWeb(open(start, end)) as ReadableStream<Uint8Array>;
    let url = location;
    if (chunkSize && blob.size > chunkSize) {
      for (let start = 0; start < blob.size; start += chunkSize) {
        const end = Math.min(blob.size, start + chunkSize);
        const res = await this.request({
          method: 'PATCH',
          url,
          scopes,
          headers: {
            'content-type': 'application/octet-stream',
            'content-range': `${start}-${end - 1}`,
            'content-length': String(end - start),
          },
          body: stream(start, end),
          retry: false,
        });
        await this.expectStatus(
          res,
          'PATCH',
          [202],
          `upload chunk ${start}-${end - 1} of ${blob.digest}`,
        );
        url = this.location(res);
      }
      url = withDigest(url, blob.digest);
      const done = await this.request({
        method: 'PUT',
        url,
        scopes,
        headers: { 'content-length': '0' },
        retry: false,
      });
      await this.expectStatus(done, 'PUT', [201], `complete upload of ${blob.digest}`);
      return;
    }
    const res = await this.request({
      method: 'PUT',
      url: withDigest(url, blob.digest),
      scopes,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
      body: stream(0, blob.size),
      retry: false,
    });
    await this.expectStatus(res, 'PUT', [201], `upload ${blob.digest}`);
  }
}

/** Adds `digest=` to an upload location, which may already carry a query. */
export function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.toString();
}
