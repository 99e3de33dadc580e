// The retention job as the worker processes run it: a job scheduler on the log-retention queue,
// two processes' worth of listeners, runs that never overlap, and the months ahead created.
import { listLogPartitions, monthPartitionName, monthStart } from '@plexhook/db';
import pino from 'pino';
import { createTestDb, type TestDb } from '../../../test/helpers/db';
import { createTestQueue, type TestQueue } from '../../../test/helpers/redis';
import { type LogRetention, startLogRetention } from './retention';

let t: TestDb;
let q: TestQueue;
const started: LogRetention[] = [];

beforeAll(async () => {
  t = await createTestDb('retentionjob');
  q = await createTestQueue('retention');
});
afterAll(async () => {
  await Promise.all(started.map((r) => r.close()));
  await q.cleanup();
  await t.drop();
});

test('two workers share one schedule: runs do not overlap, and the months ahead are made', async () => {
  const config = {
    QUEUE_PREFIX: q.prefix,
    LOG_RETENTION_DAYS: 180,
    LOG_RETENTION_INTERVAL_MS: 1_000,
    LOG_PARTITIONS_AHEAD: 5,
  };
  const logger = pino({ level: 'silent' });
  const runs: { start: number; end: number; skipped: boolean }[] = [];
  for (let i = 0; i < 2; i++) {
    const r = startLogRetention({ db: t.db, redis: q.redis, logger, config });
    r.worker.on('completed', (job, result) =>
      runs.push({ start: job.processedOn ?? 0, end: job.finishedOn ?? 0, skipped: result.skipped }),
    );
    started.push(r);
  }
  const deadline = Date.now() + 15_000;
  while (runs.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(runs.length).toBeGreaterThanOrEqual(3);
  // BullMQ may start the next scheduled job on the other worker before a run ends; such a run
  // finds the retention lock taken and does nothing. The runs that did work never overlap.
  const worked = runs.filter((r) => !r.skipped).sort((a, b) => a.start - b.start);
  expect(worked.length).toBeGreaterThanOrEqual(1);
  for (let i = 1; i < worked.length; i++) expect(worked[i]!.start).toBeGreaterThanOrEqual(worked[i - 1]!.end);
  // One scheduler, whoever upserted it.
  expect(await started[0]!.queue.getJobSchedulersCount()).toBe(1);
  const names = (await listLogPartitions(t.db)).map((p) => p.name);
  const now = new Date();
  for (let i = 0; i <= 5; i++) expect(names).toContain(monthPartitionName(monthStart(now, i)));
});
