/**
 * `kubox verify --profile`: the docker run flags each Pod Security level
 * implies, the securityContext printed for it, the in-container proof that
 * the constraints were in force, and which constraint a failure is blamed on.
 * The status, ping and touch lines judged here are what real containers
 * printed (docker 26, Debian bookworm's iputils-ping and coreutils);
 * test/e2e/verify-profile.test.ts runs them for real.
 */
import { describe, expect, it } from 'vitest';
import type { ImageConfig } from '../../../src/oci/types.js';
import { judgeExec } from '../../../src/verify/checks.js';
import {
  attributeFailure,
  BASELINE_DROPS,
  boundingSet,
  constraintsCheck,
  likelyCause,
  numericUser,
  podSpec,
  profileRunArgs,
  securityContext,
  type Profile,
} from '../../../src/verify/profile.js';
import type { CheckResult } from '../../../src/verify/verdict.js';

const restricted: Profile = { level: 'restricted', readOnly: false };
const restrictedRo: Profile = { level: 'restricted', readOnly: true };
const baseline: Profile = { level: 'baseline', readOnly: false };

const image = (User?: string): ImageConfig => ({
  os: 'linux',
  architecture: 'amd64',
  config: User === undefined ? {} : { User },
});

/** Flag followed by its value, as docker reads them. */
function pairs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++)
    out.push(
      args[i]!.startsWith('--') && args[i + 1] && !args[i + 1]!.startsWith('--')
        ? `${args[i]} ${args[++i]}`
        : args[i]!,
    );
  return out;
}

describe('docker run flags per level', () => {
  it('restricted: drop every capability, no-new-privileges, the built-in seccomp profile', () => {
    expect(pairs(profileRunArgs(restricted))).toEqual([
      '--cap-drop ALL',
      '--security-opt no-new-privileges',
      '--security-opt seccomp=builtin',
      '--sysctl net.ipv4.ping_group_range=1 0',
      '--sysctl net.ipv4.ip_unprivileged_port_start=1024',
    ]);
  });

  it('--read-only adds a read-only root and an executable tmpfs on /tmp, as an emptyDir is', () => {
    const args = pairs(profileRunArgs(restrictedRo));
    expect(args).toContain('--read-only');
    expect(args).toContain('--tmpfs /tmp:rw,exec,nosuid,nodev,mode=1777');
    expect(pairs(profileRunArgs(restricted))).not.toContain('--read-only');
  });

  it('baseline: Docker defaults minus NET_RAW, which baseline does not allow; privilege escalation allowed', () => {
    expect(BASELINE_DROPS).toEqual(['NET_RAW']);
    const args = pairs(profileRunArgs(baseline));
    expect(args).toContain('--cap-drop NET_RAW');
    expect(args).not.toContain('--cap-drop ALL');
    expect(args).not.toContain('--security-opt no-new-privileges');
    expect(args).toContain('--security-opt seccomp=builtin');
  });

  it('the bounding sets match what Docker 26 gave the containers', () => {
    expect(boundingSet('restricted')).toBe('0000000000000000');
    // Read from /proc/self/status in a `--cap-drop NET_RAW` container.
    expect(boundingSet('baseline')).toBe('00000000a80405fb');
  });
});

describe('the image user restricted needs', () => {
  it('accepts a numeric non-root uid, with or without a gid', () => {
    expect(numericUser(image('1000:1000'))).toEqual({ uid: 1000, gid: 1000 });
    expect(numericUser(image('1000'))).toEqual({ uid: 1000 });
  });

  it.each([
    ['kuser', /"kuser" is not numeric/],
    ['kuser:1000', /not numeric/],
    ['', /no user \(it runs as root\)/],
    [undefined, /no user/],
    ['0', /uid 0 \(root\)/],
    ['0:1000', /uid 0/],
    ['00', /uid 0/],
  ])('refuses User %j, saying why', (user, why) => {
    const u = numericUser(image(user));
    expect('refused' in u && u.refused).toMatch(why);
  });
});

describe('securityContext for a pod spec', () => {
  it('restricted, read-only: every field the level checks, from the image user', () => {
    expect(securityContext(restrictedRo, image('1000:1000'))).toEqual({
      pod: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      container: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        readOnlyRootFilesystem: true,
      },
    });
  });

  it('no runAsGroup without a gid; no runAsUser for a user restricted refuses', () => {
    expect(securityContext(restricted, image('1000')).pod).not.toHaveProperty('runAsGroup');
    const refused = securityContext(restricted, image('kuser')).pod;
    expect(refused).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  });

  it('baseline: drops NET_RAW, allows root, leaves the root filesystem writable', () => {
    expect(securityContext(baseline, image())).toEqual({
      pod: { seccompProfile: { type: 'RuntimeDefault' } },
      container: { capabilities: { drop: ['NET_RAW'] } },
    });
  });

  it('the pod spec mounts an emptyDir on /tmp when the root is read-only', () => {
    const spec = podSpec(restrictedRo, image('1000:1000'), { name: 'py-kube', image: 'r/p:1' });
    expect(spec).toMatchObject({
      containers: [
        { name: 'py-kube', image: 'r/p:1', volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] },
      ],
      volumes: [{ name: 'tmp', emptyDir: {} }],
    });
    expect(podSpec(restricted, image('1000'), { name: 'p', image: 'i' })).not.toHaveProperty(
      'volumes',
    );
  });
});

