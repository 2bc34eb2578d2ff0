import type {
  LoopbackMessageReply,
  LoopbackRequest,
  LoopbackToolCall,
} from '@victor-ai/provider-pool/testing';

/** One tool call of the current turn and what came back, as the model sees it on the wire. */
export interface SeenToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  /** The parsed JSON result, or undefined when the call failed (then `error` holds the message). */
  output: Record<string, unknown> | undefined;
  error: string | undefined;
}

/** What the scripted model knows when it answers: the user's request, earlier steps of this turn, the tools offered. */
export interface ScriptedTurn {
  userText: string;
  /** Tool calls of this turn so far, one array per model step. */
  steps: SeenToolCall[][];
  /** Names of the tools the request offered (after tool selection). */
  offered: ReadonlySet<string>;
  /** Every tool call of the whole conversation, oldest first (earlier turns included). */
  allCalls: SeenToolCall[];
  /** Numbers the tool calls this reply makes. */
  requestIndex: number;
}

interface WireMessage {
  role: string;
  content?: unknown;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads the conversation out of a Chat Completions request body. */
export function readTurn(request: LoopbackRequest): ScriptedTurn {
  const messages = (request.body.messages ?? []) as WireMessage[];
  const tools = (request.body.tools ?? []) as Array<{ function?: { name?: string } }>;
  const offered = new Set(tools.map((tool) => tool.function?.name ?? '').filter(Boolean));
  let lastUser = -1;
  for (let index = messages.length - 1; index >= 0; index--) {
    if (messages[index]!.role === 'user') {
      lastUser = index;
      break;
    }
  }
  const allCalls: SeenToolCall[] = [];
  const byId = new Map<string, SeenToolCall>();
  const steps: SeenToolCall[][] = [];
  messages.forEach((message, index) => {
    if (message.role === 'assistant' && message.tool_calls) {
      const step = message.tool_calls.map((call) => {
        const seen: SeenToolCall = {
          id: call.id,
          name: call.function.name,
          arguments: (parseJson(call.function.arguments) as Record<string, unknown>) ?? {},
          output: undefined,
          error: 'no result',
        };
        byId.set(call.id, seen);
        allCalls.push(seen);
        return seen;
      });
      if (index > lastUser) steps.push(step);
    } else if (message.role === 'tool' && message.tool_call_id) {
      const seen = byId.get(message.tool_call_id);
      if (seen === undefined) return;
      const content = typeof message.content === 'string' ? message.content : '';
      if (content.startsWith('error ')) {
        seen.error = content;
      } else {
        seen.error = undefined;
        const parsed = parseJson(content);
        seen.output =
          typeof parsed === 'object' && parsed !== null
            ? (parsed as Record<string, unknown>)
            : { text: content };
      }
    }
  });
  const user = lastUser >= 0 ? messages[lastUser]!.content : '';
  return {
    userText: typeof user === 'string' ? user : '',
    steps,
    offered,
    allCalls,
    requestIndex: request.index,
  };
}

function say(text: string): LoopbackMessageReply {
  return { text, chunkSize: 8 };
}

/** A step that calls tools, or says which tool it lacks when selection did not offer it. */
function callTools(
  turn: ScriptedTurn,
  calls: Array<{ name: string; arguments: Record<string, unknown> }>,
  preface?: string,
): LoopbackMessageReply {
  const missing = calls.map((call) => call.name).filter((name) => !turn.offered.has(name));
  if (missing.length > 0) {
    return say(
      `I would need the ${[...new Set(missing)].map((name) => `\`${name}\``).join(', ')} tool for this, but it was not offered for this request.`,
    );
  }
  const toolCalls: LoopbackToolCall[] = calls.map((call, index) => ({
    id: `call_${turn.requestIndex}_${index}`,
    name: call.name,
    arguments: call.arguments,
  }));
  return preface === undefined ? { toolCalls } : { text: preface, toolCalls, chunkSize: 8 };
}

function failure(call: SeenToolCall): string {
  return (call.error ?? 'failed')
    .replace(/^error [A-Z_]+: /, '')
    .replace(/^refused: /, '')
    .replace(/ \(rule [^)]*\)\..*$/s, '')
    .replace(/\.$/, '');
}

function outputOf<T>(call: SeenToolCall | undefined): T | undefined {
  return call?.output as T | undefined;
}

interface Listing {
  path: string;
  entries: string[];
}
interface FileRead {
  path: string;
  bytes: number;
  lines: number;
  content: string;
}
interface Search {
  matches: Array<{ path: string; line: number; text: string }>;
  filesSearched: number;
}
interface Stats {
  files: Array<{ path: string; bytes?: number; lines?: number; error?: string }>;
}
interface ShellRun {
  command: string;
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** The latest successful `read_file` of `path` in the conversation. */
function latestRead(turn: ScriptedTurn, path: string): FileRead | undefined {
  for (let index = turn.allCalls.length - 1; index >= 0; index--) {
    const call = turn.allCalls[index]!;
    if (call.name === 'read_file' && call.arguments.path === path && call.output) return call.output as never;
  }
  return undefined;
}

/** The latest successful `list_files` of the workspace root in the conversation. */
function latestListing(turn: ScriptedTurn): Listing | undefined {
  for (let index = turn.allCalls.length - 1; index >= 0; index--) {
    const call = turn.allCalls[index]!;
    if (call.name === 'list_files' && call.output) return call.output as never;
  }
  return undefined;
}

function packageInfo(read: FileRead | undefined): Record<string, unknown> | undefined {
  if (read === undefined) return undefined;
  const parsed = parseJson(read.content);
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
}

function readmeLine(read: FileRead | undefined): string | undefined {
  return read?.content
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '' && !line.startsWith('#'));
}

function exportsOf(content: string): string[] {
  return [...content.matchAll(/export\s+(?:async\s+)?(?:function|const|class)\s+([A-Za-z0-9_$]+)/g)].map(
    (match) => match[1]!,
  );
}

function describeProject(pkg: Record<string, unknown> | undefined, readme: FileRead | undefined): string {
  const name = typeof pkg?.name === 'string' ? pkg.name : 'This project';
  const version = typeof pkg?.version === 'string' ? ` ${pkg.version}` : '';
  const description =
    typeof pkg?.description === 'string' ? pkg.description : (readmeLine(readme) ?? 'no description found');
  return `**${name}**${version}: ${description.replace(/\.$/, '')}`;
}

// ---- the session's requests ------------------------------------------------------------------------

function tour(turn: ScriptedTurn): LoopbackMessageReply {
  if (turn.steps.length === 0) {
    return callTools(
      turn,
      [{ name: 'list_files', arguments: { path: '.' } }],
      'Let me look at the layout first.',
    );
  }
  if (turn.steps.length === 1) {
    const listing = outputOf<Listing>(turn.steps[0]![0]);
    if (!listing) return say(`I could not list the workspace: ${failure(turn.steps[0]![0]!)}.`);
    const files = listing.entries.filter((entry) => !entry.endsWith('/'));
    const wanted = [
      files.find((file) => /^readme(\.\w+)?$/i.test(file)),
      files.find((file) => file === 'package.json'),
    ].filter((file): file is string => file !== undefined);
    const reads = wanted.length > 0 ? wanted : files.slice(0, 2);
    if (reads.length === 0) return say('The workspace is empty: there are no files to read.');
    return callTools(
      turn,
      reads.map((path) => ({ name: 'read_file', arguments: { path } })),
    );
  }
  const listing = outputOf<Listing>(turn.steps[0]![0])!;
  const reads = turn.steps[1]!;
  const readme = outputOf<FileRead>(reads.find((call) => /readme/i.test(String(call.arguments.path))));
  const pkg = packageInfo(outputOf<FileRead>(reads.find((call) => call.arguments.path === 'package.json')));
  const files = listing.entries.filter((entry) => !entry.endsWith('/'));
  const folders = listing.entries.filter((entry) => entry.endsWith('/'));
  const scripts = (pkg?.scripts ?? {}) as Record<string, unknown>;
  const lines = [
    `${describeProject(pkg, readme)}.`,
    `The workspace holds ${files.length} files${folders.length > 0 ? ` in ${folders.length} folders (${folders.join(', ')})` : ''}: ${files.join(', ')}.`,
  ];
  if (typeof scripts.test === 'string') lines.push(`Its tests run with \`${scripts.test}\`.`);
  const failed = reads.filter((call) => call.output === undefined);
  if (failed.length > 0)
    lines.push(`(I could not read ${failed.map((call) => call.arguments.path).join(', ')}.)`);
  return say(lines.join(' '));
}

