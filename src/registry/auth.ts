/**
 * Authorization for one registry: anonymous, Basic, or the Bearer token flow
 * (realm, service and scope from the challenge; `token` or `access_token`;
 * identity tokens through grant_type=refresh_token). Tokens are cached per
 * scope set. Secrets stay inside this object.
 */
import { KuboxError } from '../errors.js';
import { isLoopbackHost } from '../http/loopback.js';
import { addSecret } from '../redact.js';
import { MAX_TOKEN_RESPONSE_BYTES, shown } from '../oci/validate.js';
import { parseChallenges, mergeScopes, type Challenge } from './challenge.js';
import type { Credential } from './credentials.js';
import type { Transport } from './transport.js';

const TOKEN_LIMIT = { bytes: MAX_TOKEN_RESPONSE_BYTES, what: 'the most kubox reads of a token' };

interface CachedToken {
  header: string;
  expiresAt: number;
}

export class Authorizer {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  /** Token requests in flight: parallel uploads that need the same scopes share one. */
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly registry: string,
    private readonly credential: Credential,
    private readonly transport: Transport,
    private readonly now: () => number = Date.now,
  ) {}

  /** The Authorization header for these scopes, if one is known or can be had without a challenge. */
  async header(scopes: readonly string[]): Promise<string | undefined> {
    if (!this.challenge) return undefined;
    if (this.challenge.scheme === 'basic') return this.basic();
    const key = mergeScopes(scopes).join(' ');
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > this.now()) return cached.header;
    return this.fetchToken(scopes);
  }

  /**
   * Learns from a 401 and returns a header to retry with (a fresh token for a
   * Bearer challenge). The caller retries once; a second 401 means the
   * credentials do not grant the access: see `refused`.
   */
  async onUnauthorized(res: Response, scopes: readonly string[], sent?: string): Promise<string> {
    const challenges = parseChallenges(res.headers.get('www-authenticate') ?? '');
    const chosen =
      challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
    if (!chosen) {
      throw new KuboxError(
        'registry',
        `${this.registry} answered 401 without a usable WWW-Authenticate challenge`,
      );
    }
    this.challenge = chosen;
    if (chosen.scheme === 'basic') return this.basic();
    // The challenge's own scope (if any) joins the ones this request needs.
    const all = mergeScopes([...scopes, ...(chosen.params.scope ? [chosen.params.scope] : [])]);
    const key = mergeScopes(scopes).join(' ');
    // A parallel request may have fetched this token since our attempt went out.
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > this.now() && cached.header !== sent) return cached.header;
    return this.fetchToken(all, key);
  }

  refused(scopes: readonly string[] = []): KuboxError {
    const who =
      this.credential.kind === 'anonymous' ? 'anonymously' : 'with the configured credentials';
    return new KuboxError(
      'registry-auth',
      `${this.registry} refused access ${who}${scopes.length ? ` (${mergeScopes(scopes).join(' ')})` : ''}`,
      {
        hint: `run \`docker login ${this.registry}\` (kubox reads $DOCKER_CONFIG/config.json or ~/.docker/config.json, credential helpers and podman's auth.json) with an account that has this access`,
      },
    );
  }

  private basic(): string {
    if (this.credential.kind !== 'basic') throw this.refused();
    return `Basic ${Buffer.from(`${this.credential.username}:${this.credential.password}`).toString('base64')}`;
  }

  private fetchToken(
    scopes: readonly string[],
    cacheKey = mergeScopes(scopes).join(' '),
  ): Promise<string> {
    let pending = this.inflight.get(cacheKey);
    if (!pending) {
      pending = this.requestToken(scopes, cacheKey).finally(() => this.inflight.delete(cacheKey));
      this.inflight.set(cacheKey, pending);
    }
    return pending;
  }

  /**
   * The realm as a URL, checked: credentials go to it only over https, or
   * over http to this machine or to the registry's own host (whom the user
   * already trusts with cleartext by using it over http). Never to another
   * host in cleartext: a registry could name any realm.
   */
  private realmUrl(realm: string): URL {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      url = new URL('invalid:');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new KuboxError(
        'registry',
        `${this.registry}'s Bearer challenge names a realm that is not an http(s) URL: ${shown(realm)}`,
      );
    if (this.credential.kind === 'anonymous' || url.protocol === 'https:') return url;
    let registryHost = '';
    try {
      registryHost = new URL(`http://${this.registry}`).hostname;
    } catch {
      // a registry name that is no host matches no realm
    }
    if (isLoopbackHost(url.hostname) || url.hostname === registryHost) return url;
    throw new KuboxError(
      'registry-auth',
      `${this.registry} sends its clients for tokens to ${url.origin} over plain http: kubox does not send credentials in cleartext to another host`,
      {
        hint: `the token service must be served over https (or from ${this.registry} itself); ask the registry's operator, or pull anonymously`,
      },
    );
  }

  private async requestToken(scopes: readonly string[], cacheKey: string): Promise<string> {
    const { realm, service } = this.challenge!.params;
    if (!realm)
      throw new KuboxError('registry', `${this.registry}'s Bearer challenge has no realm`);
    const realmUrl = this.realmUrl(realm);
    const merged = mergeScopes(scopes);
    let res: Response;
    if (this.credential.kind === 'identity-token') {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: this.credential.token,
        client_id: 'kubox',
      });
      if (service) form.set('service', service);
      if (merged.length) form.set('scope', merged.join(' '));
      res = await this.transport.send({
        method: 'POST',
        url: realmUrl.href,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: () => form.toString(),
        limit: TOKEN_LIMIT,
      });
    } else {
      const url = realmUrl;
      if (service) url.searchParams.set('service', service);
      for (const s of merged) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (this.credential.kind === 'basic') headers.authorization = this.basic();
      res = await this.transport.send({
        method: 'GET',
        url: url.toString(),
        headers,
        limit: TOKEN_LIMIT,
      });
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel().catch(() => {});
      throw this.refused(merged);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new KuboxError(
        'registry',
        `the token service of ${this.registry} answered HTTP ${res.status}`,
        {
          hint: "the registry's auth service is failing; try again later",
        },
      );
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown } | null;
    try {
      body = (await res.json()) as typeof body;
    } catch (e) {
      if (e instanceof KuboxError) throw e;
      body = null;
    }
    const token = body?.token ?? body?.access_token;
    // Sent back in a header: a value with a line break or other control character is refused.
    if (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token))
      throw new KuboxError('registry', `the token service of ${this.registry} returned no token`);
    // Renew a little early; 60 s is the spec's minimum lifetime when none is given.
    const expiresIn = typeof body?.expires_in === 'number' ? body.expires_in : 60;
    const ttl = Math.max(10, Math.min(expiresIn, 24 * 3600) - 10) * 1000;
    addSecret(token);
    const header = `Bearer ${token}`;
    this.tokens.set(cacheKey, { header, expiresAt: this.now() + ttl });
    return header;
  }
}
