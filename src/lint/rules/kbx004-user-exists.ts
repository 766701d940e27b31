import { lineage } from '../document.js';
import type { Rule } from '../types.js';
import { createdBy, type Created } from '../tools/users.js';
import { finalStage, finalUser, headSpan, isRoot } from './helpers.js';

/** Accounts that the usual base images ship (Debian, Alpine, official images, distroless). */
const WELL_KNOWN = new Set([
  'root',
  'daemon',
  'bin',
  'sys',
  'adm',
  'nobody',
  'nogroup',
  'www-data',
  'mail',
  'operator',
  'games',
  'man',
  'proxy',
  'backup',
  'list',
  'irc',
  '_apt',
  'users',
  'staff',
  'guest',
  'node',
  'nginx',
  'postgres',
  'redis',
  'mysql',
  'mongodb',
  'rabbitmq',
  'memcache',
  'nonroot',
  'ubuntu',
  'ContainerUser',
  'ContainerAdministrator',
]);

export const kbx004: Rule = {
  code: 'KBX004',
  name: 'user-exists',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'The final USER (and group) exists in the image.',
  hint: 'create it in a RUN (useradd --uid 1000 ... / groupadd --gid 1000 ...) or use one the base ships',
  docs: `A USER name that is not in /etc/passwd stops the container at start
("unable to find user"). Reported when the name is neither created in the
final image's RUNs (useradd, adduser, groupadd, addgroup, in any stage it is
built FROM) nor an account the usual base images ship (nobody, www-data, node,
nginx, nonroot...). A numeric uid needs no passwd entry, so it is reported only
when the Dockerfile creates users with explicit uids and none of them is this
one (a typo such as useradd -u 1000 ... USER 1001).`,
  check(doc) {
    const u = finalUser(doc);
    const final = finalStage(doc);
    if (!u || !final || u.unresolved || isRoot(u.user)) return [];
    const made: Created[] = lineage(final).flatMap((i) =>
      (i.shell?.commands ?? []).flatMap((c) => {
        const m = createdBy(c);
        return m ? [m] : [];
      }),
    );
    const users = made.filter((m) => m.kind === 'user');
    const groups = made.filter((m) => m.kind === 'group');
    const problems: string[] = [];
    if (/^\d+$/.test(u.user)) {
      const ids = users.map((m) => m.id).filter((id) => id !== undefined);
      if (ids.length > 0 && !ids.includes(u.user))
        problems.push(`no user with uid ${u.user} is created (uids: ${ids.join(', ')})`);
    } else if (!WELL_KNOWN.has(u.user) && !users.some((m) => m.name === u.user)) {
      problems.push(`user ${u.user} is not created in this Dockerfile`);
    }
    const g = u.group;
    if (g !== undefined && g !== '' && !/^\d+$/.test(g) && !WELL_KNOWN.has(g)) {
      // useradd creates a group of the user's name unless told otherwise.
      if (!groups.some((m) => m.name === g) && !users.some((m) => m.name === g))
        problems.push(`group ${g} is not created in this Dockerfile`);
    }
    return problems.map((p) => ({ span: headSpan(doc, u.instr), message: p }));
  },
};
