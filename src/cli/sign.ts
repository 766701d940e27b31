/** `kubox sign` and `kubox verify-signature`: flags, the password, printing. */
import { ExitCode, KuboxError } from '../errors.js';
import { addSecret } from '../redact.js';
import { writeKeyPair } from '../sign/keys.js';
import { signImage } from '../sign/sign.js';
import { verifyImageSignatures } from '../sign/verify.js';
import type { Context } from './context.js';
import { json, paint } from './output.js';

export interface SignFlags {
  key?: string;
  generateKey: boolean;
  outputKeyPrefix: string;
  annotation?: string[];
  json: boolean;
}

export interface VerifySignatureFlags {
  key: string;
  json: boolean;
}

const logTo = (ctx: Context) => (m: string) => ctx.out.info(`kubox: ${m}`);

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the question shows: an answer typed at once is never echoed.
  stdin.setRawMode(true);
  stdin.resume();
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(typed);
          return;
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish();
          reject(new KuboxError('usage', 'password prompt cancelled'));
          return;
        }
        typed = ch === '\u007f' || ch === '\b' ? typed.slice(0, -1) : typed + ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** COSIGN_PASSWORD when set (empty included, as cosign); else asked on a terminal; else a usage error. */
export async function password(confirm: boolean): Promise<string> {
  const fromEnv = process.env.COSIGN_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY)
    throw new KuboxError(
      'usage',
      'no password for the key: COSIGN_PASSWORD is not set and there is no terminal to ask on',
      {
        hint: 'set COSIGN_PASSWORD (an empty value means no password)',
      },
    );
  const first = await promptHidden('Enter password for private key: ');
  addSecret(first);
  if (confirm && (await promptHidden('Enter password for private key again: ')) !== first)
    throw new KuboxError('usage', 'the two passwords differ; no key was written');
  return first;
}

function parseAnnotations(list: string[] | undefined): Record<string, string> | undefined {
  if (!list) return undefined;
  const out: Record<string, string> = {};
  for (const a of list) {
    const eq = a.indexOf('=');
    if (eq <= 0)
      throw new KuboxError('usage', `--annotation ${a} is not key=value`, {
        hint: 'kubox sign IMAGE --key cosign.key -a git-sha=0123abc',
      });
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}

export async function runSign(
  ctx: Context,
  image: string | undefined,
  o: SignFlags,
): Promise<void> {
  ctx.json = o.json;
  if (o.generateKey) {
    if (image !== undefined || o.key !== undefined)
      throw new KuboxError('usage', '--generate-key takes no image and no --key', {
        hint: 'kubox sign --generate-key [--output-key-prefix cosign]',
      });
    const r = await writeKeyPair(o.outputKeyPrefix, Buffer.from(await password(true)));
    if (o.json) ctx.out.print(json(r));
    else
      ctx.out.print(
        `wrote ${r.privateKeyFile} (private, encrypted, mode 0600) and ${r.publicKeyFile}\nkeep ${r.privateKeyFile} and its password secret; give ${r.publicKeyFile} to whoever verifies`,
      );
    return;
  }
  if (image === undefined || o.key === undefined)
    throw new KuboxError('usage', 'kubox sign needs an image and --key', {
      hint: 'kubox sign registry/repo:tag --key cosign.key   (or --generate-key to make one)',
    });
  const annotations = parseAnnotations(o.annotation);
  const r = await signImage(image, {
    key: o.key,
    password: await password(false),
    log: logTo(ctx),
    ...(annotations ? { annotations } : {}),
  });
  if (o.json) {
    ctx.out.print(json(r));
    return;
  }
  ctx.out.print(`${paint(ctx.out, 'green', 'signed')} ${r.image} (${r.digest})`);
  for (const s of r.signed)
    ctx.out.print(
      `  ${(s.platform ?? s.kind).padEnd(14)} ${s.digest} ${s.added ? '' : '(already signed) '}→ ${s.sigTag}`,
    );
}

export async function runVerifySignature(
  ctx: Context,
  image: string,
  o: VerifySignatureFlags,
): Promise<void> {
  ctx.json = o.json;
  const r = await verifyImageSignatures(image, { key: o.key, log: logTo(ctx) });
  if (!r.valid) process.exitCode = ExitCode.failed;
  if (o.json) {
    ctx.out.print(json(r));
    return;
  }
  const verdict = r.valid ? paint(ctx.out, 'green', 'valid') : paint(ctx.out, 'red', 'NOT VALID');
  ctx.out.print(`${verdict}: ${r.image} (${r.digest}) against ${o.key}`);
  for (const m of r.manifests)
    ctx.out.print(
      `  ${(m.platform ?? m.kind).padEnd(14)} ${m.digest} ${m.valid ? 'ok' : `FAIL: ${m.reason}`}`,
    );
}