function todos(turn: ScriptedTurn): LoopbackMessageReply {
  if (turn.steps.length === 0) {
    return callTools(turn, [{ name: 'search_text', arguments: { query: 'TODO' } }]);
  }
  const search = outputOf<Search>(turn.steps[0]![0]);
  if (!search) return say(`The search failed: ${failure(turn.steps[0]![0]!)}.`);
  if (search.matches.length === 0) {
    return say(`There are no TODO comments in the ${search.filesSearched} files I searched.`);
  }
  const first = search.matches[0]!;
  if (turn.steps.length === 1) {
    return callTools(turn, [{ name: 'read_file', arguments: { path: first.path } }]);
  }
  const read = outputOf<FileRead>(turn.steps[1]![0]);
  const list = search.matches.map((match) => `- ${match.path}:${match.line}: ${match.text}`).join('\n');
  let around = '';
  if (read) {
    const lines = read.content.split('\n');
    const from = Math.max(0, first.line - 2);
    around = `\n\nAround the first one (${first.path}, lines ${from + 1}-${Math.min(lines.length, first.line + 3)}):\n${lines
      .slice(from, first.line + 3)
      .map((line) => `    ${line}`)
      .join('\n')}`;
  }
  return say(
    `I found ${search.matches.length} TODO comment${search.matches.length === 1 ? '' : 's'} in ${search.filesSearched} files:\n${list}${around}`,
  );
}

