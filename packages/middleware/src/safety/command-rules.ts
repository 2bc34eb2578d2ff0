import { homedir } from 'node:os';
import { posix } from 'node:path';
import { programKey, runsScripts, unwrap } from './command-words.js';
import { decodes, downloads } from './downloads.js';
import {
  basename,
  type CommandFinding,
  childEnvironment,
  type Environment,
  evaluateSimpleSubstitutions,
  finding,
  MAX_DEPTH,
  resolveWord,
  substituteVariables,
  VIRTUAL_WORKSPACE,
  writeTargetFinding,
} from './environment.js';
import { FORK_BOMB } from './inline-code.js';
import { checkSocketRedirects, recordSecretCopies } from './network-rules.js';
import { RULES_BY_PROGRAM, type RuleContext } from './program-rules.js';
import { parseShell, type ShellCommand, type ShellWord } from './shell-parser.js';

export type { CommandFinding } from './environment.js';

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
  /**
   * Refuse what cannot be read before it runs: a command name built from variables or substitutions
   * (`$X$Y`, `$(which rm)`), `eval`/`source` of generated text, a program piped into a shell from anything
   * but `echo`/`printf`/`cat`, interpreter code built by a substitution. Default true (agent shells); false
   * judges such commands by what they show.
   */
  strict?: boolean;
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

const RECURSIVE_RM = /\brm\s+(?:-[a-zA-Z]*[rR][a-zA-Z]*|--recursive)\b/;

/**
 * The name a command word runs, after the variables the line set and `$(echo x)`; undefined when it is only
 * known at run time (an unknown variable, a substitution, a glob, an `xargs -I{}` placeholder).
 */
