import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Options of `createWorkspacePathCheck`. */
export interface WorkspacePathCheckOptions {
  /** Resolve symlinks (of the longest existing prefix) before judging; default true. */
  followSymlinks?: boolean;
  /** What `~` means; default `os.homedir()`. */
  homeDirectory?: string;
}

function inside(root: string, path: string): boolean {
  const rest = relative(root, path);
  // `..notes.md` is a file name, not a way out: only `..` as a whole segment leaves the root.
  return rest === '' || (rest !== '..' && !rest.startsWith(`..${sep}`) && !isAbsolute(rest));
}

/**
 * The real path of the longest existing prefix of `path`, with the rest appended. A dangling symbolic link
 * on the way is followed to where it points (a write through it would create its target there).
 */
function realpathOfExisting(path: string, hops = 0): string {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      const real = realpathSync.native(current);
      return missing.length === 0 ? real : join(real, ...missing.reverse());
    } catch {
      if (hops < 32) {
        try {
          if (lstatSync(current).isSymbolicLink()) {
            const target = resolve(dirname(current), readlinkSync(current));
            return realpathOfExisting(
              missing.length === 0 ? target : join(target, ...missing.reverse()),
              hops + 1,
            );
          }
        } catch {
          // Not there at all: keep walking up.
        }
      }
      const parent = dirname(current);
      if (parent === current) return path;
      missing.push(current.slice(parent.length).replace(/^[/\\]/, ''));
      current = parent;
    }
  }
}

/**
 * Builds a check that tells whether a path argument stays inside `workspaceRoot`, after resolving it
 * against the root, expanding `~`, collapsing `..` and following symlinks. The check returns a reason when
 * the path leaves the workspace, undefined when it stays inside.
 */
export function createWorkspacePathCheck(
  workspaceRoot: string,
  options: WorkspacePathCheckOptions = {},
): (path: string) => string | undefined {
  const root = resolve(workspaceRoot);
  const followSymlinks = options.followSymlinks ?? true;
  const home = options.homeDirectory ?? homedir();
  let realRoot = root;
  try {
    realRoot = realpathSync.native(root);
  } catch {
    // The root does not exist (yet): compare lexically.
  }
  return (path) => {
    if (path.includes('\0')) return 'contains a NUL byte';
    let expanded = path;
    if (path === '~' || path.startsWith('~/')) expanded = home + path.slice(1);
    else if (path.startsWith('~')) return `names another user's home directory (${JSON.stringify(path)})`;
    const absolute = resolve(root, expanded);
    if (!inside(root, absolute)) return `resolves to ${absolute}, outside the workspace ${root}`;
    if (!followSymlinks) return undefined;
    const real = realpathOfExisting(absolute);
    if (!inside(realRoot, real))
      return `resolves through a symlink to ${real}, outside the workspace ${root}`;
    return undefined;
  };
}