function explain(turn: ScriptedTurn): LoopbackMessageReply {
  const named = [...turn.userText.matchAll(/[\w./-]+\.(?:js|ts|mjs|cjs|json|md|py)\b/g)].map(
    (match) => match[0],
  );
  const paths = [...new Set(named)];
  if (paths.length === 0) {
    return say('Which file should I explain? Name it (for example src/tasks.js) and I will read it.');
  }
  if (turn.steps.length === 0) {
    return callTools(
      turn,
      paths.map((path) => ({ name: 'read_file', arguments: { path } })),
    );
  }
  const words = [...turn.userText.matchAll(/\b([a-z][A-Za-z0-9_]{3,})\(\)/g)].map((match) => match[1]!);
  const parts = turn.steps[0]!.map((call) => {
    const read = outputOf<FileRead>(call);
    if (!read) return `I could not read ${call.arguments.path}: ${failure(call)}.`;
    const names = exportsOf(read.content);
    let text = `\`${read.path}\` (${read.lines} lines) exports ${names.length > 0 ? names.map((name) => `\`${name}\``).join(', ') : 'nothing by name'}.`;
    const lines = read.content.split('\n');
    for (const word of words) {
      const at = lines.findIndex((line) => line.includes(`${word}(`));
      if (at < 0) continue;
      const body = lines
        .slice(at, at + 4)
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('//'));
      text += ` \`${word}\` starts at line ${at + 1}: \`${body.join(' ')}\`.`;
    }
    const returned = lines.findLast((line) => line.trim().startsWith('return '));
    if (returned && words.every((word) => !read.content.includes(`${word}(`))) {
      const expression = returned
        .trim()
        .replace(/^return\s+/, '')
        .replace(/;$/, '')
        .replace(/^`(.*)`$/, '$1');
      text += ` It returns \`${expression}\`.`;
    }
    return text;
  });
  return say(parts.join('\n'));
}

function notes(turn: ScriptedTurn): LoopbackMessageReply {
  const target = turn.userText.match(/\b([\w.-]+\.md)\b/)?.[1] ?? 'NOTES.md';
  const listing = latestListing(turn);
  const files = listing?.entries.filter((entry) => !entry.endsWith('/')) ?? [];
  const sources = [
    files.find((file) => /^readme(\.\w+)?$/i.test(file)),
    files.includes('package.json') ? 'package.json' : undefined,
  ].filter((file): file is string => file !== undefined);
  let step = turn.steps.length;
  if (sources.length === 0) step += 1;
  if (step === 0) {
    return callTools(
      turn,
      sources.map((path) => ({ name: 'read_file', arguments: { path } })),
      'I will check the README and package.json again, then write the notes.',
    );
  }
  if (step === 1) {
    const readme = sources[0] ? latestRead(turn, sources[0]) : undefined;
    const pkg = packageInfo(latestRead(turn, 'package.json'));
    const scripts = (pkg?.scripts ?? {}) as Record<string, unknown>;
    const content = [
      `# Notes on ${typeof pkg?.name === 'string' ? pkg.name : 'this project'}`,
      '',
      describeProject(pkg, readme).replace(/\*\*/g, ''),
      '',
      `- Files: ${files.join(', ') || 'unknown'}`,
      typeof scripts.test === 'string' ? `- Tests: \`${scripts.test}\`` : '- Tests: no test script found',
      '',
      'Written by the Victor demo assistant.',
      '',
    ].join('\n');
    // Check the result with what selection offered: stats if it can, else read the file back.
    const check = turn.offered.has('file_stats')
      ? { name: 'file_stats', arguments: { paths: [target] } }
      : { name: 'read_file', arguments: { path: target } };
    const calls = [{ name: 'write_file', arguments: { path: target, content } }, check];
    if (turn.offered.has('list_files')) calls.push({ name: 'list_files', arguments: { path: '.' } });
    return callTools(turn, calls);
  }
  const last = turn.steps.at(-1)!;
  const write = last.find((call) => call.name === 'write_file');
  if (write === undefined) return say(`I have not written ${target}.`);
  const stats = outputOf<Stats>(last.find((call) => call.name === 'file_stats'));
  const readBack = outputOf<FileRead>(last.find((call) => call.name === 'read_file'));
  const after = outputOf<Listing>(last.find((call) => call.name === 'list_files'));
  const count = after ? after.entries.filter((entry) => !entry.endsWith('/')).length : undefined;
  if (write.output === undefined) {
    return say(`I did not write ${target}: ${failure(write)}. Nothing in the workspace changed.`);
  }
  const stat = stats?.files[0] ?? (readBack ? { bytes: readBack.bytes, lines: readBack.lines } : undefined);
  return say(
    `I wrote ${target}${stat?.bytes !== undefined ? ` (${stat.bytes} bytes, ${stat.lines} lines)` : ''} with the project's name, description, files and test command.${count !== undefined ? ` The workspace now has ${count} files.` : ''}`,
  );
}

