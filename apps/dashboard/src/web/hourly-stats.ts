import type { DbOrTx, WebhookStatus } from '@plexhook/db';

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
 * oldest first. Bucketed in SQL by offset from the first hour, so the session time zone and
 * the number of log rows do not matter.
 */
export async function getHourlyWebhookCounts(
  db: DbOrTx,
  options: { hours?: number; now?: Date } = {},
): Promise<HourlyBucket[]> {
  const hours = options.hours ?? 24;
  const now = options.now ?? new Date();
  const first = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - (hours - 1) * HOUR_MS;
  const since = new Date(first);
  const rows = await db.$queryRaw<{ bucket: number; status: WebhookStatus; count: number }[]>`
    SELECT floor(extract(epoch FROM (received_at - ${since}::timestamptz)) / 3600)::int AS bucket,
           status::text AS status,
           count(*)::int AS count
      FROM plex_webhook_logs
     WHERE received_at >= ${since}::timestamptz
     GROUP BY 1, 2`;
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
