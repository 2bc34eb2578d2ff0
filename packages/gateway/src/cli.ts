import { VictorError } from '@victor-ai/core';
import { hashApiKey } from './api-keys.js';
import { type GatewayConfig, loadGatewayConfig } from './config/gateway-config.js';
import { type Gateway, startGateway } from './gateway.js';

/** `victor-gateway --help`. */
export const GATEWAY_USAGE = `victor-gateway --config FILE [--port N] [--host ADDRESS]
victor-gateway check FILE
victor-gateway hash-key KEY

  --config FILE    the gateway configuration, JSON or YAML (.yaml/.yml); see the package README
  --port N         overrides server.port (0: a free port)
  --host ADDRESS   overrides server.host
  check FILE       validates FILE (JSON or YAML), prints every problem with its path, exits 1 on an error
  hash-key KEY     prints the sha256:... form of an API key for keys[].hash

SIGTERM or SIGINT drains: new requests get 503, those in flight (streams too) finish within
server.drainTimeoutMs (default 10 s), then the process exits.`;

/** Where the CLI writes, and what stops it (tests resolve `stop` instead of sending a signal). */
export interface GatewayCliIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env?: NodeJS.ProcessEnv;
  stop?: Promise<unknown>;
  onListening?: (gateway: Gateway) => void;
}

function fail(io: GatewayCliIO, message: string, code = 2): number {
  io.stderr.write(`victor-gateway: ${message}\n`);
  return code;
}

/** Runs the `victor-gateway` command line; resolves to the exit code once the gateway stopped. */
export async function runGatewayCli(argv: readonly string[], io: GatewayCliIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === 'help') {
    io.stdout.write(`${GATEWAY_USAGE}\n`);
    return first === undefined ? 2 : 0;
  }
  if (first === 'hash-key') {
    if (rest.length !== 1 || rest[0] === '') return fail(io, 'hash-key takes one key');
    io.stdout.write(`${hashApiKey(rest[0]!)}\n`);
    return 0;
  }
  if (first === 'check') {
    if (rest.length !== 1) return fail(io, 'check takes one file');
    try {
      const config = loadGatewayConfig(rest[0]!);
      io.stdout.write(
        `${rest[0]}: ok (${Object.keys(config.endpoints).length} endpoints, ${config.routes.length} routes, ${config.keys.length} keys)\n`,
      );
      return 0;
    } catch (error) {
      return fail(io, error instanceof Error ? error.message : String(error), 1);
    }
  }
  let configFile: string | undefined;
  let port: number | undefined;
  let host: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const value = () => inline ?? argv[++index];
    if (flag === '--config') configFile = value();
    else if (flag === '--port') {
      const text = value() ?? '';
      if (!/^\d+$/.test(text) || Number(text) > 65_535) {
        return fail(io, `--port must be an integer from 0 to 65535, got ${JSON.stringify(text)}`);
      }
      port = Number(text);
    } else if (flag === '--host') host = value();
    else return fail(io, `unknown argument ${JSON.stringify(arg)}\n\n${GATEWAY_USAGE}`);
  }
  if (!configFile) return fail(io, `--config FILE is required\n\n${GATEWAY_USAGE}`);
  let config: GatewayConfig;
  let gateway: Gateway;
  try {
    config = loadGatewayConfig(configFile);
    gateway = await startGateway({
      config,
      ...(port === undefined ? {} : { port }),
      ...(host === undefined ? {} : { host }),
      ...(io.env ? { env: io.env } : {}),
      log: (line) => io.stderr.write(`${line}\n`),
    });
  } catch (error) {
    const message = VictorError.isInstance(error) || error instanceof Error ? error.message : String(error);
    return fail(io, message, 1);
  }
  io.stdout.write(
    `victor-gateway: listening on ${gateway.url} (OpenAI-compatible base URL ${gateway.url}/v1)\n`,
  );
  io.onListening?.(gateway);
  let onSignal: (name: NodeJS.Signals) => void = () => {};
  const reason = await new Promise<string>((resolvePromise) => {
    onSignal = (name) => resolvePromise(name);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    io.stop?.then(() => resolvePromise('stop'));
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  io.stdout.write(`victor-gateway: ${reason}: draining ${gateway.http.inFlight} request(s) in flight\n`);
  await gateway.close();
  io.stdout.write('victor-gateway: stopped\n');
  return 0;
}
