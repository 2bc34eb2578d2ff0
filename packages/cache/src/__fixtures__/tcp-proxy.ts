import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a server, to break the network without touching the server: `blackhole`
 * stops forwarding (connections stay open, nothing arrives), `cut` drops every connection and refuses new
 * ones, `restore` forwards again.
 */
export class TcpProxy {
  private portNumber = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private blackholed = false;
  private refusing = false;

  /** A proxy to `targetPort` on loopback, not listening yet: `listen` starts it. */
  constructor(targetPort: number) {
    this.server = createServer((client) => {
      if (this.refusing) {
        client.destroy();
        return;
      }
      const upstream = connect(targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => {
          this.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (data) => {
        if (!this.blackholed) upstream.write(data);
      });
      upstream.on('data', (data) => {
        if (!this.blackholed) client.write(data);
      });
    });
  }

  /** A proxy to `targetPort`, listening. */
  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await proxy.listen();
    return proxy;
  }

  /** Listens on a free loopback port. */
  listen(): Promise<void> {
    return new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => {
        const address = this.server.address();
        this.portNumber = typeof address === 'object' && address !== null ? address.port : 0;
        resolve();
      });
    });
  }

  /** The port it listens on (0 before `listen`). */
  get port(): number {
    return this.portNumber;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  blackhole(): void {
    this.blackholed = true;
  }

  cut(): void {
    this.refusing = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.blackholed = false;
    this.refusing = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
