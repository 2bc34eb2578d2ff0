import {
  invalidOption,
  type MiddlewareContext,
  type MiddlewareDecision,
  MiddlewarePriority,
  type ToolCall,
  type ToolDefinition,
  type ToolMiddleware,
} from '@victor-ai/core';
import { MiddlewareResultCode } from './codes.js';
import { checkOptions, checkPriority } from './options.js';
import { analyzeCommand, type CommandAnalysisOptions, type CommandFinding } from './safety/command-rules.js';
import { createWorkspacePathCheck } from './safety/workspace-paths.js';
import { findSecret, type SecretPattern } from './secrets.js';

/** Options of `createSafetyMiddleware`. */
export interface SafetyMiddlewareOptions extends CommandAnalysisOptions {
  /** Default `safety`. */
  name?: string;
  /** Default `MiddlewarePriority.critical`. */
  priority?: number;
  /** Tools with one of these tags (or this category) get their command checked; default `['shell']`. */
  shellTags?: readonly string[];
  /** Arguments holding the command (a string or an argv array); default `['command', 'cmd']`. */
  commandArguments?: readonly string[];
  /**
   * Arguments holding paths that must stay inside `workspaceRoot` (checked only when it is given);
   * matched without case, `_` or `-`. Default: path, paths, file, files, filepath, filename, directory, dir,
   * cwd.
   */
  pathArguments?: readonly string[];
  /**
   * Which tools get their path arguments checked; default every tool. Exclude tools whose `path` is not a
   * file path (an HTTP tool's URL path, say).
   */
  checkPathsOf?: (definition: ToolDefinition) => boolean;
  /** Resolve symlinks before judging a path; default true. */
  followSymlinks?: boolean;
  /** What to do with secrets found in arguments; default `block`. */
  secrets?: 'block' | 'allow';
  /** Secret patterns; default `defaultSecretPatterns`. */
  secretPatterns?: readonly SecretPattern[];
  /**
   * How many distinct commands to remember the verdict of (agents repeat commands); default 512, 0 turns
   * the cache off. The verdict depends only on the command and these options.
   */
  commandCacheSize?: number;
  /** Longer commands are refused unread (fail closed); default 100,000 characters. */
  maxCommandLength?: number;
}

const DEFAULT_PATH_ARGUMENTS = [
  'path',
  'paths',
  'file',
  'files',
  'filepath',
  'filename',
  'directory',
  'dir',
  'cwd',
];

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function checkStringList(option: string, value: unknown): void {
  if (value !== undefined && !isStringArray(value)) throw invalidOption(option, 'an array of strings', value);
}

/**
 * A guard against destructive tool calls: shell commands matching destructive patterns (see
 * `analyzeCommand`), path arguments that leave `workspaceRoot`, and secrets in arguments. Blocks with
 * `DANGEROUS_COMMAND`, `PATH_OUTSIDE_WORKSPACE` or `SECRET_IN_ARGUMENTS` and a reason the model can act on.
 */
