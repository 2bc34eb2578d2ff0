import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, mkdir, open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { invalidOption, VictorError, type VictorErrorOptions } from '@victor-ai/core';

/** Why a workspace operation was refused; stable, safe to match on. */
export const WorkspaceErrorCode = {
  /** The path (lexically, or where it really leads after opening) is outside the root. */
  outsideWorkspace: 'PATH_OUTSIDE_WORKSPACE',
  /** The last component of the path is a symbolic link; links are not followed. */
  symlink: 'SYMLINK_REFUSED',
  /** The file has more than one hard link: it may be a file outside the workspace under another name. */
  hardLink: 'HARD_LINK_REFUSED',
  /** Nothing exists at the path (or its folder does not exist). */
  notFound: 'NOT_FOUND',
  /** A file was expected and the path is a folder, a device, a socket or a FIFO. */
  notAFile: 'NOT_A_FILE',
  /** A folder was expected. */
  notADirectory: 'NOT_A_DIRECTORY',
  /** `writeFile` with `overwrite: false` found a file there. */
  alreadyExists: 'ALREADY_EXISTS',
  /** The file is larger than `maxBytes`. */
  tooLarge: 'TOO_LARGE',
  /** The path is not a non-empty string, or holds a NUL byte. */
  invalidPath: 'INVALID_PATH',
} as const;

/** One of the values of `WorkspaceErrorCode`. */
export type WorkspaceErrorCode = (typeof WorkspaceErrorCode)[keyof typeof WorkspaceErrorCode];

/**
 * A workspace operation refused or failed: `code` is core's `INVALID_ARGUMENTS`, `reasonCode` says why
 * (`WorkspaceErrorCode`), `path` is the path as given.
 */
export class WorkspaceAccessError extends VictorError {
  readonly reasonCode: WorkspaceErrorCode;
  readonly path: string;
  constructor(options: VictorErrorOptions & { reasonCode: WorkspaceErrorCode; path: string }) {
    super('INVALID_ARGUMENTS', options);
    this.name = 'WorkspaceAccessError';
    this.reasonCode = options.reasonCode;
    this.path = options.path;
  }
}

/** Options of `createWorkspace`. */
export interface WorkspaceOptions {
  /** Read regular files that have more than one hard link; default false (writes refuse them always). */
  allowHardLinkedReads?: boolean;
  /** Largest file `readFile` returns unless told otherwise; default 16 MiB. */
  maxReadBytes?: number;
}

/** Options of `Workspace.readFile`. */
export interface WorkspaceReadOptions {
  /** Refuse files larger than this with `TOO_LARGE`; default the workspace's `maxReadBytes`. */
  maxBytes?: number;
}

/** Options of `Workspace.writeFile`. */
export interface WorkspaceWriteOptions {
  /** Replace an existing file; default true. With false, an existing file gives `ALREADY_EXISTS`. */
  overwrite?: boolean;
  /** Create missing folders (each inside the root, none through a link); default false. */
  createParents?: boolean;
}

/** A folder entry, as `list` returns it; links are reported as links, never followed. */
export interface WorkspaceEntry {
  name: string;
  /** Relative to the root, with `/` separators. */
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
}

/** What `stat` returns. */
export interface WorkspaceStats {
  /** Relative to the root, with `/` separators (`.` for the root). */
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  modified: Date;
  /** Hard links to the file. */
  links: number;
}

