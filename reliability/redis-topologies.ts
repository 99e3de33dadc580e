// Redis topologies of a test's own, on loopback, as private processes: a master with a replica
// and three sentinels, a 3-master cluster, and TLS servers (a self-signed certificate made with
// openssl in a temp dir). Never the shared Redis on 6379.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis, type RedisOptions } from 'ioredis';
import { waitFor } from '../test/helpers/wait';
import { freePort } from './harness';

const run = promisify(execFile);

/** One redis-server (or sentinel) process on its own port and directory. */
export class RedisNode {
  private child: ChildProcess | null = null;
  constructor(
    readonly port: number,
    readonly dir: string,
    private readonly args: string[],
    private readonly probe: RedisOptions = {},
  ) {}

  async up(): Promise<void> {
    this.child = spawn('redis-server', this.args, { stdio: 'ignore', cwd: this.dir });
    await waitFor(async () => {
      const r = new Redis({
        host: '127.0.0.1',
        port: this.port,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        ...this.probe,
      });
      r.on('error', () => undefined);
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } finally {
        r.disconnect();
      }
    }, 15_000);
  }

  /** A direct connection to this node (not through Sentinel or Cluster). */
  client(): Redis {
    const r = new Redis({ host: '127.0.0.1', port: this.port, maxRetriesPerRequest: 1, ...this.probe });
    r.on('error', () => undefined);
    return r;
  }

  /** A crash: SIGKILL, nothing flushed beyond what AOF already has. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}

const PERSISTED = [
  '--appendonly',
  'yes',
  '--appendfsync',
  'everysec',
  '--save',
  '',
  '--maxmemory-policy',
  'noeviction',
];

/** A master, a replica and three sentinels monitoring them as `name` (quorum 2). */
export class SentinelSet {
  private constructor(
    readonly dir: string,
    readonly servers: RedisNode[],
    readonly sentinels: RedisNode[],
    readonly name: string,
  ) {}

  static async start(name = 'mymaster', options: { tls?: TlsFiles } = {}): Promise<SentinelSet> {
    const dir = await mkdtemp(join(tmpdir(), 'plexhook-sentinel-'));
    const [mPort, rPort, ...sPorts] = await Promise.all([1, 2, 3, 4, 5].map(() => freePort()));
    const { tls } = options;
    const probe = tls ? tlsProbe(tls) : {};
    const server = (port: number, extra: string[]) => {
      const d = join(dir, `redis-${port}`);
      return tls
        ? new RedisNode(port, d, tlsServerArgs(port, tls, d, ['--tls-replication', 'yes', ...extra]), probe)
        : new RedisNode(port, d, [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--dir',
            d,
            ...PERSISTED,
            ...extra,
          ]);
    };
    const master = server(mPort as number, []);
    const replica = server(rPort as number, ['--replicaof', '127.0.0.1', String(mPort)]);
    const sentinels: RedisNode[] = [];
    for (const port of sPorts) {
      const d = join(dir, `sentinel-${port}`);
      await run('mkdir', ['-p', d]);
      // Sentinel rewrites its configuration file (what it learns about the set): its own file.
      const conf = join(d, 'sentinel.conf');
      await writeFile(
        conf,
        [
          ...(tls
            ? [
                'port 0',
                `tls-port ${port}`,
                `tls-cert-file ${tls.cert}`,
                `tls-key-file ${tls.key}`,
                `tls-ca-cert-file ${tls.cert}`,
                'tls-auth-clients no',
                'tls-replication yes',
              ]
            : [`port ${port}`]),
          'bind 127.0.0.1',
          `dir ${d}`,
          `sentinel monitor ${name} 127.0.0.1 ${mPort} 2`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 5000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      sentinels.push(new RedisNode(port, d, [conf, '--sentinel'], probe));
    }
    await run('mkdir', ['-p', master.dir, replica.dir]);
    await master.up();
    await replica.up();
    await Promise.all(sentinels.map((s) => s.up()));
    const set = new SentinelSet(dir, [master, replica], sentinels, name);
    // Ready when every sentinel knows the replica and it is in sync.
    await waitFor(async () => {
      const replies = await Promise.all(
        sentinels.map(async (s) => {
          const c = s.client();
          try {
            return (await c.call('SENTINEL', 'REPLICAS', name)) as unknown[];
          } finally {
            c.disconnect();
          }
        }),
      );
      return replies.every((r) => r.length === 1) && (await set.linkUp());
    }, 30_000);
    return set;
  }

  /** `REDIS_SENTINELS` for the apps. */
  get list(): string {
    return this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',');
  }

  /** The port the sentinels currently name as master. */
  async masterPort(): Promise<number> {
    const c = (this.sentinels[0] as RedisNode).client();
    try {
      const [, port] = (await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name)) as [string, string];
      return Number(port);
    } finally {
      c.disconnect();
    }
  }

