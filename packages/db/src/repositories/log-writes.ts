// The webhook log row, and the watch with it: the statements that write them, the group commit
// that lets concurrent jobs share one statement, and the other reads and writes of the log the
// worker makes (an earlier run's row, the dead-letter's checks).
import { Batcher } from '../batcher';
import { type Db, type DbOrTx, preparedQuery } from '../client';
import { type EventSource, Prisma, type WebhookAction, type WebhookStatus } from '../generated/client';
import type { LoggedOutcome } from './event-context';

/** The watch an outcome asks for: an episode or a movie, and when it was watched. */
export type WatchWrite = {
  kind: 'episode' | 'movie';
  itemId: number;
  watchedAt: Date;
  /** More episodes the same row marks: the rest of a multi-episode file (issue 18). */
  moreEpisodeIds?: number[];
};

const moreOf = (w: WatchWrite | null) => (w?.kind === 'episode' ? (w.moreEpisodeIds ?? []) : []);

/** What handling a webhook decided, as the log row records it. */
export type LoggedResult = {
  status: WebhookStatus;
  action: WebhookAction | null;
  message?: string;
  conflictId?: number;
  /** Written in the same statement as the log row, so a crash cannot mark without logging. */
  watch?: WatchWrite;
};

/** One log row to write: the job, what handling it decided, and what it was about. */
export type LogWrite = {
  jobId: string;
  userId: number | null;
  /** The media server the webhook came from (plex when absent); its watches are `<source>_webhook`. */
  source?: EventSource;
  receivedAt: Date;
  payload: unknown;
  outcome: LoggedResult;
  /** The source's event name, the key the row is filed under (a show's for an episode), a label. */
  eventType: string | null;
  itemKey: string | null;
  itemTitle: string | null;
  durationMs: number;
};

/** The watch row an outcome asks for (only for a known user). */
function watchOf(w: LogWrite): WatchWrite | null {
  return w.userId === null ? null : (w.outcome.watch ?? null);
}

const sourceOf = (w: LogWrite): EventSource => w.source ?? 'plex';

const payloadText = (w: LogWrite) =>
  w.payload === undefined || w.payload === null ? null : JSON.stringify(w.payload);

/**
 * The log row, and the watch with it, in one statement: `ON CONFLICT (job_id, received_at) DO
 * NOTHING` makes a second run of the same job (after a crash or stall) insert nothing (the table
 * is partitioned on received_at, so its unique key must include it; every writer of a job's row
 * takes the job's own receivedAt, the worker's `jobReceivedAt`, so one job is one key), and the
 * watch is inserted only from the log row this statement inserted, so it cannot be marked twice
 * either. One statement is one transaction: never a watch without its log row or the reverse.
 * Kept beside the batch form on purpose: a job written alone (every job at concurrency 1) costs
 * PostgreSQL far less this way than as a batch of one (measured with `npm run bench -- e2e`,
 * 1 process x c1, both forms for reads and writes: 0.45-0.53 against 1.19 ms of PostgreSQL CPU
 * per scrobble, 493-570 against 339 scrobbles/s).
 */
