import { countWebhooksPerHour, type DbOrTx, type WebhookStatus } from '@plexhook/db';

export const HOUR_MS = 3600_000;

export type HourlyBucket = { start: Date; counts: Record<WebhookStatus, number> };

const emptyCounts = (): Record<WebhookStatus, number> => ({
  success: 0,
  failed: 0,
  ignored: 0,
  duplicate: 0,
});

/**
 * Webhooks per UTC hour and status over the last `hours` (the current, partial hour included),
 * oldest first (counted in SQL per hour from the first one: countWebhooksPerHour).
 */
export async function getHourlyWebhookCounts(
  db: DbOrTx,
  options: { hours?: number; now?: Date } = {},
): Promise<HourlyBucket[]> {
  const hours = options.hours ?? 24;
  const now = options.now ?? new Date();
  const first = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - (hours - 1) * HOUR_MS;
  const since = new Date(first);
  const rows = await countWebhooksPerHour(db, since);
  const buckets: HourlyBucket[] = Array.from({ length: hours }, (_, i) => ({
    start: new Date(first + i * HOUR_MS),
    counts: emptyCounts(),
  }));
  for (const row of rows) {
    const bucket = buckets[row.bucket];
    // Rows from the future (clock skew between hosts) land past the last bucket: not shown.
    if (bucket) bucket.counts[row.status] += row.count;
  }
  return buckets;
}
