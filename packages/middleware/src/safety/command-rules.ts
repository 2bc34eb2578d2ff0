import { homedir } from 'node:os';
import { posix } from 'node:path';
import { parseShell, type ShellCommand, type ShellWord } from './shell-parser.js';

/** Why a command was judged destructive. */
export interface CommandFinding {
  /** Stable rule id (`recursive-delete`, `pipe-download-to-shell`, ...). */
  rule: string;
  /** A sentence the model can read. */
  reason: string;
}

/** Options of `analyzeCommand`. */
export interface CommandAnalysisOptions {
  /** The directory commands run in; recursive deletes of it or of its ancestors are blocked. */
  workspaceRoot?: string;
  /** The user's home directory; default `os.homedir()`. */
  homeDirectory?: string;
  /** Where the command starts, if not in the workspace root (resolved against it). */
  cwd?: string;
  /** Branches that must not be force-pushed or deleted; default main, master, trunk, develop, production, prod, release, release/*. */
  protectedBranches?: readonly string[];
}

interface Environment {
  cwd: string;
  readonly workspace: string;
  readonly home: string;
  readonly protectedBranches: readonly string[];
  depth: number;
  /** Files a download wrote earlier in the same command line. */
  readonly downloaded: Set<string>;
  /**
   * Variables the command line set before (`R=/`, `export R=/`, `for d in /`, `set -- /`); `undefined`
   * for one set to something the check cannot know.
   */
  readonly variables: Map<string, string | undefined>;
}

