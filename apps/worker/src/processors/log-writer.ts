// The webhook log row, and the watch with it: the statements that write them, and the group
// commit that lets concurrent jobs share one statement.
import { type Db, Prisma, preparedQuery } from '@plexhook/db';
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

type Pending = { write: LogWrite; resolve: (id: number | null) => void; reject: (err: unknown) => void };

/** At most this many jobs share a statement (64 rows of 16 arrays: well within limits). */
const MAX_BATCH = 64;

/**
 * Group commit for log rows. A write goes out at once when nothing is being written; the ones
 * that arrive while a statement runs wait for it and then go out together, in one statement (one
 * round trip, one transaction, one WAL flush for all). At low load every job writes alone, as
 * before; under load the batch grows with it. A job's promise settles only once its own row is
 * committed (or known to be logged already: `null`), so a job is never acknowledged before its
 * record exists. If a batch fails, each of its jobs is written alone, so one bad row (a deleted
 * episode, say) fails only its own job.
 */
export class LogWriter {
  private readonly pending: Pending[] = [];
  private writing = false;
  /** Statements sent and rows they carried: rows / statements is the mean batch size. */
  readonly stats = { statements: 0, rows: 0 };

  constructor(private readonly db: Db) {}

  /** The new log row's id, or null when this job was logged already. */
  write(write: LogWrite): Promise<number | null> {
    return new Promise((resolve, reject) => {
      this.pending.push({ write, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        await this.flush(this.pending.splice(0, MAX_BATCH));
      }
    } finally {
      this.writing = false;
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    if (batch.length > 1) {
      try {
        this.stats.statements++;
        this.stats.rows += batch.length;
        const rows = await preparedQuery<{ job_id: string; id: number }>(
          this.db,
          insertLogBatchSql(batch.map((p) => p.write)),
        );
        const ids = new Map(rows.map((r) => [r.job_id, r.id]));
        for (const p of batch) p.resolve(ids.get(p.write.jobId) ?? null);
        return;
      } catch {
        // Fall through: each job on its own, so the error lands on the job that caused it.
      }
    }
    await Promise.all(
      batch.map(async (p) => {
        try {
          this.stats.statements++;
          this.stats.rows++;
          const [row] = await preparedQuery<{ id: number }>(this.db, insertLogSql(p.write));
          p.resolve(row?.id ?? null);
        } catch (err) {
          p.reject(err);
        }
      }),
    );
  }
}

const writers = new WeakMap<Db, LogWriter>();

/** The log writer of a database client: one per client, so one group commit per process. */
export function logWriterFor(db: Db): LogWriter {
  let writer = writers.get(db);
  if (!writer) {
    writer = new LogWriter(db);
    writers.set(db, writer);
  }
  return writer;
}