  node(port: number): RedisNode {
    const n = this.servers.find((s) => s.port === port);
    if (!n) throw new Error(`no server on ${port}`);
    return n;
  }

  /** The current master reports a replica whose link is up. */
  async linkUp(): Promise<boolean> {
    const c = this.node(await this.masterPort()).client();
    try {
      const info = await c.info('replication');
      return /connected_slaves:1/.test(info) && /state=online/.test(info);
    } catch {
      return false;
    } finally {
      c.disconnect();
    }
  }

  /** Waits until the sentinels name a master other than `oldPort`. */
  async waitForNewMaster(oldPort: number, timeoutMs = 30_000): Promise<number> {
    return waitFor(async () => {
      const port = await this.masterPort();
      return port !== oldPort ? port : null;
    }, timeoutMs);
  }

  async failover(): Promise<void> {
    const c = (this.sentinels[0] as RedisNode).client();
    try {
      await c.call('SENTINEL', 'FAILOVER', this.name);
    } finally {
      c.disconnect();
    }
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.sentinels, ...this.servers].map((n) => n.kill()));
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** `--tls-*` arguments for a server that speaks TLS only, on `port`. */
export type TlsFiles = { dir: string; cert: string; key: string };

/** A self-signed certificate for 127.0.0.1 and localhost (openssl), used as its own CA. */
export async function selfSignedCert(): Promise<TlsFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'plexhook-tls-'));
  const cert = join(dir, 'redis.crt');
  const key = join(dir, 'redis.key');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { dir, cert, key };
}

/** Whether this redis-server was built with TLS (Debian's is; a BUILD_TLS=no build is not). */
export async function redisHasTls(): Promise<boolean> {
  const port = await freePort();
  const tls = await selfSignedCert();
  const node = new RedisNode(port, tls.dir, tlsServerArgs(port, tls, tls.dir), tlsProbe(tls));
  try {
    await node.up();
    return true;
  } catch {
    return false;
  } finally {
    await node.kill();
    await rm(tls.dir, { recursive: true, force: true });
  }
}

export function tlsServerArgs(port: number, tls: TlsFiles, dir: string, extra: string[] = []): string[] {
  return [
    '--port',
    '0',
    '--tls-port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--tls-cert-file',
    tls.cert,
    '--tls-key-file',
    tls.key,
    '--tls-ca-cert-file',
    tls.cert,
    '--tls-auth-clients',
    'no',
    ...PERSISTED,
    ...extra,
  ];
}

export function tlsProbe(tls: TlsFiles): RedisOptions {
  return { tls: { ca: readFileSync(tls.cert) } };
}

/** Three masters (no replicas) made one cluster with `redis-cli --cluster create`. */
export class RedisClusterSet {
  private constructor(
    readonly dir: string,
    readonly nodes: RedisNode[],
  ) {}

  static async start(options: { tls?: TlsFiles } = {}): Promise<RedisClusterSet> {
    const dir = await mkdtemp(join(tmpdir(), 'plexhook-cluster-'));
    const ports = await Promise.all([1, 2, 3].map(() => freePort()));
    const nodes: RedisNode[] = [];
    for (const port of ports) {
      const d = join(dir, `node-${port}`);
      await run('mkdir', ['-p', d]);
      const cluster = [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(d, 'nodes.conf'),
        '--cluster-node-timeout',
        '2000',
      ];
      const args = options.tls
        ? tlsServerArgs(port, options.tls, d, [
            ...cluster,
            '--tls-cluster',
            'yes',
            '--tls-replication',
            'yes',
          ])
        : ['--port', String(port), '--bind', '127.0.0.1', '--dir', d, ...PERSISTED, ...cluster];
      nodes.push(new RedisNode(port, d, args, options.tls ? tlsProbe(options.tls) : {}));
    }
    await Promise.all(nodes.map((n) => n.up()));
    const tlsArgs = options.tls ? ['--tls', '--cacert', options.tls.cert] : [];
    await run('redis-cli', [
      ...tlsArgs,
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    const set = new RedisClusterSet(dir, nodes);
    await waitFor(async () => {
      const states = await Promise.all(
        nodes.map(async (n) => {
          const c = n.client();
          try {
            return /cluster_state:ok/.test((await c.call('CLUSTER', 'INFO')) as string);
          } finally {
            c.disconnect();
          }
        }),
      );
      return states.every(Boolean);
    }, 30_000);
    return set;
  }

  /** `REDIS_CLUSTER_NODES` for the apps. */
  get list(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()));
    await rm(this.dir, { recursive: true, force: true });
  }
}