const DEFAULT_PROTECTED = Object.freeze([
  'main',
  'master',
  'trunk',
  'develop',
  'production',
  'prod',
  'release',
  'release/*',
]);
// Stands for the current directory when no workspace root is known.
const VIRTUAL_WORKSPACE = '/__workspace__/cwd';
// Deeper nesting of `sh -c`, `eval` and substitutions is refused rather than left unread.
const MAX_DEPTH = 8;

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'csh', 'tcsh']);
function INTERPRETERS_LIST(): string[] {
  return [...INTERPRETERS];
}
const INTERPRETERS = new Set([
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
  'Rscript',
  'pwsh',
  'powershell',
]);
const DOWNLOADERS = new Set([
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
const WRAPPERS = new Set([
  'busybox',
  'nohup',
  'time',
  'command',
  'builtin',
  'exec',
  'setsid',
  'stdbuf',
  'unbuffer',
  'caffeinate',
  'chronic',
  'ionice',
  'nice',
  'timeout',
  'doas',
  'sudo',
  'env',
  'xargs',
  'watch',
  'strace',
  'ltrace',
  'catchsegv',
  'flock',
  'chrt',
  'taskset',
]);
const KEYWORDS = new Set(['then', 'do', 'else', 'elif', 'if', 'while', 'until', '!', '{', 'coproc']);
/** Wrapper options that take a value as the next word. */
const WRAPPER_VALUE_OPTIONS: Readonly<Record<string, ReadonlySet<string>>> = {
  sudo: new Set(['-u', '-g', '-h', '-p', '-C', '-D', '-r', '-t', '-U', '-T', '--user', '--group', '--chdir']),
  doas: new Set(['-u', '-C']),
  env: new Set(['-u', '-C', '--unset', '--chdir']),
  nice: new Set(['-n', '--adjustment']),
  ionice: new Set(['-c', '-n', '-p', '-t']),
  timeout: new Set(['-s', '-k', '--signal', '--kill-after']),
  xargs: new Set([
    '-n',
    '-I',
    '-i',
    '-P',
    '-d',
    '-L',
    '-l',
    '-s',
    '-a',
    '-E',
    '-e',
    '--max-args',
    '--max-procs',
    '--delimiter',
  ]),
  watch: new Set(['-n', '-d', '--interval']),
  stdbuf: new Set(['-i', '-o', '-e']),
  flock: new Set(['-w', '-E', '--timeout']),
  strace: new Set(['-o', '-e', '-p', '-s', '-u']),
  chrt: new Set(['-p']),
  taskset: new Set(['-p', '-c']),
};
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
const DEVICE =
  /^\/dev\/(?:sd|hd|vd|xvd|nvme|mmcblk|disk|rdisk|mapper\/|md\d|dm-|loop|sr\d|mtd|nbd|zd|root$|mem$|kmem$|port$)/;
const CRITICAL_FILE =
  /^\/(?:etc\/(?:passwd|shadow|group|gshadow|sudoers|fstab|hosts|crontab|ssh\/|pam\.d\/|sudoers\.d\/|ld\.so)|boot\/|proc\/|sys\/|bin\/|sbin\/|usr\/(?:s?bin|lib)\/|lib(?:32|64)?\/)/;

function basename(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash === -1 ? word : word.slice(slash + 1);
}

function isOption(word: string): boolean {
  return word.length > 1 && word.startsWith('-');
}

/** Short option cluster containing a letter (`-rf` has `r`), or the long form. */
function hasFlag(args: readonly string[], short: string, long: readonly string[]): boolean {
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
function operands(args: readonly ShellWord[], valueOptions: ReadonlySet<string> = new Set()): ShellWord[] {
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

function isInsideOrEqual(parent: string, child: string): boolean {
  return child === parent || parent === '/' || child.startsWith(`${parent}/`);
}

/** Replaces variables the command line set (`$R`, `${R}`, `$1`) by their values; unknown ones stay. */
function substituteVariables(text: string, environment: Environment): string {
  if (environment.variables.size === 0 || !text.includes('$')) return text;
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*|[0-9])\}|\$([A-Za-z_][A-Za-z0-9_]*|[0-9])/g,
    (match, braced, bare) => {
      const value = environment.variables.get(String(braced ?? bare));
      return value === undefined ? match : value;
    },
  );
}

/** Resolves a word to an absolute path, or undefined when it depends on an unknown variable. */
function resolveWord(word: ShellWord, environment: Environment): string | undefined {
  let text = substituteVariables(word.text, environment);
  if (word.substitutions.length > 0) {
    // `$(pwd)` is the current directory and `$(echo x)` is x; other substitutions are unknown.
    text = text
      .replace(/\$\(\s*pwd\s*\)|`\s*pwd\s*`/g, environment.cwd)
      .replace(
        /\$\(\s*(?:echo|printf)\s+([^()$`;|&<>]*)\)|`\s*(?:echo|printf)\s+([^()$`;|&<>]*)`/g,
        (_match, a, b) =>
          String(a ?? b)
            .trim()
            .replace(/^(["'])(.*)\1$/, '$2'),
      );
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
  return posix.resolve(environment.cwd, text);
}

/** What a recursive operation on this word would reach: the directory, and whether it is all of it. */
function reach(word: ShellWord, environment: Environment): string | undefined {
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
function dangerousTarget(path: string, environment: Environment): string | undefined {
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

/** A recursive `rm` inside a command string. */
const RECURSIVE_RM = /\brm\s+(?:-[a-zA-Z]*[rR][a-zA-Z]*|--recursive)\b/;
// Programs whose inline code (`-e`, `-c`, an awk program) may run shell commands.
const CODE_RUNNERS = new Set([...INTERPRETERS_LIST(), 'awk', 'gawk', 'mawk', 'tclsh']);

/**
 * Command strings inside an interpreter's inline code (`perl -e 'system(q{rm -rf /})'`,
 * `awk 'BEGIN{system("rm -rf /")}'`, `python -c "os.system('...')"`): quoted or braced pieces that look like
 * a shell command, to be judged as one.
 */
function embeddedCommands(code: string): string[] {
  const pieces: string[] = [];
  const pattern = /q[qx]?\{([^{}]*)\}|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|`([^`]*)`/g;
  for (let match = pattern.exec(code); match !== null; match = pattern.exec(code)) {
    const piece = match[1] ?? match[2] ?? match[3] ?? match[4] ?? '';
    if (/\s/.test(piece) && /^[\s(]*[A-Za-z_./~-]/.test(piece)) pieces.push(piece);
  }
  return pieces;
}

/** Words that are plainly temporary directories: `$TMPDIR/...`, `/tmp/...`, `$(mktemp ...)`. */
const TEMPORARY = /^["']?(?:\$\{?TMPDIR\}?|\/tmp|\/var\/tmp|\$\(\s*mktemp\b|`\s*mktemp\b)/;

/** `$DIR/` and `$DIR/*`: with the variable unset this is the root. */
function unsetVariableRoot(word: ShellWord): boolean {
  return /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?\/+\*?$/.test(word.text) && !/\$\{?(?:HOME|PWD)\b/.test(word.text);
}

function finding(rule: string, reason: string): CommandFinding {
  return { rule, reason };
}

/** Brace expansion (`/{bin,etc}` is `/bin /etc`), up to 64 words; `{a..b}` ranges are left alone. */
function expandBraces(words: readonly ShellWord[]): ShellWord[] {
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

function firstDangerous(
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

const DOWNLOADER_MENTION = /curl|wget|fetch|aria2c|https?|iwr|irm|invoke-webrequest|lwp-download|lynx|links/i;

function downloads(sources: readonly string[], environment: Environment, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  for (const source of sources) {
    if (!DOWNLOADER_MENTION.test(source)) continue;
    for (const pipeline of parseShell(source)) {
      for (const command of pipeline) {
        const words = unwrap(command.words, environment);
        const name = words[0] === undefined ? '' : basename(words[0].text).toLowerCase();
        if (DOWNLOADERS.has(name)) return true;
        if (
          words.some(
            (word) => word.substitutions.length > 0 && downloads(word.substitutions, environment, depth + 1),
          )
        )
          return true;
      }
    }
  }
  return false;
}

function decodes(sources: readonly string[]): boolean {
  return sources.some((source) =>
    /\b(?:base64\s+(?:-d|--decode|-D)|xxd\s+-r|openssl\s+(?:enc\s+)?-?base64\s+-d)/.test(source),
  );
}

/** Short options of curl and wget that take a value, and which of them names the output file. */
const DOWNLOAD_OPTIONS: Readonly<Record<string, { values: string; output: string; remoteName: string }>> = {
  curl: { values: 'HdXuAemTFxwrbcKECyYzUDtQPo', output: 'o', remoteName: 'O' },
  wget: { values: 'aoeUtTwiBPQOlADIXRh', output: 'O', remoteName: '' },
};

/** Remembers the files a `curl`/`wget` command writes (`-o`, `-O`, `--output`, a URL's name, `>`). */
function recordDownload(
  name: string,
  command: ShellCommand,
  args: readonly ShellWord[],
  environment: Environment,
): void {
  const options = DOWNLOAD_OPTIONS[name] ?? DOWNLOAD_OPTIONS.curl!;
  const outputs: string[] = [];
  // wget names the file after the URL unless told otherwise; curl writes to stdout unless told.
  let remoteName = name === 'wget';
  for (let index = 0; index < args.length; index++) {
    const text = args[index]!.text;
    if (text.startsWith('--')) {
      const [flag, inline] = text.split('=', 2) as [string, string | undefined];
      if (flag === '--output' || flag === '--output-document') {
        const value = inline ?? args[++index]?.text;
        if (value !== undefined) outputs.push(value);
        remoteName = false;
      } else if (flag === '--remote-name' || flag === '--remote-name-all') {
        remoteName = true;
      }
      continue;
    }
    if (!text.startsWith('-') || text.length < 2) continue;
    for (let position = 1; position < text.length; position++) {
      const letter = text[position]!;
      if (options.remoteName.includes(letter)) {
        remoteName = true;
        continue;
      }
      if (!options.values.includes(letter)) continue;
      const rest = text.slice(position + 1);
      const value = rest !== '' ? rest : args[++index]?.text;
      if (letter === options.output && value !== undefined) {
        outputs.push(value);
        remoteName = false;
      }
      break;
    }
  }
  if (remoteName) {
    for (const word of args) {
      const match = /^[a-z]+:\/\/[^?#]*\/([^/?#]+)/i.exec(word.text);
      if (match?.[1] !== undefined) outputs.push(match[1]);
    }
  }
  for (const redirect of command.redirects)
    if (redirect.operator.includes('>')) outputs.push(redirect.target);
  for (const output of outputs) {
    if (output === '-' || output.startsWith('/dev/')) continue;
    const path = resolveWord({ text: output, substitutions: [] }, environment);
    if (path !== undefined) environment.downloaded.add(path);
  }
}

function runsScripts(name: string): boolean {
  return (
    SHELLS.has(name) ||
    INTERPRETERS.has(name) ||
    /^python\d(?:\.\d+)?$/.test(name) ||
    name === 'source' ||
    name === '.' ||
    name === 'exec'
  );
}

/** Strips `sudo`, `env`, `nohup`, `VAR=value` and similar prefixes; returns the words of the real command. */
function unwrap(words: readonly ShellWord[], environment: Environment): ShellWord[] {
  let index = 0;
  for (let guard = 0; guard < 16 && index < words.length; guard++) {
    while (index < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[index]!.text)) index++;
    const word = words[index];
    if (word === undefined) break;
    const name = basename(word.text);
    if (KEYWORDS.has(word.text)) {
      // `if ...; then rm -rf /; fi`: the command follows the keyword.
      index++;
      continue;
    }
    if (!WRAPPERS.has(name)) break;
    index++;
    const valueOptions = WRAPPER_VALUE_OPTIONS[name];
    while (index < words.length) {
      const text = words[index]!.text;
      if (text === '--') {
        index++;
        break;
      }
      if (name === 'env' && /^[A-Za-z_][A-Za-z0-9_]*=/.test(text)) {
        index++;
        continue;
      }
      if (name === 'env' && (text === '-S' || text === '--split-string')) {
        // `env -S "rm -rf /"`: the string is a command line of its own.
        const split = words[index + 1];
        if (split === undefined) return [];
        const inner = parseShell(split.text)[0]?.[0]?.words ?? [];
        return unwrap([...inner, ...words.slice(index + 2)], environment);
      }
      if (!isOption(text)) {
        // `timeout 10 cmd`, `nice 5 cmd` (old form): a leading duration is not the command.
        if ((name === 'timeout' || name === 'nice') && /^\d/.test(text)) {
          index++;
          continue;
        }
        if (name === 'chrt' && /^\d+$/.test(text)) {
          index++;
          continue;
        }
        if (name === 'taskset' && /^(?:0x)?[0-9a-f,-]+$/i.test(text)) {
          index++;
          continue;
        }
        if (name === 'flock' && index < words.length - 1 && !WRAPPERS.has(basename(text))) {
          // `flock /tmp/lock cmd`: the lock file comes first.
          index++;
          continue;
        }
        break;
      }
      index += valueOptions?.has(text) ? 2 : 1;
    }
  }
  void environment;
  return words.slice(index);
}

/** The script of `sh -c 'script'` (or `bash -lc`, `zsh -ec`...), when there is one. */
function shellScript(args: readonly ShellWord[]): ShellWord | undefined {
  for (let index = 0; index < args.length; index++) {
    const text = args[index]!.text;
    if (text === '--') return undefined;
    if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(text) || text === '--command') return args[index + 1];
    if (text === '-o' || text === '-O' || text === '+O' || text === '+o') index++;
    else if (!text.startsWith('-') && !text.startsWith('+')) return undefined;
  }
  return undefined;
}

const INLINE_CODE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  python: ['-c'],
  perl: ['-e', '-E'],
  ruby: ['-e'],
  node: ['-e', '--eval', '-p', '--print'],
  php: ['-r'],
  deno: ['eval'],
  bun: ['-e', '--eval'],
  lua: ['-e'],
  pwsh: ['-c', '-Command', '-command'],
};

function interpreterFamily(name: string): string {
  if (name.startsWith('python')) return 'python';
  if (name === 'nodejs') return 'node';
  if (name === 'powershell') return 'pwsh';
  return name;
}

/** Whether an interpreter or shell reads its program from standard input (no script, no inline code). */
function readsProgramFromStdin(name: string, args: readonly ShellWord[]): boolean {
  const family = SHELLS.has(name) ? 'shell' : interpreterFamily(name);
  for (let index = 0; index < args.length; index++) {
    const text = args[index]!.text;
    if (text === '-' || text === '-s') return true;
    if (text === '--') return args[index + 1] === undefined;
    if (!text.startsWith('-')) return false;
    if (family === 'shell' && /^-[a-zA-Z]*c/.test(text)) return false;
    if (family === 'python' && (text === '-c' || text === '-m' || /^-[a-zA-Z]*[cm]$/.test(text)))
      return false;
    if ((INLINE_CODE_FLAGS[family] ?? []).includes(text)) return false;
    if (family === 'python' && (text === '-W' || text === '-X')) index++;
    if (family === 'shell' && (text === '-o' || text === '-O')) index++;
  }
  return true;
}

/** String literals in inline code (`python -c "os.system('rm -rf /')"`), to check as commands. */
function stringLiterals(code: string): string[] {
  const literals: string[] = [];
  const pattern = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|`((?:[^`\\]|\\.)*)`/g;
  for (const match of code.matchAll(pattern)) {
    const literal = match[1] ?? match[2] ?? match[3] ?? '';
    if (literal.includes(' ')) literals.push(literal);
  }
  return literals;
}

// Names start at a token boundary and are bounded, bodies too: each position is tried once and briefly, so a
// long command costs linear time (unbounded versions of these took seconds on 50 kB of input).
const FORK_BOMB = [
  /(?<![\w:.-])([A-Za-z_:.][\w:.-]{0,63})\s{0,8}\(\s{0,8}\)\s{0,8}\{[^}]{0,200}?\1\s{0,8}\|\s{0,8}\1\s{0,8}&/,
  /(?<![\w:.-])([A-Za-z_:.][\w:.-]{0,63})\s{0,8}\(\s{0,8}\)\s{0,8}\{[^}]{0,200}?\1\s{0,8}&[^}]{0,200}?\1\s{0,8}&/,
  /\bfunction\s{1,8}([A-Za-z_][\w-]{0,63})\s{0,8}(?:\(\s{0,8}\))?\s{0,8}\{[^}]{0,200}?\1\s{0,8}\|\s{0,8}\1/,
  /\bfork\s+while\s+fork\b/,
  /while\s*(?:True|1)\s*:\s*os\.fork\(\s*\)/,
  /\bwhile\s*\(\s*(?:1|true)\s*\)\s*\{?\s*fork\s*\(\s*\)/,
  /\$0\s*&\s*\$0\s*&/,
];

const RMTREE_ROOT =
  /\b(?:shutil\.rmtree|rm_rf|rmSync|rimraf(?:\.sync)?|FileUtils\.rm_r)\s*\(\s*['"](?:\/|~|\$HOME|\/home|\/etc|\/usr)\/?['"]/;

function checkGitPush(args: readonly ShellWord[], environment: Environment): CommandFinding | undefined {
  const texts = args.map((word) => word.text);
  let force = false;
  let remove = false;
  const positional: string[] = [];
  for (let index = 0; index < texts.length; index++) {
    const text = texts[index]!;
    if (text === '--mirror')
      return finding('git-force-push', 'git push --mirror overwrites every branch and tag of the remote');
    if (text === '--force' || text.startsWith('--force-with-lease') || text === '--force-if-includes')
      force = true;
    else if (text === '--delete') remove = true;
    else if (/^-[a-zA-Z]+$/.test(text)) {
      if (text.includes('f')) force = true;
      if (text.includes('d')) remove = true;
      if (text === '-o') index++;
    } else if (
      text === '--repo' ||
      text === '--push-option' ||
      text === '--receive-pack' ||
      text === '--exec'
    )
      index++;
    else if (!text.startsWith('-')) positional.push(text);
  }
  const refspecs = positional.slice(1);
  const protectedName = (ref: string): string | undefined => {
    const name = ref.replace(/^\+/, '').replace(/^refs\/heads\//, '');
    return environment.protectedBranches.find((branch) =>
      branch.endsWith('/*') ? name.startsWith(branch.slice(0, -1)) : name === branch,
    );
  };
  for (const refspec of refspecs) {
    const colon = refspec.indexOf(':');
    const destination = colon === -1 ? refspec.replace(/^\+/, '') : refspec.slice(colon + 1);
    const hit = protectedName(destination === '' ? refspec : destination);
    if (hit === undefined) continue;
    if (remove || (colon === 0 && destination !== '')) {
      return finding(
        'git-delete-protected-branch',
        `git push deletes the protected branch ${JSON.stringify(destination)}`,
      );
    }
    if (force || refspec.startsWith('+')) {
      return finding(
        'git-force-push',
        `git push --force to the protected branch ${JSON.stringify(destination)}`,
      );
    }
  }
  if (force && refspecs.length === 0) {
    return finding(
      'git-force-push',
      'git push --force without an explicit branch may rewrite a protected branch; name a non-protected branch',
    );
  }
  return undefined;
}

function skipGitGlobalOptions(args: readonly ShellWord[]): ShellWord[] {
  let index = 0;
  while (index < args.length) {
    const text = args[index]!.text;
    if (
      text === '-C' ||
      text === '-c' ||
      text === '--git-dir' ||
      text === '--work-tree' ||
      text === '--namespace'
    )
      index += 2;
    else if (text.startsWith('-')) index++;
    else break;
  }
  return args.slice(index);
}

function resolveCd(args: readonly ShellWord[], environment: Environment): void {
  const target = operands(args)[0];
  if (target === undefined || target.text === '~') {
    environment.cwd = environment.home;
    return;
  }
  if (target.text === '-') return;
  const resolved = resolveWord(target, environment);
  // An unknown destination: from here on, relative paths are judged as if still in the workspace.
  if (resolved !== undefined) environment.cwd = resolved;
}

function checkSimpleCommand(
  command: ShellCommand,
  previous: readonly ShellCommand[],
  environment: Environment,
): CommandFinding | undefined {
  for (const redirect of command.redirects) {
    if (!redirect.operator.includes('>')) continue;
    const target = redirect.target.replace(/^~(?=\/)/, environment.home);
    if (DEVICE.test(target)) return finding('write-to-device', `redirects output onto the device ${target}`);
    const absolute = posix.resolve(environment.cwd, target);
    if (CRITICAL_FILE.test(absolute))
      return finding('overwrite-system-file', `overwrites the system file ${absolute}`);
  }

  const words = unwrap(command.words, environment);
  const head = words[0];
  if (head === undefined) return undefined;
  const args = words.slice(1);
  const texts = args.map((word) => word.text);

  const program = basename(head.text).toLowerCase();
  if (CODE_RUNNERS.has(program)) {
    for (const text of texts) {
      if (!/system|exec|spawn|popen|`|qx|subprocess|child_process|shell/.test(text)) continue;
      for (const piece of embeddedCommands(text)) {
        const nested = analyzeScript(piece, { ...environment, depth: environment.depth + 1 });
        if (nested !== undefined) return nested;
      }
    }
  }
  // `... | xargs rm -rf`: the targets arrive on standard input, where the check cannot see them.
  const xargs = command.words.findIndex((word) => basename(word.text) === 'xargs');
  if (
    xargs >= 0 &&
    RECURSIVE_RM.test(
      command.words
        .slice(xargs + 1)
        .map((word) => word.text)
        .join(' '),
    )
  ) {
    return finding('recursive-delete', 'xargs runs a recursive delete on whatever arrives on its input');
  }

  // Running what a substitution produced: `$(curl ...)`, `` `echo ... | base64 -d` ``.
  if (head.substitutions.length > 0) {
    if (downloads(head.substitutions, environment)) {
      return finding('execute-download', 'runs code downloaded from the network without review');
    }
    if (decodes(head.substitutions))
      return finding('execute-obfuscated', 'runs a decoded (obfuscated) command');
  }

  const name = basename(head.text);
  const lower = name.toLowerCase();

  if (DOWNLOADERS.has(lower)) {
    recordDownload(lower, command, args, environment);
    return undefined;
  }
  // `curl -o i.sh URL && chmod +x i.sh && ./i.sh`: running what was just downloaded.
  if (environment.downloaded.size > 0) {
    const candidates = head.text.includes('/') ? [head, ...args] : args;
    for (const word of candidates) {
      if (word.text.startsWith('-')) continue;
      const path = resolveWord(word, environment);
      if (path !== undefined && environment.downloaded.has(path) && (word === head || runsScripts(name))) {
        return finding('execute-download', `runs ${word.text}, downloaded from the network without review`);
      }
    }
  }

  if (
    SHELLS.has(name) ||
    INTERPRETERS.has(name) ||
    /^python\d(?:\.\d+)?$/.test(name) ||
    name === 'eval' ||
    name === 'source' ||
    name === '.'
  ) {
    // Program taken from a download: piped in, or passed as `<(curl ...)` / `"$(curl ...)"`.
    const family = name === 'eval' || name === 'source' || name === '.' ? 'shell' : name;
    if (command.piped && (family === 'shell' || readsProgramFromStdin(name, args))) {
      const sources = previous.map((item) => item.words.map((word) => word.text).join(' '));
      const feeders = previous.flatMap((item) => item.words.flatMap((word) => word.substitutions));
      if (downloads(sources, environment) || downloads(feeders, environment)) {
        return finding(
          'pipe-download-to-shell',
          `pipes a download into ${name}; download, review, then run it`,
        );
      }
      if (decodes(sources))
        return finding('execute-obfuscated', `pipes decoded (obfuscated) content into ${name}`);
      // `echo "rm -rf /" | sh`: the echoed text is the script.
      const feeder = previous[previous.length - 1];
      const feederWords = feeder === undefined ? [] : unwrap(feeder.words, environment);
      const feederName = feederWords[0] === undefined ? '' : basename(feederWords[0].text);
      if (SHELLS.has(name) && (feederName === 'echo' || feederName === 'printf')) {
        const script = feederWords
          .slice(1)
          .filter((word) => !/^-[neE]+$/.test(word.text))
          .map((word) => word.text)
          .join(' ');
        const nested = analyzeScript(script, { ...environment, depth: environment.depth + 1 });
        if (nested !== undefined) return nested;
      }
    }
    for (const word of args) {
      if (word.substitutions.length > 0 && downloads(word.substitutions, environment)) {
        return finding('execute-download', `${name} runs code downloaded from the network without review`);
      }
      if (word.substitutions.length > 0 && decodes(word.substitutions)) {
        return finding('execute-obfuscated', `${name} runs a decoded (obfuscated) command`);
      }
    }
    {
      let inner: string | undefined;
      if (name === 'eval') inner = texts.join(' ');
      else if (SHELLS.has(name)) inner = shellScript(args)?.text;
      if (inner !== undefined) {
        const nested = analyzeScript(inner, { ...environment, depth: environment.depth + 1 });
        if (nested !== undefined) return nested;
      } else if (!SHELLS.has(name) && name !== 'source' && name !== '.') {
        const family = interpreterFamily(name);
        const flags = INLINE_CODE_FLAGS[family] ?? [];
        const flagIndex = texts.findIndex(
          (text) => flags.includes(text) || (family === 'python' && /^-[a-zA-Z]*c$/.test(text)),
        );
        const code = flagIndex === -1 ? undefined : texts[flagIndex + 1];
        if (code !== undefined) {
          if (RMTREE_ROOT.test(code))
            return finding('recursive-delete', `${name} code deletes a root or home directory`);
          if (FORK_BOMB.some((pattern) => pattern.test(code))) return finding('fork-bomb', 'a fork bomb');
          for (const literal of stringLiterals(code)) {
            const nested = analyzeScript(literal, { ...environment, depth: environment.depth + 1 });
            if (nested !== undefined) return nested;
          }
        }
      }
    }
    return undefined;
  }

  switch (lower) {
    case 'cd':
    case 'pushd':
      resolveCd(args, environment);
      return undefined;
    case 'rm':
    case 'unlink':
    case 'rmdir': {
      if (texts.includes('--no-preserve-root')) {
        return finding(
          'recursive-delete',
          'rm --no-preserve-root removes the protection of the filesystem root',
        );
      }
      const targets = operands(args);
      if (lower === 'rm' && hasFlag(texts, 'rR', ['--recursive'])) {
        const hit = firstDangerous(targets, environment);
        if (hit !== undefined) {
          return finding(
            'recursive-delete',
            `recursive delete of ${hit.what} (${JSON.stringify(hit.word.text)})`,
          );
        }
      }
      for (const target of targets) {
        const path = reach(target, environment);
        if (
          path !== undefined &&
          (path === '/' || CRITICAL_FILE.test(path) || /^\/(?:etc|boot)(?:\/|$)/.test(path))
        ) {
          return finding('delete-system-files', `deletes the system path ${path}`);
        }
      }
      return undefined;
    }
    case 'shred':
    case 'srm':
    case 'wipe': {
      for (const target of operands(args, new Set(['-n', '-s', '--iterations', '--size']))) {
        if (DEVICE.test(target.text))
          return finding('wipe-device', `${name} overwrites the device ${target.text}`);
        const path = reach(target, environment);
        if (
          path !== undefined &&
          (dangerousTarget(path, environment) !== undefined || CRITICAL_FILE.test(path))
        ) {
          return finding('wipe-device', `${name} destroys ${path}`);
        }
      }
      return undefined;
    }
    case 'find': {
      const destructive = texts.some(
        (text, index) =>
          text === '-delete' ||
          ((text === '-exec' || text === '-execdir' || text === '-ok' || text === '-okdir') &&
            (/^(?:rm|shred|unlink|rmdir)$/.test(basename(texts[index + 1] ?? '')) ||
              // `-exec sh -c "rm -rf {}"`: the shell runs the delete.
              (SHELLS.has(basename(texts[index + 1] ?? '')) &&
                texts.slice(index + 2).some((inner) => RECURSIVE_RM.test(inner))))),
      );
      if (!destructive) return undefined;
      const starts: ShellWord[] = [];
      for (const word of args) {
        if (word.text.startsWith('-') || word.text === '(' || word.text === '!') break;
        starts.push(word);
      }
      const filtered = texts.some((text) =>
        /^-(?:i?name|i?path|i?wholename|i?regex|type|mtime|mmin|atime|amin|ctime|cmin|newer|size|empty|user|group|perm|inum|links)$/.test(
          text,
        ),
      );
      for (const start of starts.length > 0 ? starts : [{ text: '.', substitutions: [] }]) {
        const path = reach(start, environment);
        if (path === undefined) continue;
        const what = dangerousTarget(path, environment);
        if (what === undefined) continue;
        const everything = !filtered;
        // With filters (`-name '*.gz' -mtime +30`), only the root, home, top-level system directories and
        // the workspace's ancestors are off limits; cleaning old files under /var/log is routine.
        const critical =
          path === '/' ||
          SYSTEM_DIRECTORIES.has(path) ||
          /^\/(?:etc|boot|usr)(?:\/|$)/.test(path) ||
          isInsideOrEqual(path, environment.home) ||
          (path !== environment.workspace && isInsideOrEqual(path, environment.workspace));
        if (everything || critical)
          return finding('recursive-delete', `find deletes files under ${what} (${path})`);
      }
      return undefined;
    }
    case 'chmod':
    case 'chown':
    case 'chgrp': {
      const recursive = hasFlag(texts, 'R', ['--recursive']);
      const rest = operands(args, new Set(['--reference']));
      const targets = lower === 'chmod' || lower === 'chown' || lower === 'chgrp' ? rest.slice(1) : rest;
      const mode = rest[0]?.text ?? '';
      for (const target of expandBraces(targets)) {
        const path = reach(target, environment);
        if (path === undefined) continue;
        const what = dangerousTarget(path, environment);
        // The workspace itself is the agent's to change; its ancestors, home and system paths are not.
        const system = what !== undefined && path !== environment.workspace;
        if (recursive && system) {
          return finding('recursive-permissions', `${name} -R on ${what} (${path})`);
        }
        if (
          lower === 'chmod' &&
          (path === '/' || system) &&
          /^(?:0?777|0?666|0?000|a\+rwx|ugo\+rwx|a=rwx|[oa]\+w)$/.test(mode)
        ) {
          return finding('recursive-permissions', `chmod ${mode} on ${what}`);
        }
      }
      return undefined;
    }
    case 'dd': {
      for (const text of texts) {
        if (!text.startsWith('of=')) continue;
        const target = text.slice(3);
        if (DEVICE.test(target)) return finding('write-to-device', `dd writes onto the device ${target}`);
        if (CRITICAL_FILE.test(posix.resolve(environment.cwd, target))) {
          return finding('overwrite-system-file', `dd overwrites the system file ${target}`);
        }
      }
      return undefined;
    }
    case 'truncate':
    case 'tee': {
      for (const target of operands(args, new Set(['-s', '--size', '-r', '--reference']))) {
        if (DEVICE.test(target.text))
          return finding('write-to-device', `${name} writes onto the device ${target.text}`);
        const absolute = posix.resolve(environment.cwd, target.text);
        if (CRITICAL_FILE.test(absolute)) {
          return finding('overwrite-system-file', `${name} overwrites the system file ${absolute}`);
        }
      }
      return undefined;
    }
    case 'cp':
    case 'mv':
    case 'rsync': {
      const all = operands(
        args,
        new Set(['-t', '--target-directory', '-e', '--rsh', '--exclude', '--include', '--filter']),
      );
      const destination = all[all.length - 1];
      if (destination !== undefined && DEVICE.test(destination.text)) {
        return finding('write-to-device', `${name} writes onto the device ${destination.text}`);
      }
      if (destination !== undefined && all.length > 1) {
        const absolute = resolveWord(destination, environment);
        if (absolute !== undefined && CRITICAL_FILE.test(absolute)) {
          return finding('overwrite-system-file', `${name} overwrites the system path ${absolute}`);
        }
      }
      if (lower === 'mv') {
        const hit = firstDangerous(all.slice(0, -1), environment);
        if (hit !== undefined)
          return finding('recursive-delete', `mv moves away ${hit.what} (${JSON.stringify(hit.word.text)})`);
      }
      if (
        lower === 'rsync' &&
        texts.some((text) => text.startsWith('--delete')) &&
        destination !== undefined
      ) {
        const hit = firstDangerous([destination], environment);
        if (hit !== undefined) return finding('recursive-delete', `rsync --delete into ${hit.what}`);
      }
      return undefined;
    }
    case 'mkfs':
    case 'mke2fs':
    case 'mkswap':
    case 'wipefs':
    case 'blkdiscard':
    case 'mkdosfs':
    case 'newfs':
      return finding('format-filesystem', `${name} formats or erases a filesystem`);
    case 'fdisk':
    case 'sfdisk':
    case 'cfdisk':
    case 'gdisk':
    case 'sgdisk':
    case 'parted': {
      if (texts.some((text) => text === '-l' || text === '--list' || text === 'print' || text === '-p'))
        return undefined;
      if (texts.some((text) => DEVICE.test(text)))
        return finding('format-filesystem', `${name} repartitions a disk`);
      return undefined;
    }
    case 'shutdown':
    case 'reboot':
    case 'halt':
    case 'poweroff':
      return finding('power-off', `${name} stops the machine`);
    case 'init':
    case 'telinit':
      return texts[0] === '0' || texts[0] === '6'
        ? finding('power-off', `${name} ${texts[0]} stops the machine`)
        : undefined;
    case 'systemctl':
      return texts.some((text) => /^(?:poweroff|reboot|halt|kexec|emergency|rescue)$/.test(text))
        ? finding('power-off', 'systemctl stops or reboots the machine')
        : undefined;
    case 'kill':
    case 'pkill': {
      if (lower === 'kill') {
        const pids = texts.filter(
          (text, index) =>
            !(index === 0 && /^-(?:\d+|[A-Z]+|SIG[A-Z]+)$/.test(text) && texts.length > 1) &&
            text !== '--' &&
            text !== '-s' &&
            text !== '-n',
        );
        if (pids.some((pid) => pid === '-1' || pid === '1'))
          return finding('kill-everything', 'kill targets every process (or init)');
      }
      return undefined;
    }
    case 'killall5':
      return finding('kill-everything', 'killall5 signals every process');
    case 'crontab':
      return texts.includes('-r')
        ? finding('delete-crontab', 'crontab -r deletes every scheduled job')
        : undefined;
    case 'git': {
      const sub = skipGitGlobalOptions(args);
      if (sub[0]?.text === 'push') return checkGitPush(sub.slice(1), environment);
      if (
        sub[0]?.text === 'clean' &&
        sub.some((word) => /^-[a-zA-Z]*f/.test(word.text) || word.text === '--force')
      ) {
        // `git clean -f` deletes untracked files of the repository it runs in: -C says which.
        const index = texts.indexOf('-C');
        const directory = index >= 0 ? args[index + 1] : undefined;
        if (directory !== undefined) {
          const hit = firstDangerous([directory], environment);
          if (
            hit !== undefined &&
            !isInsideOrEqual(environment.workspace, reach(directory, environment) ?? '/')
          ) {
            return finding(
              'recursive-delete',
              `git clean deletes the untracked files of ${hit.what} (${JSON.stringify(directory.text)})`,
            );
          }
        }
      }
      return undefined;
    }
    default:
      if (lower.startsWith('mkfs.') || lower.startsWith('mkfs_')) {
        return finding('format-filesystem', `${name} formats a filesystem`);
      }
      return undefined;
  }
}

/** Remembers what `R=/`, `export R=/`, `for d in / ...` and `set -- /` set, for the commands after. */
function recordAssignments(words: readonly ShellWord[], environment: Environment): void {
  const first = words[0]?.text;
  if (first === undefined) return;
  const assign = (word: ShellWord) => {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(word.text);
    if (match === null) return false;
    const value = match[2]!;
    const known = word.substitutions.length === 0 && !/[`]|\$\(/.test(value);
    environment.variables.set(match[1]!, known ? substituteVariables(value, environment) : undefined);
    return true;
  };
  if (first === 'for' && words[2]?.text === 'in') {
    const name = words[1]!.text;
    const values = words.slice(3).filter((word) => word.text !== ';' && word.text !== 'do');
    // One value is known; a list could be any of them, so it counts as unknown.
    environment.variables.set(
      name,
      values.length === 1 && values[0]!.substitutions.length === 0 ? values[0]!.text : undefined,
    );
    return;
  }
  if (first === 'set' && words[1]?.text === '--') {
    words.slice(2).forEach((word, index) => {
      environment.variables.set(String(index + 1), word.substitutions.length === 0 ? word.text : undefined);
    });
    return;
  }
  if (
    first === 'export' ||
    first === 'declare' ||
    first === 'readonly' ||
    first === 'local' ||
    first === 'typeset'
  ) {
    for (const word of words.slice(1)) assign(word);
    return;
  }
  // `R=/` alone sets a shell variable; `R=/ cmd` only sets it for cmd.
  if (words.every((word) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(word.text)))
    for (const word of words) assign(word);
}

function analyzeScript(source: string, environment: Environment): CommandFinding | undefined {
  if (environment.depth > MAX_DEPTH) {
    return finding('nesting-too-deep', `commands nested more than ${MAX_DEPTH} levels deep are not checked`);
  }
  if (FORK_BOMB.some((pattern) => pattern.test(source))) {
    return finding(
      'fork-bomb',
      'a fork bomb: a function that starts copies of itself until the machine stalls',
    );
  }
  for (const pipeline of parseShell(source)) {
    for (let index = 0; index < pipeline.length; index++) {
      const command = pipeline[index]!;
      const hit = checkSimpleCommand(command, pipeline.slice(0, index), environment);
      if (hit !== undefined) return hit;
      recordAssignments(command.words, environment);
      // Substitutions run too: `echo $(rm -rf ~)`.
      for (const word of command.words) {
        for (const inner of word.substitutions) {
          const nested = analyzeScript(inner, { ...environment, depth: environment.depth + 1 });
          if (nested !== undefined) return nested;
        }
      }
    }
  }
  return undefined;
}

function createEnvironment(options: CommandAnalysisOptions): Environment {
  const workspace =
    options.workspaceRoot === undefined ? VIRTUAL_WORKSPACE : posix.resolve(options.workspaceRoot);
  const home = posix.resolve(options.homeDirectory ?? homedir());
  let cwd = workspace;
  if (options.cwd !== undefined && options.cwd !== '') {
    cwd = posix.resolve(workspace, options.cwd.replace(/^~(?=\/|$)/, home));
  }
  return {
    cwd,
    workspace,
    home,
    protectedBranches: options.protectedBranches ?? DEFAULT_PROTECTED,
    depth: 0,
    downloaded: new Set(),
    variables: new Map(),
  };
}

/**
 * Judges a shell command (a command line, or an argv array run without a shell) against destructive
 * patterns: recursive deletes of the root, home or workspace, filesystem formatting, writes onto devices,
 * fork bombs, downloads piped into a shell, recursive permission changes on system paths, force-pushes to
 * protected branches, power-off and a few more. Sees through quoting, `sudo`, `env`, `sh -c`, `eval`,
 * substitutions and `&&`/`;`/`|` chains. Returns the first finding, or undefined when the command looks safe.
 */
export function analyzeCommand(
  command: string | readonly string[],
  options: CommandAnalysisOptions = {},
): CommandFinding | undefined {
  const environment = createEnvironment(options);
  if (typeof command === 'string') return analyzeScript(command, environment);
  const words = command.map((text) => ({ text: String(text), substitutions: [] }));
  return checkSimpleCommand({ words, redirects: [], piped: false }, [], environment);
}
