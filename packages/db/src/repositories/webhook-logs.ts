import type { DbOrTx } from '../client';
import type { EventSource, PlexWebhookLog, Prisma, WebhookAction, WebhookStatus } from '../generated/client';

export const WEBHOOK_LOGS_DEFAULT_LIMIT = 50;
export const WEBHOOK_LOGS_MAX_LIMIT = 500;

export type WebhookLogQuery = {
  status?: WebhookStatus;
  action?: WebhookAction;
  userId?: number;
  conflictId?: number;
  /** Only rows from this media server. */
  source?: EventSource;
  /** 1..500, default 50 */
  limit?: number;
  /** Id of the last row of the previous page (keyset paging; wins over offset). */
  cursor?: number;
  offset?: number;
  /** Plex's JSON is large; lists leave it out unless asked. */
  includePayload?: boolean;
};

export type WebhookLogPage = {
  items: (Omit<PlexWebhookLog, 'payload'> & { payload?: Prisma.JsonValue })[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: number | null;
};

/** Newest first (received time, then id). */
export async function listWebhookLogs(db: DbOrTx, query: WebhookLogQuery = {}): Promise<WebhookLogPage> {
  const limit = Math.min(Math.max(query.limit ?? WEBHOOK_LOGS_DEFAULT_LIMIT, 1), WEBHOOK_LOGS_MAX_LIMIT);
  // Keyset paging by hand: the table is partitioned, so its key is (id, received_at) and Prisma's
  // `cursor` would need both. The cursor row's received_at is read first; an unknown cursor (a row
  // dropped by retention meanwhile) is an empty page, as Prisma's cursor gives.
  let after: Prisma.PlexWebhookLogWhereInput | undefined;
  if (query.cursor !== undefined) {
    const at = await db.plexWebhookLog.findFirst({
      where: { id: query.cursor },
      select: { receivedAt: true },
    });
    if (!at) return { items: [], nextCursor: null };
    after = {
      OR: [{ receivedAt: { lt: at.receivedAt } }, { receivedAt: at.receivedAt, id: { lt: query.cursor } }],
    };
  }
  const rows = await db.plexWebhookLog.findMany({
    where: {
      status: query.status,
      actionTaken: query.action,
      userId: query.userId,
      conflictId: query.conflictId,
      source: query.source,
      ...(after ?? {}),
    },
    orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
    // One extra row tells whether there is a next page.
    take: limit + 1,
    ...(after ? {} : { skip: query.offset ?? 0 }),
    omit: { payload: !query.includePayload },
  });
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
}

/**
 * Deletes log rows received before `before`, except rows attached to a conflict that is still
 * open: those carry the scrobbles that resolving the conflict will replay.
 */
export async function pruneWebhookLogs(db: DbOrTx, before: Date): Promise<number> {
  const deleted = await db.plexWebhookLog.deleteMany({
    where: {
      receivedAt: { lt: before },
      NOT: { conflict: { is: { resolved: false } } },
    },
  });
  return deleted.count;
}

/** One log row with its payload (what a retry re-enqueues), or null. */
export function getWebhookLog(db: DbOrTx, id: number): Promise<PlexWebhookLog | null> {
  return db.plexWebhookLog.findFirst({ where: { id } });
}

/** The log row a job wrote (job ids are unique), without its payload, or null. */
export function findWebhookLogByJobId(
  db: DbOrTx,
  jobId: string,
): Promise<Omit<PlexWebhookLog, 'payload'> | null> {
  return db.plexWebhookLog.findFirst({ where: { jobId }, omit: { payload: true } });
}

/** For each of `jobIds` that has written its log row: job id → that row's id and status. */
export async function webhookLogsOfJobs(
  db: DbOrTx,
  jobIds: string[],
): Promise<Map<string, { id: number; status: WebhookStatus }>> {
  if (jobIds.length === 0) return new Map();
  const rows = await db.plexWebhookLog.findMany({
    where: { jobId: { in: jobIds } },
    select: { id: true, jobId: true, status: true },
  });
  return new Map(rows.map((r) => [r.jobId as string, { id: r.id, status: r.status }]));
}
