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
import { isLoopbackHost } from '../http/loopback.js';
import { MediaType, type Descriptor, type Index, type Manifest } from '../oci/types.js';
import {
  checkDigest,
  checkManifestReference,
  MAX_CONFIG_BYTES,
  MAX_ERROR_BODY_BYTES,
  MAX_MANIFEST_BYTES,
  parseManifestDocument,
} from '../oci/validate.js';
import { readText } from '../http/body.js';
import { Authorizer } from './auth.js';
import { repositoryScope } from './challenge.js';
import { credentialsFor, remember, type Credential } from './credentials.js';
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

/**
 * Loopback registries speak plain HTTP, as docker allows; KUBOX_INSECURE_REGISTRIES adds others.
 * Decided by the parsed address only: `127.example.com` or `127.0.0.1.nip.io` are public names.
 */
export function isLoopbackRegistry(registry: string): boolean {
  let host: string;
  try {
    host = new URL(`http://${registry}`).hostname;
  } catch {
    return false;
  }
  return isLoopbackHost(host);
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

/** The digest of `data` with the algorithm of `like` (a checked digest: sha256 or sha512). */
function digestLike(like: string, data: Uint8Array): string {
  const alg = like.startsWith('sha512:') ? 'sha512' : 'sha256';
  return `${alg}:${createHash(alg).update(data).digest('hex')}`;
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
  /** The document, checked (parseManifestDocument). */
  document: Index | Manifest;
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
    this.auth = new Authorizer(registry, remember(credential), transport);
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
        ...(req.limit ? { limit: req.limit } : {}),
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
    const text = await readText(res, MAX_ERROR_BODY_BYTES);
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
    checkManifestReference(reference, `manifest ${this.registry}/${repo}`);
    const res = await this.request({
      method: 'HEAD',
      url: `/v2/${repo}/manifests/${reference}`,
      scopes: [repositoryScope(repo, ['pull'])],
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (res.status === 404) return undefined;
    if (!res.ok) return this.fail(res, 'HEAD', `HEAD ${repo}:${reference}`);
    const announced = res.headers.get('docker-content-digest');
    if (!announced) return undefined;
    const digest = checkDigest(
      announced,
      `the Docker-Content-Digest of ${this.registry}/${repo}:${reference}`,
    );
    return {
      mediaType: res.headers.get('content-type') ?? '',
      digest,
      size: Number(res.headers.get('content-length') ?? 0),
    };
  }

  /**
   * GETs a manifest and checks its bytes against the digest asked for (or
   * announced), its size against the cap, and its content against the spec.
   */
  async getManifest(
    repo: string,
    reference: string,
    /** The size its descriptor (an index entry) declares, when there is one. */
    size?: number,
  ): Promise<FetchedManifest> {
    const where = `manifest ${this.registry}/${repo}${reference.includes(':') ? '@' : ':'}${reference}`;
    checkManifestReference(reference, where);
    const declared = size !== undefined && size > 0 && size <= MAX_MANIFEST_BYTES;
    const res = await this.request({
      method: 'GET',
      url: `/v2/${repo}/manifests/${reference}`,
      scopes: [repositoryScope(repo, ['pull'])],
      headers: { accept: MANIFEST_ACCEPT },
      limit: declared
        ? { bytes: size, what: 'the size its descriptor declares', kind: 'registry' }
        : { bytes: MAX_MANIFEST_BYTES, what: 'the most kubox reads of a manifest' },
    });
    if (!res.ok) return this.fail(res, 'GET', `manifest ${repo}:${reference}`);
    const announced = res.headers.get('docker-content-digest');
    let expected: string | null = reference;
    try {
      if (!reference.includes(':'))
        expected = announced && checkDigest(announced, `the Docker-Content-Digest of ${where}`);
    } catch (e) {
      await res.body?.cancel().catch(() => {});
      throw e;
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = expected ? digestLike(expected, bytes) : sha256(bytes);
    if (expected && expected !== digest) {
      throw new KuboxError(
        'registry',
        `manifest ${repo}@${expected} from ${this.registry} hashes to ${digest}`,
        {
          hint: 'the registry or something between returned corrupted or substituted content; nothing was used',
        },
      );
    }
    const document = parseManifestDocument(bytes, where);
    const mediaType = res.headers.get('content-type')?.split(';')[0] ?? document.mediaType ?? '';
    return { descriptor: { mediaType, digest, size: bytes.length }, bytes, document };
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
    checkDigest(digest, `blob of ${this.registry}/${repo}`);
    const res = await this.request({
      method: 'HEAD',
      url: `/v2/${repo}/blobs/${digest}`,
      scopes: [repositoryScope(repo, ['pull'])],
    });
    if (res.status === 404) return false;
    if (!res.ok) return this.fail(res, 'HEAD', `HEAD blob ${digest}`);
    return true;
  }

  /**
   * A blob's content as a stream that errors at its end when the bytes do not
   * hash to `digest`, and as soon as they pass `size` (its descriptor's) or,
   * unsized, `maxBytes`.
   */
  async getBlob(
    repo: string,
    digest: string,
    opts: { size?: number; maxBytes?: number } = {},
  ): Promise<Readable> {
    checkDigest(digest, `blob of ${this.registry}/${repo}`);
    const limit =
      opts.size !== undefined && (opts.maxBytes === undefined || opts.size <= opts.maxBytes)
        ? { bytes: opts.size, what: 'the size its descriptor declares', kind: 'registry' as const }
        : opts.maxBytes !== undefined
          ? { bytes: opts.maxBytes, what: 'the most kubox reads of such a blob' }
          : undefined;
    const res = await this.request({
      method: 'GET',
      url: `/v2/${repo}/blobs/${digest}`,
      scopes: [repositoryScope(repo, ['pull'])],
      ...(limit ? { limit } : {}),
    });
    if (!res.ok || !res.body) return this.fail(res, 'GET', `blob ${repo}@${digest}`);
    const alg = digest.startsWith('sha512:') ? 'sha512' : 'sha256';
    const hash = createHash(alg);
    const registry = this.registry;
    const verify = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
      flush(done) {
        const actual = `${alg}:${hash.digest('hex')}`;
        done(
          actual === digest
            ? null
            : new KuboxError('registry', `blob ${digest} from ${registry} hashes to ${actual}`, {
                hint: 'the registry or something between returned corrupted or substituted content; nothing was used',
              }),
        );
      },
    });
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
    // pipe() does not pass a source error on: a connection reset mid-blob must fail the reader.
    body.on('error', (e) =>
      verify.destroy(
        e instanceof KuboxError
          ? e
          : new KuboxError('network', `blob ${digest} from ${registry}: ${e.message}`, {
              cause: e,
            }),
      ),
    );
    // And a reader that gives up must not leave the download running.
    verify.on('close', () => {
      if (!body.readableEnded) body.destroy();
    });
    return body.pipe(verify);
  }

  /** A small JSON blob (an image config), digest-checked. */
  async getJson<T>(repo: string, digest: string, size?: number): Promise<T> {
    const chunks: Buffer[] = [];
    const blob = await this.getBlob(repo, digest, {
      ...(size !== undefined ? { size } : {}),
      maxBytes: MAX_CONFIG_BYTES,
    });
    for await (const chunk of blob) chunks.push(chunk as Buffer);
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
    } catch (e) {
      throw new KuboxError('registry', `blob ${digest} from ${this.registry} is not JSON`, {
        cause: e,
      });
    }
  }

  /**
   * Asks the registry to link a blob from another repository. Returns true when
   * it did (201); otherwise the upload location it opened instead.
   */
  async mountBlob(repo: string, digest: string, from: string): Promise<true | string> {
    checkDigest(digest, `blob to mount into ${this.registry}/${repo}`);
    const res = await this.request({
      method: 'POST',
      url: `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      scopes: [repositoryScope(repo, ['pull', 'push']), repositoryScope(from, ['pull'])],
    });
    await this.expectStatus(res, 'POST', [201, 202], `mount ${digest} from ${from}`);
    return res.status === 201 ? true : this.location(res);
  }

  /**
   * The referrers API (OCI distribution 1.1): the manifests whose subject is
   * `digest`, or undefined when the registry does not offer the API (404, 405),
   * whose clients then use the `sha256-<hex>` tag scheme instead.
   */
  async referrers(repo: string, digest: string): Promise<Descriptor[] | undefined> {
    checkDigest(digest, `referrers of ${this.registry}/${repo}`);
    const res = await this.request({
      method: 'GET',
      url: `/v2/${repo}/referrers/${digest}`,
      scopes: [repositoryScope(repo, ['pull'])],
      headers: { accept: MediaType.ociIndex },
      limit: { bytes: MAX_MANIFEST_BYTES, what: 'the most kubox reads of a manifest' },
    });
    // 404 is the spec's answer; some registries route the unknown path to a 405.
    if (res.status === 404 || res.status === 405) {
      await res.body?.cancel().catch(() => {});
      return undefined;
    }
    if (!res.ok) return this.fail(res, 'GET', `referrers of ${repo}@${digest}`);
    const where = `the referrers of ${this.registry}/${repo}@${digest}`;
    const document = parseManifestDocument(Buffer.from(await res.arrayBuffer()), where);
    if (!('manifests' in document))
      throw new KuboxError('registry', `${where} are not an image index`);
    return document.manifests;
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
    checkDigest(blob.digest, `blob to upload to ${this.registry}/${repo}`);
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
