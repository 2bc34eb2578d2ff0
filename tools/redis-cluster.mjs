// A local Redis Cluster for tests: three masters (no replicas) on free loopback ports, started with
// `redis-server --cluster-enabled yes` and joined with `redis-cli --cluster create`, torn down after.
// Used by the vitest global setups of @victor-ai/cache and @victor-ai/gateway and by tests that stop a node.
// Also a single redis-server (`LocalRedisServer`) for tests that kill and restart one Redis.
// When VICTOR_REDIS_CLUSTER is set (comma-separated host:port list of a running cluster), that cluster is
// used and nothing is started.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether a failing Redis must fail the run instead of skipping (CI). */
export const redisRequired = process.env.VICTOR_REQUIRE_REDIS === '1' || process.env.CI === 'true';

function which(name) {
  const probe = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = probe.stdout.trim();
  return probe.status === 0 && path !== '' ? path : undefined;
}

/**
 * Path of redis-server, or undefined when it is not installed. `VICTOR_REDIS_SERVER` names another binary;
 * set to `none` it makes the tests behave as on a machine without Redis.
 */
export function findRedisServer() {
  const override = process.env.VICTOR_REDIS_SERVER;
  if (override === 'none') return undefined;
  return override || which('redis-server');
}

/** Paths of redis-server and redis-cli, or a reason they cannot be used. */
export function findRedisBinaries() {
  if (process.env.VICTOR_REDIS_SERVER === 'none') return { reason: 'VICTOR_REDIS_SERVER=none' };
  const server = findRedisServer();
  const cli = which('redis-cli');
  if (!server) return { reason: 'redis-server is not installed (apt-get install redis-server)' };
  if (!cli) return { reason: 'redis-cli is not installed (apt-get install redis-tools)' };
  return { server, cli };
}

/** A free loopback TCP port (asked of the OS, then released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function portFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port P, free with its cluster bus port P + 10000, between 20000 and 29999 (random, so parallel runs differ). */
export async function freeClusterPort(taken = new Set()) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (taken.has(port)) continue;
    if ((await portFree(port)) && (await portFree(port + 10_000))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port pair (P, P + 10000) between 20000 and 29999');
}

function sendCommand(port, command, timeoutMs = 1_000) {
  return new Promise((resolve) => {
    const socket = new Socket();
    let text = '';
    const finish = (value) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => finish(text || undefined), timeoutMs);
    socket.once('error', () => finish(undefined));
    socket.connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`));
    socket.on('data', (data) => {
      text += data.toString();
      // A bulk reply: $<length>\r\n<body>\r\n; a simple one: +TEXT\r\n.
      const bulk = /^\$(\d+)\r\n/.exec(text);
      if ((bulk && text.length >= bulk[0].length + Number(bulk[1]) + 2) || /^[+-].*\r\n/.test(text)) {
        finish(text);
      }
    });
  });
}

async function waitFor(check, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} within ${timeoutMs} ms`);
}

/** Resolves once the node on `port` reports cluster_state:ok. */
export function waitForClusterOk(port, timeoutMs = 60_000) {
  return waitFor(
    async () => ((await sendCommand(port, 'CLUSTER INFO')) ?? '').includes('cluster_state:ok'),
    `the cluster node on port ${port} did not report cluster_state:ok`,
    timeoutMs,
  );
}

/** Spawns redis-server on a loopback port without persistence (plus `extraArguments`), killed when this process exits. */
function spawnRedisServer(binary, port, extraArguments = []) {
  const child = spawn(
    binary,
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', ...extraArguments],
    { stdio: 'ignore' },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  return child;
}

/** Resolves once the redis-server on `port` answers PING. */
export function waitForPong(port) {
  return waitFor(
    async () => (await sendCommand(port, 'PING')) === '+PONG\r\n',
    `redis-server on port ${port} did not answer PING`,
    // Generous: a loaded CI machine can take seconds to start a process.
    30_000,
  );
}

/** Kills a redis-server (SIGKILL, like a crash) and waits for it to exit; nothing when it is not running. */
async function killRedisServer(child) {
  if (child === undefined || child.exitCode !== null) return;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGKILL');
  });
}

/** One local redis-server this process started, on a free port; `stop`/`restart` simulate a crash. */
export class LocalRedisServer {
  constructor(binary, port) {
    this.binary = binary;
    this.port = port;
    this.child = undefined;
  }

  /** Starts redis-server on a free port and waits for it to answer. */
  static async start() {
    const binary = findRedisServer();
    if (!binary) throw new Error('redis-server is not installed (apt-get install redis-server)');
    const server = new LocalRedisServer(binary, await freePort());
    await server.restart();
    return server;
  }

