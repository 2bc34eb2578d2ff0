import { type ChildProcess, spawn } from 'node:child_process';
// One owner for finding redis-server, free ports and the PING wait (the gateway's tests use them too).
import { freePort, waitForPong } from '../../../../tools/redis-cluster.mjs';

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
