/** Whether a failing Redis must fail the run instead of skipping (CI). */
export declare const redisRequired: boolean;
/** Path of redis-server (or `VICTOR_REDIS_SERVER`), or undefined when it is not installed or set to `none`. */
export declare function findRedisServer(): string | undefined;
/** A free loopback TCP port (asked of the OS, then released). */
export declare function freePort(): Promise<number>;
/** Resolves once the redis-server on `port` answers PING. */
export declare function waitForPong(port: number): Promise<void>;
/** One local redis-server this process started, on a free port; `stop`/`restart` simulate a crash. */
export declare class LocalRedisServer {
  static start(): Promise<LocalRedisServer>;
  readonly port: number;
  /** `redis://127.0.0.1:P`. */
  readonly url: string;
  /** Starts it again on the same port (after `stop`), empty. */
  restart(): Promise<void>;
  /** Kills it (SIGKILL, like a crash) and waits for it to exit. */
  stop(): Promise<void>;
}
/** Paths of redis-server and redis-cli, or a reason they cannot be used. */
export declare function findRedisBinaries(): { server?: string; cli?: string; reason?: string };
/** A port P, free with its cluster bus port P + 10000. */
export declare function freeClusterPort(taken?: Set<number>): Promise<number>;
/** Resolves once the node on `port` reports cluster_state:ok. */
export declare function waitForClusterOk(port: number, timeoutMs?: number): Promise<void>;
/** A local 3-master cluster this process started. */
export declare class LocalRedisCluster {
  static start(options?: { masters?: number }): Promise<LocalRedisCluster>;
  readonly ports: number[];
  readonly nodes: string[];
  portOf(key: string): Promise<number>;
  stopNode(port: number): Promise<void>;
  restartNode(port: number): Promise<void>;
  stop(): Promise<void>;
}
/** A vitest global setup providing `redisClusterNodes` and `redisClusterUnavailableReason`. */
export declare function setupRedisCluster(project: {
  provide(key: string, value: string): void;
}): Promise<() => Promise<void>>;
export default setupRedisCluster;