function commandName(head: ShellWord, environment: Environment): string | undefined {
  let text = substituteVariables(head.text, environment);
  if (head.substitutions.length > 0) {
    text = evaluateSimpleSubstitutions(text, environment);
    for (const inner of head.substitutions) {
      text = text
        .replace(`$(${inner})`, '\u2400')
        .replace(`\`${inner}\``, '\u2400')
        .replace(`<(${inner})`, '\u2400');
    }
  }
  const name = basename(text);
  if (name === '' || /[\u2400$`]|\{\}|[*?]|\[[^\]]*\]/.test(name)) return undefined;
  return name;
}

/** Redirections that write onto devices, system files, or files run later (profiles, cron). */
function checkRedirects(command: ShellCommand, environment: Environment): CommandFinding | undefined {
  for (const redirect of command.redirects) {
    if (!redirect.operator.includes('>')) continue;
    const target = redirect.target.replace(/^~(?=\/)/, environment.home);
    const absolute = /\$/.test(target)
      ? resolveWord({ text: redirect.target, substitutions: [] }, environment)
      : posix.resolve(environment.cwd, target);
    if (absolute === undefined) continue;
    const hit = writeTargetFinding(absolute, environment, 'a redirection');
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** Runs a file a download wrote earlier in the line (`curl -o i.sh URL && bash i.sh`). */
function checkRunsDownload(
  head: ShellWord,
  args: readonly ShellWord[],
  name: string,
  environment: Environment,
) {
  if (environment.downloaded.size === 0) return undefined;
  const candidates = head.text.includes('/') ? [head, ...args] : args;
  for (const word of candidates) {
    if (word.text.startsWith('-')) continue;
    const path = resolveWord(word, environment);
    if (
      path !== undefined &&
      environment.downloaded.has(path) &&
      (word === head || runsScripts(programKey(name)))
    ) {
      return finding('execute-download', `runs ${word.text}, downloaded from the network without review`);
    }
  }
  return undefined;
}

/**
 * Judges one simple command. Command-level rules first, in this order: redirections, a shell on a socket,
 * `xargs rm -r`, the command name (substituted downloads, decoded text, strict mode), running a file
 * downloaded earlier; then the rules filed under the program in `PROGRAM_RULES`.
 */
function checkSimpleCommand(
  command: ShellCommand,
  pipeline: readonly ShellCommand[],
  index: number,
  environment: Environment,
): CommandFinding | undefined {
  const redirected = checkRedirects(command, environment) ?? checkSocketRedirects(command);
  if (redirected !== undefined) return redirected;

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

  const words = unwrap(command.words);
  const head = words[0];
  if (head === undefined) {
    // `env > /tmp/e`: a wrapper alone still writes what it prints.
    recordSecretCopies('', [], command, environment);
    return undefined;
  }
  const args = words.slice(1);

  // Running what a substitution produced: `$(curl ...)`, `` `echo ... | base64 -d` ``.
  if (head.substitutions.length > 0) {
    if (downloads(head.substitutions)) {
      return finding('execute-download', 'runs code downloaded from the network without review');
    }
    if (decodes(head.substitutions))
      return finding('execute-obfuscated', 'runs a decoded (obfuscated) command');
  }
  const substituted = substituteVariables(head.text, environment);
  if (head.text.includes('$') && /\s/.test(substituted.trim()) && !substituted.includes('$')) {
    // `C="rm -rf"; $C /`: an unquoted variable splits into words; judge the words it becomes.
    const split = parseShell(substituted)[0]?.[0]?.words ?? [];
    if (split.length > 0 && environment.depth <= MAX_DEPTH) {
      const words = [...split, ...args];
      const simple: ShellCommand = { ...command, words };
      const copy = [...pipeline];
      copy[index] = simple;
      return checkSimpleCommand(simple, copy, index, { ...environment, depth: environment.depth + 1 });
    }
  }
  let name = commandName(head, environment);
  if (name === undefined) {
    if (environment.strict) {
      return finding(
        'dynamic-command',
        `the command name ${JSON.stringify(head.text)} is only known when it runs (a variable, a substitution or a glob); strict mode refuses it: write the command out`,
      );
    }
    name = basename(head.text);
  }
  const ranDownload = checkRunsDownload(head, args, name, environment);
  if (ranDownload !== undefined) return ranDownload;

  const key = programKey(name);
  const rules = RULES_BY_PROGRAM.get(key);
  const context: RuleContext = {
    command,
    pipeline,
    index,
    name,
    key,
    head,
    args,
    texts: args.map((word) => word.text),
    environment,
    analyze(source, scope) {
      if (scope === 'child') return analyzeScript(source, childEnvironment(environment));
      environment.depth++;
      try {
        return analyzeScript(source, environment);
      } finally {
        environment.depth--;
      }
    },
  };
  for (const rule of rules ?? []) {
    const hit = rule.check(context);
    if (hit !== undefined) return hit;
  }
  recordSecretCopies(key, args, command, environment);
  return undefined;
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
  if (first === 'read' || first === 'mapfile' || first === 'readarray') {
    // `read X`: the value comes from input.
    for (const word of words.slice(1)) {
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(word.text)) environment.variables.set(word.text, undefined);
    }
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
  // `( ... )` is a child process: its `cd` and assignments end with it.
  const saved: Array<{ cwd: string; variables: Map<string, string | undefined> }> = [];
  const enter = (level: number) => {
    while (saved.length < level) {
      saved.push({ cwd: environment.cwd, variables: environment.variables });
      environment.variables = new Map(environment.variables);
    }
    while (saved.length > level) {
      const outer = saved.pop()!;
      environment.cwd = outer.cwd;
      environment.variables = outer.variables;
    }
  };
  try {
    for (const pipeline of parseShell(source)) {
      for (let index = 0; index < pipeline.length; index++) {
        const command = pipeline[index]!;
        enter(command.subshell ?? 0);
        const hit = checkSimpleCommand(command, pipeline, index, environment);
        if (hit !== undefined) return hit;
        recordAssignments(command.words, environment);
        // Substitutions run too, in child processes: `echo $(rm -rf ~)`, also in here-documents.
        const substitutions = [
          ...command.words.flatMap((word) => word.substitutions),
          ...command.redirects.flatMap((redirect) => redirect.substitutions ?? []),
        ];
        for (const inner of substitutions) {
          const nested = analyzeScript(inner, childEnvironment(environment));
          if (nested !== undefined) return nested;
        }
      }
    }
  } finally {
    enter(0);
  }
  return undefined;
}

function createEnvironment(options: CommandAnalysisOptions): Environment {
  const workspace = options.workspaceRoot === undefined ? VIRTUAL_WORKSPACE : toPosix(options.workspaceRoot);
  const home = toPosix(options.homeDirectory ?? homedir());
  let cwd = workspace;
  if (options.cwd !== undefined && options.cwd !== '') {
    cwd = posix.resolve(workspace, toPosix(options.cwd.replace(/^~(?=\/|$)/, home), workspace));
  }
  return {
    cwd,
    workspace,
    home,
    protectedBranches: options.protectedBranches ?? DEFAULT_PROTECTED,
    strict: options.strict ?? true,
    depth: 0,
    downloaded: new Set(),
    secretFiles: new Set(),
    links: new Map(),
    variables: new Map(),
  };
}

/**
 * A path as the POSIX shell the command runs in sees it: `C:\work\x` (Windows) becomes `/c/work/x`, as Git
 * Bash, MSYS and Cygwin-style shells name it; POSIX paths are resolved as they are.
 */
function toPosix(path: string, base = '/'): string {
  const drive = /^([A-Za-z]):[\\/]/.exec(path);
  if (drive !== null)
    return posix.resolve(`/${drive[1]!.toLowerCase()}/${path.slice(3).replace(/\\/g, '/')}`);
  return posix.resolve(base, path);
}

/**
 * Judges a shell command (a command line, or an argv array run without a shell) against destructive
 * patterns: recursive deletes of the root, home or workspace, filesystem formatting, writes onto devices,
 * fork bombs, downloads or decoded text run, recursive permission changes on system paths, force-pushes to
 * protected branches, power-off, secrets sent to the network, reverse shells, persistence, links out of
 * the workspace, privileged containers, and (strict mode, the default) commands that cannot be read
 * before they run. Sees through quoting, `sudo`, `env`, `sh -c`, `eval`, substitutions, inline interpreter
 * code and `&&`/`;`/`|` chains. Returns the first finding, or undefined when the command looks safe.
 */
export function analyzeCommand(
  command: string | readonly string[],
  options: CommandAnalysisOptions = {},
): CommandFinding | undefined {
  const environment = createEnvironment(options);
  if (typeof command === 'string') return analyzeScript(command, environment);
  const words = command.map((text) => ({ text: String(text), substitutions: [] }));
  const simple: ShellCommand = { words, redirects: [], piped: false };
  return checkSimpleCommand(simple, [simple], 0, environment);
}
