import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { caCertificates, subjectHash } from '../../../src/dpkg/ca-certificates.js';

const MOZILLA = '/usr/share/ca-certificates/mozilla';
const haveCerts = existsSync(MOZILLA) && existsSync('/etc/ssl/certs');
const haveOpenssl = (await execa('openssl', ['version'], { reject: false })).exitCode === 0;

const work = mkdtempSync(join(tmpdir(), 'kubox-ca-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A self-signed certificate with the given subject, made by openssl. */
async function makeCert(
  subject: string,
  extra: string[] = [],
): Promise<{ pem: Buffer; hash: string }> {
  const key = join(work, 'k.pem');
  const crt = join(work, 'c.pem');
  await execa(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      crt,
      '-days',
      '1',
      '-subj',
      subject,
      ...extra,
    ],
    { stdio: 'ignore' },
  );
  const hash = (await execa('openssl', ['x509', '-hash', '-noout', '-in', crt])).stdout.trim();
  return { pem: readFileSync(crt), hash };
}

describe.skipIf(!haveOpenssl)('subjectHash', () => {
  it("matches openssl's canonical form: case, whitespace runs, multi-valued RDNs, UTF-8", async () => {
    for (const [subject, extra] of [
      ['/CN=Kubox  Test   CA/O=Some ORG', []],
      ['/C=DE/O=  Leading and trailing  /CN=a+OU=b', ['-multivalue-rdn']],
      ['/CN=Zertifizierungsstelle Ä Ö/O=Müller GmbH', ['-utf8']],
    ] as const) {
      const { pem, hash } = await makeCert(subject, [...extra]);
      expect(subjectHash(pem), subject).toBe(hash);
    }
  });
});

describe.skipIf(!haveCerts)("update-ca-certificates against this machine's /etc/ssl/certs", () => {
  const certs = new Map(
    readdirSync(MOZILLA).map((f) => [`mozilla/${f}`, readFileSync(join(MOZILLA, f))]),
  );
  const { entries, warnings } = caCertificates(certs);

  it('writes the same .pem and <hash>.N links as Debian did', () => {
    expect(warnings).toEqual([]);
    const links = entries.filter((e) => e.type === 'symlink');
    expect(links.length).toBeGreaterThan(2 * certs.size - 5);
    for (const l of links) expect(readlinkSync(`/${l.path}`), l.path).toBe(l.linkname);
  });

  it('writes ca-certificates.conf as the postinst does, and the bundle in its order', () => {
    const conf = entries.find((e) => e.path === 'etc/ca-certificates.conf')!;
    const lines = new TextDecoder().decode(conf.data).split('\n');
    expect(lines[0]).toBe('# This file lists certificates that you wish to use or to ignore to be');
    expect(lines.filter((l) => l.startsWith('mozilla/'))).toHaveLength(certs.size);
    const bundle = Buffer.from(
      entries.find((e) => e.path === 'etc/ssl/certs/ca-certificates.crt')!.data!,
    );
    // Certificates added locally (/usr/local/share/ca-certificates) come after Debian's.
    expect(
      readFileSync('/etc/ssl/certs/ca-certificates.crt').subarray(0, bundle.length).equals(bundle),
    ).toBe(true);
  });
});

describe('caCertificates', () => {
  it('names links as update-ca-certificates does and ends each bundle entry with a newline', () => {
    const pem = (n: string) =>
      Buffer.from(`-----BEGIN CERTIFICATE-----\n${n}\n-----END CERTIFICATE-----`);
    const { entries, warnings } = caCertificates(
      new Map([
        ['mozilla/b (x), y.crt', pem('b')],
        ['mozilla/A.crt', pem('a')],
      ]),
    );
    expect(entries.filter((e) => e.type === 'symlink').map((e) => [e.path, e.linkname])).toEqual([
      ['etc/ssl/certs/A.pem', '/usr/share/ca-certificates/mozilla/A.crt'],
      ['etc/ssl/certs/b_=x=__y.pem', '/usr/share/ca-certificates/mozilla/b (x), y.crt'],
    ]);
    const bundle = new TextDecoder().decode(
      entries.find((e) => e.path.endsWith('ca-certificates.crt'))!.data,
    );
    expect(bundle).toBe(`${pem('a')}\n${pem('b')}\n`);
    // Not parseable as certificates: no hash links, and the caller is told why.
    expect(warnings[0]).toMatch(/could not compute OpenSSL subject hashes/);
  });
});
