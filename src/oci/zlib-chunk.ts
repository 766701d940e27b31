/**
 * The output chunk size for kubox's zlib streams (layers gzipped, base layers
 * gunzipped). Node's default, 16 KiB, costs one thread-pool round trip and
 * one main-thread callback per 16 KiB produced: gunzipping two slim bases and
 * gzipping a cold two-platform build's layers made ~20k of them, 1.4 s of the
 * main thread. The compressed bytes do not depend on it.
 */
export const ZLIB_CHUNK = 256 * 1024;
