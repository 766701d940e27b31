/**
 * Runs the plan's checks against a real image, on every platform it has:
 * config checks on the image config, command checks inside one container per
 * platform (foreign platforms through QEMU when it is registered, otherwise
 * reported as skipped with the reason, and the platform as not verified: see
 * verdict.ts). Containers get no network. With a profile (profile.ts) the
 * command container runs under a Pod Security level's constraints, and a
 * command that fails there is run again in a plain container to tell the
 * level's doing from a plain failure.
 */
import { existsSync, readFileSync } from 'node:fs';
import { KuboxError } from '../errors.js';
import { run } from '../exec.js';
import { pool } from '../pool.js';
import { docker } from '../docker.js';
import { checkDocker } from '../engines/buildx/docker.js';
import { openLayoutPath, openImage } from '../image/open.js';
import { parseImageName, type ImageName } from '../image/name.js';
import { summarize } from '../image/summary.js';
import { hostPlatform, qemuHandler } from '../oci/platform.js';
import type { ImageConfig } from '../oci/types.js';
import type { Plan } from '../plan/plan.js';
import { judgeExec, planChecks, type ExecCheck, type Outcome, type VerifyCheck } from './checks.js';
import {
  attributeFailure,
  constraintsCheck,
  describeProfile,
  numericUser,
  podSpec,
  profileRunArgs,
  securityContext,
  type Level,
  type Profile,
  type SecurityContexts,
} from './profile.js';
import { judge, type CheckResult, type Status, type Unverified, type Verdict } from './verdict.js';

export type { CheckResult, Status, Unverified } from './verdict.js';
export type { Level, Profile } from './profile.js';

/** What `--profile` ran under, the pod spec that asks for it, and what broke only there. */
export interface ProfileReport {
  level: Level;
  readOnly: boolean;
  constraints: string;
  /** The flags every command container got, besides --network none. */
  dockerRunArgs: string[];
  securityContext: SecurityContexts;
  /** spec fragment: both securityContexts, and the /tmp emptyDir with --read-only. */
  podSpec: Record<string, unknown>;
  failsOnlyUnderProfile: { platform: string; check: string; likelyCause?: string }[];
}

export interface VerifyResult {
  image: string;
  digest?: string;
  results: CheckResult[];
  /** True only when the verdict is `verified`: nothing failed, and nothing went unchecked. */
  ok: boolean;
  verdict: Verdict['verdict'];
  /** Platforms no command ran inside of (every one skipped), with the reason. */
  unverified: Unverified[];
  profile?: ProfileReport;
}

export interface VerifyOptions {
  platforms?: readonly string[];
  log?: (msg: string) => void;
  /** How many checks run at once inside one container. */
  concurrency?: number;
  /** Per-command limit; QEMU-emulated Python imports are slow. */
  timeoutMs?: number;
  /** Run every command under the constraints of this Pod Security level. */
  profile?: Profile;
}

interface Target {
  platform: string;
  config: ImageConfig;
  /** What `docker run` is given for this platform. */
  runRef: string;
}

interface Resolved {
  targets: Target[];
  digest?: string;
}

async function loadArchive(path: string): Promise<Resolved> {
  const summary = await summarize(await openLayoutPath(path));
  const res = await docker(['load', '--input', path]);
  if (res.exitCode !== 0)
    throw new KuboxError('io', `docker load ${path} failed: ${res.stderr.trim()}`);
  const loaded = /Loaded image(?: ID)?: (\S+)/.exec(res.stdout)?.[1];
  if (!loaded) throw new KuboxError('io', `docker load ${path} did not name the image it loaded`);
  // The image stays in the store, as after `docker load`: it may be the user's to run next.
  return {
    digest: summary.digest,
    targets: summary.images.map((i) => ({
      platform: i.platform,
      config: i.config,
      runRef: loaded,
    })),
  };
}

