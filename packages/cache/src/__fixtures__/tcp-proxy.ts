import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a server, to break the network without touching the server: `blackhole`
 * stops forwarding (connections stay open, nothing arrives), `cut` drops every connection and refuses new
 * ones, `restore` forwards again.
 */
export class TcpProxy {
  readonly port: number;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private blackholed = false;
  private refusing = false;

  private constructor(server: Server, port: number) {
    this.server = server;
    this.port = port;
  }

  static start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => {
      if (proxy === undefined || proxy.refusing) {
        client.destroy();
        return;
      }
      const self = proxy;
      const upstream = connect(targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        self.sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => {
          self.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (data) => {
        if (!self.blackholed) upstream.write(data);
      });
      upstream.on('data', (data) => {
        if (!self.blackholed) client.write(data);
      });
    });
    return new Promise((resolve) => {
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        proxy = new TcpProxy(server, typeof address === 'object' && address !== null ? address.port : 0);
        resolve(proxy);
      });
    });
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
