import { posix } from 'node:path';
import type { CommandRuleId } from './rule-ids.js';
import type { ShellWord } from './shell-parser.js';

/** Why a command was judged destructive. */
export interface CommandFinding {
  /** Stable rule id (`recursive-delete`, `pipe-download-to-shell`, ...); see `COMMAND_RULES`. */
  rule: CommandRuleId;
  /** A sentence the model can read. */
  reason: string;
}

/**
 * What the check knows while it reads a command line.
 *
 * Nested shells: a child process (`sh -c`, `bash -c`, a `( ... )` subshell, a `$(...)` substitution,
 * interpreter code, `find -exec`, `xargs`) starts from a copy of `cwd` and `variables` (all of them, exported
 * or not: the check does not know which were exported, and assuming they are seen is the cautious side);
 * its own `cd` and assignments end with it. `eval`, `source` and `.` run in the same shell: their `cd` and
 * assignments apply to the commands after them. `downloaded` and `links` describe files on disk, so they
 * are shared by every scope of the line.
 */
export interface Environment {
  cwd: string;
  readonly workspace: string;
  readonly home: string;
  readonly protectedBranches: readonly string[];
  readonly strict: boolean;
  depth: number;
  /** Files a download wrote earlier in the same command line. */
  readonly downloaded: Set<string>;
  /** Files the command line wrote secrets into (`env > /tmp/e`, `cp ~/.ssh/id_rsa k`). */
  readonly secretFiles: Set<string>;
  /** Symbolic links the command line created, by absolute path; `undefined` for an unknown target. */
  readonly links: Map<string, string | undefined>;
  /**
   * Variables the command line set before (`R=/`, `export R=/`, `for d in /`, `set -- /`); `undefined`
   * for one set to something the check cannot know.
   */
  variables: Map<string, string | undefined>;
}

/** Stands for the current directory when no workspace root is known. */
export const VIRTUAL_WORKSPACE = '/__workspace__/cwd';
/** Deeper nesting of `sh -c`, `eval` and substitutions is refused rather than left unread. */
export const MAX_DEPTH = 8;

/** The scope of a child process: same files, a copy of the directory and variables, one level deeper. */
export function childEnvironment(environment: Environment): Environment {
  return { ...environment, depth: environment.depth + 1, variables: new Map(environment.variables) };
}

export function finding(rule: CommandRuleId, reason: string): CommandFinding {
  return { rule, reason };
}

export const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'csh', 'tcsh']);
export const INTERPRETERS = new Set([
  'python',
  'python2',
  'python3',
  'perl',
  'ruby',
  'node',
  'nodejs',
  'php',
  'deno',
  'bun',
  'lua',
  'rscript',
  'pwsh',
  'powershell',
  'tclsh',
  'jshell',
  'osascript',
]);
export const DOWNLOADERS = new Set([
  'curl',
  'wget',
  'fetch',
  'aria2c',
  'http',
  'https',
  'iwr',
  'irm',
  'invoke-webrequest',
  'lwp-download',
  'lynx',
  'links',
]);
/** Programs that send data over the network (besides the downloaders). */
export const NETWORK_TOOLS = new Set([
  ...DOWNLOADERS,
  'nc',
  'ncat',
  'netcat',
  'socat',
  'telnet',
  'ssh',
  'scp',
  'sftp',
  'ftp',
  'tftp',
  'rsync',
  'rclone',
  'mail',
  'mailx',
  'sendmail',
  'mutt',
  'openssl',
  'nslookup',
  'dig',
  'host',
  'xh',
  'httpie',
]);

export const SYSTEM_DIRECTORIES = new Set([
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/home',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/opt',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/srv',
  '/sys',
  '/tmp',
  '/usr',
  '/var',
  '/snap',
  '/System',
  '/Library',
  '/Applications',
  '/Users',
  '/private',
]);
export const DEVICE =
  /^\/dev\/(?:sd|hd|vd|xvd|nvme|mmcblk|disk|rdisk|mapper\/|md\d|dm-|loop|sr\d|mtd|nbd|zd|root$|mem$|kmem$|port$)/;