async function resolveTargets(image: string): Promise<Resolved> {
  let remoteError: unknown;
  let name: ImageName | undefined;
  try {
    name = parseImageName(image);
  } catch (e) {
    remoteError = e;
  }
  if (name?.kind === 'layout') return loadArchive(name.path);
  if (name) {
    try {
      const summary = await summarize(await openImage(name));
      const repo = `${name.ref.registry}/${name.ref.repository}`;
      return {
        digest: summary.digest,
        // Run each platform by its digest, so the checked bits are the pushed bits.
        targets: summary.images.map((i) => ({
          platform: i.platform,
          config: i.config,
          runRef: `${repo}@${i.digest}`,
        })),
      };
    } catch (e) {
      remoteError = e;
    }
  }
  const local = await docker(['image', 'inspect', '--format', '{{json .}}', image]);
  if (local.exitCode !== 0) {
    // Not local either: the registry's own answer (a 401 with its fix, say) is the one that helps.
    if (remoteError instanceof KuboxError && remoteError.kind !== 'not-found') throw remoteError;
    throw new KuboxError('io', `image ${image} was found neither in its registry nor locally`, {
      hint: 'check the reference; for a private registry, `docker login` first; for an archive use oci:PATH',
      cause: remoteError,
    });
  }
  const info = JSON.parse(local.stdout) as {
    Architecture: string;
    Os: string;
    Variant?: string;
    Config: ImageConfig['config'];
  };
  const platform = [info.Os, info.Architecture, info.Variant].filter(Boolean).join('/');
  return {
    targets: [
      {
        platform,
        runRef: image,
        config: { os: info.Os, architecture: info.Architecture, config: info.Config },
      },
    ],
  };
}

/** Why commands cannot run for this platform here, or undefined when they can. */
export function emulationGap(
  platform: string,
  native = hostPlatform(),
  binfmtDir = '/proc/sys/fs/binfmt_misc',
): string | undefined {
  if (platform === native) return undefined;
  const handler = qemuHandler(platform);
  if (!handler) return `no known emulator for ${platform}`;
  const entry = `${binfmtDir}/${handler}`;
  if (!existsSync(entry)) {
    return `QEMU is not registered for ${platform} (${entry} is missing); install qemu-user-static and binfmt-support`;
  }
  if (!readFileSync(entry, 'utf8').startsWith('enabled')) {
    return `QEMU for ${platform} is registered but disabled (${entry}); enable it with update-binfmts --enable`;
  }
  return undefined;
}

interface Ran {
  outcome: Outcome;
  res: { exitCode: number; stdout: string; stderr: string };
}

type ContainerRun =
  { started: true; ran: Map<ExecCheck, Ran> } | { started: false; status: Status; detail: string };

/** Starts one container of the target with `extraArgs`, runs the checks in it, removes it. */
async function runInContainer(
  target: Target,
  checks: readonly ExecCheck[],
  opts: VerifyOptions,
  extraArgs: readonly string[],
): Promise<ContainerRun> {
  const start = await docker([
    'run',
    '--detach',
    '--rm',
    '--network',
    'none',
    ...extraArgs,
    '--platform',
    target.platform,
    '--pull',
    'missing',
    '--entrypoint',
    'sleep',
    target.runRef,
    'infinity',
  ]);
  if (start.exitCode !== 0) {
    const why = start.stderr.trim().split('\n').pop() ?? '';
    const status: Status = /exec format error/.test(start.stderr) ? 'skip' : 'fail';
    return { started: false, status, detail: `container did not start: ${why}` };
  }
  const id = start.stdout.trim();
  try {
    const ran = new Map<ExecCheck, Ran>();
    await pool(checks, opts.concurrency ?? 3, async (c) => {
      const res = await run(
        'docker',
        ['exec', ...(c.asRoot ? ['--user', '0'] : []), id, ...c.argv],
        { timeoutMs: opts.timeoutMs ?? 300_000 },
      );
      ran.set(c, { outcome: judgeExec(c, res), res });
    });
    return { started: true, ran };
  } finally {
    await docker(['rm', '--force', id]);
  }
}

async function runExecChecks(
  target: Target,
  planned: ExecCheck[],
  opts: VerifyOptions,
  out: CheckResult[],
): Promise<void> {
  const { profile } = opts;
  const checks = profile ? [constraintsCheck(profile), ...planned] : planned;
  const result = (c: ExecCheck, status: Status, detail: string): CheckResult => ({
    platform: target.platform,
    kind: 'exec',
    check: c.name,
    status,
    detail,
  });
  const gap = emulationGap(target.platform);
  if (gap) {
    checks.forEach((c) => out.push(result(c, 'skip', gap)));
    return;
  }
  const first = await runInContainer(target, checks, opts, profile ? profileRunArgs(profile) : []);
  if (!first.started) {
    checks.forEach((c) => out.push(result(c, first.status, first.detail)));
    return;
  }
  // Report in the plan's order, whatever order the pool finished in.
  const results = new Map(
    checks.map((c) => {
      const { outcome } = first.ran.get(c)!;
      return [c, result(c, outcome.ok ? 'pass' : 'fail', outcome.detail)] as const;
    }),
  );
  if (profile) {
    // A failure under the profile is the level's doing only if the command passes without it.
    const failed = planned.filter((c) => results.get(c)!.status === 'fail');
    const plain = failed.length > 0 ? await runInContainer(target, failed, opts, []) : undefined;
    if (plain?.started)
      for (const c of failed)
        results.set(
          c,
          attributeFailure(
            results.get(c)!,
            plain.ran.get(c)!.outcome.ok,
            first.ran.get(c)!.res,
            profile,
          ),
        );
  }
  for (const c of checks) out.push(results.get(c)!);
}

