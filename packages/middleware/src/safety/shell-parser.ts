/** One word of a simple command, unquoted, with the sources of the command substitutions it contains. */
export interface ShellWord {
  /** The word with quotes and escapes removed; substitutions are kept as written (`$(...)`). */
  text: string;
  /** Sources of `$(...)`, backtick and `<(...)`/`>(...)` substitutions inside the word. */
  substitutions: string[];
}

/** A redirection such as `> /dev/sda` or `2>> log`. */
export interface ShellRedirect {
  operator: string;
  target: string;
  /** The text of a here-document (`<<EOF` ... `EOF`); `target` is then its delimiter. */
  body?: string;
  /** Command substitutions in a here-document whose delimiter is not quoted (they run when it is read). */
  substitutions?: string[];
}

/** A simple command: words and redirections, up to the next `|`, `;`, `&&`, `||`, `&` or newline. */
export interface ShellCommand {
  words: ShellWord[];
  redirects: ShellRedirect[];
  /** True when the command reads the output of the previous command through a pipe. */
  piped: boolean;
  /** How many `( ... )` subshells the command is nested in; absent for 0. */
  subshell?: number;
}

/**
 * Splits a shell command line into pipelines of simple commands, the way a POSIX shell would tokenize it:
 * quotes, backslashes, `$'...'`, command and process substitutions, redirections, `;`, `&&`, `||`, `|`, `&`,
 * newlines, comments, subshell parentheses and brace groups. It never throws; unbalanced quotes run to the
 * end of the input. It does not expand variables or globs.
 */