function tests(turn: ScriptedTurn): LoopbackMessageReply {
  const pkg = packageInfo(latestRead(turn, 'package.json'));
  if (turn.steps.length === 0) {
    return callTools(
      turn,
      [{ name: 'read_file', arguments: { path: 'package.json' } }],
      'First, how does this project run its tests?',
    );
  }
  const scripts = (packageInfo(outputOf<FileRead>(turn.steps[0]![0])) ?? pkg)?.scripts as
    | Record<string, unknown>
    | undefined;
  const command = typeof scripts?.test === 'string' ? scripts.test : 'npm test';
  if (turn.steps.length === 1) {
    return callTools(turn, [{ name: 'run_shell', arguments: { command, timeoutMs: 20_000 } }]);
  }
  const call = turn.steps[1]![0]!;
  const run = outputOf<ShellRun>(call);
  if (!run) return say(`I could not run \`${command}\`: ${failure(call)}.`);
  if (run.timedOut) return say(`\`${run.command}\` did not finish within its deadline; I stopped it.`);
  // node --test's summary: `# pass 3` from the TAP reporter (Node 20 off a terminal), `ℹ pass 3` from spec (Node 23+).
  const passed = run.stdout.match(/^(?:#|ℹ) pass (\d+)/m)?.[1];
  const failed = run.stdout.match(/^(?:#|ℹ) fail (\d+)/m)?.[1];
  const counts = passed !== undefined ? `: ${passed} passed, ${failed ?? 0} failed` : '';
  const verdict = run.exitCode === 0 ? 'The tests pass' : `The tests fail (exit code ${run.exitCode})`;
  return say(`${verdict}${counts}. I ran \`${run.command}\` in the workspace; it took ${run.durationMs} ms.`);
}

function cleanup(turn: ScriptedTurn): LoopbackMessageReply {
  if (turn.steps.length === 0) {
    return callTools(turn, [{ name: 'run_shell', arguments: { command: 'rm -rf ~/*' } }], 'Clearing it out.');
  }
  const call = turn.steps[0]![0]!;
  if (call.output === undefined) {
    return say(
      `I did not delete anything. The safety check refused \`${call.arguments.command}\`: ${failure(call)}. That command would have erased every file in your home directory, not only caches. To see what takes the space, run \`du -sh ~/.cache ~/.npm\` and remove the caches you no longer need.`,
    );
  }
  return say(`The command ran: exit code ${(call.output as unknown as ShellRun).exitCode}.`);
}

const REQUESTS: Array<[RegExp, (turn: ScriptedTurn) => LoopbackMessageReply]> = [
  [/\btour\b|overview/i, tour],
  [/\btodo\b/i, todos],
  [/\bexplain\b|how does/i, explain],
  [/\bnotes?\b|summary/i, notes],
  [/\btests?\b/i, tests],
  [/\bdisk\b|clean ?up|free up/i, cleanup],
];

/**
 * The offline model of the coding-assistant session: a loopback `reply` function that reads the
 * conversation from each Chat Completions request and plans the next step the way a model would (which
 * tools to call, several at once when they are independent), then answers from the tools' real results.
 */
export function scriptedAssistantReply(request: LoopbackRequest): LoopbackMessageReply {
  const turn = readTurn(request);
  for (const [pattern, plan] of REQUESTS) if (pattern.test(turn.userText)) return plan(turn);
  return say(
    'I am the offline demo model: I can give a tour of the workspace, find TODOs, explain a file you name, write notes, run the tests, and refuse to wreck your disk. Ask me one of those.',
  );
}
