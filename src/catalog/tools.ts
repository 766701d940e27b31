/**
 * How to prove that a well-known tool works, keyed by the name it is
 * installed under (Debian package, binary, or pip requirement). This is the
 * one place each proof is written; `kubox verify` runs them, and a spec entry
 * may override one with its own `check`.
 */
import type { Check } from '../spec/schema.js';

const run = (...argv: string[]): Check => ({ run: argv });

export const APT_TOOLS: Readonly<Record<string, Check>> = {
  vim: run('vim', '--version'),
  curl: run('curl', '--version'),
  wget: run('wget', '--version'),
  tree: run('tree', '--version'),
  dnsutils: run('dig', '-v'),
  'bind9-dnsutils': run('dig', '-v'),
  'netcat-openbsd': { run: ['nc', '-h'], expect: 'OpenBSD netcat' },
  redis: run('redis-cli', '--version'),
  'redis-tools': run('redis-cli', '--version'),
  gpg: run('gpg', '--version'),
  bsdextrautils: run('column', '-V'),
  'ca-certificates': run('test', '-s', '/etc/ssl/certs/ca-certificates.crt'),
  jq: run('jq', '--version'),
  git: run('git', '--version'),
  tcpdump: run('tcpdump', '--version'),
  iproute2: run('ip', '-V'),
  'iputils-ping': run('ping', '-V'),
  procps: run('ps', '--version'),
  kubectl: run('kubectl', 'version', '--client'),
  'kubernetes-client': run('kubectl', 'version', '--client'),
};

export const BINARY_TOOLS: Readonly<Record<string, Check>> = {
  mc: run('mc', '--version'),
  kubectl: run('kubectl', 'version', '--client'),
  helm: run('helm', 'version'),
  jq: run('jq', '--version'),
  yq: run('yq', '--version'),
};

export const PIP_TOOLS: Readonly<Record<string, Check>> = {
  kubernetes: run('python', '-c', 'import kubernetes'),
  httpie: run('http', '--version'),
  ipython: run('ipython', '--version'),
  requests: run('python', '-c', 'import requests'),
  wheel: run('python', '-c', 'import wheel'),
  packaging: run('python', '-c', 'import packaging'),
  setuptools: run('python', '-c', 'import setuptools'),
  pip: run('pip', '--version'),
};
