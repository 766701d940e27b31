/** Users and groups a RUN creates: useradd, adduser (Debian and BusyBox), groupadd, addgroup. */
import type { CommandRef } from '../shell/analyze.js';
import { hasOption, optionValues, parseArgs } from './options.js';

export interface Created {
  kind: 'user' | 'group';
  name: string | undefined;
  id: string | undefined;
  /** useradd -l / --no-log-init. */
  noLogInit: boolean;
  /** The option that set the id, for messages. */
  ref: CommandRef;
}

export function createdBy(ref: CommandRef): Created | undefined {
  const a = ref.argv.slice(1);
  switch (ref.name) {
    case 'useradd': {
      const p = parseArgs(a, 'bcdefgGkKpsuZ', [
        '--base-dir',
        '--comment',
        '--home-dir',
        '--expiredate',
        '--inactive',
        '--gid',
        '--groups',
        '--skel',
        '--key',
        '--password',
        '--shell',
        '--uid',
        '--root',
        '--prefix',
        '--selinux-user',
      ]);
      return {
        kind: 'user',
        name: p.positionals.at(-1),
        id: optionValues(p, '-u', '--uid')[0],
        noLogInit: hasOption(p, '-l', '--no-log-init'),
        ref,
      };
    }
    case 'adduser': {
      // Debian: adduser --uid 1000 --disabled-password NAME; BusyBox: adduser -D -u 1000 NAME [GROUP].
      const p = parseArgs(a, 'hgsGuk', [
        '--home',
        '--shell',
        '--uid',
        '--gid',
        '--ingroup',
        '--gecos',
        '--firstuid',
        '--lastuid',
        '--conf',
        '--comment',
      ]);
      const group = hasOption(p, '--group') && !hasOption(p, '--system');
      return {
        kind: group ? 'group' : 'user',
        name: p.positionals[0],
        id: optionValues(p, '-u', '--uid')[0] ?? (group ? optionValues(p, '--gid')[0] : undefined),
        noLogInit: true,
        ref,
      };
    }
    case 'groupadd':
    case 'addgroup': {
      const p = parseArgs(a, 'gKp', ['--gid', '--key', '--password', '--root', '--prefix']);
      return {
        kind: 'group',
        name: p.positionals[0],
        id: optionValues(p, '-g', '--gid')[0],
        noLogInit: true,
        ref,
      };
    }
    default:
      return undefined;
  }
}
