/**
 * `kubox/registry`: the registry client and what the push, pull, inspect and
 * pin commands do with it.
 *
 *   import { push, pull, inspect } from 'kubox/registry';
 *   await push('oci:out/img.tar', ['registry.example.com/team/img:1.0']);
 */
export { RegistryClient, type ClientOptions } from '../registry/client.js';
export { credentialsFor, type Credential } from '../registry/credentials.js';
export { push, pushLayout, type PushOptions, type PushResult } from '../registry/push.js';
export { pull, inspectRemote, type PullResult } from '../registry/remote.js';
export { inspect, type InspectReport } from '../registry/inspect.js';
export { pin, type PinResult } from '../registry/pin.js';
export { HttpError } from '../http/error.js';
