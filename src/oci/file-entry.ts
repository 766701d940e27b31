/**
 * One entry of an image filesystem, the unit every daemonless build step
 * produces (a .deb's data.tar, a wheel, a user's home) and the layer writer
 * consumes. Paths are relative to the root: "usr/bin/vim", never "./usr/..."
 * or "/usr/...", and directories carry no trailing slash.
 */
export interface FileEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink';
  /** Permission bits, including setuid/setgid/sticky; never the file-type bits. */
  mode: number;
  uid: number;
  gid: number;
  /** Symlink target as written, or the path (same form as `path`) a hardlink points to. */
  linkname?: string;
  /** File contents (type "file" only). */
  data?: Uint8Array;
}
