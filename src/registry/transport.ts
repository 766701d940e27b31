/**
 * A registry's HTTP is kubox's one HTTP layer (../http/client.ts): retries
 * with backoff on 408, 429 (honouring Retry-After), 5xx and dropped
 * connections, bounded in attempts and in total waiting time; time-outs;
 * Authorization never sent across origins on a redirect, nor logged.
 */
import type { Http } from '../http/client.js';

export { createHttp as createTransport, type HttpRequest } from '../http/client.js';

/** What the registry client and its authorizer need of the layer. */
export type Transport = Pick<Http, 'send'>;
