// `npm start` as a newcomer runs it: services missing, then everything up.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDb, type TestDb } from './helpers/db';
import { createTestQueue, TEST_REDIS_URL, type TestQueue } from './helpers/redis';

jest.setTimeout(120_000);
const ROOT = join(__dirname, '..');

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

type Run = { code: number | null; stdout: string; stderr: string; ms: number };

function start(env: Record<string, string>, until?: (stdout: string) => boolean): Promise<Run> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/start.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => {
    // Never outlive the test, whatever happens.
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
    if (until) {
      const timer = setInterval(() => {
        if (until(stdout)) {
          clearInterval(timer);
          child.kill('SIGTERM');
        }
      }, 100);
      child.on('exit', () => clearInterval(timer));
    }
  });
}

test('Redis down: one line naming it, the URL and how to start it; exit 1 within 10 s', async () => {
  const port = await closedPort();
  const run = await start({ REDIS_URL: `redis://127.0.0.1:${port}` });
  expect(run.code).toBe(1);
  expect(run.ms).toBeLessThan(10_000);
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(
    new RegExp(
      `^Redis is not reachable at redis://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): start it \\(.*\\) or set REDIS_URL$`,
    ),
  );
  expect(run.stdout).toBe('');
});

test('both down: one line each, and a password in a URL is not printed', async () => {
  const [pg, redis] = await Promise.all([closedPort(), closedPort()]);
  const run = await start({
    DATABASE_URL: `postgresql://plex:hunter2secret@127.0.0.1:${pg}/plexhook`,
    REDIS_URL: `redis://:redispass@127.0.0.1:${redis}`,
  });
  expect(run.code).toBe(1);
  expect(run.ms).toBeLessThan(10_000);
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(
    /^PostgreSQL is not reachable at postgresql:\/\/plex:\*\*\*@127\.0\.0\.1:\d+\/plexhook \(ECONNREFUSED\)/,
  );
  expect(lines[1]).toMatch(/^Redis is not reachable at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  expect(run.stderr).not.toMatch(/hunter2secret|redispass/);
});

describe('everything up', () => {
  let t: TestDb;
  let q: TestQueue;
  let spool: string;
  beforeAll(async () => {
    [t, q] = await Promise.all([createTestDb('npmstart'), createTestQueue('npmstart')]);
    spool = await mkdtemp(join(tmpdir(), 'plexhook-start-'));
  });
  afterAll(async () => {
    await Promise.all([t.drop(), q.cleanup(), rm(spool, { recursive: true, force: true })]);
  });

  const env = () => ({
    DATABASE_URL: t.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: q.prefix,
    SPOOL_DIR: spool,
    INGEST_PORT: '0',
    DASHBOARD_PORT: '0',
    WORKER_METRICS_PORT: '0',
  });
  const allListening = (out: string) =>
    /ingest +\|.*ingest listening/.test(out) &&
    /worker +\|.*worker started/.test(out) &&
    /dashboard\|.*listening/.test(out);

  test('pretty logs with LOG_FORMAT=pretty, the next steps printed, SIGTERM stops all three', async () => {
    const run = await start({ ...env(), LOG_FORMAT: 'pretty' }, allListening);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('next, in another terminal:');
    expect(run.stdout).toContain('npm run cli -- demo:seed');
    const appLines = run.stdout.split('\n').filter((l) => /^(ingest|worker|dashboard) *\| /.test(l));
    expect(appLines.length).toBeGreaterThan(3);
    // `[12:00:00] INFO: ingest listening on …`, not a JSON object (the dashboard's token banner
    // is plain text either way).
    const body = appLines.map((l) => l.replace(/^\w+ *\| /, ''));
    expect(body.filter((l) => l.startsWith('{'))).toEqual([]);
    expect(body.filter((l) => /^\[\d\d:\d\d:\d\d\] (INFO|WARN|ERROR)/.test(l)).length).toBeGreaterThanOrEqual(
      4,
    );
  });

  test('JSON lines with LOG_FORMAT=json (and whenever stdout is not a terminal)', async () => {
    const run = await start({ ...env() }, allListening);
    expect(run.code).toBe(0);
    const appLines = run.stdout.split('\n').filter((l) => /^(ingest|worker|dashboard) *\| /.test(l));
    expect(appLines.length).toBeGreaterThan(3);
    const json = appLines.map((l) => l.replace(/^\w+ *\| /, '')).filter((l) => l.startsWith('{'));
    expect(json.length).toBeGreaterThanOrEqual(4);
    for (const line of json) expect(() => JSON.parse(line)).not.toThrow();
  });
});