export const CRITICAL_FILE =
  /^\/(?:etc\/(?:passwd|shadow|group|gshadow|sudoers|fstab|hosts|crontab|ssh\/|pam\.d\/|sudoers\.d\/|ld\.so)|boot\/|proc\/|sys\/|bin\/|sbin\/|usr\/(?:s?bin|lib)\/|lib(?:32|64)?\/)/;
/** Files a shell, a login or a scheduler runs by itself later: writing them plants a command. */
const PERSISTENCE_NAME =
  /(?:^|\/)(?:\.(?:bashrc|bash_profile|bash_login|bash_logout|profile|zshrc|zprofile|zshenv|zlogin|zlogout|kshrc|cshrc|tcshrc|login|xinitrc|xprofile|xsession|pam_environment)|\.ssh\/(?:authorized_keys2?|rc|config)|\.config\/(?:fish\/|autostart\/|systemd\/user\/)|\.bashrc\.d\/|Library\/Launch(?:Agents|Daemons)\/)/;
const PERSISTENCE_SYSTEM =
  /^\/(?:etc\/(?:profile|profile\.d\/|bash\.bashrc|bashrc|zsh\/|zshrc|zprofile|environment|cron|anacrontab|systemd\/|init\.d\/|init\/|rc\.local|rc\d\.d\/|xdg\/autostart\/|update-motd\.d\/)|var\/spool\/(?:cron|at)|(?:usr\/)?lib\/systemd\/)/;

export function basename(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash === -1 ? word : word.slice(slash + 1);
}

export function isOption(word: string): boolean {
  return word.length > 1 && word.startsWith('-');
}

/** Short option cluster containing a letter (`-rf` has `r`), or the long form. */
export function hasFlag(args: readonly string[], short: string, long: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg.startsWith('--')) {
      if (long.some((name) => arg === name || arg.startsWith(`${name}=`))) return true;
    } else if (arg.startsWith('-') && arg.length > 1 && /^-[a-zA-Z]+$/.test(arg)) {
      for (const letter of short) if (arg.includes(letter)) return true;
    }
  }
  return false;
}

/** Operands: the words that are not options (everything after `--` counts as an operand). */
export function operands(
  args: readonly ShellWord[],
  valueOptions: ReadonlySet<string> = new Set(),
): ShellWord[] {
  const result: ShellWord[] = [];
  let endOfOptions = false;
  for (let index = 0; index < args.length; index++) {
    const word = args[index]!;
    if (!endOfOptions && word.text === '--') {
      endOfOptions = true;
    } else if (!endOfOptions && isOption(word.text)) {
      if (valueOptions.has(word.text)) index++;
    } else {
      result.push(word);
    }
  }
  return result;
}

export function isInsideOrEqual(parent: string, child: string): boolean {
  return child === parent || parent === '/' || child.startsWith(`${parent}/`);
}

/** A plain word (no substitutions), for paths found in option values and inline code. */
export function plainWord(text: string): ShellWord {
  return { text, substitutions: [] };
}

/** Replaces variables the command line set (`$R`, `${R}`, `$1`) by their values; unknown ones stay. */
export function substituteVariables(text: string, environment: Environment): string {
  if (environment.variables.size === 0 || !text.includes('$')) return text;
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*|[0-9])\}|\$([A-Za-z_][A-Za-z0-9_]*|[0-9])/g,
    (match, braced, bare) => {
      const value = environment.variables.get(String(braced ?? bare));
      return value === undefined ? match : value;
    },
  );
}

