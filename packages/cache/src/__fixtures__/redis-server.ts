import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer, Socket } from 'node:net';

/**
 * Path of the redis-server binary, or undefined when it is not installed. `VICTOR_REDIS_SERVER` names
 * another binary; set to `none` it makes the tests behave as on a machine without Redis.
 */
export function findRedisServer(): string | undefined {
  const override = process.env.VICTOR_REDIS_SERVER;
  if (override === 'none') return undefined;
  if (override) return override;
  const probe = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = probe.stdout.trim();
  return probe.status === 0 && path !== '' ? path : undefined;
}

/** A free loopback TCP port (asked of the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something answers PING with PONG on the port, or rejects after `timeoutMs`. */
export async function waitForPong(port: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => finish(data.toString().startsWith('+PONG')));
  });
}

/** A redis-server process this test run started, on a loopback port, without persistence. */
export class RedisServerProcess {
  private portNumber = 0;
  private readonly binary: string;
  private child: ChildProcess | undefined;

  /** A server not started yet: `listen` starts it. */
  constructor(binary: string) {
    this.binary = binary;
  }

  /** Starts redis-server on a free port and waits for it to answer. */
  static async start(binary: string, port?: number): Promise<RedisServerProcess> {
    const server = new RedisServerProcess(binary);
    await server.listen(port);
    return server;
  }

  /** Starts it on `port`, or on a free port, and waits for it to answer. */
  async listen(port?: number): Promise<void> {
    this.portNumber = port ?? (await freePort());
    await this.restart();
  }

  /** The port it listens on (0 before `listen`). */
  get port(): number {
    return this.portNumber;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it again on the same port (after `stop`). */
  async restart(): Promise<void> {
    this.child = spawn(
      this.binary,
      ['--bind', '127.0.0.1', '--port', String(this.port), '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    // If the test run dies without its teardown, the server must not outlive it.
    const child = this.child;
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    await waitForPong(this.port);
  }

  /** Stops it (SIGKILL, like a crash) and waits for the process to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** Freezes it (SIGSTOP): connections stay open, commands get no answer. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  /** Unfreezes it (SIGCONT). */
  resume(): void {
    this.child?.kill('SIGCONT');
  }
}
