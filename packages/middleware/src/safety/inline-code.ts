import {
  type CommandFinding,
  dangerousTarget,
  type Environment,
  finding,
  isInsideOrEqual,
  plainWord,
  reach,
  resolveWord,
  writeTargetFinding,
} from './environment.js';
import { isSecretPath } from './secrets-paths.js';

// Names start at a token boundary and are bounded, bodies too: each position is tried once and briefly, so a
// long command costs linear time (unbounded versions of these took seconds on 50 kB of input).
/** Fork bombs in shell and in inline code. */
export const FORK_BOMB = [
  /(?<![\w:.-])([A-Za-z_:.][\w:.-]{0,63})\s{0,8}\(\s{0,8}\)\s{0,8}\{[^}]{0,200}?\1\s{0,8}\|\s{0,8}\1\s{0,8}&/,
  /(?<![\w:.-])([A-Za-z_:.][\w:.-]{0,63})\s{0,8}\(\s{0,8}\)\s{0,8}\{[^}]{0,200}?\1\s{0,8}&[^}]{0,200}?\1\s{0,8}&/,
  /\bfunction\s{1,8}([A-Za-z_][\w-]{0,63})\s{0,8}(?:\(\s{0,8}\))?\s{0,8}\{[^}]{0,200}?\1\s{0,8}\|\s{0,8}\1/,
  /\bfork\s+while\s+fork\b/,
  /while\s*(?:True|1)\s*:\s*os\.fork\(\s*\)/,
  /\bwhile\s*\(\s*(?:1|true)\s*\)\s*\{?\s*fork\s*\(\s*\)/,
  /\$0\s*&\s*\$0\s*&/,
];

