// The webhook log row, and the watch with it: the statements that write them, and the group
// commit that lets concurrent jobs share one statement.
import { type Db, Prisma, preparedQuery } from '@plexhook/db';
import { Batcher, batcherFor } from '../batcher';
import type { Outcome } from '../handlers/outcome';

/** One log row to write: the job, what handling it decided, and what it was about. */
export type LogWrite = {
  jobId: string;
  userId: number | null;
  receivedAt: Date;
  payload: unknown;
  outcome: Outcome;
  eventType: string | null;
  plexRatingKey: string | null;
  plexTitle: string | null;
  durationMs: number;
};

/** The watch row an outcome asks for (only for a known user): its item and time. */
function watchOf(w: LogWrite) {
  if (w.userId === null) return null;
  if (w.outcome.episodeWatch) {
    const { episodeId, watchedAt } = w.outcome.episodeWatch;
    return { kind: 'episode' as const, itemId: episodeId, watchedAt };
  }
  if (w.outcome.movieWatch) {
    const { movieId, watchedAt } = w.outcome.movieWatch;
    return { kind: 'movie' as const, itemId: movieId, watchedAt };
  }
  return null;
}

const payloadText = (w: LogWrite) =>
  w.payload === undefined || w.payload === null ? null : JSON.stringify(w.payload);

/**
 * The log row, and the watch with it, in one statement: `ON CONFLICT (job_id) DO NOTHING` makes a
 * second run of the same job (after a crash or stall) insert nothing, and the watch is inserted
 * only from the log row this statement inserted, so it cannot be marked twice either. One
 * statement is one transaction: never a watch without its log row or the reverse.
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
            error_message, conflict_id, duration_ms, received_at)
    VALUES (${w.userId}::int, ${w.jobId}::text, ${w.eventType}::text, ${w.plexRatingKey}::text,
            ${w.plexTitle}::text, ${payloadText(w)}::jsonb, ${outcome.status}::webhook_status,
            ${outcome.action}::webhook_action, ${outcome.message ?? null}::text,
            ${outcome.conflictId ?? null}::int, ${w.durationMs}::int, ${w.receivedAt}::timestamptz)
    ON CONFLICT (job_id) DO NOTHING
    RETURNING id`;
  const watch = watchOf(w);
  if (!watch) return log;
  // The table and its item column come from this closed pair, never from input.
  const [table, column] =
    watch.kind === 'episode'
      ? [Prisma.raw('episode_watches'), Prisma.raw('episode_id')]
      : [Prisma.raw('movie_watches'), Prisma.raw('movie_id')];
  return Prisma.sql`
    WITH log AS (${log}),
         watch AS (
           INSERT INTO ${table} (user_id, ${column}, watched_at, source, webhook_log_id)
           SELECT ${w.userId}::int, ${watch.itemId}::int, ${watch.watchedAt}::timestamptz,
                  'plex_webhook'::watch_source, id
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
  return Prisma.sql`
    WITH input AS (
           SELECT * FROM unnest(
             ${col((w) => w.userId)}::int[], ${col((w) => w.jobId)}::text[],
             ${col((w) => w.eventType)}::text[], ${col((w) => w.plexRatingKey)}::text[],
             ${col((w) => w.plexTitle)}::text[], ${col(payloadText)}::text[],
             ${col((w) => w.outcome.status)}::text[], ${col((w) => w.outcome.action)}::text[],
             ${col((w) => w.outcome.message ?? null)}::text[],
             ${col((w) => w.outcome.conflictId ?? null)}::int[], ${col((w) => w.durationMs)}::int[],
             ${col((w) => w.receivedAt)}::timestamptz[],
             ${watches.map((x) => (x?.kind === 'episode' ? x.itemId : null))}::int[],
             ${watches.map((x) => (x?.kind === 'movie' ? x.itemId : null))}::int[],
             ${watches.map((x) => x?.watchedAt ?? null)}::timestamptz[])
             WITH ORDINALITY
             AS t(user_id, job_id, event_type, plex_rating_key, plex_title, payload, status,
                  action_taken, error_message, conflict_id, duration_ms, received_at,
                  episode_id, movie_id, watched_at, ord)),
         log AS (
           INSERT INTO plex_webhook_logs
                  (user_id, job_id, event_type, plex_rating_key, plex_title, payload, status,
                   action_taken, error_message, conflict_id, duration_ms, received_at)
           SELECT user_id, job_id, event_type, plex_rating_key, plex_title, payload::jsonb,
                  status::webhook_status, action_taken::webhook_action, error_message,
                  conflict_id, duration_ms, received_at
             FROM input ORDER BY ord
           ON CONFLICT (job_id) DO NOTHING
           RETURNING id, job_id),
         episode_watch AS (
           INSERT INTO episode_watches (user_id, episode_id, watched_at, source, webhook_log_id)
           SELECT i.user_id, i.episode_id, i.watched_at, 'plex_webhook'::watch_source, log.id
             FROM log JOIN input i USING (job_id)
            WHERE i.episode_id IS NOT NULL),
         movie_watch AS (
           INSERT INTO movie_watches (user_id, movie_id, watched_at, source, webhook_log_id)
           SELECT i.user_id, i.movie_id, i.watched_at, 'plex_webhook'::watch_source, log.id
             FROM log JOIN input i USING (job_id)
            WHERE i.movie_id IS NOT NULL)
    SELECT job_id, id FROM log`;
}

/** At most this many jobs share a statement (64 rows of 15 arrays: well within limits). */
const MAX_BATCH = 64;

/** The new log row's id, or null when this job was logged already. */
async function writeOne(db: Db, write: LogWrite): Promise<number | null> {
  const [row] = await preparedQuery<{ id: number }>(db, insertLogSql(write));
  return row?.id ?? null;
}

async function writeMany(db: Db, writes: LogWrite[]): Promise<(number | null)[]> {
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
  return new Batcher({
    one: (w) => writeOne(db, w),
    many: (ws) => writeMany(db, ws),
    max: MAX_BATCH,
  });
}

const writers = new WeakMap<Db, LogWriter>();

/** The log writer of a database client: one per client, so one group commit per process. */
export function logWriterFor(db: Db): LogWriter {
  return batcherFor(writers, db, () => createLogWriter(db));
}
