import { spawn } from 'node:child_process';
import { lstat, readdir } from 'node:fs/promises';
import type { JsonSchema, Tool, ToolContext } from '@victor-ai/core';
import {
  createWorkspace,
  type Workspace as FileGuard,
  WorkspaceAccessError,
  WorkspaceErrorCode,
} from '@victor-ai/middleware';
import { type Workspace, WorkspaceError } from './workspace.js';

/** Options of `createWorkspaceTools`. */
export interface WorkspaceToolsOptions {
  /** Default deadline of a shell command; default 10,000 ms (a call may ask for less, never for more than 60 s). */
  shellTimeoutMs?: number;
  /** Most bytes of a file `read_file` returns; default 64 KiB. */
  maxReadBytes?: number;
}

/** The demo's tools over one workspace, and a way to tell a result that ran from one served by the cache. */
export interface WorkspaceTools {
  tools: Tool[];
  /**
   * True the first time it is asked about an output that a tool produced by running; false for outputs it
   * never produced (or already reported), i.e. results served by the tool-result cache.
   */
  ranFresh(output: unknown): boolean;
}

const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules', 'dist', '.nx']);
const MAX_LISTED = 500;
const MAX_SEARCHED_BYTES = 1024 * 1024;
const MAX_WRITE_BYTES = 256 * 1024;
const MAX_SHELL_OUTPUT = 16 * 1024;
/** Largest file `read_file` and `file_stats` read (larger ones are refused, not truncated). */
const MAX_READ_FILE_BYTES = 16 * 1024 * 1024;

function schema(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false };
}

/** Runs a guarded file operation; the guard's refusals become the demo's `WorkspaceError` (`TOOL_FAILED`). */
async function guarded<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (!(error instanceof WorkspaceAccessError)) throw error;
    const path = JSON.stringify(error.path);
    switch (error.reasonCode) {
      case WorkspaceErrorCode.notFound:
        throw new WorkspaceError(`${path} does not exist`);
      case WorkspaceErrorCode.notAFile:
        throw new WorkspaceError(`${path} is not a file`);
      case WorkspaceErrorCode.alreadyExists:
        throw new WorkspaceError(`${path} exists; pass overwrite: true to replace it`);
      default:
        throw new WorkspaceError(`${error.message} (${error.reasonCode})`);
    }
  }
}

/** Visits the files and folders under a workspace folder (links are not followed), sorted by name. */
async function walk(
  guard: FileGuard,
  directory: string,
  depth: number,
  visit: (path: string, isDirectory: boolean) => boolean | Promise<boolean>,
): Promise<void> {
  const entries = await guarded(() => guard.list(directory));
  entries.sort((left, right) => left.name.localeCompare(right.name));
  for (const entry of entries) {
    if (entry.type === 'directory' && SKIPPED_DIRECTORIES.has(entry.name)) continue;
    const isDirectory = entry.type === 'directory';
    if (!isDirectory && entry.type !== 'file') continue;
    if (!(await visit(entry.path, isDirectory))) return;
    if (isDirectory && depth > 1) await walk(guard, entry.path, depth - 1, visit);
  }
}

/** Most files and folders `run_shell` compares before and after a command; above it, it reports nothing. */
const MAX_TRACKED_ENTRIES = 2_000;

/**
 * Every file and folder under `root` (all of them, skipped folders included) with what any write changes:
 * inode, size, and modification and change times in nanoseconds. `null`, so that nothing is reported and
 * the cache drops every cached read, when there are more than `limit` entries, when one vanished while
 * being read, or when the workspace holds a symbolic link: a read through a link is cached under the
 * link's path, and a command that changes the file behind it would be reported under the other path.
 */
async function fileStates(root: string, limit: number): Promise<Map<string, string> | null> {
  const states = new Map<string, string>();
  const pending = [root];
  try {
    for (let directory = pending.pop(); directory !== undefined; directory = pending.pop()) {
      const entries = await readdir(directory, { withFileTypes: true });
      if (states.size + entries.length > limit) return null;
      if (entries.some((entry) => entry.isSymbolicLink())) return null;
      const paths = entries.map((entry) => `${directory}/${entry.name}`);
      const infos = await Promise.all(paths.map((path) => lstat(path, { bigint: true })));
      for (let i = 0; i < paths.length; i++) {
        const info = infos[i]!;
        if (info.isSymbolicLink()) return null;
        states.set(paths[i]!, `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`);
        if (info.isDirectory()) pending.push(paths[i]!);
      }
    }
  } catch {
    return null;
  }
  return states;
}

