// Servers of a test's own, for faults that must not touch the shared PostgreSQL (5432) and
// Redis (6379): a private PostgreSQL cluster that can be stopped for real (`pg_ctl stop -m
// immediate`, not a database refusing connections), and a redis-server with any arguments.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort, waitForRedis } from './harness';

const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const ROOT = join(__dirname, '..');

/** initdb and postgres refuse to run as root: as root, run them as the `postgres` user. */
const asRoot = process.getuid?.() === 0;
async function pgTool(tool: string, args: string[]): Promise<string> {
  const [cmd, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, tool), ...args]]
    : [join(PG_BIN, tool), args];
  const { stdout } = await run(cmd, argv, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

export class PrivatePostgres {
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get data(): string {
    return join(this.dir, 'data');
  }

  static async start(): Promise<PrivatePostgres> {
    const dir = await mkdtemp(join(tmpdir(), 'plexhook-pg-'));
    if (asRoot) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    await chmod(dir, 0o700);
    const pg = new PrivatePostgres(await freePort(), dir);
    await pgTool('initdb', ['-D', pg.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    await pg.up();
    return pg;
  }

  url(database: string): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async up(): Promise<void> {
    await pgTool('pg_ctl', [
      '-D',
      this.data,
      '-l',
      join(this.dir, 'log'),
      '-w',
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`,
      'start',
    ]);
  }

  /** A crash-like stop: every backend gone at once, the port refuses connections. */
  async stop(): Promise<void> {
    await pgTool('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
  }

  /** A database migrated with the project's own runner (as `npm run db:migrate` does). */
  async createMigratedDb(name: string): Promise<string> {
    const url = this.url(name);
    await run(process.execPath, ['--import', 'tsx', join(ROOT, 'packages/db/src/cli/migrate.ts'), 'deploy'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url },
    });
    const c = new Client({ connectionString: url });
    await c.connect();
    await c.end();
    return url;
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A redis-server with the given arguments (port and bind are added), stopped by `stop()`. */
export class RedisServer {
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(args: string[]): Promise<RedisServer> {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'plexhook-redis-'));
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args],
      {
        stdio: 'ignore',
      },
    );
    const server = new RedisServer(port, dir, child);
    await waitForRedis(server.url);
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGKILL');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
