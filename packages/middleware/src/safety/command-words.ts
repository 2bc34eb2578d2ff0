import { basename, INTERPRETERS, isOption, SHELLS } from './environment.js';
import { parseShell, type ShellWord } from './shell-parser.js';

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

/** Strips `sudo`, `env`, `nohup`, `VAR=value` and similar prefixes; returns the words of the real command. */
export function unwrap(words: readonly ShellWord[]): ShellWord[] {
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
        return unwrap([...inner, ...words.slice(index + 2)]);
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
  return words.slice(index);
}

/** The key a program's rules are filed under: lower-case base name, `python3.12` as `python3`, `mkfs.ext4` as `mkfs`. */
export function programKey(name: string): string {
  const lower = name.toLowerCase().replace(/\.exe$/, '');
  if (/^python\d(?:\.\d+)?$/.test(lower)) return lower.startsWith('python2') ? 'python2' : 'python3';
  if (lower.startsWith('mkfs.') || lower.startsWith('mkfs_')) return 'mkfs';
  return lower;
}

/** Whether a program runs a script or code it is given (a shell, an interpreter, `source`, `exec`). */
export function runsScripts(key: string): boolean {
  return SHELLS.has(key) || INTERPRETERS.has(key) || key === 'source' || key === '.' || key === 'exec';
}

/** The script of `sh -c 'script'` (or `bash -lc`, `zsh -ec`...), when there is one. */
export function shellScript(args: readonly ShellWord[]): ShellWord | undefined {
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
  bun: ['-e', '--eval', '-p', '--print'],
  lua: ['-e'],
  pwsh: ['-c', '-command', '-encodedcommand', '-e', '-ec'],
  tclsh: [],
  osascript: ['-e'],
  rscript: ['-e'],
};

/** The interpreter family of a program key (`python3` is `python`, `nodejs` is `node`). */
export function interpreterFamily(key: string): string {
  if (key.startsWith('python')) return 'python';
  if (key === 'nodejs') return 'node';
  if (key === 'powershell') return 'pwsh';
  return key;
}

/** The inline code of an interpreter (`python -c CODE`, `perl -le CODE`, `node --eval=CODE`) and the words after it. */
export function inlineCode(
  key: string,
  args: readonly ShellWord[],
): { code: ShellWord; rest: ShellWord[] } | undefined {
  const family = interpreterFamily(key);
  const flags = INLINE_CODE_FLAGS[family] ?? [];
  for (let index = 0; index < args.length; index++) {
    const text = args[index]!.text;
    const lower = text.toLowerCase();
    if (!text.startsWith('-') && !(family === 'deno' && text === 'eval')) {
      // A script file: what follows are its arguments.
      if (family !== 'deno') return undefined;
      continue;
    }
    const inline = /^(--eval|--print)=(.*)$/s.exec(text);
    if (inline !== null && (family === 'node' || family === 'bun')) {
      return { code: { text: inline[2]!, substitutions: args[index]!.substitutions }, rest: [] };
    }
    const bundled =
      (family === 'python' && /^-[a-zA-Z]*c$/.test(text)) ||
      ((family === 'perl' || family === 'ruby') && /^-[a-zA-Z]*[eE]$/.test(text));
    if (flags.includes(family === 'pwsh' ? lower : text) || bundled) {
      const code = args[index + 1];
      return code === undefined ? undefined : { code, rest: args.slice(index + 2) };
    }
    if (family === 'python' && /^-[a-zA-Z]*m$/.test(text)) return undefined;
    if (family === 'python' && (text === '-W' || text === '-X')) index++;
    if ((family === 'perl' || family === 'ruby') && (text === '-I' || text === '-r' || text === '-M'))
      index++;
  }
  return undefined;
}

/** Whether an interpreter or shell reads its program from standard input (no script, no inline code). */
export function readsProgramFromStdin(key: string, args: readonly ShellWord[]): boolean {
  const family = SHELLS.has(key) ? 'shell' : interpreterFamily(key);
  if (family === 'pwsh' || family === 'osascript') return false;
  for (let index = 0; index < args.length; index++) {
    const text = args[index]!.text;
    if (text === '-' || text === '-s') return true;
    if (text === '--') return args[index + 1] === undefined;
    if (!text.startsWith('-')) return false;
    if (family === 'shell' && /^-[a-zA-Z]*c/.test(text)) return false;
    if (family === 'python' && (text === '-c' || text === '-m' || /^-[a-zA-Z]*[cm]$/.test(text)))
      return false;
    if ((INLINE_CODE_FLAGS[family] ?? []).includes(text)) return false;
    if ((family === 'perl' || family === 'ruby') && /^-[a-zA-Z]*[eE]$/.test(text)) return false;
    if (family === 'python' && (text === '-W' || text === '-X')) index++;
    if (family === 'shell' && (text === '-o' || text === '-O')) index++;
  }
  return true;
}

export { INTERPRETERS, SHELLS };
