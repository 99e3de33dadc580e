// The page's 24 h chart counts: one SQL statement in packages/db (countWebhooksPerHour), buckets
// here. Hour boundaries, the window's edges and rows from the future, against the real database.
import type { WebhookStatus } from '@plexhook/db';
import { createTestDb, type TestDb } from '../../../../test/helpers/db';
import { getHourlyWebhookCounts } from './hourly-stats';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb('hourly');
});
afterAll(async () => {
  await t?.drop();
});

const at = (iso: string, status: WebhookStatus) => ({ status, receivedAt: new Date(iso) });

test('webhooks per UTC hour and status over the last 24 hours, oldest first', async () => {
  await t.db.plexWebhookLog.createMany({
    data: [
      at('2026-11-19T15:59:59.999Z', 'success'), // just before the window
      at('2026-11-19T16:00:00.000Z', 'failed'), // the first hour's first instant
      at('2026-11-20T13:59:59.999Z', 'ignored'),
      at('2026-11-20T14:00:00.000Z', 'duplicate'),
      at('2026-11-20T15:05:00.000Z', 'success'),
      at('2026-11-20T15:29:00.000Z', 'success'),
      at('2026-11-20T15:10:00.000Z', 'failed'),
      at('2026-11-20T16:10:00.000Z', 'success'), // the future (clock skew): not shown
    ],
  });
  const buckets = await getHourlyWebhookCounts(t.db, { now: new Date('2026-11-20T15:30:00Z') });
  expect(buckets).toHaveLength(24);
  expect(buckets[0]!.start).toEqual(new Date('2026-11-19T16:00:00Z'));
  expect(buckets[23]!.start).toEqual(new Date('2026-11-20T15:00:00Z'));
  const nonEmpty = buckets
    .map((b) => [b.start.toISOString().slice(0, 13), b.counts] as const)
    .filter(([, c]) => Object.values(c).some((n) => n > 0));
  expect(nonEmpty).toEqual([
    ['2026-11-19T16', { success: 0, failed: 1, ignored: 0, duplicate: 0 }],
    ['2026-11-20T13', { success: 0, failed: 0, ignored: 1, duplicate: 0 }],
    ['2026-11-20T14', { success: 0, failed: 0, ignored: 0, duplicate: 1 }],
    ['2026-11-20T15', { success: 2, failed: 1, ignored: 0, duplicate: 0 }],
  ]);
  expect(await getHourlyWebhookCounts(t.db, { hours: 2, now: new Date('2026-11-20T15:30:00Z') })).toEqual([
    { start: new Date('2026-11-20T14:00:00Z'), counts: { success: 0, failed: 0, ignored: 0, duplicate: 1 } },
    { start: new Date('2026-11-20T15:00:00Z'), counts: { success: 2, failed: 1, ignored: 0, duplicate: 0 } },
  ]);
});
