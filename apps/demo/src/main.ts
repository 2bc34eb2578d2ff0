import { createOpenAICompatibleProvider } from '@victor-ai/provider-pool';
import { createLoopbackServer } from '@victor-ai/provider-pool/testing';
import { UsageError } from './args.js';
import { ASSIST_USAGE, assistCommand, type CommandIO } from './assist-command.js';
import { readModelConfig } from './config.js';
import { runConversation } from './conversation.js';
import { MCP_SERVE_USAGE, mcpServeCommand } from './mcp-serve-command.js';
import { withMcpFlags } from './mcp-servers.js';
import { offlineReply } from './offline-model.js';
import { replayCommand } from './replay.js';
import { SERVE_USAGE, serveCommand } from './serve-command.js';

const TURNS = ['What is Victor?', 'Why does streaming make it feel fast?', 'Thanks, bye!'];

const USAGE = `usage: npm run demo -- [command] [options]

commands:
  assist (default)  a coding-assistant session over a workspace, ending with the session's figures
  chat              a short streamed conversation (no tools), time to first token per turn
  serve             an OpenAI-compatible /v1/chat/completions and /metrics in front of the model
  replay            decode recorded provider responses (see: npm run demo -- replay --help)
  mcp-serve         the demo's tools (and MCP servers' tools) served as one MCP server

assist: ${ASSIST_USAGE}

  --mcp "<command line>"  (assist, repeatable) add an MCP server's tools; "filesystem [DIR...]" and
                          "memory" run the servers installed with the demo
  --mcp-url URL           (assist, repeatable) add a Streamable HTTP MCP server's tools

serve: ${SERVE_USAGE}

mcp-serve: ${MCP_SERVE_USAGE}

With no configuration the model is the offline loopback model (scripted). Set VICTOR_BASE_URL and
VICTOR_MODEL (and VICTOR_API_KEY) for any OpenAI-compatible endpoint, or ANTHROPIC_API_KEY and
VICTOR_MODEL for Anthropic.`;

async function chatCommand(): Promise<void> {
  const config = readModelConfig(process.env);
  const output = { write: (text: string) => process.stdout.write(text) };
  if (config.kind === 'remote') {
    console.log(`model: ${config.model} at ${config.baseURL}`);
    const provider = createOpenAICompatibleProvider({ baseURL: config.baseURL, apiKey: config.apiKey });
    try {
      await runConversation(provider, config.model, TURNS, output);
    } finally {
      await provider.close();
    }
    return;
  }
  const server = await createLoopbackServer({ ttftMs: 40, chunkGapMs: 6, reply: offlineReply });
  console.log(
    `offline: no VICTOR_BASE_URL set, so the model is Victor's built-in loopback model at ${server.baseURL}\n` +
      '         (scripted replies; set VICTOR_BASE_URL, VICTOR_API_KEY and VICTOR_MODEL to use a real model)',
  );
  const provider = createOpenAICompatibleProvider({ baseURL: server.baseURL });
  try {
    await runConversation(provider, 'loopback-1', TURNS, output);
  } finally {
    await provider.close();
    await server.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const io: CommandIO = {
    stdout: {
      write: (text: string) => process.stdout.write(text),
      isTTY: process.stdout.isTTY === true,
    },
    stderr: { write: (text: string) => process.stderr.write(text) },
    env: process.env,
  };
  const first = argv[0];
  const command =
    first === '--help' || first === '-h'
      ? 'help'
      : first === undefined || first.startsWith('--')
        ? 'assist'
        : first;
  const rest = first === command ? argv.slice(1) : argv;
  switch (command) {
    case 'assist': {
      const withMcp = withMcpFlags(rest, io);
      return assistCommand(withMcp.argv, withMcp.io);
    }
    case 'mcp-serve':
      return mcpServeCommand(rest, io);
    case 'chat':
      await chatCommand();
      return 0;
    case 'serve':
      return serveCommand(rest, io);
    case 'replay':
      return replayCommand(rest, io.stdout);
    case 'help':
      console.log(USAGE);
      return 0;
    default:
      console.error(`unknown command ${JSON.stringify(command)}; try: npm run demo -- help`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}; try: npm run demo -- help`);
      process.exitCode = 2;
      return;
    }
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