/** Standard-library calls that delete files or trees (Python, Node, Ruby, Perl, PHP, Deno, Lua, PowerShell). */
const DELETE_CALL =
  /(?:\b(?:rmtree|remove_tree|rm_rf|rm_r|rm_f|remove_dir|remove_entry(?:_secure)?|rmSync|rmdirSync|unlinkSync|rimraf(?:\.sync)?|removedirs|removeSync|emptyDirSync|emptyDir|deleteSync)\b|\b(?:os|fs|shutil|FileUtils|File|Dir|Deno|fse|fsp|promises|Path)\.(?:remove|rm|rmdir|unlink|delete)\b|\.(?:unlink|rmdir)\s*\(|\bunlink\b|\brmdir\b|Remove-Item)/g;
/** Calls that write or replace a file, and the argument that names it. */
const WRITE_CALL =
  /\b(?:writeFileSync|appendFileSync|writeFile|appendFile|createWriteStream|file_put_contents|(?:File|IO)\.(?:write|binwrite)|write_text|write_bytes|Set-Content|Add-Content|Out-File)\b|\b(?:open|fopen|File\.open|sysopen)\s*(?=\()|\bopen\s+(?=[A-Za-z$])/g;
const COPY_CALL =
  /\b(?:copyFileSync|copyFile|cpSync|renameSync|rename|symlinkSync|symlink|linkSync|copy2?|copyfile|copytree|move|cp|mv|ln_s|ln)\s*(?=\(|\s['"])/g;
/** Network calls of the standard libraries and the usual HTTP clients. */
const NETWORK_CALL =
  /\bfetch\s*\(|\bhttps?\.(?:get|request)\s*\(|\bsocket\.|\b(?:urlopen|urlretrieve|urllib|requests\.(?:get|post|put|patch|request|Session)|http\.client|httpx|aiohttp|create_connection|net\.(?:connect|createConnection|Socket)|Net::HTTP|open-uri|URI\.open|LWP|HTTP::Tiny|IO::Socket|TCPSocket|UDPSocket|fsockopen|stream_socket_client|curl_exec|curl_init|Invoke-WebRequest|Invoke-RestMethod|WebClient|DownloadString|Deno\.connect|XMLHttpRequest|axios|WebSocket|smtplib|ftplib|telnetlib|paramiko)\b|file_get_contents\s*\(\s*['"]https?:|\/dev\/(?:tcp|udp)\/|\/inet\/(?:tcp|udp)\/|\buse\s+Socket\b|require\s*\(\s*['"](?:node:)?(?:net|http|https|dgram|tls)['"]\s*\)|\bimport\s+socket\b/;
/** A raw network connection (not an HTTP request). */
const SOCKET_CALL =
  /\bsocket\.(?:socket|create_connection)|\bsocket\s*\(|net\.(?:connect|createConnection|Socket)|require\s*\(\s*['"](?:node:)?net['"]\s*\)|IO::Socket|\buse\s+Socket\b|TCPSocket|UDPSocket|fsockopen|stream_socket_client|Deno\.connect|\/dev\/(?:tcp|udp)\/|\/inet\/(?:tcp|udp)\/|Net\.Sockets|TCPClient/;
/** Starting an interactive shell, or handing a process's descriptors over. */
const SHELL_SPAWN =
  /\/bin\/(?:ba|z|da|k|c|tc)?sh\b|\b(?:ba|z|da|k)?sh\s+-i\b|pty\.spawn|\bdup2\b|['"](?:ba|z|da)?sh['"]|\bcmd(?:\.exe)?['"]|powershell|\|&|<&\s*%d|>&\s*%d|\bspawn\s*\(\s*['"]\/bin/;
/** Running code or commands from a string. */
const EXEC_CALL =
  /\b(?:exec|eval|system|popen|execSync|spawnSync|spawn|execFileSync|execFile|passthru|shell_exec|proc_open|instance_eval|class_eval|runInThisContext|runInNewContext|Invoke-Expression|iex)\s*[(\s'"`$]|\bsubprocess\b|\bchild_process\b|IO\.popen|Kernel\.|\bqx\b|%x[({[]|\bnew\s+Function\b|\bFunction\s*\(/;
/** Turning an encoded string back into text or bytes. */
const DECODE_CALL =
  /b64decode|base64\.(?:b64|standard_b64|urlsafe_b64|decodebytes|decodestring|a85|b85|b32|b16)|decode_base64|MIME::Base64|Base64\.(?:decode|strict_decode|urlsafe_decode)64|\bunpack1?\s*\(\s*['"][mu]|\.unpack1?\s*\(\s*['"][mu]|Buffer\.from\s*\([^)]{0,4000}['"](?:base64|base64url|hex)['"]|\batob\s*\(|fromhex\s*\(|codecs\.decode|\.decode\s*\(\s*['"](?:hex|base64|rot13|rot_13|zlib)|zlib\.(?:decompress|inflate|gunzip)|gzip\.decompress|\bpack\s*\(\s*['"][Hh]|String\.fromCharCode|FromBase64String|base64_decode|str_rot13|gzinflate|gzuncompress|hex2bin|(?:\\x[0-9a-fA-F]{2}){4}|\[::-1\]/;
/** Reading the whole environment (not one named variable). */
const ENV_DUMP =
  /\bos\.environ\b(?!\s*(?:\[|\.get\b|\.setdefault\b))|\bprocess\.env\b(?!\s*(?:\.[A-Za-z_]|\[))|\bENV\.(?:to_[ah]|each|map|inspect|to_s|keys|values)\b|%ENV\b|\bgetenv\s*\(\s*\)|\$_ENV\b|Get-ChildItem\s+env:|Deno\.env\.toObject|\/proc\/(?:self|\d+)\/environ/;
/** Expressions for the home directory and the current directory, replaced by `'~'` and `'.'`. */
const HOME_EXPRESSION =
  /os\.path\.expanduser\(\s*['"]~['"]\s*\)|(?:pathlib\.)?Path\.home\(\s*\)|(?:os|require\(\s*['"](?:node:)?os['"]\s*\))\.homedir\(\s*\)|Dir\.home\b|ENV\s*\[\s*['"]HOME['"]\s*\]|\$ENV\s*\{\s*['"]?HOME['"]?\s*\}|os\.environ(?:\.get\(|\[)\s*['"]HOME['"]\s*[\])]|getenv\(\s*['"]HOME['"]\s*\)|process\.env\.HOME\b|process\.env\[\s*['"]HOME['"]\s*\]|\$env:(?:HOME|USERPROFILE)\b|Deno\.env\.get\(\s*['"]HOME['"]\s*\)|File\.expand_path\(\s*['"]~['"]\s*\)/g;
const CWD_EXPRESSION =
  /os\.getcwd\(\s*\)|process\.cwd\(\s*\)|Dir\.pwd\b|Deno\.cwd\(\s*\)|\bgetcwd\(\s*\)|__dirname\b/g;

/** The string literals of a piece of code, in order (quotes removed, simple escapes kept as written). */
export function codeLiterals(code: string): string[] {
  const literals: string[] = [];
  const pattern = /q[qw]?\{([^{}]*)\}|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|`((?:[^`\\]|\\.)*)`/g;
  for (const match of code.matchAll(pattern))
    literals.push(match[1] ?? match[2] ?? match[3] ?? match[4] ?? '');
  return literals;
}

/** The text of a call's argument list: balanced parentheses after `index`, or up to the end of the statement. */
function argumentText(code: string, index: number): string {
  let position = index;
  while (position < code.length && /[ \t]/.test(code[position]!)) position++;
  if (code[position] !== '(') {
    const end = code.slice(position, position + 400).search(/[;\n}]|\bif\b|\bunless\b|\bor\b|\band\b/);
    return code.slice(position, end === -1 ? position + 400 : position + end);
  }
  let depth = 0;
  let quote: string | undefined;
  for (let cursor = position; cursor < code.length && cursor < position + 2_000; cursor++) {
    const char = code[cursor]!;
    if (quote !== undefined) {
      if (char === '\\') cursor++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'" || char === '`') quote = char;
    else if (char === '(') depth++;
    else if (char === ')') {
      depth--;
      if (depth === 0) return code.slice(position + 1, cursor);
    }
  }
  return code.slice(position + 1, position + 2_000);
}

/** The arguments of a call, split at top-level commas. */
function topLevelArguments(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let cursor = 0; cursor < text.length; cursor++) {
    const char = text[cursor]!;
    if (quote !== undefined) {
      if (char === '\\') cursor++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'" || char === '`') quote = char;
    else if (char === '(' || char === '[' || char === '{') depth++;
    else if (char === ')' || char === ']' || char === '}') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, cursor));
      start = cursor + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** The string literals of one argument joined as a path (`HOME + '/.bashrc'` is `~/.bashrc`). */
function joinedLiterals(argument: string): string {
  return codeLiterals(argument)
    .filter((literal) => literal !== '')
    .join('/')
    .replace(/\/{2,}/g, '/');
}

function pathLike(literal: string): boolean {
  return /^(?:\/|~|\.\.?(?:\/|$)|\$HOME\b)/.test(literal) || (literal.includes('/') && !/\s/.test(literal));
}

const MODE_LITERAL = /^(?:[rwabxt+<>]{1,3}|utf-?8|ascii|latin-?1|binary)$/i;

/** Judges the targets of delete calls: their literals joined as one path, or every path-like literal. */
function deleteFinding(
  code: string,
  operands: readonly string[],
  environment: Environment,
  language: string,
): CommandFinding | undefined {
  const judge = (text: string): CommandFinding | undefined => {
    const path = reach(plainWord(text), environment);
    if (path === undefined) return undefined;
    const what = dangerousTarget(path, environment);
    if (what !== undefined) return finding('recursive-delete', `${language} code deletes ${what} (${path})`);
    const top = isInsideOrEqual(environment.home, path)
      ? path.slice(environment.home.length + 1).split('/')[0]
      : undefined;
    if (top?.startsWith('.') && !/^\.(?:cache|npm|yarn|pnpm-store)$/.test(top)) {
      return finding('recursive-delete', `${language} code deletes ${path} (keys, credentials or settings)`);
    }
    return undefined;
  };
  for (const match of code.matchAll(DELETE_CALL)) {
    const argument = argumentText(code, match.index + match[0].length);
    const first = topLevelArguments(argument)[0] ?? '';
    const literals = codeLiterals(first).filter((literal) => !MODE_LITERAL.test(literal));
    if (literals.length > 0) {
      const joined = joinedLiterals(first).replace(/['"]/g, '');
      const hit = judge(joined === '' ? '.' : joined) ?? judge(literals[0]!.replace(/['"]/g, ''));
      if (hit !== undefined) return hit;
      continue;
    }
    // The target is computed (a variable, a glob result, argv): judge every path the code or its
    // arguments name.
    for (const literal of [...codeLiterals(code), ...operands]) {
      if (!pathLike(literal)) continue;
      const hit = judge(literal);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

function writeFinding(code: string, environment: Environment, language: string): CommandFinding | undefined {
  const judge = (text: string): CommandFinding | undefined => {
    const path = resolveWord(
      plainWord(text.replace(/^\+?[<>]{1,2}\s*/, '').replace(/['"]/g, '')),
      environment,
    );
    return path === undefined ? undefined : writeTargetFinding(path, environment, `${language} code`);
  };
  for (const match of code.matchAll(WRITE_CALL)) {
    const argument = argumentText(code, match.index + match[0].length);
    const opensForReading = /^(?:open|fopen|File\.open|sysopen)/.test(match[0]);
    if (opensForReading) {
      // `open(path)` reads; `open(path, 'w')`, `open(F, '>path')`, `open(F, '>>', path)` write.
      const writes = codeLiterals(argument).some((literal) => /^\+?>|^[wa]b?\+?$|^r\+/.test(literal));
      if (!writes) continue;
    }
    const target = topLevelArguments(argument)
      .map(joinedLiterals)
      .find((path) => path !== '' && !MODE_LITERAL.test(path.replace(/^\+?[<>]{1,2}\s*/, '') || 'w'));
    if (target !== undefined) {
      const hit = judge(target);
      if (hit !== undefined) return hit;
    }
  }
  for (const match of code.matchAll(
    /Path\(\s*(['"])([^'"]+)\1\s*\)\.(?:write_text|write_bytes|open\(\s*['"][wa])/g,
  )) {
    const hit = judge(match[2]!);
    if (hit !== undefined) return hit;
  }
  for (const match of code.matchAll(COPY_CALL)) {
    const literals = codeLiterals(argumentText(code, match.index + match[0].length)).filter(
      (literal) => literal !== '' && !MODE_LITERAL.test(literal),
    );
    const destination = literals[literals.length - 1];
    if (literals.length > 1 && destination !== undefined) {
      const hit = judge(destination);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

/** Calls that run a command line or an argv list. */
const COMMAND_CALL =
  /\b(?:system|exec|execSync|execFileSync|execFile|spawn|spawnSync|popen|popen2|popen3|call|check_call|check_output|run|Popen|getoutput|getstatusoutput|passthru|shell_exec|proc_open|execute|capture2e?|capture3)\s*(?=\()|\b(?:system|exec)\s+(?=['"])/g;

/**
 * The command lines that inline code runs through `system`, `exec`, `subprocess.run`... as far as their
 * arguments are literals: an argv list (`['rm', '-rf', '/']`, `system("rm", "-rf", "/")`) joined by
 * spaces, a concatenation (`'rm -rf ' + os.homedir()`) joined as it stands.
 */
export function codeCommands(source: string): string[] {
  const code = source.replace(HOME_EXPRESSION, "'~'").replace(CWD_EXPRESSION, "'.'");
  const commands: string[] = [];
  for (const match of code.matchAll(COMMAND_CALL)) {
    const argument = argumentText(code, match.index + match[0].length);
    const parts = topLevelArguments(argument);
    const first = parts[0]?.trim() ?? '';
    if (first.startsWith('[') || first.startsWith('%w') || (parts.length > 1 && /^['"]/.test(first))) {
      const list = first.startsWith('[') || first.startsWith('%w') ? first : parts.join(',');
      const words = codeLiterals(list);
      if (words.length > 0)
        commands.push(
          words.map((word) => (/[\s'"]/.test(word) ? `'${word.replace(/'/g, '')}'` : word)).join(' '),
        );
    } else {
      const joined = codeLiterals(first).join('');
      if (/\s/.test(joined)) commands.push(joined);
    }
  }
  return commands;
}

/**
 * Judges an interpreter's inline code (`python -c`, `perl -e`, `ruby -e`, `node -e`, `php -r`, awk
 * programs...) by the standard-library calls it makes: deletes of dangerous paths, writes onto system,
 * profile or scheduler files, code fetched from the network and run, decoded strings that are run, a shell
 * on a network connection, and the environment or credential files sent over the network. Shell commands
 * inside the code's string literals are judged by the caller. `operands` are the arguments after the code
 * (`sys.argv`, `ARGV`).
 */
export function checkInlineCode(
  source: string,
  operands: readonly string[],
  environment: Environment,
  language: string,
): CommandFinding | undefined {
  if (FORK_BOMB.some((pattern) => pattern.test(source))) return finding('fork-bomb', 'a fork bomb');
  const code = source.replace(HOME_EXPRESSION, "'~'").replace(CWD_EXPRESSION, "'.'");
  const network = NETWORK_CALL.test(code);
  const runs = EXEC_CALL.test(code);
  if (network && SOCKET_CALL.test(code) && (SHELL_SPAWN.test(code) || runs)) {
    return finding('reverse-shell', `${language} code connects a shell or commands to a network socket`);
  }
  if (network && runs) {
    return finding('execute-download', `${language} code runs what it fetches from the network`);
  }
  if (runs && DECODE_CALL.test(code)) {
    return finding('execute-obfuscated', `${language} code runs a decoded (obfuscated) string`);
  }
  if (network) {
    if (ENV_DUMP.test(code)) {
      return finding('secrets-exfiltration', `${language} code sends the environment over the network`);
    }
    const secret = codeLiterals(code).find((literal) => isSecretPath(literal));
    if (secret !== undefined) {
      return finding('secrets-exfiltration', `${language} code reads ${secret} and uses the network`);
    }
  }
  if (code.search(DELETE_CALL) !== -1) {
    const hit = deleteFinding(code, operands, environment, language);
    if (hit !== undefined) return hit;
  }
  return writeFinding(code, environment, language);
}