/** `$(pwd)` is the current directory and `$(echo x)` is x; other substitutions stay as written. */
export function evaluateSimpleSubstitutions(text: string, environment: Environment): string {
  return text
    .replace(/\$\(\s*pwd\s*\)|`\s*pwd\s*`/g, environment.cwd)
    .replace(
      /\$\(\s*(?:echo|printf)\s+((?:'[^']*'|"[^"$`]*"|[^\s()$`;|&<>'"]+)(?:\s*(?:'[^']*'|"[^"$`]*"|[^\s()$`;|&<>'"]+))*)\s*\)/g,
      (_match, words: string) =>
        words.replace(/'([^']*)'|"([^"]*)"/g, (_quoted, single, double) => String(single ?? double)),
    )
    .replace(
      /\$\(\s*(?:echo|printf)\s+([^()$`;|&<>]*)\)|`\s*(?:echo|printf)\s+([^()$`;|&<>]*)`/g,
      (_match, a, b) =>
        String(a ?? b)
          .trim()
          .replace(/^(["'])(.*)\1$/, '$2'),
    );
}

/** Follows the symbolic links the command line created (`ln -s / x; rm -rf x/`). */
function throughLinks(path: string, environment: Environment): string | undefined {
  for (const [link, target] of environment.links) {
    if (path === link || path.startsWith(`${link}/`)) {
      if (target === undefined) return undefined;
      return posix.join(target, path.slice(link.length));
    }
  }
  return path;
}

/** Resolves a word to an absolute path, or undefined when it depends on an unknown variable. */
export function resolveWord(word: ShellWord, environment: Environment): string | undefined {
  let text = substituteVariables(word.text, environment);
  if (word.substitutions.length > 0) {
    text = evaluateSimpleSubstitutions(text, environment);
    if (/\$\(|`/.test(text)) return undefined;
  }
  text = text
    // `${VAR:-default}`: when VAR is unset, the default is what runs.
    .replace(/\$\{(?!HOME\}|PWD\})[A-Za-z_][A-Za-z0-9_]*:?[-=]([^}]*)\}/g, '$1')
    .replace(/\$\{HOME:?[-=+?][^}]*\}/g, environment.home)
    .replace(/^~\+(?=\/|$)/, environment.cwd)
    .replace(/^~-(?=\/|$)/, posix.dirname(environment.cwd))
    .replace(/^~(?=\/|$)/, environment.home)
    .replace(/^~([a-z_][a-z0-9_-]*)(?=\/|$)/i, '/home/$1')
    .replace(/\$\{HOME\}|\$HOME\b/g, environment.home)
    .replace(/\$\{PWD\}|\$PWD\b/g, environment.cwd);
  if (text.includes('$')) return undefined;
  if (text === '') return undefined;
  const resolved = posix.resolve(environment.cwd, text);
  return environment.links.size === 0 ? resolved : throughLinks(resolved, environment);
}

