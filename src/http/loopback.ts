/**
 * Whether a host is this machine, decided by its parsed address alone: an
 * IPv4 address in 127.0.0.0/8, the IPv6 ::1 (or its IPv4-mapped form of a
 * 127 address), or the name `localhost`. A name that merely starts with
 * `127.` (127.example.com, 127.0.0.1.nip.io) is a public host: plain http
 * to it would carry credentials in cleartext. Pure.
 */
import { isIP } from 'node:net';

/** `host` as URL.hostname gives it: IPv6 in brackets, no port. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost') return true;
  const bare = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  const family = isIP(bare);
  if (family === 4) return bare.split('.')[0] === '127';
  if (family === 6) {
    if (bare === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(bare)) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
    if (mapped) return mapped[1]!.split('.')[0] === '127';
    const hexMapped = /^::ffff:7f([0-9a-f]{2}):[0-9a-f]{1,4}$/.exec(bare);
    return hexMapped !== null;
  }
  return false;
}

/** Whether a URL's host is loopback (see isLoopbackHost); false for what is not a URL. */
export function isLoopbackUrl(url: string | URL): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}
