// The standard long coding session: a seeded 40-turn agent session with 30 tools and tool
// results of realistic sizes, replayed to measure prompt caching, sticky tool selection and compaction.
import { random } from './index.js';

/** The 30 tools of the session: name, description (what lexical selection matches) and result size range. */
export const SESSION_TOOLS = [
  ['read_file', 'Read a source file from the repository and return its content', [2000, 12000]],
  ['write_file', 'Write or overwrite a source file in the repository with new content', [80, 200]],
  ['edit_file', 'Edit a source file by replacing an exact snippet with new text', [100, 300]],
  ['list_dir', 'List the files and folders of a directory in the repository', [300, 1500]],
  ['grep', 'Search the repository for a regular expression and return matching lines', [500, 4000]],
  ['find_symbol', 'Find where a function, class or symbol is defined in the code', [200, 800]],
  ['find_references', 'Find every reference and usage of a function, class or symbol', [400, 3000]],
  ['run_tests', 'Run the unit test suite, or one test file, and report failures', [1000, 6000]],
  ['run_typecheck', 'Run the TypeScript type checker and report type errors', [300, 3000]],
  ['run_lint', 'Run the linter and formatter check and report lint problems', [200, 2000]],
  ['build_package', 'Build a package of the monorepo and report compile output', [300, 2500]],
  ['git_status', 'Show the git status: changed, staged and untracked files', [150, 600]],
  ['git_diff', 'Show the git diff of changes in the working tree', [800, 6000]],
  ['git_log', 'Show the git log history of recent commits', [400, 2000]],
  ['git_commit', 'Create a git commit of staged changes with a message', [100, 300]],
  ['git_blame', 'Show git blame: who last changed each line of a file', [1000, 5000]],
  ['install_dependency', 'Install an npm dependency package into a workspace package', [300, 1500]],
  ['search_npm', 'Search the npm registry for packages by keyword', [500, 2000]],
  ['read_docs', 'Fetch the documentation page of a library or API', [2000, 9000]],
  ['web_search', 'Search the web for an error message or question', [800, 3000]],
  ['run_shell', 'Run a shell command in the repository and return its output', [200, 3000]],
  ['run_benchmark', 'Run a benchmark script and report timings and throughput', [500, 2500]],
  ['profile_cpu', 'Profile CPU usage of a script and report the hottest functions', [1000, 4000]],
  ['open_issue', 'Read an issue from the tracker with its description and comments', [1000, 5000]],
  ['comment_issue', 'Post a comment on an issue of the tracker', [100, 300]],
  ['create_pull_request', 'Open a pull request from the current branch with a title and body', [150, 400]],
  ['review_diff', 'Review a diff and list possible bugs and style problems', [800, 3000]],
  ['format_code', 'Format source files with the code formatter', [100, 500]],
  ['rename_symbol', 'Rename a function, class or symbol across the code base', [200, 1200]],
  ['coverage_report', 'Report test coverage per file and uncovered lines', [800, 4000]],
].map(([name, description, sizes]) => ({ name, description, sizes }));

// Tasks of a coding session: each names the tools it needs and how users phrase it.
const TASKS = [
  { needs: ['read_file', 'grep'], asks: ['search the repository for', 'read the source file of'] },
  { needs: ['find_symbol', 'read_file'], asks: ['find where the function is defined and read the file'] },
  { needs: ['edit_file', 'run_tests'], asks: ['edit the file to fix it and run the unit tests'] },
  { needs: ['run_tests'], asks: ['run the unit test suite and report failures'] },
  {
    needs: ['run_typecheck', 'edit_file'],
    asks: ['run the type checker and edit the file to fix type errors'],
  },
  { needs: ['git_diff', 'review_diff'], asks: ['show the git diff and review it for bugs'] },
  { needs: ['git_status', 'git_commit'], asks: ['show the git status and commit the staged changes'] },
  { needs: ['find_references', 'rename_symbol'], asks: ['find every reference of the symbol and rename it'] },
  { needs: ['run_lint', 'format_code'], asks: ['run the linter and format the source files'] },
  { needs: ['read_docs'], asks: ['fetch the documentation page of the library API'] },
  { needs: ['web_search', 'read_docs'], asks: ['search the web for this error message and read the docs'] },
  {
    needs: ['install_dependency', 'build_package'],
    asks: ['install the npm dependency and build the package'],
  },
  { needs: ['run_benchmark', 'profile_cpu'], asks: ['run the benchmark script and profile CPU usage'] },
  { needs: ['open_issue'], asks: ['read the issue from the tracker with its comments'] },
  { needs: ['coverage_report', 'run_tests'], asks: ['report test coverage and run the unit tests'] },
  { needs: ['list_dir', 'read_file'], asks: ['list the files of the directory and read the source file'] },
  { needs: ['git_log', 'git_blame'], asks: ['show the git log history and git blame of the file'] },
  { needs: ['create_pull_request'], asks: ['open a pull request with a title and body'] },
];
const SUBJECTS = [
  'the cache module',
  'parseConfig',
  'the retry policy',
  'ToolSelector',
  'the SSE decoder',
  'the CLI',
];

/**
 * Generates the seeded coding session: `turns` user turns, each `{ query, needed, calls, answer }` where
 * `needed` are the tools the turn must be offered, `calls` the calls the model makes (one per needed tool,
 * with the size of its result) and `answer` the model's final text. Work comes in runs of related tasks, as
 * in a real session, so the same tools come back over several turns.
 */
export function generateCodingSession({ seed = 21, turns = 40 } = {}) {
  const next = random(seed);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const sizeOf = (name) => {
    const [low, high] = SESSION_TOOLS.find((tool) => tool.name === name).sizes;
    return Math.round(low + next() * (high - low));
  };
  const session = [];
  // A run of related work: 4 tasks drawn per phase, and each turn picks one of them.
  let phase = [];
  for (let n = 0; n < turns; n++) {
    if (n % 8 === 0) phase = Array.from({ length: 4 }, () => pick(TASKS));
    const task = pick(phase);
    const subject = pick(SUBJECTS);
    const query = `${pick(task.asks)} ${subject}`;
    const calls = task.needs.map((name, i) => ({
      id: `call_${n}_${i}`,
      name,
      args: { target: subject, step: n },
      resultChars: sizeOf(name),
    }));
    const answer = `Done with turn ${n}: ${query}. ${'I checked the results and updated the code accordingly. '.repeat(1 + Math.floor(next() * 4))}`;
    session.push({ query, needed: [...task.needs], calls, answer });
  }
  return session;
}

/** The deterministic text of a tool result of `chars` characters (code-like lines, seeded by the call id). */
export function sessionToolResult(call) {
  const line = `// ${call.name} ${call.id}: export function step${call.args.step}(input) { return input; }\n`;
  return line.repeat(Math.ceil(call.resultChars / line.length)).slice(0, call.resultChars);
}

/** The session's system prompt (about 3,000 characters, the same on every turn). */
export const SESSION_SYSTEM_PROMPT = `You are a careful coding agent working in a TypeScript monorepo. ${'Read before you write, run the tests after every change, keep commits small, explain what you changed and why. '.repeat(24)}`;