/** What a recursive operation on this word would reach: the directory, and whether it is all of it. */
export function reach(word: ShellWord, environment: Environment): string | undefined {
  const resolved = resolveWord(word, environment);
  if (resolved === undefined) return undefined;
  const segments = resolved.split('/');
  // A glob segment stands for what its parent holds: `/*` is the root, `/e*` is somewhere in the root.
  const glob = segments.findIndex((segment) => /[*?[]/.test(segment));
  if (glob === -1) return resolved;
  const parent = segments.slice(0, glob).join('/') || '/';
  const segment = segments[glob]!;
  if (/^[.]?\*+$/.test(segment) || parent === '/') return parent;
  return undefined;
}

/** Why deleting (or recursively changing) this path is destructive, or undefined when it is not. */
export function dangerousTarget(path: string, environment: Environment): string | undefined {
  if (path === '/') return 'the filesystem root';
  if (isInsideOrEqual(path, environment.home)) return 'the home directory';
  if (isInsideOrEqual(path, environment.workspace)) {
    return environment.workspace === VIRTUAL_WORKSPACE ? 'the working directory' : 'the workspace';
  }
  if (SYSTEM_DIRECTORIES.has(path)) return `the system directory ${path}`;
  const parent = posix.dirname(path);
  if (
    parent === '/usr' ||
    parent === '/var' ||
    parent === '/usr/local' ||
    parent === '/home' ||
    parent === '/Users'
  ) {
    return `the system directory ${path}`;
  }
  if (path.startsWith('/etc/') || path.startsWith('/boot/')) return `the system directory ${path}`;
  return undefined;
}

/** Dot-directories of the home directory that only hold caches. */
const HOME_CACHES = new Set([
  '.cache',
  '.npm',
  '.yarn',
  '.pnpm-store',
  '.gradle',
  '.m2',
  '.cargo',
  '.rustup',
  '.nvm',
  '.bun',
]);

/** Words that are plainly temporary directories: `$TMPDIR/...`, `/tmp/...`, `$(mktemp ...)`. */
const TEMPORARY = /^["']?(?:\$\{?TMPDIR\}?|\/tmp|\/var\/tmp|\$\(\s*mktemp\b|`\s*mktemp\b)/;

/** `$DIR/` and `$DIR/*`: with the variable unset this is the root. */
function unsetVariableRoot(word: ShellWord): boolean {
  return /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?\/+\*?$/.test(word.text) && !/\$\{?(?:HOME|PWD)\b/.test(word.text);
}

/** Brace expansion (`/{bin,etc}` is `/bin /etc`), up to 64 words; `{a..b}` ranges are left alone. */
export function expandBraces(words: readonly ShellWord[]): ShellWord[] {
  const result: ShellWord[] = [];
  const pending = [...words];
  while (pending.length > 0 && result.length < 64) {
    const word = pending.shift()!;
    const match = /\{([^{}]*,[^{}]*)\}/.exec(word.text);
    if (match === null) {
      result.push(word);
      continue;
    }
    const before = word.text.slice(0, match.index);
    const after = word.text.slice(match.index + match[0].length);
    for (const part of match[1]!.split(',')) {
      pending.push({ text: `${before}${part}${after}`, substitutions: word.substitutions });
    }
  }
  return result;
}

/**
 * The first target of a recursive delete (or move, or sync) that is destructive: the root, home, the
 * workspace or an ancestor, system directories, home dot-directories other than caches, anything outside
 * the workspace and temporary directories (with a real workspace), and targets the check cannot resolve.
 */
export function firstDangerous(
  targets: readonly ShellWord[],
  environment: Environment,
): { word: ShellWord; what: string } | undefined {
  for (const word of expandBraces(targets)) {
    if (unsetVariableRoot(word)) return { word, what: 'the filesystem root when the variable is empty' };
    const path = reach(word, environment);
    if (path === undefined) {
      // A target the check cannot resolve (an unknown variable, a command's output) could be anything:
      // a recursive operation on it is refused, unless it is plainly a temporary directory.
      if (resolveWord(word, environment) === undefined && !TEMPORARY.test(word.text)) {
        return { word, what: 'a path the check cannot resolve (a variable or a command output)' };
      }
      continue;
    }
    const what = dangerousTarget(path, environment);
    if (what !== undefined) return { word, what };
    // In the home directory: its dot-directories hold keys, credentials and settings (caches aside).
    if (isInsideOrEqual(environment.home, path) && path !== environment.home) {
      const top = path.slice(environment.home.length + 1).split('/')[0]!;
      if (top.startsWith('.') && !HOME_CACHES.has(top))
        return { word, what: `${path} (keys, credentials or settings)` };
      continue;
    }
    // With a real workspace, recursive operations elsewhere stay inside it (or a temporary directory).
    if (
      environment.workspace !== VIRTUAL_WORKSPACE &&
      !isInsideOrEqual(environment.workspace, path) &&
      !/^\/(?:tmp|var\/tmp)(?:\/|$)/.test(path)
    ) {
      return { word, what: `${path}, outside the workspace` };
    }
  }
  return undefined;
}

/**
 * What writing to an absolute path does, when it is destructive: a device, a system file, or a file that a
 * shell, login or scheduler runs later (outside the workspace).
 */
export function writeTargetFinding(
  path: string,
  environment: Environment,
  writer: string,
): CommandFinding | undefined {
  if (DEVICE.test(path)) return finding('write-to-device', `${writer} writes onto the device ${path}`);
  if (CRITICAL_FILE.test(path)) {
    return finding('overwrite-system-file', `${writer} overwrites the system file ${path}`);
  }
  if (isPersistencePath(path, environment)) {
    return finding(
      'persistence',
      `${writer} writes ${path}, which a shell, login or scheduler runs later (outside the workspace)`,
    );
  }
  return undefined;
}

/** Whether a path is a shell profile, autostart, service or scheduler file outside the workspace. */
export function isPersistencePath(path: string, environment: Environment): boolean {
  if (isInsideOrEqual(environment.workspace, path) && environment.workspace !== '/') {
    return false;
  }
  return PERSISTENCE_SYSTEM.test(path) || PERSISTENCE_NAME.test(path);
}
