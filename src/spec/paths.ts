/**
 * Paths a spec places things at (binaries' dest, the workdir, the user's
 * home and shell): absolute and in plain form, so the Dockerfile and the
 * native layer name the same path, and the error names the key instead of a
 * late failure while the layer is written.
 */
import { z } from 'zod';

/** An absolute path matching `chars`, with no empty, `.` or `..` component and no trailing `/`. */
export function cleanAbsolutePath(chars: RegExp, what: string) {
  return (
    z
      .string()
      .regex(chars, { message: 'must be an absolute path' })
      .refine((p) => p !== '/', {
        message: `must not be the root directory / (the ${what} would be the whole file system)`,
      })
      .refine((p) => p === '/' || !p.endsWith('/'), {
        message: `must not end with "/" (write it without the trailing slash)`,
      })
      .refine(
        (p) =>
          !p
            .slice(1, p.endsWith('/') ? -1 : undefined)
            .split('/')
            .includes(''),
        {
          message: 'must not contain "//" (an empty path component)',
        },
      )
      .refine((p) => !p.split('/').some((c) => c === '.' || c === '..'), {
        message: 'must not contain "." or ".." components; write the path it means',
      })
      // In an image layer, ".wh.x" deletes x of the layers below instead of being a file.
      .refine((p) => !p.split('/').some((c) => c.startsWith('.wh.')), {
        message: 'must not have a part starting with ".wh." (an OCI whiteout name)',
      })
  );
}

/**
 * Directories of the system (or, under /dev, /proc, /sys and /run, of the
 * running kernel): a user that owns one of them owns the system. /tmp and
 * /var/tmp are refused too: they are shared and world-writable, so a home
 * or workdir there lets any other user plant files (a .bashrc, a script)
 * that this user then runs; a directory below them (/tmp/work) is fine.
 */
const SYSTEM_DIRECTORIES = new Set([
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/home',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/media',
  '/mnt',
  '/opt',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/srv',
  '/sys',
  '/tmp',
  '/usr',
  '/usr/bin',
  '/usr/games',
  '/usr/include',
  '/usr/lib',
  '/usr/lib32',
  '/usr/lib64',
  '/usr/libexec',
  '/usr/libx32',
  '/usr/local',
  '/usr/local/bin',
  '/usr/local/lib',
  '/usr/local/sbin',
  '/usr/local/share',
  '/usr/sbin',
  '/usr/share',
  '/usr/src',
  '/var',
  '/var/backups',
  '/var/cache',
  '/var/lib',
  '/var/local',
  '/var/lock',
  '/var/log',
  '/var/mail',
  '/var/opt',
  '/var/run',
  '/var/spool',
  '/var/tmp',
]);
/** Mount points of kernel filesystems: nothing below them is the image's. */
const KERNEL_TREES = ['/dev/', '/proc/', '/sys/', '/run/'];

/**
 * Why `path` cannot be the workdir or home of a user with `uid`, or
 * undefined when it can. /root is the root user's own home, so uid 0 may have it.
 */
export function systemDirectoryProblem(path: string, uid: number): string | undefined {
  if (path === '/root' && uid === 0) return undefined;
  if (SYSTEM_DIRECTORIES.has(path))
    return `must not be the system directory ${path}: the user (uid ${uid}) would own it, and with it the system; use a directory of its own such as /app or /home/<name>`;
  if (KERNEL_TREES.some((t) => path.startsWith(t)))
    return `must not be under ${path.slice(0, path.indexOf('/', 1))}: that is where the kernel's own filesystem is mounted when the container runs`;
  return undefined;
}
