import type { DbOrTx } from '../client';
import type { PlexWebhookLog, WebhookAction, WebhookStatus } from '../generated/client';

export type WebhookStats = {
  since: Date;
  byStatus: { status: WebhookStatus; count: number; lastAt: Date | null }[];
  byAction: { action: WebhookAction | null; count: number; lastAt: Date | null }[];
  failedCount: number;
  recentFailures: Omit<PlexWebhookLog, 'payload'>[];
  unresolvedConflicts: number;
};

/** Webhook outcomes over the last `hours` (default 24), the latest failures, open conflicts. */
export async function getWebhookStats(
  db: DbOrTx,
  options: { hours?: number; now?: Date } = {},
): Promise<WebhookStats> {
  const now = options.now ?? new Date();
  const since = new Date(now.getTime() - (options.hours ?? 24) * 3600_000);
  const recent = { receivedAt: { gte: since } };
  const [byStatus, byAction, recentFailures, unresolvedConflicts] = await Promise.all([
    db.plexWebhookLog.groupBy({
      by: ['status'],
      where: recent,
      _count: { _all: true },
      _max: { receivedAt: true },
      orderBy: { status: 'asc' },
    }),
    db.plexWebhookLog.groupBy({
      by: ['actionTaken'],
      where: recent,
      _count: { _all: true },
      _max: { receivedAt: true },
      orderBy: { actionTaken: 'asc' },
    }),
    db.plexWebhookLog.findMany({
      where: { status: 'failed' },
      orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
      take: 10,
      omit: { payload: true },
    }),
    db.plexConflict.count({ where: { resolved: false } }),
  ]);
  const statusRows = byStatus.map((r) => ({
    status: r.status,
    count: r._count._all,
    lastAt: r._max.receivedAt,
  }));
  return {
    since,
    byStatus: statusRows,
    byAction: byAction.map((r) => ({
      action: r.actionTaken,
      count: r._count._all,
      lastAt: r._max.receivedAt,
    })),
    failedCount: statusRows.find((r) => r.status === 'failed')?.count ?? 0,
    recentFailures,
    unresolvedConflicts,
  };
}

export type HourlyStatusCount = {
  /** Whole hours between `since` and the row's received_at (0 is the hour starting at `since`). */
  bucket: number;
  status: WebhookStatus;
  count: number;
};

/**
 * Webhook log rows received since `since`, counted per hour from it and per status. Bucketed in
 * SQL by offset from `since`, so the session time zone and the number of rows do not matter.
 */
export function countWebhooksPerHour(db: DbOrTx, since: Date): Promise<HourlyStatusCount[]> {
  return db.$queryRaw<HourlyStatusCount[]>`
    SELECT floor(extract(epoch FROM (received_at - ${since}::timestamptz)) / 3600)::int AS bucket,
           status::text AS status,
           count(*)::int AS count
      FROM plex_webhook_logs
     WHERE received_at >= ${since}::timestamptz
     GROUP BY 1, 2`;
}
