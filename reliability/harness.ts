// Real processes for fault injection: ingest and workers as separate OS processes (as in
// production), a private Redis when the test needs to kill it, and the shared PostgreSQL with
// a database of the test's own (an outage is simulated per database, never server-wide).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ADMIN_URL } from '../test/helpers/db';
import { type AppProcess, spawnApp } from '../test/helpers/processes';
import { waitFor } from '../test/helpers/wait';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Resolves once a redis-server at `url` answers PING (a fresh connection per try). */
export async function waitForRedis(url: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(async () => {
    const { Redis } = await import('ioredis');
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } finally {
      probe.disconnect();
    }
  }, timeoutMs);
}

/** A Redis of the test's own, persisted with AOF fsync=always, so it can be killed and restarted. */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort(), await mkdtemp(join(tmpdir(), 'plexhook-redis-')));
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--dir',
        this.dir,
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    await waitForRedis(this.url);
  }

  /** A crash, not a shutdown: what was acknowledged survives (AOF always), nothing else. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Refuses and drops every connection to one database: an outage for this test alone. */
export async function setDatabaseOnline(dbName: string, online: boolean): Promise<void> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(`ALTER DATABASE "${dbName}" WITH ALLOW_CONNECTIONS ${online ? 'true' : 'false'}`);
    if (!online) {
      await c.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [dbName],
      );
    }
  } finally {
    await c.end();
  }
}

export type Stack = {
  ingestUrl: string;
  ingest: AppProcess;
  workers: AppProcess[];
  spoolDir: string;
  startWorker(extra?: Record<string, string>): AppProcess;
  stop(): Promise<void>;
};

/** One ingest process with its own spool directory (the harness's test settings); resolves
 * once it listens. Started again on the same directory, it drains what the last one spooled. */
export async function spawnIngest(
  env: Record<string, string>,
  spoolDir: string,
  ingestEnv: Record<string, string> = {},
): Promise<{ ingest: AppProcess; url: string }> {
  await mkdir(spoolDir, { recursive: true });
  const ingest = spawnApp('ingest', {
    ...env,
    INGEST_PORT: '0',
    SPOOL_DIR: spoolDir,
    ENQUEUE_TIMEOUT_MS: '250',
    AUTH_FAILURES_PER_MINUTE: '100000',
    ...ingestEnv,
  });
  const port = await waitFor(
    async () => /ingest listening on http:\/\/localhost:(\d+)/.exec(ingest.output())?.[1],
    30_000,
  );
  return { ingest, url: `http://127.0.0.1:${port}` };
}

/** ingest + workers as processes against the given database URL, Redis URL and queue prefix. */
export async function startStack(
  env: {
    DATABASE_URL: string;
    REDIS_URL: string;
    QUEUE_PREFIX: string;
    /** Any other variable for both (REDIS_SENTINELS, REDIS_CLUSTER_NODES, …). */
    [name: string]: string;
  },
  workers = 1,
  ingestEnv: Record<string, string> = {},
): Promise<Stack> {
  const spoolDir = await mkdtemp(join(tmpdir(), 'plexhook-spool-'));
  const { ingest, url } = await spawnIngest(env, spoolDir, ingestEnv);
  const workerEnv = {
    ...env,
    WORKER_METRICS_PORT: '0',
    WORKER_CONCURRENCY: '8',
    WORKER_LOCK_DURATION_MS: '2000',
    WORKER_STALLED_INTERVAL_MS: '1000',
  };
  const stack: Stack = {
    ingestUrl: url,
    ingest,
    workers: [],
    spoolDir,
    startWorker(extra = {}) {
      const w = spawnApp('worker', { ...workerEnv, ...extra });
      stack.workers.push(w);
      return w;
    },
    async stop() {
      await Promise.all([ingest.stop(), ...stack.workers.map((w) => w.stop())]);
      await rm(spoolDir, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < workers; i++) stack.startWorker();
  return stack;
}

/** POSTs one webhook as Plex does. Never throws: the status is the result. */
export async function postWebhook(
  ingestUrl: string,
  secret: string,
  payload: unknown,
): Promise<{ status: number; id?: string; spooled?: boolean }> {
  try {
    const form = new FormData();
    form.set('payload', JSON.stringify(payload));
    const res = await fetch(`${ingestUrl}/api/plex/webhook?secret=${encodeURIComponent(secret)}`, {
      method: 'POST',
      body: form,
    });
    const body = (await res.json().catch(() => ({}))) as { id?: string; spooled?: boolean; status?: unknown };
    return { ...body, status: res.status };
  } catch {
    return { status: 0 };
  }
}

export type FaultRow = {
  fault: string;
  sent: number;
  accepted: number;
  logRows: number;
  watches: number;
  duplicates: number;
  lost: number;
  doubleMarked: number;
  notes?: string;
};

/** Results land in reliability/results/; `npm run test:chaos` renders docs/RELIABILITY.md. */
export async function recordResult(name: string, row: object): Promise<void> {
  const dir = join(__dirname, 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, `${name}.json`),
    `${JSON.stringify({ ...row, scale: Number(process.env.RELIABILITY_SCALE ?? '1'), at: new Date().toISOString() }, null, 2)}\n`,
  );
}