/** File operations confined to one folder; see `createWorkspace`. */
export interface Workspace {
  /** The root, as a real path. */
  readonly root: string;
  /** The absolute path a workspace path names (lexically; throws `PATH_OUTSIDE_WORKSPACE` or `INVALID_PATH`). */
  resolve(path: string): string;
  /** The workspace-relative form of an absolute path, with `/` separators (`.` for the root). */
  relative(absolute: string): string;
  readFile(path: string, options?: WorkspaceReadOptions): Promise<Buffer>;
  writeFile(
    path: string,
    data: string | Uint8Array,
    options?: WorkspaceWriteOptions,
  ): Promise<{ created: boolean; bytes: number }>;
  list(path?: string): Promise<WorkspaceEntry[]>;
  stat(path: string): Promise<WorkspaceStats>;
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const DIRECTORY = constants.O_DIRECTORY ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function typeOf(info: Stats | { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }) {
  if (info.isSymbolicLink()) return 'symlink' as const;
  if (info.isFile()) return 'file' as const;
  if (info.isDirectory()) return 'directory' as const;
  return 'other' as const;
}

/** What `stat` reports of a workspace path, from its `lstat` or its open descriptor's `stat`. */
function statsOf(path: string, info: Stats): WorkspaceStats {
  return { path, type: typeOf(info), size: info.size, modified: info.mtime, links: info.nlink };
}

async function hasProcFd(): Promise<boolean> {
  let handle: FileHandle | undefined;
  try {
    handle = await open('/', constants.O_RDONLY);
    return (await readlink(`/proc/self/fd/${handle.fd}`)) === '/';
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

/**
 * A guard for file tools: reads, writes, lists and stats paths inside `root` and nowhere else, also when
 * the workspace holds symbolic links, hard links to outside files, or folders swapped for links while it
 * runs. Each operation opens the file with `O_NOFOLLOW` on its last component, then checks where the open
 * file really is (`/proc/self/fd/N` on Linux; elsewhere `realpath` compared with `fstat`'s device and
 * inode) before reading or writing through the same descriptor; new files and folders are created only
 * through a descriptor of a folder whose real path is inside the root. Regular files with more than one
 * hard link are refused for writes, and for reads unless `allowHardLinkedReads`. Refusals throw
 * `WorkspaceAccessError`. It guards the file tools only: a shell command the agent runs is not confined.
 */
export async function createWorkspace(root: string, options: WorkspaceOptions = {}): Promise<Workspace> {
  if (typeof root !== 'string' || root === '' || root.includes('\0')) {
    throw invalidOption('root', 'a non-empty path', root);
  }
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options);
  const maxReadBytes = options.maxReadBytes ?? 16 * 1024 * 1024;
  if (!Number.isSafeInteger(maxReadBytes) || maxReadBytes < 0) {
    throw invalidOption('maxReadBytes', 'a non-negative integer', maxReadBytes);
  }
  const allowHardLinkedReads = options.allowHardLinkedReads ?? false;
  if (typeof allowHardLinkedReads !== 'boolean') {
    throw invalidOption('allowHardLinkedReads', 'a boolean', allowHardLinkedReads);
  }
  // `path.isAbsolute` follows the platform: `C:\work` on Windows, `/work` elsewhere.
  const absoluteRoot = isAbsolute(root) ? root : resolve(root);
  let realRoot: string;
  try {
    realRoot = await realpath(absoluteRoot);
  } catch {
    throw invalidOption('root', 'an existing folder', root);
  }
  if (!(await stat(realRoot)).isDirectory()) throw invalidOption('root', 'a folder', root);
  const proc = await hasProcFd();

  const refuse = (reasonCode: WorkspaceErrorCode, path: string, message: string, cause?: unknown) =>
    new WorkspaceAccessError({ reasonCode, path, message, cause });

  function contains(absolute: string): boolean {
    const rest = relative(realRoot, absolute);
    return rest === '' || (rest !== '..' && !rest.startsWith(`..${sep}`) && !isAbsolute(rest));
  }

  function resolvePath(path: string): string {
    if (typeof path !== 'string' || path === '' || path.includes('\0')) {
      throw refuse(WorkspaceErrorCode.invalidPath, String(path), `invalid path ${JSON.stringify(path)}`);
    }
    return withinRoot(path, 'resolves to', resolve(realRoot, path));
  }

  /** `absolute`, where `given` `leads` (resolves to, leads to); refused when that is outside the root. */
  function withinRoot(given: string, leads: string, absolute: string): string {
    if (!contains(absolute)) {
      throw refuse(
        WorkspaceErrorCode.outsideWorkspace,
        given,
        `${JSON.stringify(given)} ${leads} ${absolute}, outside the workspace ${realRoot}`,
      );
    }
    return absolute;
  }

  function relativePath(absolute: string): string {
    const rest = relative(realRoot, absolute);
    return rest === '' ? '.' : rest.split(sep).join('/');
  }

  /** Where an open descriptor really is; throws when that is outside the root. */
  async function confine(handle: FileHandle, absolute: string, given: string): Promise<string> {
    let real: string;
    if (proc) {
      real = await readlink(`/proc/self/fd/${handle.fd}`);
      if (real.endsWith(' (deleted)'))
        throw refuse(WorkspaceErrorCode.notFound, given, `${JSON.stringify(given)} was deleted`);
    } else {
      // No /proc: the real path of the name, and proof that it is the file the descriptor holds.
      try {
        real = await realpath(absolute);
      } catch (error) {
        throw refuse(
          WorkspaceErrorCode.notFound,
          given,
          `${JSON.stringify(given)} changed while it was opened`,
          error,
        );
      }
      const [opened, named] = await Promise.all([handle.stat(), stat(real)]);
      if (opened.dev !== named.dev || opened.ino !== named.ino) {
        throw refuse(
          WorkspaceErrorCode.outsideWorkspace,
          given,
          `${JSON.stringify(given)} changed while it was opened`,
        );
      }
    }
    return withinRoot(given, 'leads to', real);
  }

  /**
   * Opens `absolute` and confines the descriptor. Files are opened without following a link in their last
   * component; folders may follow one, since where the descriptor really is gets checked either way.
   */
  async function openConfined(
    absolute: string,
    given: string,
    flags: number,
  ): Promise<{ handle: FileHandle; real: string }> {
    let handle: FileHandle;
    try {
      handle = await open(absolute, (flags & DIRECTORY) !== 0 && DIRECTORY !== 0 ? flags : flags | NOFOLLOW);
    } catch (error) {
      throw translate(error, given);
    }
    try {
      return { handle, real: await confine(handle, absolute, given) };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  function translate(error: unknown, given: string): Error {
    const code = errorCode(error);
    if (code === 'ELOOP' || code === 'EMLINK') {
      return refuse(
        WorkspaceErrorCode.symlink,
        given,
        `${JSON.stringify(given)} is a symbolic link; links are not followed`,
        error,
      );
    }
    if (code === 'ENOENT')
      return refuse(WorkspaceErrorCode.notFound, given, `${JSON.stringify(given)} does not exist`, error);
    if (code === 'ENOTDIR') {
      return refuse(
        WorkspaceErrorCode.notADirectory,
        given,
        `a folder in ${JSON.stringify(given)} is not a folder`,
        error,
      );
    }
    if (code === 'ENXIO' || code === 'ENODEV') {
      return refuse(
        WorkspaceErrorCode.notAFile,
        given,
        `${JSON.stringify(given)} is not a regular file`,
        error,
      );
    }
    if (code === 'EISDIR')
      return refuse(WorkspaceErrorCode.notAFile, given, `${JSON.stringify(given)} is a folder`, error);
    if (code === 'EEXIST')
      return refuse(WorkspaceErrorCode.alreadyExists, given, `${JSON.stringify(given)} exists`, error);
    return error instanceof Error ? error : new Error(String(error));
  }

  /** The path of a name inside an open, confined folder (through the descriptor where /proc allows). */
  function inside(directory: { handle: FileHandle; real: string }, name: string): string {
    return proc ? `/proc/self/fd/${directory.handle.fd}/${name}` : join(directory.real, name);
  }

  /** Opens the folder `absolute`, creating missing folders (one by one, each inside the root) if told to. */
  async function openDirectory(
    absolute: string,
    given: string,
    create: boolean,
  ): Promise<{ handle: FileHandle; real: string }> {
    try {
      return await openConfined(absolute, given, constants.O_RDONLY | DIRECTORY);
    } catch (error) {
      if (
        !create ||
        !(error instanceof WorkspaceAccessError) ||
        error.reasonCode !== WorkspaceErrorCode.notFound
      )
        throw error;
    }
    if (absolute === realRoot) throw refuse(WorkspaceErrorCode.notFound, given, 'the workspace root is gone');
    const parentPath = resolve(absolute, '..');
    const parent = await openDirectory(parentPath, given, true);
    try {
      const name = absolute.slice(parentPath.length).replace(/^[\\/]+/, '');
      try {
        await mkdir(inside(parent, name));
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw translate(error, given);
      }
    } finally {
      await parent.handle.close();
    }
    return openConfined(absolute, given, constants.O_RDONLY | DIRECTORY);
  }

  async function readFile(path: string, readOptions: WorkspaceReadOptions = {}): Promise<Buffer> {
    const limit = readOptions.maxBytes ?? maxReadBytes;
    if (!Number.isSafeInteger(limit) || limit < 0)
      throw invalidOption('maxBytes', 'a non-negative integer', limit);
    const absolute = resolvePath(path);
    const { handle } = await openConfined(absolute, path, constants.O_RDONLY | NONBLOCK);
    try {
      const info = await handle.stat();
      if (!info.isFile())
        throw refuse(WorkspaceErrorCode.notAFile, path, `${JSON.stringify(path)} is not a regular file`);
      if (info.nlink > 1 && !allowHardLinkedReads) {
        throw refuse(
          WorkspaceErrorCode.hardLink,
          path,
          `${JSON.stringify(path)} has ${info.nlink} hard links; it may be a file outside the workspace under another name`,
        );
      }
      if (info.size > limit) {
        throw refuse(
          WorkspaceErrorCode.tooLarge,
          path,
          `${JSON.stringify(path)} is ${info.size} bytes, more than ${limit}`,
        );
      }
      const buffer = Buffer.allocUnsafe(Math.min(info.size, limit) + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length === buffer.length) {
          throw refuse(
            WorkspaceErrorCode.tooLarge,
            path,
            `${JSON.stringify(path)} grew past ${limit} bytes while it was read`,
          );
        }
      }
      return buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  }

  async function writeFile(
    path: string,
    data: string | Uint8Array,
    writeOptions: WorkspaceWriteOptions = {},
  ): Promise<{ created: boolean; bytes: number }> {
    const overwrite = writeOptions.overwrite ?? true;
    const absolute = resolvePath(path);
    if (absolute === realRoot)
      throw refuse(WorkspaceErrorCode.notAFile, path, 'the workspace root is a folder');
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const parentPath = resolve(absolute, '..');
    const name = absolute.slice(parentPath.length).replace(/^[\\/]+/, '');
    const parent = await openDirectory(parentPath, path, writeOptions.createParents ?? false);
    let handle: FileHandle | undefined;
    let created = true;
    try {
      try {
        // A new file, created through the confined folder's descriptor: a link there is never followed.
        handle = await open(
          inside(parent, name),
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW,
          0o644,
        );
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw translate(error, path);
        if (!overwrite)
          throw refuse(
            WorkspaceErrorCode.alreadyExists,
            path,
            `${JSON.stringify(path)} exists; overwrite is false`,
          );
        created = false;
        try {
          // Opened without truncating: nothing is changed before the checks below.
          handle = await open(inside(parent, name), constants.O_WRONLY | NOFOLLOW | NONBLOCK);
        } catch (reopenError) {
          throw translate(reopenError, path);
        }
      }
    } finally {
      await parent.handle.close();
    }
    if (handle === undefined)
      throw refuse(WorkspaceErrorCode.notFound, path, `${JSON.stringify(path)} could not be opened`);
    try {
      await confine(handle, join(parent.real, name), path);
      const info = await handle.stat();
      if (!info.isFile())
        throw refuse(WorkspaceErrorCode.notAFile, path, `${JSON.stringify(path)} is not a regular file`);
      if (info.nlink > 1) {
        throw refuse(
          WorkspaceErrorCode.hardLink,
          path,
          `${JSON.stringify(path)} has ${info.nlink} hard links; writing it could change a file outside the workspace`,
        );
      }
      await handle.truncate(0);
      let written = 0;
      while (written < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, written);
        written += bytesWritten;
      }
      return { created, bytes: bytes.length };
    } finally {
      await handle.close();
    }
  }

  async function list(path = '.'): Promise<WorkspaceEntry[]> {
    const absolute = resolvePath(path);
    const directory = await openConfined(absolute, path, constants.O_RDONLY | DIRECTORY).catch(
      (error: unknown) => {
        if (error instanceof WorkspaceAccessError && error.reasonCode === WorkspaceErrorCode.notADirectory) {
          throw refuse(
            WorkspaceErrorCode.notADirectory,
            path,
            `${JSON.stringify(path)} is not a folder`,
            error,
          );
        }
        throw error;
      },
    );
    try {
      const entries = await readdir(proc ? `/proc/self/fd/${directory.handle.fd}` : directory.real, {
        withFileTypes: true,
      });
      const prefix = relativePath(directory.real);
      return entries
        .map((entry) => ({
          name: entry.name,
          path: prefix === '.' ? entry.name : `${prefix}/${entry.name}`,
          type: typeOf(entry),
        }))
        .sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
    } finally {
      await directory.handle.close();
    }
  }

  async function statPath(path: string): Promise<WorkspaceStats> {
    const absolute = resolvePath(path);
    let opened: { handle: FileHandle; real: string };
    try {
      opened = await openConfined(absolute, path, constants.O_RDONLY | NONBLOCK);
    } catch (error) {
      if (!(error instanceof WorkspaceAccessError) || error.reasonCode !== WorkspaceErrorCode.symlink)
        throw error;
      // A link is described, not followed: lstat it through its confined folder.
      const parentPath = resolve(absolute, '..');
      const parent = await openDirectory(parentPath, path, false);
      try {
        const info = await lstat(inside(parent, absolute.slice(parentPath.length).replace(/^[\\/]+/, '')));
        return statsOf(relativePath(absolute), info);
      } finally {
        await parent.handle.close();
      }
    }
    try {
      return statsOf(relativePath(opened.real), await opened.handle.stat());
    } finally {
      await opened.handle.close();
    }
  }

  return {
    root: realRoot,
    resolve: resolvePath,
    relative: relativePath,
    readFile,
    writeFile,
    list,
    stat: statPath,
  };
}
