import type { HttpServerLimits } from '@victor-ai/gateway';
import { startRuntimeMetrics } from '@victor-ai/metrics';
import { type ParsedFlags, parseFlags, UsageError } from './args.js';
import type { CommandIO } from './assist-command.js';
import { readModelConfig } from './config.js';
import { createDemoMonitor } from './instrumentation.js';
import { openModel } from './model.js';
import { offlineReply } from './offline-model.js';
import { startServe } from './serve.js';

/** `--help` text of serve mode. */
export const SERVE_USAGE = `npm run demo -- serve [--port N] [--host ADDRESS] [limits]

Serves the model path (provider pool, model middleware, response cache for temperature-0 requests) as an
OpenAI-compatible API: POST /v1/chat/completions (streaming and not), GET /v1/models, GET /metrics
(Prometheus text; ?format=json for JSON). Port 0 picks a free port. Stops cleanly on SIGINT or SIGTERM.

X-Victor-Tenant scopes the response cache but is NOT authenticated: anyone who can reach the server and
sends a tenant's name reads that tenant's cached answers. Keep serve mode on loopback or behind an
authenticating proxy; @victor-ai/gateway takes the tenant from an API key instead.

  --port N                   default 8787
  --host ADDRESS             default 127.0.0.1
  --allow-host NAME          a Host name answered (repeatable; "*" for any); default the bound names
                             (localhost, 127.0.0.1 and ::1 on loopback); other Hosts get 403
  --cors-origin ORIGIN       send CORS headers for this origin (repeatable; "*" for any); default none
  --max-body-bytes N         default 4194304 (4 MiB); larger bodies get 413 and the connection closes
  --max-json-depth N         default 64; deeper JSON (body or tool-call arguments) gets 400
  --headers-timeout-ms N     default 10000; a client slower to send its headers gets 408
  --request-timeout-ms N     default 60000; a client slower to send its whole request gets 408
  --keep-alive-timeout-ms N  default 5000
  --max-connections N        default 1024; connections beyond get 503 with Retry-After
  --max-in-flight N          default 256; requests beyond get 503 with Retry-After`;

const LIMIT_FLAGS = {
  'max-body-bytes': 'maxBodyBytes',
  'max-json-depth': 'maxJsonDepth',
  'headers-timeout-ms': 'headersTimeoutMs',
  'request-timeout-ms': 'requestTimeoutMs',
  'keep-alive-timeout-ms': 'keepAliveTimeoutMs',
  'max-connections': 'maxConnections',
  'max-in-flight': 'maxRequestsInFlight',
} as const satisfies Record<string, keyof HttpServerLimits>;

/** The `HttpServerLimits` given by serve's flags. */
function limitsFromFlags(flags: ParsedFlags): HttpServerLimits {
  const limits: HttpServerLimits = {};
  for (const [flag, option] of Object.entries(LIMIT_FLAGS)) {
    const text = flags.values.get(flag);
    if (text === undefined) continue;
    if (!/^\d+$/.test(text) || Number(text) <= 0) {
      throw new UsageError(`--${flag} must be a positive integer, got ${JSON.stringify(text)}`);
    }
    limits[option] = Number(text);
  }
  const hosts = flags.lists.get('allow-host');
  if (hosts) limits.allowedHosts = hosts.includes('*') ? '*' : hosts;
  const origins = flags.lists.get('cors-origin');
  if (origins) limits.cors = { origins: origins.includes('*') ? '*' : origins };
  return limits;
}

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
  const flags = parseFlags(argv, {
    values: ['port', 'host', ...Object.keys(LIMIT_FLAGS)],
    lists: ['allow-host', 'cors-origin'],
    booleans: ['help'],
  });
  if (flags.booleans.has('help')) {
    io.stdout.write(`${SERVE_USAGE}\n`);
    return 0;
  }
  const portText = flags.values.get('port') ?? '8787';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got ${JSON.stringify(portText)}`);
  }
  const limits = limitsFromFlags(flags);
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
      limits,
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
      '  X-Victor-Tenant scopes the response cache but is not authenticated (see --help)\n' +
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
