// plex_webhook_logs is partitioned on received_at, so a job's row is unique on (job_id,
// received_at): every writer of a job's row must take the same time for it, or a job run twice
// logs twice. The processor's paths that write without a valid job (a malformed one, one that
// stalled too often) run again after a crash between the write and the acknowledgement.
import { createWorkerStore } from '@plexhook/db';
import type { Job } from 'bullmq';
import pino from 'pino';
import { createTestDb, type TestDb } from '../../../../test/helpers/db';
import { createTestQueue, type TestQueue } from '../../../../test/helpers/redis';
import { WorkerConfigSchema } from '../config';
import type { WorkerDeps } from '../deps';
import { processPlexEvent } from './plex-event.processor';
import { jobReceivedAt } from './received-at';

let t: TestDb;
let q: TestQueue;
let deps: WorkerDeps;

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('receivedat'), createTestQueue('receivedat')]);
  const config = WorkerConfigSchema.parse({ QUEUE_PREFIX: q.prefix });
  deps = {
    db: t.db,
    store: createWorkerStore(t.db),
    redis: q.redis,
    logger: pino({ level: 'silent' }),
    config,
  };
});
afterAll(async () => {
  await q.cleanup();
  await t.drop();
});

const added = Date.parse('2026-11-05T10:00:00.000Z');
const fakeJob = (id: string, data: unknown, stalledCounter = 0) =>
  ({
    id,
    name: 'plex-webhook',
    data,
    timestamp: added,
    stalledCounter,
    attemptsMade: 0,
    opts: {},
  }) as unknown as Job;

async function rows(jobId: string) {
  return t.db.plexWebhookLog.findMany({ where: { jobId }, select: { status: true, receivedAt: true } });
}

test.each([
  ['a malformed job', fakeJob('malformed-1', { userId: 'nobody', payload: { event: 'media.scrobble' } })],
  [
    'a job that stalled too often',
    fakeJob('stalled-1', { userId: 1, receivedAt: '2026-11-05T09:59:59.000Z', payload: {} }, 99),
  ],
])('%s run twice logs one failed row, at the job’s own time', async (_name, job) => {
  for (let run = 0; run < 2; run++) {
    await expect(processPlexEvent(deps, job)).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 5));
  }
  const logged = await rows(job.id as string);
  expect(logged).toEqual([{ status: 'failed', receivedAt: jobReceivedAt(job) }]);
});

test('jobReceivedAt: the job’s receivedAt when it is a date, else when the job was added', () => {
  expect(jobReceivedAt(fakeJob('a', { receivedAt: '2026-11-01T00:00:00.123Z' })).toISOString()).toBe(
    '2026-11-01T00:00:00.123Z',
  );
  expect(jobReceivedAt(fakeJob('b', { receivedAt: 'not a date' })).getTime()).toBe(added);
  expect(jobReceivedAt(fakeJob('c', null)).getTime()).toBe(added);
});