export function insertLogSql(w: LogWrite): Prisma.Sql {
  const { outcome } = w;
  const log = Prisma.sql`
    INSERT INTO plex_webhook_logs
           (user_id, job_id, event_type, plex_rating_key, plex_title, payload, status, action_taken,
            error_message, conflict_id, duration_ms, received_at, source)
    VALUES (${w.userId}::int, ${w.jobId}::text, ${w.eventType}::text, ${w.itemKey}::text,
            ${w.itemTitle}::text, ${payloadText(w)}::jsonb, ${outcome.status}::webhook_status,
            ${outcome.action}::webhook_action, ${outcome.message ?? null}::text,
            ${outcome.conflictId ?? null}::int, ${w.durationMs}::int, ${w.receivedAt}::timestamptz,
            ${sourceOf(w)}::event_source)
    ON CONFLICT (job_id, received_at) DO NOTHING
    RETURNING id`;
  const watch = watchOf(w);
  if (!watch) return log;
  // The table and its item column come from this closed pair, never from input.
  const [table, column] =
    watch.kind === 'episode'
      ? [Prisma.raw('episode_watches'), Prisma.raw('episode_id')]
      : [Prisma.raw('movie_watches'), Prisma.raw('movie_id')];
  const more = moreOf(watch);
  // A multi-episode file: every episode from the one row (a statement of its own text, so the
  // common single watch keeps its plan).
  const items =
    more.length > 0
      ? Prisma.sql`unnest(${[watch.itemId, ...more]}::int[])`
      : Prisma.sql`${watch.itemId}::int`;
  return Prisma.sql`
    WITH log AS (${log}),
         watch AS (
           INSERT INTO ${table} (user_id, ${column}, watched_at, source, webhook_log_id)
           SELECT ${w.userId}::int, ${items}, ${watch.watchedAt}::timestamptz,
                  ${`${sourceOf(w)}_webhook`}::watch_source, id
             FROM log
           RETURNING webhook_log_id)
    SELECT id FROM log`;
}

/**
 * The same for many jobs at once, one array per column: each job's row is inserted unless its
 * job_id is already logged, and a watch only from a log row this statement inserted. Still one
 * statement, so one transaction: all of the batch or none of it. The text never changes, so it
 * is prepared once per connection whatever the batch size.
 */
export function insertLogBatchSql(batch: LogWrite[]): Prisma.Sql {
  const col = <T>(f: (w: LogWrite) => T) => batch.map(f);
  const watches = batch.map(watchOf);
  // The rest of multi-episode files, as (job, episode) pairs (usually none).
  const more = batch.flatMap((w, k) => moreOf(watches[k] ?? null).map((id) => [w.jobId, id] as const));
  return Prisma.sql`
    WITH input AS (
           SELECT * FROM unnest(
             ${col((w) => w.userId)}::int[], ${col((w) => w.jobId)}::text[],
             ${col((w) => w.eventType)}::text[], ${col((w) => w.itemKey)}::text[],
             ${col((w) => w.itemTitle)}::text[], ${col(payloadText)}::text[],
             ${col((w) => w.outcome.status)}::text[], ${col((w) => w.outcome.action)}::text[],
             ${col((w) => w.outcome.message ?? null)}::text[],
             ${col((w) => w.outcome.conflictId ?? null)}::int[], ${col((w) => w.durationMs)}::int[],
             ${col((w) => w.receivedAt)}::timestamptz[],
             ${watches.map((x) => (x?.kind === 'episode' ? x.itemId : null))}::int[],
             ${watches.map((x) => (x?.kind === 'movie' ? x.itemId : null))}::int[],
             ${watches.map((x) => x?.watchedAt ?? null)}::timestamptz[],
             ${col(sourceOf)}::event_source[])
             WITH ORDINALITY
             AS t(user_id, job_id, event_type, plex_rating_key, plex_title, payload, status,
                  action_taken, error_message, conflict_id, duration_ms, received_at,
                  episode_id, movie_id, watched_at, source, ord)),
         log AS (
           INSERT INTO plex_webhook_logs
                  (user_id, job_id, event_type, plex_rating_key, plex_title, payload, status,
                   action_taken, error_message, conflict_id, duration_ms, received_at, source)
           SELECT user_id, job_id, event_type, plex_rating_key, plex_title, payload::jsonb,
                  status::webhook_status, action_taken::webhook_action, error_message,
                  conflict_id, duration_ms, received_at, source
             FROM input ORDER BY ord
           ON CONFLICT (job_id, received_at) DO NOTHING
           RETURNING id, job_id),
         episode_watch AS (
           INSERT INTO episode_watches (user_id, episode_id, watched_at, source, webhook_log_id)
           SELECT i.user_id, i.episode_id, i.watched_at, (i.source || '_webhook')::watch_source, log.id
             FROM log JOIN input i USING (job_id)
            WHERE i.episode_id IS NOT NULL
           UNION ALL
           SELECT i.user_id, m.episode_id, i.watched_at, (i.source || '_webhook')::watch_source, log.id
             FROM log JOIN input i USING (job_id)
             JOIN unnest(${more.map((m) => m[0])}::text[], ${more.map((m) => m[1])}::int[])
                  AS m(job_id, episode_id) ON m.job_id = i.job_id),
         movie_watch AS (
           INSERT INTO movie_watches (user_id, movie_id, watched_at, source, webhook_log_id)
           SELECT i.user_id, i.movie_id, i.watched_at, (i.source || '_webhook')::watch_source, log.id
             FROM log JOIN input i USING (job_id)
            WHERE i.movie_id IS NOT NULL)
    SELECT job_id, id FROM log`;
}

