// A Redis outage after start, as the operator reads it: each process says so once, then once
// per interval, then once when Redis is back (issue 19: "an outage after start is logged once
// per interval per process, not once per retry"). Before, 20 s of outage printed 54 lines from
// ingest and 108 from a worker.
import { createTestDb, type TestDb } from '../test/helpers/db';
import { type AppProcess, spawnApp } from '../test/helpers/processes';
import { waitFor } from '../test/helpers/wait';
import { PrivateRedis, type Stack, startStack } from './harness';

jest.setTimeout(180_000);

const OUTAGE_MS = 12_000;
const WORKER_INTERVAL_MS = 5_000;

let t: TestDb;
let redis: PrivateRedis;
let stack: Stack;
let dashboard: AppProcess;

beforeAll(async () => {
  [t, redis] = await Promise.all([createTestDb('outagelogs'), PrivateRedis.start()]);
  const env = { DATABASE_URL: t.url, REDIS_URL: redis.url, QUEUE_PREFIX: 'outagelogs' };
  stack = await startStack(env, 0);
  stack.startWorker({ WORKER_ERROR_LOG_INTERVAL_MS: String(WORKER_INTERVAL_MS) });
  dashboard = spawnApp('dashboard', { ...env, DASHBOARD_PORT: '0' });
  await waitFor(
    async () =>
      /worker started/.test(stack.workers[0]?.output() ?? '') &&
      /dashboard listening/.test(dashboard.output()),
    60_000,
  );
});
afterAll(async () => {
  await Promise.all([stack?.stop(), dashboard?.stop()]);
  await Promise.all([redis?.destroy(), t?.drop()]);
});

/** The JSON log lines a process wrote since `from` (a character offset). */
function linesOf(p: AppProcess, from: number): { msg: string; level: number }[] {
  return p
    .output()
    .slice(from)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; level: number });
}

test('Redis killed for 12 s: one line when it goes, one per interval, one when it is back', async () => {
  const worker = stack.workers[0] as AppProcess;
  const procs = { ingest: stack.ingest, worker, dashboard };
  const offsets = Object.fromEntries(Object.entries(procs).map(([k, p]) => [k, p.output().length]));
  await redis.kill();
  await new Promise((r) => setTimeout(r, OUTAGE_MS));
  await redis.up();
  await waitFor(
    async () =>
      Object.entries(procs).every(([k, p]) => /redis reachable again/.test(p.output().slice(offsets[k]))),
    60_000,
  );

  for (const [name, p] of Object.entries(procs)) {
    const lines = linesOf(p, offsets[name] as number);
    const errors = lines.filter((l) => l.level >= 50);
    const first = errors.filter((l) => l.msg.startsWith('redis unreachable'));
    const still = errors.filter((l) => l.msg === 'redis still unreachable');
    const other = errors.filter(
      (l) => !l.msg.startsWith('redis unreachable') && l.msg !== 'redis still unreachable',
    );
    // The worker's interval is 5 s: at most one line per 5 s of a ~12-15 s outage.
    const maxStill = name === 'worker' ? Math.ceil((OUTAGE_MS + 5_000) / WORKER_INTERVAL_MS) : 0;
    expect({ name, first: first.length, other: other.map((l) => l.msg) }).toEqual({
      name,
      first: 1,
      other: [],
    });
    expect(still.length).toBeLessThanOrEqual(maxStill);
    if (name === 'worker') expect(still.length).toBeGreaterThanOrEqual(1);
    expect(lines.filter((l) => l.msg === 'redis reachable again')).toHaveLength(1);
  }
});
