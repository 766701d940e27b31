/**
 * `kubox sign` and `kubox verify-signature` as a user types them, where no
 * registry is needed: key generation, and every usage mistake exiting 2 with
 * a message that says what to do. (Signing and checking against a registry,
 * judged by skopeo, are in test/e2e/sign.test.ts.)
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { loadPrivateKey } from '../../../src/sign/keys.js';
import { CLI_TEST_TIMEOUT, KUBOX_BIN, kubox } from '../../support/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'kubox-sign-cli-'));
const PASSWORD = 'cli-test-password';

describe('kubox sign / verify-signature (no registry)', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('--generate-key writes cosign.key (0600) and cosign.pub with COSIGN_PASSWORD, printing neither key nor password', async () => {
    const dir = tmp();
    const r = await kubox(['sign', '--generate-key', '--json'], {
      cwd: dir,
      env: { COSIGN_PASSWORD: PASSWORD },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      privateKeyFile: 'cosign.key',
      publicKeyFile: 'cosign.pub',
    });
    expect(statSync(join(dir, 'cosign.key')).mode & 0o777).toBe(0o600);
    const key = readFileSync(join(dir, 'cosign.key'), 'utf8');
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain(key.split('\n')[1]!);
    }
    // Run again: refused, files untouched.
    const again = await kubox(['sign', '--generate-key'], {
      cwd: dir,
      env: { COSIGN_PASSWORD: PASSWORD },
    });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('cosign.key already exists; kubox will not overwrite a key');
    expect(readFileSync(join(dir, 'cosign.key'), 'utf8')).toBe(key);
  });

  it('without COSIGN_PASSWORD and no terminal: exit 2, nothing written', async () => {
    const dir = tmp();
    const r = await kubox(['sign', '--generate-key', '--output-key-prefix', 'team'], {
      cwd: dir,
      env: { COSIGN_PASSWORD: undefined },
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('COSIGN_PASSWORD is not set and there is no terminal to ask on');
    expect(() => statSync(join(dir, 'team.key'))).toThrow();
  });

  it('usage mistakes exit 2 with the fix', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'not-a-key'), 'hello');
    const cases: [string[], string][] = [
      [['sign', 'reg.example/a:1'], 'kubox sign needs an image and --key'],
      [['sign', '--generate-key', 'reg.example/a:1'], '--generate-key takes no image and no --key'],
      [['sign', 'Not A Ref', '--key', 'not-a-key'], 'is not a valid image reference'],
      [
        ['sign', 'reg.example/a:1', '--key', 'missing.key'],
        'cannot read the private key missing.key',
      ],
      [['sign', 'reg.example/a:1', '--key', 'not-a-key'], 'not-a-key is not a cosign private key'],
      [
        ['sign', 'reg.example/a:1', '--key', 'not-a-key', '-a', 'novalue'],
        '--annotation novalue is not key=value',
      ],
      [['verify-signature', 'reg.example/a:1'], "required option '--key <path>' not specified"],
      [
        ['verify-signature', 'reg.example/a:1', '--key', 'missing.pub'],
        'cannot read the public key missing.pub',
      ],
    ];
    for (const [args, message] of cases) {
      const r = await kubox(args, { cwd: dir, env: { COSIGN_PASSWORD: PASSWORD } });
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
  });
  it('asks for the password on a terminal, twice, without echoing it', async () => {
    const dir = tmp();
    // util-linux's script(1) gives kubox a real pseudo-terminal; answers are typed after each prompt.
    const child = execa(
      'script',
      [
        '-qec',
        `${process.execPath} ${KUBOX_BIN} sign --generate-key --output-key-prefix t`,
        '/dev/null',
      ],
      { cwd: dir, reject: false, env: { NO_COLOR: '1', COSIGN_PASSWORD: undefined } },
    );
    let seen = '';
    let prompts = 0;
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      const now = seen.split('Enter password for private key').length - 1;
      for (; prompts < now; prompts++) child.stdin!.write('tty-secret\r');
    });
    const r = await child;
    expect(r.exitCode, seen).toBe(0);
    expect(prompts).toBe(2);
    expect(seen).toContain('Enter password for private key again:');
    expect(seen).not.toContain('tty-secret');
    await loadPrivateKey(join(dir, 't.key'), Buffer.from('tty-secret'));
  });
});