/** At most this many jobs share a statement (64 rows of 16 arrays: well within limits). */
const MAX_BATCH = 64;

/** Writes one log row (and its watch) on its own: the new row's id, or null when logged already. */
export async function insertLog(db: DbOrTx, write: LogWrite): Promise<number | null> {
  const [row] = await preparedQuery<{ id: number }>(db, insertLogSql(write));
  return row?.id ?? null;
}

async function insertLogs(db: Db, writes: LogWrite[]): Promise<(number | null)[]> {
  const rows = await preparedQuery<{ job_id: string; id: number }>(db, insertLogBatchSql(writes));
  const ids = new Map(rows.map((r) => [r.job_id, r.id]));
  return writes.map((w) => ids.get(w.jobId) ?? null);
}

/**
 * Group commit for log rows (see Batcher): concurrent jobs' rows and watches go out in one
 * statement, one transaction, one WAL flush. A job's promise settles only once its own row is
 * committed (or known to be logged already: `null`), so a job is never acknowledged before its
 * record exists; if a batch fails, each of its jobs is written alone, so one bad row (a deleted
 * episode, say) fails only its own job.
 */
export type LogWriter = Batcher<LogWrite, number | null>;

export function createLogWriter(db: Db): LogWriter {
  return new Batcher({ one: (w) => insertLog(db, w), many: (ws) => insertLogs(db, ws), max: MAX_BATCH });
}

/**
 * A row held on a conflict: holding races with the conflict's resolution, which replays the rows
 * held at its commit. `FOR SHARE` on the conflict waits for a resolving transaction; the row is
 * written only while the conflict is still open, in the same transaction. `'resolved'`: the
 * conflict was resolved meanwhile and nothing was written (the caller handles the webhook on the
 * resolution's mapping instead); null: the job was logged already.
 */
export async function insertHeldLog(db: Db, write: LogWrite): Promise<number | null | 'resolved'> {
  const conflictId = write.outcome.conflictId;
  if (conflictId === undefined) throw new Error('a held log row needs its conflict');
  return db.$transaction(async (tx) => {
    const [conflict] = await tx.$queryRaw<{ resolved: boolean }[]>`
      SELECT resolved FROM plex_conflicts WHERE id = ${conflictId} FOR SHARE`;
    if (conflict?.resolved) return 'resolved' as const;
    return insertLog(tx, write);
  });
}

/** What an earlier run of the job recorded. */
export async function findLoggedOutcome(db: DbOrTx, jobId: string): Promise<LoggedOutcome | null> {
  return db.plexWebhookLog.findFirst({
    where: { jobId },
    select: { id: true, status: true, actionTaken: true, errorMessage: true },
  });
}

/** Which of these jobs have a log row already. */
export async function loggedJobIds(db: DbOrTx, jobIds: string[]): Promise<Set<string>> {
  const logged = await db.plexWebhookLog.findMany({
    where: { jobId: { in: jobIds } },
    select: { jobId: true },
  });
  return new Set(logged.flatMap((l) => (l.jobId === null ? [] : [l.jobId])));
}

/** Whether a user id from a job still names a user (int4 only: anything else names none). */
export async function userExists(db: DbOrTx, userId: number): Promise<boolean> {
  if (!Number.isSafeInteger(userId) || userId > 2_147_483_647 || userId < -2_147_483_648) return false;
  return (await db.user.count({ where: { id: userId } })) > 0;
}