export function parseShell(source: string): ShellCommand[][] {
  const pipelines: ShellCommand[][] = [];
  let pipeline: ShellCommand[] = [];
  let command: ShellCommand = { words: [], redirects: [], piped: false };
  let text = '';
  let inWord = false;
  let substitutions: string[] = [];
  let pendingRedirect: string | undefined;
  let parentheses = 0;
  let pendingHeredocs: Array<{ redirect: ShellRedirect; expands: boolean }> = [];
  let heredocQuoted = false;
  let index = 0;
  const length = source.length;

  function endWord(): void {
    if (!inWord) return;
    if (pendingRedirect !== undefined) {
      let operator = pendingRedirect;
      let target = text;
      if (operator === '<<' && target.startsWith('-')) {
        operator = '<<-';
        target = target.slice(1);
      }
      const redirect: ShellRedirect = { operator, target };
      command.redirects.push(redirect);
      if (operator === '<<' || operator === '<<-')
        pendingHeredocs.push({ redirect, expands: !heredocQuoted });
      pendingRedirect = undefined;
    } else if (
      command.words.length === 0 &&
      (text === '{' || text === '}' || text === '!') &&
      substitutions.length === 0
    ) {
      // Group braces and negation are syntax, not commands.
    } else {
      command.words.push({ text, substitutions });
    }
    text = '';
    inWord = false;
    substitutions = [];
  }

  function endCommand(piped: boolean): void {
    endWord();
    if (command.words.length > 0 || command.redirects.length > 0) {
      if (parentheses > 0) command.subshell = parentheses;
      pipeline.push(command);
    }
    command = { words: [], redirects: [], piped: piped && pipeline.length > 0 };
    pendingRedirect = undefined;
  }

  function endPipeline(): void {
    endCommand(false);
    if (pipeline.length > 0) pipelines.push(pipeline);
    pipeline = [];
  }

  /** Reads the bodies of the here-documents opened on the line that just ended. */
  function readHeredocs(): void {
    for (const { redirect, expands } of pendingHeredocs) {
      const strip = redirect.operator === '<<-';
      const start = index;
      let bodyEnd = length;
      while (index < length) {
        const newline = source.indexOf('\n', index);
        const end = newline === -1 ? length : newline;
        const line = source.slice(index, end);
        if ((strip ? line.replace(/^\t+/, '') : line) === redirect.target) {
          bodyEnd = index;
          index = Math.min(end + 1, length);
          break;
        }
        index = Math.min(end + 1, length);
        bodyEnd = index;
      }
      const body = source.slice(start, bodyEnd).replace(/\n$/, '');
      redirect.body = strip ? body.replace(/^\t+/gm, '') : body;
      if (expands) {
        const found: string[] = [];
        for (let position = start; position < bodyEnd; position++) {
          const char = source[position];
          if (char === '\\') position++;
          else if (char === '$' && source[position + 1] === '(') {
            const end = closingParen(position + 2);
            found.push(source.slice(position + 2, Math.max(position + 2, end - 1)));
            position = end - 1;
          } else if (char === '`') {
            const end = source.indexOf('`', position + 1);
            found.push(source.slice(position + 1, end === -1 ? bodyEnd : end));
            position = end === -1 ? bodyEnd : end;
          }
        }
        if (found.length > 0) redirect.substitutions = found;
      }
    }
    pendingHeredocs = [];
  }

  /** Index just past the `)` that closes a `(` opened before `start`, skipping quotes and nesting. */
  function closingParen(start: number): number {
    let depth = 1;
    let position = start;
    while (position < length) {
      const char = source[position]!;
      if (char === '\\') position += 2;
      else if (char === "'") {
        const end = source.indexOf("'", position + 1);
        position = end === -1 ? length : end + 1;
      } else if (char === '"') {
        position = closingDoubleQuote(position + 1);
      } else {
        if (char === '(') depth++;
        else if (char === ')') {
          depth--;
          if (depth === 0) return position + 1;
        }
        position++;
      }
    }
    return length;
  }

  function closingDoubleQuote(start: number): number {
    let position = start;
    while (position < length) {
      const char = source[position]!;
      if (char === '\\') position += 2;
      else if (char === '"') return position + 1;
      else if (char === '$' && source[position + 1] === '(') position = closingParen(position + 2);
      else position++;
    }
    return length;
  }

  /** Reads `$(...)` (or `$((...))`) starting at `$`, records it and returns the index after it. */
  function readDollarParen(start: number): number {
    const end = closingParen(start + 2);
    const inner = source.slice(start + 2, source[end - 1] === ')' ? end - 1 : end);
    substitutions.push(inner);
    text += source.slice(start, end);
    return end;
  }

  function readBacktick(start: number): number {
    let position = start + 1;
    let inner = '';
    while (position < length && source[position] !== '`') {
      if (source[position] === '\\' && position + 1 < length) {
        inner += source[position + 1];
        position += 2;
      } else {
        inner += source[position];
        position++;
      }
    }
    substitutions.push(inner);
    text += `\`${inner}\``;
    return Math.min(position + 1, length);
  }

  /**
   * Reads a `$(...)` or backquoted substitution starting at `start`, else one plain character; returns the
   * index after it.
   */
  function readCharOrSubstitution(start: number): number {
    const char = source[start]!;
    if (char === '$' && source[start + 1] === '(') return readDollarParen(start);
    if (char === '`') return readBacktick(start);
    text += char;
    return start + 1;
  }

  while (index < length) {
    const char = source[index]!;
    const next = source[index + 1];
    switch (char) {
      case ' ':
      case '\t':
      case '\r':
        endWord();
        index++;
        continue;
      case '\n':
        endPipeline();
        index++;
        if (pendingHeredocs.length > 0) readHeredocs();
        continue;
      case ';':
        endPipeline();
        index += next === ';' ? 2 : 1;
        continue;
      case '&':
        if (next === '&') {
          endPipeline();
          index += 2;
        } else if (next === '>') {
          endWord();
          const append = source[index + 2] === '>';
          pendingRedirect = append ? '&>>' : '&>';
          index += append ? 3 : 2;
        } else {
          endPipeline();
          index++;
        }
        continue;
      case '|':
        if (next === '|') {
          endPipeline();
          index += 2;
        } else {
          endCommand(true);
          index += next === '&' ? 2 : 1;
        }
        continue;
      case '(':
      case ')':
        // A subshell or a function definition's parentheses separate commands.
        endPipeline();
        parentheses = Math.max(0, parentheses + (char === '(' ? 1 : -1));
        index++;
        continue;
      case '#':
        if (!inWord) {
          const end = source.indexOf('\n', index);
          index = end === -1 ? length : end;
          continue;
        }
        break;
      case '<':
      case '>': {
        if (next === '(' && !inWord) {
          inWord = true;
          const end = closingParen(index + 2);
          substitutions.push(source.slice(index + 2, source[end - 1] === ')' ? end - 1 : end));
          text += source.slice(index, end);
          index = end;
          continue;
        }
        // A number right before the operator is a file descriptor (`2>`), not a word.
        if (inWord && /^\d+$/.test(text) && substitutions.length === 0) {
          text = '';
          inWord = false;
        } else {
          endWord();
        }
        let operator: string = char;
        index++;
        while (index < length && /[<>&|]/.test(source[index]!) && operator.length < 3) {
          operator += source[index];
          index++;
        }
        if (operator.endsWith('&') && /\d|-/.test(source[index] ?? '')) {
          // `2>&1`, `>&-`: duplicating a descriptor, nothing is written to a path.
          while (index < length && /[\d-]/.test(source[index]!)) index++;
          continue;
        }
        pendingRedirect = operator;
        // A quoted here-document delimiter (`<<'EOF'`, `<<"EOF"`, `<<\EOF`) turns off expansion in the body.
        heredocQuoted = operator === '<<' && /^[ \t]*-?[ \t]*['"\\]/.test(source.slice(index, index + 8));
        continue;
      }
      default:
        break;
    }
    inWord = true;
    if (char === '\\') {
      if (next === '\n') index += 2;
      else {
        if (next !== undefined) text += next;
        index += 2;
      }
    } else if (char === "'") {
      const end = source.indexOf("'", index + 1);
      text += source.slice(index + 1, end === -1 ? length : end);
      index = end === -1 ? length : end + 1;
    } else if (char === '$' && next === "'") {
      index += 2;
      while (index < length && source[index] !== "'") {
        if (source[index] === '\\' && index + 1 < length) {
          const escapeCode = /^(?:x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{4}|[0-7]{1,3})/.exec(
            source.slice(index + 1, index + 6),
          );
          if (escapeCode !== null) {
            const code = escapeCode[0];
            text += String.fromCharCode(
              /^[0-7]/.test(code) ? Number.parseInt(code, 8) : Number.parseInt(code.slice(1), 16),
            );
            index += 1 + code.length;
            continue;
          }
          const escaped = source[index + 1]!;
          text += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped;
          index += 2;
        } else {
          text += source[index];
          index++;
        }
      }
      index++;
    } else if (char === '"') {
      index++;
      while (index < length && source[index] !== '"') {
        const inner = source[index]!;
        if (inner === '\\' && index + 1 < length) {
          const escaped = source[index + 1]!;
          text += '"\\$`\n'.includes(escaped) ? (escaped === '\n' ? '' : escaped) : `\\${escaped}`;
          index += 2;
        } else {
          index = readCharOrSubstitution(index);
        }
      }
      index++;
    } else {
      index = readCharOrSubstitution(index);
    }
  }
  endPipeline();
  return pipelines;
}
