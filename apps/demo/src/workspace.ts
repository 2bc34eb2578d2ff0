import { cpSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VictorError } from '@victor-ai/core';

/** The sample project shipped with the demo (`apps/demo/sample-workspace`), found from `src/` or `dist/`. */
export const SAMPLE_WORKSPACE = join(dirname(fileURLToPath(import.meta.url)), '..', 'sample-workspace');

/** A path argument that leaves the workspace, or a file that is not where the model said. */
export class WorkspaceError extends VictorError {
  constructor(message: string) {
    super('TOOL_FAILED', { message });
    this.name = 'WorkspaceError';
  }
}

/** The real path of the deepest part of `path` that exists, followed by the rest (which does not exist yet). */
function realpathOfExisting(path: string): string {
  let current = path;
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(current), ...rest.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      const parent = dirname(current);
      if (parent === current) return path;
      rest.push(current.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
      current = parent;
    }
  }
}

/**
 * A workspace folder the tools are confined to. `resolve()` turns a path argument (relative to the root,
 * or absolute) into an absolute path inside the root, following symlinks, and throws `WorkspaceError`
 * for anything outside it. This is the tools' own check; the safety middleware checks the same arguments
 * before a call runs.
 */
export class Workspace {
  /** The root, as a real path. */
  readonly root: string;

  constructor(root: string) {
    this.root = realpathSync(resolve(root));
  }

  /** The absolute path of `path` inside the workspace; throws when it leaves the workspace. */
  resolve(path: string): string {
    if (typeof path !== 'string' || path.includes('\0')) throw new WorkspaceError('a path must be a string');
    const absolute = resolve(this.root, path);
    const real = realpathOfExisting(absolute);
    if (!this.contains(absolute) || !this.contains(real)) {
      throw new WorkspaceError(`${JSON.stringify(path)} is outside the workspace ${this.root}`);
    }
    return real;
  }

  /** The workspace-relative form of an absolute path (`.` for the root), with `/` separators. */
  relative(absolute: string): string {
    const path = relative(this.root, absolute);
    return path === '' ? '.' : path.split(sep).join('/');
  }

  private contains(absolute: string): boolean {
    const path = relative(this.root, absolute);
    return path === '' || (path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path));
  }
}

/** A fresh copy of the sample workspace in a temporary folder, so the session's writes never touch the repo. */
export function copySampleWorkspace(): { root: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'victor-demo-'));
  cpSync(SAMPLE_WORKSPACE, root, { recursive: true });
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
