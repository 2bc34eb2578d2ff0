import { startRuntimeMetrics } from '@victor-ai/metrics';
import { parseFlags, UsageError } from './args.js';
import type { CommandIO } from './assist-command.js';
import { readModelConfig } from './config.js';
import { createDemoMonitor } from './instrumentation.js';
import { openModel } from './model.js';
import { offlineReply } from './offline-model.js';
import { startServe } from './serve.js';

/** `--help` text of serve mode. */
export const SERVE_USAGE = `npm run demo -- serve [--port N] [--host ADDRESS]

Serves the model path (provider pool, model middleware, response cache for temperature-0 requests) as an
OpenAI-compatible API: POST /v1/chat/completions (streaming and not), GET /v1/models, GET /metrics
(Prometheus text; ?format=json for JSON). Port 0 picks a free port. Stops cleanly on SIGINT or SIGTERM.

  --port N           default 8787
  --host ADDRESS     default 127.0.0.1`;

/** Extra hooks for tests: resolve `stop` instead of sending a signal, and learn the URL. */
export interface ServeCommandHooks {
  stop?: Promise<unknown>;
  onListening?: (url: string) => void;
}

/** Runs serve mode until SIGINT/SIGTERM (or `hooks.stop`); resolves to the exit code. */
export async function serveCommand(
  argv: readonly string[],
  io: CommandIO,
  hooks: ServeCommandHooks = {},
): Promise<number> {
  const flags = parseFlags(argv, { values: ['port', 'host'], booleans: ['help'] });
  if (flags.booleans.has('help')) {
    io.stdout.write(`${SERVE_USAGE}\n`);
    return 0;
  }
  const portText = flags.values.get('port') ?? '8787';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got ${JSON.stringify(portText)}`);
  }
  const monitor = createDemoMonitor();
  const runtime = startRuntimeMetrics(monitor);
  const config = readModelConfig(io.env);
  const model = await openModel(config, {
    reply: offlineReply,
    metrics: monitor,
    ...(io.offlineTiming ?? {}),
  });
  let serve: Awaited<ReturnType<typeof startServe>>;
  try {
    serve = await startServe({
      provider: model.provider,
      model: model.model,
      monitor,
      port,
      host: flags.values.get('host') ?? '127.0.0.1',
    });
  } catch (error) {
    runtime.stop();
    await model.close();
    throw error;
  }
  io.stdout.write(
    `${model.description}\n` +
      `serving on ${serve.url}/v1 (OpenAI-compatible; model "${model.model}", or "victor" for it)\n` +
      `  POST ${serve.url}/v1/chat/completions   GET ${serve.url}/v1/models   GET ${serve.url}/metrics\n` +
      'press Ctrl+C to stop\n',
  );
  hooks.onListening?.(serve.url);

  let onSignal: (name: NodeJS.Signals) => void = () => {};
  const signal = await new Promise<string>((resolvePromise) => {
    onSignal = (name) => resolvePromise(name);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    hooks.stop?.then(() => resolvePromise('stop'));
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  io.stdout.write(`\n${signal}: stopping; waiting for ${serve.inFlight} request(s) in flight\n`);
  await serve.close();
  runtime.stop();
  await model.close();
  io.stdout.write('stopped\n');
  return 0;
}
