/**
 * `kubox verify --profile restricted|baseline`: the runtime constraints a
 * Kubernetes Pod Security Standard level implies, as `docker run` flags, the
 * pod `securityContext` that asks for the same, the in-container check that
 * proves they were in force, and a guess at which constraint made a check
 * fail. Pure: verify.ts runs the containers.
 *
 * The levels (kubernetes.io/docs/concepts/security/pod-security-standards):
 * - baseline forbids privileged containers, host namespaces, hostPath and
 *   host ports (Docker gives none of these unless asked), an Unconfined
 *   seccomp profile, and adding capabilities beyond AUDIT_WRITE, CHOWN,
 *   DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP,
 *   SETGID, SETPCAP, SETUID, SYS_CHROOT;
 * - restricted adds: runAsNonRoot (and runAsUser not 0), seccomp
 *   RuntimeDefault or Localhost, allowPrivilegeEscalation false, and
 *   capabilities drop ALL (only NET_BIND_SERVICE may be added back).
 */
import type { ImageConfig } from '../oci/types.js';
import type { ExecCheck } from './checks.js';
import type { CheckResult } from './verdict.js';

export const LEVELS = ['restricted', 'baseline'] as const;
export type Level = (typeof LEVELS)[number];

export interface Profile {
  level: Level;
  /** readOnlyRootFilesystem, with a tmpfs on /tmp (an emptyDir in the pod). */
  readOnly: boolean;
}

/** Capability bits (linux/capability.h) of Docker's default set. */
const CAP_BITS: Record<string, number> = {
  CHOWN: 0,
  DAC_OVERRIDE: 1,
  FOWNER: 3,
  FSETID: 4,
  KILL: 5,
  SETGID: 6,
  SETUID: 7,
  SETPCAP: 8,
  NET_BIND_SERVICE: 10,
  NET_RAW: 13,
  SYS_CHROOT: 18,
  MKNOD: 27,
  AUDIT_WRITE: 29,
  SETFCAP: 31,
};

/**
 * Docker's (and containerd's) default capabilities that baseline does not
 * list: a pod cannot add them. NET_RAW is the one. containerd still grants
 * it by default and CRI-O does not, so baseline is run without it: what
 * passes then passes on either runtime.
 */
export const BASELINE_DROPS = Object.keys(CAP_BITS).filter(
  (c) =>
    ![
      'AUDIT_WRITE',
      'CHOWN',
      'DAC_OVERRIDE',
      'FOWNER',
      'FSETID',
      'KILL',
      'MKNOD',
      'NET_BIND_SERVICE',
      'SETFCAP',
      'SETGID',
      'SETPCAP',
      'SETUID',
      'SYS_CHROOT',
    ].includes(c),
);

/** The bounding set a container of this level has, as /proc/PID/status prints it. */
export function boundingSet(level: Level): string {
  if (level === 'restricted') return '0'.repeat(16);
  const bits = Object.entries(CAP_BITS)
    .filter(([name]) => !BASELINE_DROPS.includes(name))
    .reduce((mask, [, bit]) => mask | (1n << BigInt(bit)), 0n);
  return bits.toString(16).padStart(16, '0');
}

/**
 * The `docker run` flags for the level. Besides what the level names, two
 * sysctls go back to the kernel's defaults: Docker (and containerd 2.0)
 * let any user open ICMP echo sockets and bind ports below 1024 by
 * default, but containerd 1.x does not, so a ping that works only thanks to
 * them would be reported as working where it does not. (A pod may set both
 * itself: they are among the sysctls both levels allow.)
 */
export function profileRunArgs(p: Profile): string[] {
  const args =
    p.level === 'restricted'
      ? ['--cap-drop', 'ALL', '--security-opt', 'no-new-privileges']
      : BASELINE_DROPS.flatMap((c) => ['--cap-drop', c]);
  // Docker's built-in profile, whatever the daemon's default: RuntimeDefault.
  args.push('--security-opt', 'seccomp=builtin');
  args.push('--sysctl', 'net.ipv4.ping_group_range=1 0');
  args.push('--sysctl', 'net.ipv4.ip_unprivileged_port_start=1024');
  if (p.readOnly) args.push('--read-only', '--tmpfs', '/tmp:rw,exec,nosuid,nodev,mode=1777');
  return args;
}

/** What the flags amount to, in words, for the report. */
export function describeProfile(p: Profile): string {
  const parts =
    p.level === 'restricted'
      ? ['numeric non-root user', 'all capabilities dropped', 'no-new-privileges']
      : [`${BASELINE_DROPS.join(', ')} dropped`];
  parts.push('seccomp RuntimeDefault');
  if (p.readOnly) parts.push('read-only root filesystem with a tmpfs on /tmp');
  return parts.join(', ');
}

export interface NumericUser {
  uid: number;
  gid?: number;
}

/**
 * The image's user as numbers, or why restricted refuses it: the kubelet can
 * enforce runAsNonRoot only for a numeric uid, and not for 0. A name
 * ("kuser") is refused even when it maps to a non-root uid.
 */
export function numericUser(config: ImageConfig): NumericUser | { refused: string } {
  const u = config.config?.User ?? '';
  const m = /^(\d+)(?::(\d+))?$/.exec(u);
  if (!m)
    return {
      refused: u
        ? `the image's user "${u}" is not numeric: runAsNonRoot cannot be proven, so the kubelet refuses to start it`
        : 'the image has no user (it runs as root): runAsNonRoot refuses it',
    };
  if (m[1] === '0' || Number(m[1]) === 0)
    return { refused: 'the image runs as uid 0 (root): runAsNonRoot refuses it' };
  return { uid: Number(m[1]), ...(m[2] === undefined ? {} : { gid: Number(m[2]) }) };
}

