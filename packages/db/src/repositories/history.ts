// Plex history (issue 15): the reconciled log + watch write (one play once, whether it came by
// webhook, by a history row, or as a manual mark), the sync state per user, the view counts
// last seen per item, and what a run created. Every statement of the history sync is here.
import { type Db, type DbOrTx, ownPool } from '../client';
import { Prisma } from '../generated/client';
import { insertLog, insertLogSql, type LoggedResult, type LogWrite } from './log-writes';

/**
 * Which side of a play this write is: a webhook scrobble, a history row (with its key), or a
 * manual mark (a view count that grew without a history row).
 */
export type ReconcileRole = { role: 'webhook' } | { role: 'history'; key: string } | { role: 'mark' };

/**
 * The log row and, when the play is new, its watch, in one transaction, after deciding whether
 * the play is already recorded (ARCHITECTURE.md, "History"): for the user and the item, within
 * `windowSeconds` of its time,
 * - a history row whose key is on a watch already: duplicate;
 * - a history row and a webhook watch that has no history key yet: one play; the key is put on
 *   that watch (the nearest in time), the row logs `duplicate`;
 * - a webhook scrobble and a watch a history row created: one play, the webhook logs `duplicate`;
 * - a manual mark and any watch: the mark is that play (`duplicate`).
 * A transaction-scoped advisory lock on (user, item) orders concurrent writers of one item, so
 * the webhook and the history row of one play cannot both insert.
 * Returns the log row's id and what it recorded, or null when the job was logged already.
 */
export async function insertReconciledLog(
  db: Db,
  write: LogWrite,
  r: ReconcileRole,
  windowSeconds: number,
): Promise<{ id: number; outcome: LoggedResult } | null> {
  const watch = write.outcome.watch;
  if (!watch || write.userId === null) {
    const id = await insertLog(db, write);
    return id === null ? null : { id, outcome: write.outcome };
  }
  const userId = write.userId;
  const [table, column] =
    watch.kind === 'episode'
      ? [Prisma.raw('episode_watches'), Prisma.raw('episode_id')]
      : [Prisma.raw('movie_watches'), Prisma.raw('movie_id')];
  const within = Prisma.sql`watched_at BETWEEN ${watch.watchedAt}::timestamptz - make_interval(secs => ${windowSeconds})
                                       AND ${watch.watchedAt}::timestamptz + make_interval(secs => ${windowSeconds})`;
  const nearest = Prisma.sql`ORDER BY abs(extract(epoch FROM watched_at - ${watch.watchedAt}::timestamptz)), id LIMIT 1`;
  return inTransaction(db, async (run) => {
    await run(
      Prisma.sql`SELECT pg_advisory_xact_lock(${userId}::int, hashtext(${`${watch.kind}:${watch.itemId}`}))`,
    );
    let duplicateOf: { id: number; message: string; attach: boolean } | null = null;
    if (r.role === 'history') {
      // One statement for both questions: this key on a watch already, or a webhook's watch of
      // the same item near in time that has no key yet.
      const [found] = await run<{ same: number | null; webhook: number | null }>(Prisma.sql`
        SELECT (SELECT id FROM ${table} WHERE user_id = ${userId}::int AND plex_history_key = ${r.key}::text) AS same,
               (SELECT id FROM ${table}
                 WHERE user_id = ${userId}::int AND ${column} = ${watch.itemId}::int
                   AND plex_history_key IS NULL AND source = 'plex_webhook'::watch_source AND ${within}
                 ${nearest}) AS webhook`);
      if (found?.same)
        duplicateOf = {
          id: found.same,
          message: `history row ${r.key} is watch #${found.same} already`,
          attach: false,
        };
      else if (found?.webhook)
        duplicateOf = {
          id: found.webhook,
          message: `same play as the webhook's watch #${found.webhook}: history key ${r.key} attached to it`,
          attach: true,
        };
    } else {
      const [near] = await run<{ id: number; source: string }>(Prisma.sql`
        SELECT id, source::text FROM ${table}
         WHERE user_id = ${userId}::int AND ${column} = ${watch.itemId}::int AND ${within}
           AND (${r.role === 'mark'}::boolean OR source = 'plex_history'::watch_source)
         ${nearest}`);
      if (near)
        duplicateOf = {
          id: near.id,
          message:
            r.role === 'mark'
              ? `manual mark of a play already recorded (watch #${near.id}, ${near.source})`
              : `same play as watch #${near.id}, imported from the Plex history`,
          attach: false,
        };
    }
    if (duplicateOf) {
      const outcome: LoggedResult = {
        status: 'duplicate',
        action: 'duplicate',
        message: duplicateOf.message,
        ...(write.outcome.conflictId !== undefined ? { conflictId: write.outcome.conflictId } : {}),
      };
      const [logged] = await run<{ id: number }>(insertLogSql({ ...write, outcome }));
      if (!logged) return null;
      const { id } = logged;
      if (duplicateOf.attach && r.role === 'history')
        await run(
          Prisma.sql`UPDATE ${table} SET plex_history_key = ${r.key}::text WHERE id = ${duplicateOf.id}::int`,
        );
      return { id, outcome };
    }
    if (r.role === 'webhook') {
      const [logged] = await run<{ id: number }>(insertLogSql(write));
      return logged ? { id: logged.id, outcome: write.outcome } : null;
    }
    // A new play: the log row and its watch (with its source and key) in one statement.
    const { watch: _, ...logged } = write.outcome;
    const source = r.role === 'history' ? 'plex_history' : 'plex_mark';
    const key = r.role === 'history' ? r.key : null;
    const [row] = await run<{ id: number }>(Prisma.sql`
      WITH log AS (${insertLogSql({ ...write, outcome: logged })})
      INSERT INTO ${table} (user_id, ${column}, watched_at, source, webhook_log_id, plex_history_key)
      SELECT ${userId}::int, ${watch.itemId}::int, ${watch.watchedAt}::timestamptz,
             ${source}::watch_source, id, ${key}::text
        FROM log
      RETURNING webhook_log_id AS id`);
    return row ? { id: row.id, outcome: write.outcome } : null;
  });
}

