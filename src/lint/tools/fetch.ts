/**
 * Downloads with curl and wget, and the commands that verify a download
 * (a checksum compared or a signature checked), for the rule that wants every
 * downloaded file verified before it is used.
 */
import { basename, type CommandRef } from '../shell/analyze.js';
import { hasOption, optionValues, parseArgs } from './options.js';

export type Destination = { kind: 'file'; path: string } | { kind: 'stdout' };

export interface Download {
  ref: CommandRef;
  urls: string[];
  destinations: Destination[];
}

const CURL_VALUED_SHORT = 'oHdAeXxbcTwrmKEuFCzyYQ';
const CURL_VALUED_LONG = [
  '--output',
  '--header',
  '--data',
  '--data-raw',
  '--data-binary',
  '--data-urlencode',
  '--user',
  '--user-agent',
  '--referer',
  '--request',
  '--proxy',
  '--cookie',
  '--cookie-jar',
  '--upload-file',
  '--write-out',
  '--range',
  '--max-time',
  '--connect-timeout',
  '--retry',
  '--retry-delay',
  '--retry-max-time',
  '--config',
  '--cacert',
  '--capath',
  '--cert',
  '--key',
  '--output-dir',
  '--form',
  '--resolve',
  '--url',
  '--limit-rate',
  '--max-filesize',
  '--proto',
  '--proto-redir',
  '--continue-at',
  '--time-cond',
  '--speed-limit',
  '--speed-time',
];
const WGET_VALUED_SHORT = 'OPoatTUeiBQwlDA';
const WGET_VALUED_LONG = [
  '--output-document',
  '--directory-prefix',
  '--output-file',
  '--append-output',
  '--tries',
  '--timeout',
  '--user-agent',
  '--execute',
  '--input-file',
  '--base',
  '--header',
  '--user',
  '--password',
  '--ca-certificate',
  '--certificate',
  '--private-key',
  '--post-data',
  '--post-file',
  '--quota',
  '--wait',
  '--level',
  '--accept',
  '--reject',
];

function isUrl(s: string): boolean {
  return /^(https?|ftp):\/\//i.test(s) || /^\$\{?[A-Za-z_]\w*\}?(\/|$)/.test(s);
}

function urlFileName(url: string): string {
  const path = url.replace(/[?#].*$/, '').replace(/\/+$/, '');
  return basename(path) || 'index.html';
}

function stdoutTarget(ref: CommandRef): Destination {
  const out = ref.redirects.find(
    (r) => (r.op === '>' || r.op === '>>' || r.op === '>|') && !r.op.startsWith('2'),
  );
  return out?.target ? { kind: 'file', path: out.target } : { kind: 'stdout' };
}

export function download(ref: CommandRef): Download | undefined {
  const a = ref.argv.slice(1);
  if (ref.name === 'curl') {
    const p = parseArgs(a, CURL_VALUED_SHORT, CURL_VALUED_LONG);
    const urls = [...p.positionals.filter(isUrl), ...optionValues(p, '--url')];
    if (urls.length === 0) return undefined;
    if (hasOption(p, '-I', '--head')) return undefined;
    const dir = optionValues(p, '--output-dir')[0];
    const inDir = (f: string) => (dir ? `${dir.replace(/\/$/, '')}/${f}` : f);
    const outputs = optionValues(p, '-o', '--output');
    const remote = hasOption(p, '-O', '--remote-name', '--remote-name-all');
    const destinations: Destination[] = urls.map((u, k) => {
      const o = outputs[k];
      if (o !== undefined) return o === '-' ? stdoutTarget(ref) : { kind: 'file', path: inDir(o) };
      if (remote) return { kind: 'file', path: inDir(urlFileName(u)) };
      return stdoutTarget(ref);
    });
    return { ref, urls, destinations };
  }
  if (ref.name === 'wget') {
    const p = parseArgs(a, WGET_VALUED_SHORT, WGET_VALUED_LONG);
    const urls = p.positionals.filter(isUrl);
    if (urls.length === 0 || hasOption(p, '--spider')) return undefined;
    const doc = optionValues(p, '-O', '--output-document')[0];
    const dir = optionValues(p, '-P', '--directory-prefix')[0];
    const destinations: Destination[] = urls.map((u) => {
      if (doc === '-') return stdoutTarget(ref);
      if (doc !== undefined) return { kind: 'file', path: doc };
      const f = urlFileName(u);
      return { kind: 'file', path: dir ? `${dir.replace(/\/$/, '')}/${f}` : f };
    });
    return { ref, urls, destinations };
  }
  return undefined;
}

/** Files that are verification material themselves, or keys: there is nothing to check them against. */
export function isVerificationMaterial(path: string): boolean {
  const name = basename(path);
  return (
    /\.(sha(1|224|256|384|512)?(sum)?|md5|asc|sig|sign|minisig|pem|crt|key|gpg|pub|intoto\.jsonl|sigstore|bundle)$/i.test(
      name,
    ) ||
    /^(sha\d*sums?|checksums?)(\.txt)?$/i.test(name) ||
    path === '/dev/null'
  );
}

const SUM_TOOLS = /^(sha(1|224|256|384|512)sum|b2sum|shasum|cksum)$/;

/** A command that checks something: `sha256sum -c`, `gpg --verify`, `cosign verify-blob`... */
export function verifies(ref: CommandRef): boolean {
  const a = ref.argv;
  if (SUM_TOOLS.test(ref.name))
    return a.some((x) => x === '-c' || x === '--check' || /^-[a-zA-Z]*c[a-zA-Z]*$/.test(x));
  if (ref.name === 'gpg' || ref.name === 'gpg2')
    return a.includes('--verify') || a.includes('--verify-files');
  if (ref.name === 'gpgv' || ref.name === 'gpgv2') return true;
  if (ref.name === 'cosign') return a.some((x) => x.startsWith('verify'));
  if (ref.name === 'minisign' || ref.name === 'signify') return a.includes('-V');
  if (ref.name === 'openssl') return a.includes('-verify') || a.includes('-signature');
  if (ref.name === 'slsa-verifier') return true;
  return false;
}

/** A checksum computed and compared: `[ "$(sha256sum f | cut ...)" = "$SHA" ]`, `sha256sum f | grep -q $SHA`. */
export function comparesChecksum(ref: CommandRef, siblings: CommandRef[]): boolean {
  if (!SUM_TOOLS.test(ref.name)) return false;
  if (ref.inSubstitution) return true;
  return siblings.some(
    (s) => s.pipelineIndex > ref.pipelineIndex && /^(grep|cmp|diff|awk)$/.test(s.name),
  );
}

/** Interpreters and extractors: piping a download into one of these uses it at once. */
export function consumesAsCode(name: string): boolean {
  return /^(sh|bash|dash|ash|zsh|ksh|python[\d.]*|perl|ruby|node|php|tar|bsdtar|unzip|busybox|sudo|source|\.)$/.test(
    name,
  );
}
