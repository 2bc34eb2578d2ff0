import { createOpenAICompatibleProvider } from '@victor-ai/provider-pool';
import { createLoopbackServer } from '@victor-ai/provider-pool/testing';
import { readModelConfig } from './config.js';
import { runConversation } from './conversation.js';
import { offlineReply } from './offline-model.js';

const TURNS = ['What is Victor?', 'Why does streaming make it feel fast?', 'Thanks, bye!'];

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
  const [command = 'chat'] = argv;
  switch (command) {
    case 'chat':
      await chatCommand();
      return 0;
    case '--help':
    case 'help':
      console.log('usage: npm run demo [-- chat]');
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
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