/**
 * Restricted needs a numeric non-root user: records that check, and returns
 * why the kubelet would refuse to start the image when it would (its
 * commands are then not run, and reported as not run).
 */
function refusedUser(
  target: Target,
  profile: Profile | undefined,
  out: CheckResult[],
): string | undefined {
  if (profile?.level !== 'restricted') return undefined;
  const user = numericUser(target.config);
  out.push({
    platform: target.platform,
    kind: 'config',
    check: 'restricted: numeric non-root user (runAsNonRoot)',
    status: 'refused' in user ? 'fail' : 'pass',
    detail: 'refused' in user ? user.refused : `uid ${user.uid}`,
  });
  return 'refused' in user ? user.refused : undefined;
}

function profileReport(
  plan: Plan,
  image: string,
  profile: Profile,
  config: ImageConfig,
  results: readonly CheckResult[],
): ProfileReport {
  // An archive has no pullable name: the pod would run the spec's first tag.
  const ref = image.startsWith('oci:') ? (plan.tags[0] ?? image) : image;
  return {
    level: profile.level,
    readOnly: profile.readOnly,
    constraints: describeProfile(profile),
    dockerRunArgs: profileRunArgs(profile),
    securityContext: securityContext(profile, config),
    podSpec: podSpec(profile, config, { name: plan.spec.name, image: ref }),
    failsOnlyUnderProfile: results
      .filter((r) => r.profile?.onlyUnderProfile)
      .map((r) => ({
        platform: r.platform,
        check: r.check,
        ...(r.profile?.likelyCause ? { likelyCause: r.profile.likelyCause } : {}),
      })),
  };
}

export async function verify(
  plan: Plan,
  image: string,
  opts: VerifyOptions = {},
): Promise<VerifyResult> {
  await checkDocker();
  const { targets, digest } = await resolveTargets(image);
  const wanted = opts.platforms ?? plan.spec.platforms;
  const missing = wanted.filter((p) => !targets.some((t) => t.platform === p));
  const checks: VerifyCheck[] = planChecks(plan);
  const results: CheckResult[] = missing.map((p) => ({
    platform: p,
    kind: 'config',
    check: 'platform present in image',
    status: 'fail',
    detail: `the image has ${targets.map((t) => t.platform).join(', ')}`,
  }));
  for (const target of targets.filter((t) => wanted.includes(t.platform))) {
    opts.log?.(`verifying ${target.platform}`);
    for (const c of checks) {
      if (c.kind !== 'config') continue;
      const o = c.evaluate(target.config);
      results.push({
        platform: target.platform,
        kind: 'config',
        check: c.name,
        status: o.ok ? 'pass' : 'fail',
        detail: o.detail,
      });
    }
    const exec = checks.filter((c): c is ExecCheck => c.kind === 'exec');
    const refused = refusedUser(target, opts.profile, results);
    if (refused) {
      for (const c of opts.profile ? [constraintsCheck(opts.profile), ...exec] : exec)
        results.push({
          platform: target.platform,
          kind: 'exec',
          check: c.name,
          status: 'skip',
          detail: `not run: ${refused}`,
        });
    } else await runExecChecks(target, exec, opts, results);
  }
  const { verdict, unverified } = judge(results);
  const checked = targets.find((t) => wanted.includes(t.platform)) ?? targets[0];
  return {
    image,
    ...(digest ? { digest } : {}),
    results,
    ok: verdict === 'verified',
    verdict,
    unverified,
    ...(opts.profile
      ? {
          profile: profileReport(
            plan,
            image,
            opts.profile,
            checked?.config ?? { os: '', architecture: '' },
            results,
          ),
        }
      : {}),
  };
}