type Run = <T>(sql: Prisma.Sql) => Promise<T[]>;

/**
 * One transaction whose statements are `run(sql)`: on a connection of the client's own pg pool
 * (BEGIN … COMMIT, no Prisma engine in between: a history import writes thousands of these), or
 * through Prisma's interactive transaction for a client not made by createPrismaClient.
 */
async function inTransaction<T>(db: Db, body: (run: Run) => Promise<T>): Promise<T> {
  const pool = ownPool(db);
  if (!pool) return db.$transaction((tx) => body(<R>(sql: Prisma.Sql) => tx.$queryRaw<R[]>(sql)));
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await body(
      async <R>(sql: Prisma.Sql) => (await client.query({ text: sql.text, values: sql.values })).rows as R[],
    );
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // A connection that cannot even roll back is not given back to the pool.
    await client.query('ROLLBACK').catch((e: Error) => {
      broken = e;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/** The user's Plex server and what the sync needs of the config. */
export type HistoryUser = {
  userId: number;
  serverUrl: string | null;
  token: string | null;
  plexUsernames: string[];
  historySyncEnabled: boolean;
  intervalMinutes: number;
};

export async function findHistoryUser(db: DbOrTx, userId: number): Promise<HistoryUser | null> {
  const c = await db.plexConfig.findUnique({
    where: { userId },
    select: {
      plexServerUrl: true,
      plexToken: true,
      plexUsernames: true,
      historySyncEnabled: true,
      historySyncIntervalMinutes: true,
    },
  });
  if (!c) return null;
  return {
    userId,
    serverUrl: c.plexServerUrl,
    token: c.plexToken,
    plexUsernames: c.plexUsernames,
    historySyncEnabled: c.historySyncEnabled,
    intervalMinutes: c.historySyncIntervalMinutes,
  };
}

/** Users whose history is synced continuously: a server URL and token, sync on. */
export async function listHistorySyncUsers(
  db: DbOrTx,
): Promise<{ userId: number; intervalMinutes: number }[]> {
  const rows = await db.plexConfig.findMany({
    where: {
      historySyncEnabled: true,
      enabled: true,
      plexServerUrl: { not: null },
      plexToken: { not: null },
    },
    select: { userId: true, historySyncIntervalMinutes: true },
    orderBy: { userId: 'asc' },
  });
  return rows.map((r) => ({ userId: r.userId, intervalMinutes: r.historySyncIntervalMinutes }));
}

export type SyncState = {
  cursorViewedAt: Date | null;
  lastSyncAt: Date | null;
  lastSuccessAt: Date | null;
  rowsImported: number;
  lastRunRows: number;
  lastError: string | null;
  lastErrorAt: Date | null;
  lastMarkScanAt: Date | null;
};

export async function readSyncState(db: DbOrTx, userId: number): Promise<SyncState | null> {
  return db.plexSyncState.findUnique({
    where: { userId },
    select: {
      cursorViewedAt: true,
      lastSyncAt: true,
      lastSuccessAt: true,
      rowsImported: true,
      lastRunRows: true,
      lastError: true,
      lastErrorAt: true,
      lastMarkScanAt: true,
    },
  });
}

/**
 * A page is in: every row of it is logged. The cursor moves to the page's newest viewedAt (never
 * back), and the rows are counted. Only then: a run that stops before this keeps the old cursor.
 */
export async function advanceSyncCursor(
  db: DbOrTx,
  userId: number,
  cursor: Date,
  rows: number,
): Promise<void> {
  await db.$executeRaw`
    INSERT INTO plex_sync_state (user_id, cursor_viewed_at, rows_imported, last_run_rows, updated_at)
    VALUES (${userId}::int, ${cursor}::timestamptz, ${rows}::int, ${rows}::int, now())
    ON CONFLICT (user_id) DO UPDATE
       SET cursor_viewed_at = GREATEST(plex_sync_state.cursor_viewed_at, EXCLUDED.cursor_viewed_at),
           rows_imported = plex_sync_state.rows_imported + EXCLUDED.rows_imported,
           last_run_rows = plex_sync_state.last_run_rows + EXCLUDED.last_run_rows,
           updated_at = now()`;
}

/** A run starts: its row count restarts at 0 and the attempt time is kept. */
export async function startSyncRun(db: DbOrTx, userId: number, at: Date): Promise<void> {
  await db.plexSyncState.upsert({
    where: { userId },
    create: { userId, lastSyncAt: at, lastRunRows: 0 },
    update: { lastSyncAt: at, lastRunRows: 0 },
  });
}

/** How a run ended: success clears the error; a failure keeps the cursor and says why. */
export async function finishSyncRun(
  db: DbOrTx,
  userId: number,
  result: { ok: true; at: Date; markScanAt?: Date } | { ok: false; at: Date; error: string },
): Promise<void> {
  const data = result.ok
    ? {
        lastSuccessAt: result.at,
        lastError: null,
        ...(result.markScanAt ? { lastMarkScanAt: result.markScanAt } : {}),
      }
    : { lastError: result.error.slice(0, 1000), lastErrorAt: result.at };
  await db.plexSyncState.upsert({ where: { userId }, create: { userId, ...data }, update: data });
}

/** Every user's sync state, for the dashboard. */
export async function listSyncStates(db: DbOrTx): Promise<
  (SyncState & {
    userId: number;
    userName: string;
    configured: boolean;
    enabled: boolean;
    intervalMinutes: number;
  })[]
> {
  const users = await db.user.findMany({
    orderBy: { id: 'asc' },
    select: {
      id: true,
      name: true,
      syncState: true,
      plexConfig: {
        select: {
          plexServerUrl: true,
          plexToken: true,
          historySyncEnabled: true,
          historySyncIntervalMinutes: true,
        },
      },
    },
  });
  return users.map((u) => ({
    userId: u.id,
    userName: u.name,
    configured: Boolean(u.plexConfig?.plexServerUrl && u.plexConfig.plexToken),
    enabled: u.plexConfig?.historySyncEnabled ?? false,
    intervalMinutes: u.plexConfig?.historySyncIntervalMinutes ?? 15,
    cursorViewedAt: u.syncState?.cursorViewedAt ?? null,
    lastSyncAt: u.syncState?.lastSyncAt ?? null,
    lastSuccessAt: u.syncState?.lastSuccessAt ?? null,
    rowsImported: u.syncState?.rowsImported ?? 0,
    lastRunRows: u.syncState?.lastRunRows ?? 0,
    lastError: u.syncState?.lastError ?? null,
    lastErrorAt: u.syncState?.lastErrorAt ?? null,
    lastMarkScanAt: u.syncState?.lastMarkScanAt ?? null,
  }));
}

/** The view counts last seen, by rating key. */
export async function readViewStates(
  db: DbOrTx,
  userId: number,
): Promise<Map<string, { viewCount: number; lastViewedAt: Date | null }>> {
  const rows = await db.plexViewState.findMany({
    where: { userId },
    select: { ratingKey: true, viewCount: true, lastViewedAt: true },
  });
  return new Map(rows.map((r) => [r.ratingKey, { viewCount: r.viewCount, lastViewedAt: r.lastViewedAt }]));
}

/** Stores the view counts seen by a scan (one statement per 1,000 items). */
export async function saveViewStates(
  db: DbOrTx,
  userId: number,
  states: { ratingKey: string; viewCount: number; lastViewedAt: Date | null }[],
): Promise<void> {
  for (let i = 0; i < states.length; i += 1000) {
    const chunk = states.slice(i, i + 1000);
    await db.$executeRaw`
      INSERT INTO plex_view_states (user_id, rating_key, view_count, last_viewed_at, updated_at)
      SELECT ${userId}::int, k, c, v, now()
        FROM unnest(${chunk.map((s) => s.ratingKey)}::text[], ${chunk.map((s) => s.viewCount)}::int[],
                    ${chunk.map((s) => s.lastViewedAt)}::timestamptz[]) AS t(k, c, v)
      ON CONFLICT (user_id, rating_key) DO UPDATE
         SET view_count = EXCLUDED.view_count, last_viewed_at = EXCLUDED.last_viewed_at, updated_at = now()`;
  }
}

/** Log rows of these jobs, counted by action (status for rows without one). */
export async function countLoggedActions(db: DbOrTx, jobIds: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < jobIds.length; i += 5000) {
    const rows = await db.plexWebhookLog.groupBy({
      by: ['status', 'actionTaken'],
      where: { jobId: { in: jobIds.slice(i, i + 5000) } },
      _count: { _all: true },
    });
    for (const r of rows) {
      const key = r.actionTaken ?? r.status;
      counts[key] = (counts[key] ?? 0) + r._count._all;
    }
  }
  return counts;
}

/** Mappings and conflicts of a user created since a time (what a run created). */
export async function countCreatedSince(
  db: DbOrTx,
  userId: number,
  since: Date,
): Promise<{ mappings: number; conflicts: number }> {
  const [shows, movies, conflicts] = await Promise.all([
    db.plexShowMapping.count({ where: { userId, createdAt: { gte: since } } }),
    db.plexMovieMapping.count({ where: { userId, createdAt: { gte: since } } }),
    db.plexConflict.count({ where: { userId, createdAt: { gte: since } } }),
  ]);
  return { mappings: shows + movies, conflicts };
}

/** The latest unmarks reported (log rows `unmark_reported`), newest first, for the page. */
export async function listUnmarks(db: DbOrTx, limit = 20) {
  return db.plexWebhookLog.findMany({
    where: { actionTaken: 'unmark_reported' },
    orderBy: { id: 'desc' },
    take: limit,
    select: { id: true, userId: true, plexTitle: true, errorMessage: true, receivedAt: true },
  });
}