export interface SecurityContexts {
  /** spec.securityContext */
  pod: Record<string, unknown>;
  /** spec.containers[*].securityContext */
  container: Record<string, unknown>;
}

/** The securityContext that asks Kubernetes for what the profile ran with. */
export function securityContext(p: Profile, config: ImageConfig): SecurityContexts {
  const user = numericUser(config);
  const pod: Record<string, unknown> = {};
  if ('uid' in user) {
    pod.runAsNonRoot = true;
    pod.runAsUser = user.uid;
    if (user.gid !== undefined) pod.runAsGroup = user.gid;
  } else if (p.level === 'restricted') {
    // Required by the level; with this image the pod will not start (reported as a failure).
    pod.runAsNonRoot = true;
  }
  pod.seccompProfile = { type: 'RuntimeDefault' };
  const container: Record<string, unknown> =
    p.level === 'restricted'
      ? { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }
      : { capabilities: { drop: [...BASELINE_DROPS] } };
  if (p.readOnly) container.readOnlyRootFilesystem = true;
  return { pod, container };
}

/** A pod spec fragment: the securityContexts, and with --read-only the emptyDir for /tmp. */
export function podSpec(
  p: Profile,
  config: ImageConfig,
  container: { name: string; image: string },
): Record<string, unknown> {
  const sc = securityContext(p, config);
  return {
    securityContext: sc.pod,
    containers: [
      {
        ...container,
        securityContext: sc.container,
        ...(p.readOnly ? { volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] } : {}),
      },
    ],
    ...(p.readOnly ? { volumes: [{ name: 'tmp', emptyDir: {} }] } : {}),
  };
}

/** Prints the fields of /proc/self/status (and the mounts) the profile sets, on one line. */
const STATUS_SCRIPT = [
  'while read -r k v _; do case "$k" in Uid:|CapEff:|CapBnd:|NoNewPrivs:|Seccomp:) printf "%s%s " "$k" "$v";; esac; done < /proc/self/status',
  'while read -r _ m t o _; do case "$m" in /) printf "root:%s " "${o%%,*}";; /tmp) printf "tmp:%s " "$t";; esac; done < /proc/self/mounts',
  'echo',
].join('; ');

/**
 * Proves, from inside the container, that the constraints were in force:
 * a check that passes under a profile the runtime quietly ignored would
 * prove nothing.
 */
export function constraintsCheck(p: Profile): ExecCheck {
  const uid = p.level === 'restricted' ? '[1-9][0-9]*' : '[0-9]+';
  const nnp = p.level === 'restricted' ? '1' : '[01]';
  // Under baseline a root user keeps the bounding set as its effective set.
  const eff = p.level === 'restricted' ? '0{16}' : '[0-9a-f]{16}';
  const ro = p.readOnly ? ' root:ro tmp:tmpfs' : ' root:rw';
  return {
    kind: 'exec',
    name: `${p.level}: constraints in force`,
    argv: ['sh', '-c', STATUS_SCRIPT],
    exitCode: 0,
    expect: `^Uid:${uid} CapEff:${eff} CapBnd:${boundingSet(p.level)} NoNewPrivs:${nnp} Seccomp:2${ro}`,
  };
}

/**
 * Which constraint most likely made a command fail that passes without the
 * profile, from what it printed; undefined when nothing says.
 */
export function likelyCause(
  res: { exitCode: number; stdout: string; stderr: string },
  p: Profile,
): string | undefined {
  const out = `${res.stdout}\n${res.stderr}`;
  if (p.readOnly && /read-only file system|EROFS/i.test(out)) return 'read-only root filesystem';
  // SIGSYS: the seccomp filter killed it (128 + 31).
  if (res.exitCode === 159 || /bad system call|SIGSYS/i.test(out))
    return 'seccomp RuntimeDefault (a blocked system call)';
  // ping, traceroute, tcpdump: a raw (or packet) socket, which needs CAP_NET_RAW.
  if (/SOCK_RAW|raw socket|cap_net_raw|SOCK_PACKET|socket: Operation not permitted/i.test(out))
    return p.level === 'restricted'
      ? 'no CAP_NET_RAW for a raw socket (capabilities drop ALL; setuid and file capabilities ignored under no-new-privileges)'
      : 'no CAP_NET_RAW for a raw socket (not among the capabilities baseline allows)';
  if (/operation not permitted|EPERM/i.test(out))
    return p.level === 'restricted'
      ? 'capabilities dropped (drop ALL) or no-new-privileges (setuid and file capabilities ignored)'
      : `${BASELINE_DROPS.join(', ')} dropped`;
  if (/permission denied|EACCES/i.test(out))
    return 'no capability for it (e.g. binding a port below 1024), or unprivileged ICMP sockets off';
  return undefined;
}

/**
 * A command that failed under the profile, judged against the same command
 * run without it: only a failure that goes away without the profile is the
 * level's doing, and only then is a cause named.
 */
export function attributeFailure(
  failed: CheckResult,
  passesWithout: boolean,
  res: { exitCode: number; stdout: string; stderr: string },
  p: Profile,
): CheckResult {
  if (!passesWithout) return { ...failed, profile: { onlyUnderProfile: false } };
  const cause = likelyCause(res, p);
  return {
    ...failed,
    detail: `fails only under ${p.level}${cause ? ` (likely: ${cause})` : ''}: ${failed.detail}`,
    profile: { onlyUnderProfile: true, ...(cause ? { likelyCause: cause } : {}) },
  };
}
