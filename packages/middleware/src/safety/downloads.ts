import { unwrap } from './command-words.js';
import { basename, DOWNLOADERS, type Environment, MAX_DEPTH, resolveWord } from './environment.js';
import { parseShell, type ShellCommand, type ShellWord } from './shell-parser.js';

const DOWNLOADER_MENTION = /curl|wget|fetch|aria2c|https?|iwr|irm|invoke-webrequest|lwp-download|lynx|links/i;

/** Whether any of these command lines runs a downloader (also inside their substitutions). */
export function downloads(sources: readonly string[], depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  for (const source of sources) {
    if (!DOWNLOADER_MENTION.test(source)) continue;
    for (const pipeline of parseShell(source)) {
      for (const command of pipeline) {
        const words = unwrap(command.words);
        const name = words[0] === undefined ? '' : basename(words[0].text).toLowerCase();
        if (DOWNLOADERS.has(name)) return true;
        if (words.some((word) => word.substitutions.length > 0 && downloads(word.substitutions, depth + 1)))
          return true;
      }
    }
  }
  return false;
}

/** Programs that turn encoded text back into bytes. */
const DECODER =
  /\b(?:base64\s+(?:-[a-zA-Z]*[dD]\b|--decode)|base32\s+(?:-d|--decode)|basenc\b[^|]*--decode|basenc\b[^|]*\s-d\b|xxd\s+(?:-[a-z]+\s+)*-r|openssl\s+(?:enc\b|base64\b)[^|]*\s-d\b|openssl\s+(?:enc\b|base64\b)[^|]*-base64|uudecode\b|rev\b|tr\s+['"]?[A-Za-z]-[A-Za-z]['"]?\s+['"]?[N-Za-m])/;

/** Whether any of these command lines decodes encoded text (base64, base32, xxd -r, openssl, uudecode, rot13, rev). */
export function decodes(sources: readonly string[]): boolean {
  return sources.some((source) => DECODER.test(source));
}

/** Short options of curl and wget that take a value, and which of them names the output file. */
const DOWNLOAD_OPTIONS: Readonly<Record<string, { values: string; output: string; remoteName: string }>> = {
  curl: { values: 'HdXuAemTFxwrbcKECyYzUDtQPo', output: 'o', remoteName: 'O' },
  wget: { values: 'aoeUtTwiBPQOlADIXRh', output: 'O', remoteName: '' },
};

/** Remembers the files a `curl`/`wget` command writes (`-o`, `-O`, `--output`, a URL's name, `>`). */
export function recordDownload(
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