  /** `redis://127.0.0.1:P`. */
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it again on the same port (after `stop`), empty. */
  async restart() {
    this.child = spawnRedisServer(this.binary, this.port);
    await waitForPong(this.port);
  }

  /** Kills it (SIGKILL, like a crash) and waits for it to exit. */
  async stop() {
    await killRedisServer(this.child);
  }
}

/** A local 3-master cluster this process started; `stopNode`/`restartNode` simulate a node crash. */
export class LocalRedisCluster {
  constructor(binaries, ports, dir) {
    this.binaries = binaries;
    this.ports = ports;
    this.dir = dir;
    this.children = new Map();
  }

  /** Starts three masters on free ports, creates the cluster and waits for cluster_state:ok. */
  static async start(options = {}) {
    const binaries = findRedisBinaries();
    if (binaries.reason) throw new Error(binaries.reason);
    const taken = new Set();
    const ports = [];
    for (let index = 0; index < (options.masters ?? 3); index++) ports.push(await freeClusterPort(taken));
    const cluster = new LocalRedisCluster(binaries, ports, mkdtempSync(join(tmpdir(), 'victor-cluster-')));
    try {
      await Promise.all(ports.map((port) => cluster.startNode(port)));
      const created = spawnSync(
        binaries.cli,
        [
          '--cluster',
          'create',
          ...ports.map((port) => `127.0.0.1:${port}`),
          '--cluster-replicas',
          '0',
          '--cluster-yes',
        ],
        { encoding: 'utf8', timeout: 30_000 },
      );
      if (created.status !== 0) {
        throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
      }
      await Promise.all(ports.map((port) => waitForClusterOk(port)));
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** `127.0.0.1:P` of each master. */
  get nodes() {
    return this.ports.map((port) => `127.0.0.1:${port}`);
  }

  async startNode(port) {
    const child = spawnRedisServer(this.binaries.server, port, [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(this.dir, `nodes-${port}.conf`),
      // A node that is down is marked failed after this long; the rest keep serving their slots.
      '--cluster-node-timeout',
      '2000',
      '--cluster-require-full-coverage',
      'no',
      '--dir',
      this.dir,
    ]);
    this.children.set(port, child);
    await waitForPong(port);
  }

  /** The port of the master serving `key`'s slot. */
  async portOf(key) {
    const first = this.ports.find((port) => this.children.get(port)?.exitCode === null) ?? this.ports[0];
    const slot = Number(/:(\d+)/.exec((await sendCommand(first, `CLUSTER KEYSLOT ${key}`)) ?? '')?.[1]);
    const nodes = (await sendCommand(first, 'CLUSTER NODES')) ?? '';
    for (const line of nodes.split('\n')) {
      const fields = line.trim().split(' ');
      const port = Number(/:(\d+)@/.exec(fields[1] ?? '')?.[1]);
      for (const range of fields.slice(8)) {
        const [low, high] = range.split('-').map(Number);
        if (slot >= low && slot <= (high ?? low)) return port;
      }
    }
    throw new Error(`no master serves the slot ${slot} of ${key}`);
  }

  /** Kills one node (SIGKILL, like a crash) and waits for it to exit. */
  async stopNode(port) {
    await killRedisServer(this.children.get(port));
  }

  /** Starts a stopped node again with its cluster config (it rejoins with its slots, empty) and waits for cluster_state:ok. */
  async restartNode(port) {
    await this.startNode(port);
    await Promise.all(this.ports.map((each) => waitForClusterOk(each)));
  }

  /** Kills every node and removes the config directory. */
  async stop() {
    await Promise.all(this.ports.map((port) => this.stopNode(port)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A vitest global setup: provides `redisClusterNodes` (comma-separated host:port list, '' when there is
 * no cluster) and `redisClusterUnavailableReason`. Uses VICTOR_REDIS_CLUSTER when set, else starts a
 * local cluster and stops it after the run.
 */
export async function setupRedisCluster(project) {
  const fromEnvironment = process.env.VICTOR_REDIS_CLUSTER;
  if (fromEnvironment) {
    project.provide('redisClusterNodes', fromEnvironment);
    project.provide('redisClusterUnavailableReason', '');
    return async () => {};
  }
  try {
    const cluster = await LocalRedisCluster.start();
    project.provide('redisClusterNodes', cluster.nodes.join(','));
    project.provide('redisClusterUnavailableReason', '');
    return () => cluster.stop();
  } catch (error) {
    project.provide('redisClusterNodes', '');
    project.provide('redisClusterUnavailableReason', error instanceof Error ? error.message : String(error));
    return async () => {};
  }
}

export default setupRedisCluster;