/** Paths created, changed or deleted between two `fileStates`. */
function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed: string[] = [];
  for (const [path, state] of after) if (before.get(path) !== state) changed.push(path);
  for (const path of before.keys()) if (!after.has(path)) changed.push(path);
  return changed;
}

/** Lines of a text, a final newline not starting another one. */
export function countLines(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n... (${text.length - max} more characters)`;
}

/** Runs `/bin/sh -c command` in `cwd` with a deadline; the process group is killed when it passes. */
function runCommand(
  command: string,
  cwd: string,
  timeoutMs: number,
  abortSignal: AbortSignal | undefined,
): Promise<{
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
}> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    // Only what a build needs: API keys in the demo's environment never reach a command the model wrote,
    // and HOME is the workspace, so `~` in a command means the workspace, not the user's home.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd };
    for (const name of ['LANG', 'TMPDIR', 'TERM']) if (process.env[name]) env[name] = process.env[name];
    const child = spawn('/bin/sh', ['-c', command], {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < MAX_SHELL_OUTPUT * 2) stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < MAX_SHELL_OUTPUT * 2) stderr += chunk;
    });
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    const onAbort = () => kill();
    abortSignal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      clearTimeout(timer);
      abortSignal?.removeEventListener('abort', onAbort);
      reject(new WorkspaceError(`cannot run the command: ${error.message}`));
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      abortSignal?.removeEventListener('abort', onAbort);
      // Whatever the command left running in the background goes with it.
      kill();
      resolvePromise({
        exitCode,
        signal,
        timedOut,
        stdout: truncate(stdout, MAX_SHELL_OUTPUT),
        stderr: truncate(stderr, MAX_SHELL_OUTPUT),
        durationMs: Math.round(performance.now() - started),
      });
    });
  });
}

/**
 * The coding assistant's tools, all confined to `workspace`: `list_files`, `read_file`, `search_text`,
 * `file_stats` (read-only, so their results may be cached and they run in parallel), `write_file` (all
 * five through `createWorkspace` from `@victor-ai/middleware`), and `run_shell` (tagged `shell`, so the
 * safety middleware checks its command; it runs with a deadline in the workspace, but is not confined).
 */
export function createWorkspaceTools(
  workspace: Workspace,
  options: WorkspaceToolsOptions = {},
): WorkspaceTools {
  // Every file tool goes through the guard: it opens without following a last-component link, checks where
  // the open file really is, and refuses hard-linked files (the workspace is still no sandbox for run_shell).
  const guardReady = createWorkspace(workspace.root, { maxReadBytes: MAX_READ_FILE_BYTES });
  guardReady.catch(() => undefined);
  const relativeOf = (guard: FileGuard, path: string) => guard.relative(guard.resolve(path));
  const shellTimeoutMs = options.shellTimeoutMs ?? 10_000;
  const maxReadBytes = options.maxReadBytes ?? 64 * 1024;
  const fresh = new WeakSet<object>();
  const produced = <T extends object>(output: T): T => {
    fresh.add(output);
    return output;
  };

  const listFiles: Tool = {
    definition: {
      name: 'list_files',
      description:
        'List the files and folders of the workspace (or of a folder in it), recursively up to a depth. Shows the project layout.',
      parameters: schema({
        path: { type: 'string', description: 'Folder relative to the workspace root; default "."' },
        depth: { type: 'integer', minimum: 1, maximum: 5, description: 'How deep to list; default 2' },
      }),
      category: 'filesystem',
      tags: ['filesystem', 'read', 'list', 'directory', 'layout'],
      readOnly: true,
    },
    async execute(args) {
      const guard = await guardReady;
      const directory = typeof args.path === 'string' ? args.path : '.';
      const depth = typeof args.depth === 'number' ? args.depth : 2;
      const entries: string[] = [];
      let truncated = false;
      await walk(guard, directory, depth, (path, isDirectory) => {
        if (entries.length >= MAX_LISTED) {
          truncated = true;
          return false;
        }
        entries.push(isDirectory ? `${path}/` : path);
        return true;
      });
      return produced({ path: await guarded(async () => relativeOf(guard, directory)), entries, truncated });
    },
  };

  const readFileTool: Tool = {
    definition: {
      name: 'read_file',
      description:
        'Read a file of the workspace (source code, README, package.json, configuration) to see what it says and how the code works: its content, size and line count.',
      parameters: schema(
        {
          path: { type: 'string', description: 'File path relative to the workspace root' },
          maxBytes: { type: 'integer', minimum: 1, description: 'Most bytes to return; default 65536' },
        },
        ['path'],
      ),
      category: 'filesystem',
      tags: ['filesystem', 'read', 'file', 'content', 'open', 'show', 'explain', 'source'],
      readOnly: true,
    },
    async execute(args) {
      const guard = await guardReady;
      const path = args.path as string;
      const buffer = await guarded(() => guard.readFile(path));
      const limit = Math.min(typeof args.maxBytes === 'number' ? args.maxBytes : maxReadBytes, maxReadBytes);
      const content = buffer.subarray(0, limit).toString('utf8');
      return produced({
        path: relativeOf(guard, path),
        bytes: buffer.length,
        lines: countLines(buffer.toString('utf8')),
        content,
        truncated: buffer.length > limit,
      });
    },
  };

  const searchText: Tool = {
    definition: {
      name: 'search_text',
      description:
        'Search the text of the workspace files for a word, phrase or regular expression (like grep); returns matching lines with file and line number.',
      parameters: schema(
        {
          query: { type: 'string', minLength: 1, description: 'Text to find (or a regular expression)' },
          path: { type: 'string', description: 'Folder or file to search; default the whole workspace' },
          regex: { type: 'boolean', description: 'Treat the query as a regular expression; default false' },
          caseSensitive: { type: 'boolean', description: 'Default false' },
          maxResults: { type: 'integer', minimum: 1, maximum: 500, description: 'Default 50' },
        },
        ['query'],
      ),
      category: 'filesystem',
      tags: ['search', 'grep', 'find', 'text', 'code', 'todo'],
      readOnly: true,
    },
    async execute(args) {
      const guard = await guardReady;
      const root = typeof args.path === 'string' ? args.path : '.';
      const flags = args.caseSensitive === true ? 'g' : 'gi';
      const source =
        args.regex === true ? String(args.query) : String(args.query).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      // Regular expressions run on the main thread: refuse the shapes that backtrack exponentially
      // (a quantified group that holds a quantifier, `(a+)+`), and search at most 2,000 characters a line.
      if (args.regex === true && /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{?]/.test(source)) {
        throw new WorkspaceError('regular expressions with a repeated group that repeats inside are refused');
      }
      let pattern: RegExp;
      try {
        pattern = new RegExp(source, flags);
      } catch (error) {
        throw new WorkspaceError(`invalid regular expression: ${(error as Error).message}`);
      }
      const maxResults = typeof args.maxResults === 'number' ? args.maxResults : 50;
      const matches: Array<{ path: string; line: number; text: string }> = [];
      let filesSearched = 0;
      let truncated = false;
      const searchFile = async (path: string): Promise<boolean> => {
        let buffer: Buffer;
        try {
          buffer = await guard.readFile(path, { maxBytes: MAX_SEARCHED_BYTES });
        } catch (error) {
          // Too large, hard-linked, or swapped for a link while searching: not searched.
          if (error instanceof WorkspaceAccessError) return true;
          throw error;
        }
        if (buffer.subarray(0, 1024).includes(0)) return true;
        filesSearched++;
        const lines = buffer.toString('utf8').split('\n');
        for (let index = 0; index < lines.length; index++) {
          pattern.lastIndex = 0;
          if (!pattern.test(lines[index]!.slice(0, 2_000))) continue;
          if (matches.length >= maxResults) {
            truncated = true;
            return false;
          }
          matches.push({
            path: relativeOf(guard, path),
            line: index + 1,
            text: lines[index]!.trim().slice(0, 200),
          });
        }
        return true;
      };
      const info = await guarded(() => guard.stat(root));
      if (info.type === 'file') await searchFile(root);
      else await walk(guard, root, 8, (path, isDirectory) => (isDirectory ? true : searchFile(path)));
      return produced({ query: args.query, matches, filesSearched, truncated });
    },
  };

  const fileStats: Tool = {
    definition: {
      name: 'file_stats',
      description: 'Size, line count and last change time of files or folders in the workspace.',
      parameters: schema(
        {
          paths: {
            type: 'array',
            items: { type: 'string' },
            minItems: 1,
            maxItems: 100,
            description: 'Paths relative to the workspace root',
          },
        },
        ['paths'],
      ),
      category: 'filesystem',
      tags: ['filesystem', 'stats', 'size', 'lines', 'metadata'],
      readOnly: true,
    },
    async execute(args) {
      const guard = await guardReady;
      const files = await Promise.all(
        (args.paths as string[]).map(async (given) => {
          try {
            const info = await guard.stat(given);
            const entry: Record<string, unknown> = {
              path: info.path,
              type: info.type === 'directory' ? 'directory' : info.type === 'file' ? 'file' : info.type,
              bytes: info.size,
              modified: info.modified.toISOString(),
            };
            if (info.type === 'file' && info.size <= MAX_SEARCHED_BYTES) {
              const text = await guard
                .readFile(given, { maxBytes: MAX_SEARCHED_BYTES })
                .catch((error: unknown) => {
                  if (error instanceof WorkspaceAccessError) return undefined;
                  throw error;
                });
              if (text !== undefined) entry.lines = countLines(text.toString('utf8'));
            }
            return entry;
          } catch (error) {
            if (error instanceof WorkspaceAccessError && error.reasonCode === WorkspaceErrorCode.notFound) {
              return { path: given, error: 'does not exist' };
            }
            return guarded(() => Promise.reject(error));
          }
        }),
      );
      return produced({ files });
    },
  };

  const writeFileTool: Tool = {
    definition: {
      name: 'write_file',
      description:
        'Write (create) a text file in the workspace. Refuses to replace an existing file unless overwrite is true.',
      parameters: schema(
        {
          path: { type: 'string', description: 'File path relative to the workspace root' },
          content: { type: 'string', maxLength: MAX_WRITE_BYTES },
          overwrite: { type: 'boolean', description: 'Replace the file if it exists; default false' },
        },
        ['path', 'content'],
      ),
      category: 'filesystem',
      tags: ['filesystem', 'write', 'create', 'save', 'edit'],
      readOnly: false,
    },
    async execute(args) {
      const guard = await guardReady;
      const path = args.path as string;
      const content = args.content as string;
      const result = await guarded(() =>
        guard.writeFile(path, content, { overwrite: args.overwrite === true, createParents: true }),
      );
      return produced({ path: relativeOf(guard, path), bytes: result.bytes, created: result.created });
    },
  };

  const runShell: Tool = {
    definition: {
      name: 'run_shell',
      description:
        'Run a shell command in the workspace folder (the tests, a build, a script, clean up files) and return its exit code and output. Commands have a deadline.',
      parameters: schema(
        {
          command: { type: 'string', minLength: 1, description: 'The command line, run with /bin/sh -c' },
          timeoutMs: { type: 'integer', minimum: 100, maximum: 60_000, description: 'Deadline in ms' },
        },
        ['command'],
      ),
      category: 'shell',
      tags: ['shell', 'command', 'run', 'execute', 'tests', 'build', 'script', 'disk'],
      readOnly: false,
      // It compares the workspace before and after the command, and reports what changed (or nothing,
      // when it cannot tell: then the cache drops every cached read).
      reportsChangedPaths: true,
    },
    async execute(args, context: ToolContext) {
      const timeoutMs = Math.min(
        typeof args.timeoutMs === 'number' ? args.timeoutMs : shellTimeoutMs,
        60_000,
      );
      // Under a tool-result cache, say which files the command changed, so that only the cached reads of
      // those are dropped (the workspace's files compared before and after; nothing said when it is large).
      const report = context.reportChangedPaths;
      const before = report ? await fileStates(workspace.root, MAX_TRACKED_ENTRIES) : null;
      const result = await runCommand(args.command as string, workspace.root, timeoutMs, context.abortSignal);
      if (report && before !== null) {
        const after = await fileStates(workspace.root, MAX_TRACKED_ENTRIES);
        if (after !== null) report(changedPaths(before, after));
      }
      return produced({ command: args.command, ...result });
    },
  };

  return {
    tools: [listFiles, readFileTool, searchText, fileStats, writeFileTool, runShell],
    ranFresh(output) {
      if (typeof output !== 'object' || output === null || !fresh.has(output)) return false;
      fresh.delete(output);
      return true;
    },
  };
}