export function createSafetyMiddleware(options: SafetyMiddlewareOptions = {}): ToolMiddleware {
  checkOptions(options);
  const { workspaceRoot, homeDirectory } = options;
  if (workspaceRoot !== undefined && (typeof workspaceRoot !== 'string' || workspaceRoot === '')) {
    throw invalidOption('workspaceRoot', 'a non-empty path', workspaceRoot);
  }
  if (homeDirectory !== undefined && (typeof homeDirectory !== 'string' || homeDirectory === '')) {
    throw invalidOption('homeDirectory', 'a non-empty path', homeDirectory);
  }
  checkStringList('shellTags', options.shellTags);
  checkStringList('commandArguments', options.commandArguments);
  checkStringList('pathArguments', options.pathArguments);
  checkStringList('protectedBranches', options.protectedBranches);
  if (options.strict !== undefined && typeof options.strict !== 'boolean') {
    throw invalidOption('strict', 'a boolean', options.strict);
  }
  const secrets = options.secrets ?? 'block';
  if (secrets !== 'block' && secrets !== 'allow')
    throw invalidOption('secrets', '"block" or "allow"', secrets);
  checkOptions(options, [], ['checkPathsOf']);
  const checkPathsOf = options.checkPathsOf;
  const maxCommandLength = options.maxCommandLength ?? 100_000;
  if (!Number.isInteger(maxCommandLength) || maxCommandLength < 1) {
    throw invalidOption('maxCommandLength', 'a positive integer', maxCommandLength);
  }
  const commandCacheSize = options.commandCacheSize ?? 512;
  if (!Number.isInteger(commandCacheSize) || commandCacheSize < 0) {
    throw invalidOption('commandCacheSize', 'a non-negative integer', commandCacheSize);
  }
  const priority = checkPriority(options.priority, MiddlewarePriority.critical);

  const shellTags = options.shellTags ?? ['shell'];
  const commandArguments = options.commandArguments ?? ['command', 'cmd'];
  const pathArguments = new Set((options.pathArguments ?? DEFAULT_PATH_ARGUMENTS).map(normaliseKey));
  const analysis: CommandAnalysisOptions = {};
  if (workspaceRoot !== undefined) analysis.workspaceRoot = workspaceRoot;
  if (homeDirectory !== undefined) analysis.homeDirectory = homeDirectory;
  if (options.protectedBranches !== undefined) analysis.protectedBranches = options.protectedBranches;
  if (options.strict !== undefined) analysis.strict = options.strict;
  const pathCheckOptions: { followSymlinks?: boolean; homeDirectory?: string } = {};
  if (options.followSymlinks !== undefined) pathCheckOptions.followSymlinks = options.followSymlinks;
  if (homeDirectory !== undefined) pathCheckOptions.homeDirectory = homeDirectory;
  const checkPath =
    workspaceRoot === undefined ? undefined : createWorkspacePathCheck(workspaceRoot, pathCheckOptions);
  const secretOptions = options.secretPatterns === undefined ? {} : { patterns: options.secretPatterns };
  const shellTools = new WeakMap<ToolDefinition, boolean>();
  const pathTools = new WeakMap<ToolDefinition, boolean>();

  function checksPaths(definition: ToolDefinition): boolean {
    if (checkPathsOf === undefined) return true;
    let checks = pathTools.get(definition);
    if (checks === undefined) {
      checks = checkPathsOf(definition);
      pathTools.set(definition, checks);
    }
    return checks;
  }
  const verdicts = new Map<string, CommandFinding | null>();

  function judgeCommand(command: string | readonly string[], cwd: unknown): CommandFinding | undefined {
    const inCwd = typeof cwd === 'string' && cwd !== '';
    const optionsFor = () => (inCwd ? Object.assign({}, analysis, { cwd }) : analysis);
    if (commandCacheSize === 0 || typeof command !== 'string' || command.length > 4_096) {
      return analyzeCommand(command, optionsFor());
    }
    const key = inCwd ? `${cwd}\u0000${command}` : command;
    const known = verdicts.get(key);
    if (known !== undefined) return known ?? undefined;
    const found = analyzeCommand(command, optionsFor());
    if (verdicts.size >= commandCacheSize) {
      const oldest = verdicts.keys().next().value;
      if (oldest !== undefined) verdicts.delete(oldest);
    }
    verdicts.set(key, found ?? null);
    return found;
  }
  const pathKeys = new Map<string, boolean>();

  function isShell(definition: ToolDefinition): boolean {
    let shell = shellTools.get(definition);
    if (shell === undefined) {
      shell =
        (definition.category !== undefined && shellTags.includes(definition.category)) ||
        (definition.tags?.some((tag) => shellTags.includes(tag)) ?? false);
      shellTools.set(definition, shell);
    }
    return shell;
  }

  function isPathKey(key: string): boolean {
    let known = pathKeys.get(key);
    if (known === undefined) {
      known = pathArguments.has(normaliseKey(key));
      if (pathKeys.size < 1_000) pathKeys.set(key, known);
    }
    return known;
  }

  function block(code: string, reason: string): MiddlewareDecision {
    return { type: 'block', code, reason };
  }

  return {
    name: options.name ?? 'safety',
    priority,
    kind: 'guard',
    before(call: ToolCall, context: MiddlewareContext): MiddlewareDecision | undefined {
      const args = call.arguments;
      if (isShell(context.definition)) {
        for (const key of commandArguments) {
          const command = args[key];
          if (typeof command !== 'string' && !isStringArray(command)) continue;
          const length = typeof command === 'string' ? command.length : command.join(' ').length;
          if (length > maxCommandLength) {
            return block(
              MiddlewareResultCode.dangerousCommand,
              `refused: the command is ${length} characters long, more than the ${maxCommandLength} that are checked. Split it, or write long content with a file tool.`,
            );
          }
          const found = judgeCommand(command, args.cwd);
          if (found !== undefined) {
            return block(
              MiddlewareResultCode.dangerousCommand,
              `refused: ${found.reason} (rule ${found.rule}). Use a narrower, non-destructive command.`,
            );
          }
        }
      }
      if (checkPath !== undefined && checksPaths(context.definition)) {
        for (const key in args) {
          if (!isPathKey(key)) continue;
          const value = args[key];
          const paths = typeof value === 'string' ? [value] : isStringArray(value) ? value : [];
          for (const path of paths) {
            const reason = checkPath(path);
            if (reason !== undefined) {
              return block(
                MiddlewareResultCode.pathOutsideWorkspace,
                `refused: argument ${JSON.stringify(key)} (${JSON.stringify(path)}) ${reason}. Use a path inside the workspace.`,
              );
            }
          }
        }
      }
      if (secrets === 'block') {
        const found = findSecret(args, secretOptions, 'arguments');
        if (found !== undefined) {
          return block(
            MiddlewareResultCode.secretInArguments,
            `refused: ${found.path} contains what looks like a ${found.kind}. Refer to the secret (an environment variable name) instead of including it.`,
          );
        }
      }
      return undefined;
    },
  };
}
