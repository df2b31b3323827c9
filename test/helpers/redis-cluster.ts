/**
 * A live Redis Cluster the tests own: `masters` redis-server processes in cluster mode on
 * loopback (optionally `replicasPerMaster` replicas each), joined with
 * `redis-cli --cluster create`, on ports picked at run time. For the state contract suite and
 * the integration tests on a cluster, and for failover tests that kill a master.
 * Needs `redis-server` and `redis-cli` on PATH (.ci/run installs them).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

/** One cluster node process. */
export interface ClusterNode {
  readonly port: number;
  /** `127.0.0.1:<port>`, as `state.cluster` takes it. */
  readonly address: string;
  /** Kills it (SIGKILL: no goodbye, as a crashed host) and waits for the exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port with its nodes.conf (it rejoins as it was, or as a replica). */
  start(): Promise<void>;
  /** Freezes it (SIGSTOP): a replica stops taking its master's stream, a master stops answering. */
  freeze(): void;
  /** Unfreezes it (SIGCONT). */
  thaw(): void;
  /** One command on this node alone (no redirects followed). */
  command(name: string, ...args: (string | number)[]): Promise<unknown>;
}

/** A running cluster. */
export interface OwnedCluster {
  readonly nodes: readonly ClusterNode[];
  /** `host:port` of every node, for `state.cluster`. */
  readonly addresses: readonly string[];
  /** The nodes that are masters now (asks the cluster). */
  masters(): Promise<ClusterNode[]>;
  /** The master serving `key`'s slot now. */
  masterOf(key: string): Promise<ClusterNode>;
  /** Resolves once every live node reports `cluster_state:ok` and all slots are served (bounded). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /**
   * Resolves once every master has `replicas` replicas online (bounded): a fresh cluster's
   * replicas sync for a few seconds after `cluster create`, and WAIT counts only online ones.
   */
  waitReplicated(replicas: number, timeoutMs?: number): Promise<void>;
  /**
   * Resolves once `master` (killed or frozen) serves no slot any more — its replica was
   * promoted — and the cluster is healthy again (bounded). Right after a kill the other nodes
   * still report `cluster_state:ok` for about `cluster-node-timeout`: healthy is not promoted.
   */
  waitPromoted(master: ClusterNode, timeoutMs?: number): Promise<void>;
  /** Kills every node and removes their folder. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisCluster}. */
export interface ClusterOptions {
  readonly masters?: number;
  readonly replicasPerMaster?: number;
  /** `cluster-node-timeout`: how long a silent master is tolerated before failover (default 15 s in Redis; 1 s here). */
  readonly nodeTimeoutMs?: number;
}

/** Starts and joins a cluster; on any failure the processes started so far are killed. */
export async function startRedisCluster(options: ClusterOptions = {}): Promise<OwnedCluster> {
  const masters = options.masters ?? 3;
  const total = masters * (1 + (options.replicasPerMaster ?? 0));
  const dir = await mkdtemp(join(tmpdir(), 'dutygate-cluster-'));
  const nodes: OwnedNode[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.kill()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of await freeClusterPorts(total)) {
      const node = new OwnedNode(port, dir, options.nodeTimeoutMs ?? 1_000);
      nodes.push(node);
      await node.start();
    }
    await run(
      'redis-cli',
      ['--cluster', 'create', ...nodes.map((node) => node.address), '--cluster-replicas', String(options.replicasPerMaster ?? 0), '--cluster-yes'],
      { timeout: 30_000 },
    );
    const cluster = createHandle(nodes, stop);
    await cluster.waitHealthy(30_000);
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}

function createHandle(nodes: readonly OwnedNode[], stop: () => Promise<void>): OwnedCluster {
  const byPort = (port: number) => nodes.find((node) => node.port === port) as OwnedNode;
  const slotMasters = async (): Promise<[number, number, number][]> => {
    for (const node of nodes.filter((candidate) => candidate.running)) {
      try {
        const slots = (await node.command('cluster', 'slots')) as [number, number, [string, number]][];
        return slots.map(([from, to, [, port]]) => [from, to, port]);
      } catch {
        // that node cannot answer; ask the next
      }
    }
    throw new Error('no cluster node answers CLUSTER SLOTS');
  };
  return {
    nodes,
    addresses: nodes.map((node) => node.address),
    async masters() {
      const ports = new Set((await slotMasters()).map(([, , port]) => port));
      return [...ports].map(byPort);
    },
    async masterOf(key) {
      const probe = nodes.find((node) => node.running) as OwnedNode;
      const slot = (await probe.command('cluster', 'keyslot', key)) as number;
      const range = (await slotMasters()).find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`slot ${slot} is not served`);
      return byPort(range[2]);
    },
    async waitHealthy(timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const live = nodes.filter((node) => node.running);
        const states = await Promise.all(live.map((node) => node.command('cluster', 'info').then(String, () => '')));
        if (states.every((info) => info.includes('cluster_state:ok') && info.includes('cluster_slots_ok:16384'))) return;
        if (Date.now() > until) throw new Error(`cluster not healthy within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async waitReplicated(replicas, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const masters = await this.masters().catch(() => []);
        const infos = await Promise.all(masters.map((node) => node.command('info', 'replication').then(String, () => '')));
        const online = (info: string) => info.split('\n').filter((line) => /^slave\d+:.*state=online/.test(line)).length;
        if (masters.length > 0 && infos.every((info) => online(info) >= replicas)) return;
        if (Date.now() > until) throw new Error(`replicas not online within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async waitPromoted(master, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const masters = await this.masters().catch(() => [master]);
        if (!masters.includes(master)) {
          await this.waitHealthy(Math.max(1, until - Date.now()));
          return;
        }
        if (Date.now() > until) throw new Error(`${master.address} still serves slots after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop,
  };
}

class OwnedNode implements ClusterNode {
  readonly address: string;
  private child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly nodeTimeoutMs: number,
  ) {
    this.address = `127.0.0.1:${port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes'];
    args.push('--cluster-config-file', join(this.dir, `nodes-${this.port}.conf`), '--cluster-node-timeout', String(this.nodeTimeoutMs));
    args.push('--save', '', '--appendonly', 'no', '--dir', this.dir);
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    const failed = new Promise<never>((_, reject) => child.once('error', reject));
    for (let i = 0; i < 100; i++) {
      if (await Promise.race([this.command('ping').then(() => true, () => false), failed])) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server on port ${this.port} did not answer`);
  }

  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  async kill(): Promise<void> {
    const running = this.child;
    this.child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGCONT');
    running.kill('SIGKILL');
    await exited;
  }

  /** One command on a short-lived connection (no cluster redirects followed). */
  async command(name: string, ...args: (string | number)[]): Promise<unknown> {
    const client = new Redis({ port: this.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500, commandTimeout: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await client.call(name, ...args);
    } finally {
      client.disconnect();
    }
  }
}

/**
 * `count` ports whose cluster bus port (port + 10000) is free too. Taken from 20000–29999, below
 * the kernel's ephemeral range (32768+), so that neither the port nor its bus port is likely to
 * be handed to an outgoing connection meanwhile.
 */
async function freeClusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count && attempt < 500; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (ports.includes(port)) continue;
    if ((await isFree(port)) && (await isFree(port + 10_000))) ports.push(port);
  }
  if (ports.length < count) throw new Error('no free ports for a Redis Cluster');
  return ports;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