describe('the in-container proof that the constraints were in force', () => {
  const ok = (c: ReturnType<typeof constraintsCheck>, line: string) =>
    judgeExec(c, { exitCode: 0, stdout: `${line}\n`, stderr: '' }).ok;
  const RESTRICTED_RO =
    'Uid:1000 CapEff:0000000000000000 CapBnd:0000000000000000 NoNewPrivs:1 Seccomp:2 root:ro tmp:tmpfs ';

  it('passes on what a restricted --read-only container printed', () => {
    expect(ok(constraintsCheck(restrictedRo), RESTRICTED_RO)).toBe(true);
  });

  it.each([
    ['no-new-privileges ignored', RESTRICTED_RO.replace('NoNewPrivs:1', 'NoNewPrivs:0')],
    ['seccomp off', RESTRICTED_RO.replace('Seccomp:2', 'Seccomp:0')],
    [
      'capabilities kept',
      RESTRICTED_RO.replace('CapBnd:0000000000000000', 'CapBnd:00000000a80425fb'),
    ],
    ['running as root', RESTRICTED_RO.replace('Uid:1000', 'Uid:0')],
    ['root filesystem writable', RESTRICTED_RO.replace('root:ro', 'root:rw')],
    ['no tmpfs on /tmp', RESTRICTED_RO.replace(' tmp:tmpfs', '')],
  ])('fails when %s', (_why, line) => {
    expect(ok(constraintsCheck(restrictedRo), line)).toBe(false);
  });

  it('baseline: root is fine, NET_RAW must be out of the bounding set', () => {
    const line =
      'Uid:0 CapEff:00000000a80405fb CapBnd:00000000a80405fb NoNewPrivs:0 Seccomp:2 root:rw ';
    expect(ok(constraintsCheck(baseline), line)).toBe(true);
    expect(ok(constraintsCheck(baseline), line.replace(/a80405fb/g, 'a80425fb'))).toBe(false);
  });
});

describe('blaming a failure on a constraint', () => {
  const PING = {
    exitCode: 2,
    stdout: '',
    stderr:
      'ping: socktype: SOCK_RAW\nping: socket: Operation not permitted\nping: => missing cap_net_raw+p capability or setuid?\n',
  };
  const TOUCH = {
    exitCode: 1,
    stdout: '',
    stderr: "touch: cannot touch '/home/kuser/probe': Read-only file system\n",
  };

  it('names the constraint from what the command printed', () => {
    expect(likelyCause(PING, restricted)).toMatch(/^no CAP_NET_RAW .*drop ALL/);
    expect(likelyCause(PING, baseline)).toMatch(/^no CAP_NET_RAW .*baseline/);
    expect(likelyCause(TOUCH, restrictedRo)).toBe('read-only root filesystem');
    expect(likelyCause({ exitCode: 159, stdout: '', stderr: '' }, restricted)).toMatch(/seccomp/);
    expect(
      likelyCause(
        {
          exitCode: 1,
          stdout: '',
          stderr: "chown: changing ownership of 'f': Operation not permitted",
        },
        restricted,
      ),
    ).toMatch(/no-new-privileges/);
  });

  it('does not guess when nothing says', () => {
    expect(likelyCause({ exitCode: 3, stdout: 'broken', stderr: '' }, restricted)).toBeUndefined();
    // Without --read-only, EROFS is not the profile's doing.
    expect(likelyCause(TOUCH, restricted)).toBeUndefined();
  });

  const failed: CheckResult = {
    platform: 'linux/amd64',
    kind: 'exec',
    check: 'ping loopback',
    status: 'fail',
    detail: 'exit 2 (want 0): ping: socktype: SOCK_RAW',
  };

  it('a failure that goes away without the profile is reported as the level breaking it', () => {
    const r = attributeFailure(failed, true, PING, restricted);
    expect(r.status).toBe('fail');
    expect(r.detail).toBe(
      `fails only under restricted (likely: ${likelyCause(PING, restricted)}): ${failed.detail}`,
    );
    expect(r.profile).toEqual({
      onlyUnderProfile: true,
      likelyCause: likelyCause(PING, restricted),
    });
  });

  it('an unexplained profile-only failure says so without a cause', () => {
    const r = attributeFailure(failed, true, { exitCode: 3, stdout: '', stderr: '' }, restricted);
    expect(r.detail).toBe(`fails only under restricted: ${failed.detail}`);
    expect(r.profile).toEqual({ onlyUnderProfile: true });
  });

  it('a failure that happens without the profile too is not blamed on it', () => {
    const r = attributeFailure(failed, false, PING, restricted);
    expect(r.detail).toBe(failed.detail);
    expect(r.profile).toEqual({ onlyUnderProfile: false });
  });
});
