// Bounded storage for plex_webhook_logs (issue 17). The table is partitioned by month on
// received_at (migration partition_webhook_logs_by_month): retention drops whole months, which
// costs a catalogue change instead of a DELETE of millions of rows and leaves no dead tuples
// to vacuum. A dropped month may still hold rows someone needs, and those are kept: copied into
// the table again before the month goes, where they land in the DEFAULT partition (no month
// covers them any more), with their id, job id and received_at unchanged.
//   - a scrobble held on a conflict (action conflict_created/conflict_pending with its conflict):
//     resolving the conflict, or the conflict's replay, re-enqueues it from this row;
//   - a failure not yet mended: status failed, and no retry in its chain (`retry-<id>`, whose
//     own failure is retried as `retry-<its id>`, …) logged anything but failed.
// Kept rows in the DEFAULT partition are deleted by a later run once they are no longer needed.
// A run holds one advisory lock from start to end (a second run at the same time, which the job
// scheduler can start on another worker when a run outlasts the interval, does nothing); each
// step is its own transaction and re-reads what it acts on, so a run cut short is redone next time.
import type { Db, DbOrTx } from '../client';
import { Prisma } from '../generated/client';

const TABLE = 'plex_webhook_logs';
export const LOG_DEFAULT_PARTITION = 'plex_webhook_logs_default';
const MONTH_NAME = /^plex_webhook_logs_y(\d{4})m(\d{2})$/;
/** pg advisory lock held by a retention run (Prisma's migrate lock is 72707369). */
const RETENTION_LOCK = 72707370;
/** A step waits this long for the table's lock (DETACH needs it exclusively), then gives up. */
const LOCK_TIMEOUT = '2s';

/** The first instant of the UTC month `add` months after the one `at` falls in. */
export function monthStart(at: Date, add = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + add, 1));
}

/** The partition holding `monthStart`'s month: plex_webhook_logs_yYYYYmMM (the migration's names). */
export function monthPartitionName(month: Date): string {
  return `plex_webhook_logs_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

function monthOfName(name: string): Date | null {
  const m = MONTH_NAME.exec(name);
  return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)) : null;
}

/** Identifiers here are built from dates by the functions above, never from input; still checked. */
function ident(name: string): Prisma.Sql {
  if (!MONTH_NAME.test(name) && name !== LOG_DEFAULT_PARTITION && name !== TABLE) {
    throw new Error(`not a log partition name: ${name}`);
  }
  return Prisma.raw(`"${name}"`);
}

const stamp = (d: Date) => Prisma.raw(`'${d.toISOString()}'`);

/** The month partitions of plex_webhook_logs (not the DEFAULT one), oldest first. */
export async function listLogPartitions(db: DbOrTx): Promise<{ name: string; month: Date }[]> {
  const rows = await db.$queryRaw<{ name: string }[]>`
    SELECT c.relname AS name
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'plex_webhook_logs'::regclass`;
  return rows
    .flatMap((r) => {
      const month = monthOfName(r.name);
      return month ? [{ name: r.name, month }] : [];
    })
    .sort((a, b) => a.month.getTime() - b.month.getTime());
}

/** One step: its own transaction, waiting at most LOCK_TIMEOUT for a table lock. */
async function step<T>(db: Db, fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
  return db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
      return fn(tx);
    },
    { timeout: 10 * 60_000, maxWait: 30_000 },
  );
}

/**
 * Runs `fn` while holding the retention lock: a transaction that takes it and stays open (idle)
 * until `fn` is done, its steps running on other connections. Null when another run holds it.
 */
async function whileLocked<T>(db: Db, fn: () => Promise<T>): Promise<T | null> {
  return db.$transaction(
    async (tx) => {
      const [lock] = await tx.$queryRaw<{ ok: boolean }[]>`
        SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK}) AS ok`;
      if (!lock?.ok) return null;
      return fn();
    },
    { timeout: 60 * 60_000, maxWait: 30_000 },
  );
}

/**
 * Creates the month partition if it is missing. Rows already in the DEFAULT partition for that
 * month (a clock far ahead, or a month no partition was made for) would make CREATE … PARTITION
 * OF fail: they are moved into the new table first, which is then attached.
 */
async function ensureMonth(tx: Prisma.TransactionClient, month: Date): Promise<boolean> {
  const name = monthPartitionName(month);
  const exists = await tx.$queryRaw<unknown[]>`SELECT 1 FROM pg_class WHERE relname = ${name}`;
  if (exists.length > 0) return false;
  const from = stamp(month);
  const to = stamp(monthStart(month, 1));
  const [inDefault] = await tx.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM ${ident(LOG_DEFAULT_PARTITION)}
     WHERE received_at >= ${from} AND received_at < ${to}`;
  if (!inDefault?.n) {
    await tx.$executeRaw`
      CREATE TABLE ${ident(name)} PARTITION OF ${ident(TABLE)} FOR VALUES FROM (${from}) TO (${to})
        WITH (toast_tuple_target = 4096)`;
    return true;
  }
  await tx.$executeRaw`
    CREATE TABLE ${ident(name)} (LIKE ${ident(TABLE)} INCLUDING DEFAULTS) WITH (toast_tuple_target = 4096)`;
  await tx.$executeRaw`
    WITH moved AS (
      DELETE FROM ${ident(LOG_DEFAULT_PARTITION)} WHERE received_at >= ${from} AND received_at < ${to} RETURNING *)
    INSERT INTO ${ident(name)} SELECT * FROM moved`;
  await tx.$executeRaw`
    ALTER TABLE ${ident(TABLE)} ATTACH PARTITION ${ident(name)} FOR VALUES FROM (${from}) TO (${to})`;
  return true;
}

/**
 * The ids of `source`'s rows that must outlive it (see the top of this file). `logs` is every
 * row a retry of them may be in: the table, plus the month itself once it is detached.
 */
function neededIds(source: Prisma.Sql, logs: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    SELECT id FROM ${source}
     WHERE conflict_id IS NOT NULL AND action_taken IN ('conflict_created', 'conflict_pending')
    UNION
    SELECT root FROM (
      WITH RECURSIVE chain(root, id, status) AS (
        SELECT id, id, status FROM ${source} WHERE status = 'failed'
        UNION ALL
        SELECT c.root, r.id, r.status FROM chain c JOIN (${logs}) r ON r.job_id = 'retry-' || c.id
      )
      SELECT root FROM chain GROUP BY root HAVING bool_and(status = 'failed')
    ) unresolved`;
}

const allLogs = Prisma.sql`SELECT id, job_id, status FROM plex_webhook_logs`;

/** Watches recorded by rows about to go: they outlive them, naming none (there is no FK to do it). */
async function releaseWatches(db: DbOrTx, doomed: Prisma.Sql): Promise<void> {
  await db.$executeRaw`UPDATE episode_watches SET webhook_log_id = NULL WHERE webhook_log_id IN (${doomed})`;
  await db.$executeRaw`UPDATE movie_watches SET webhook_log_id = NULL WHERE webhook_log_id IN (${doomed})`;
}

/**
 * Drops one month: its watches let go of the rows that go (before, outside the table lock), then
 * in one transaction DETACH, the needed rows copied back (into DEFAULT), DROP. Returns how many
 * rows were kept, or null when the month was gone already.
 */
async function dropMonth(db: Db, name: string): Promise<number | null> {
  const part = ident(name);
  await releaseWatches(db, Prisma.sql`SELECT id FROM ${part} EXCEPT (${neededIds(part, allLogs)})`);
  return step(db, async (tx) => {
    const attached = await tx.$queryRaw<unknown[]>`
      SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'plex_webhook_logs'::regclass AND c.relname = ${name}`;
    if (attached.length === 0) return null;
    await tx.$executeRaw`ALTER TABLE ${ident(TABLE)} DETACH PARTITION ${part}`;
    const logs = Prisma.sql`${allLogs} UNION ALL SELECT id, job_id, status FROM ${part}`;
    const kept = await tx.$executeRaw`
      INSERT INTO ${ident(TABLE)} SELECT * FROM ${part} WHERE id IN (${neededIds(part, logs)})`;
    await tx.$executeRaw`DROP TABLE ${part}`;
    return kept;
  });
}

/** Rows kept earlier (in DEFAULT, older than the cutoff) that nothing needs any more. */
async function purgeDefault(db: Db, cutoff: Date): Promise<number> {
  const def = ident(LOG_DEFAULT_PARTITION);
  const old = Prisma.sql`(SELECT * FROM ${def} WHERE received_at < ${cutoff}) old`;
  const doomed = Prisma.sql`SELECT id FROM ${old} EXCEPT (${neededIds(old, allLogs)})`;
  await releaseWatches(db, doomed);
  return step(
    db,
    (tx) => tx.$executeRaw`DELETE FROM ${def} WHERE received_at < ${cutoff} AND id IN (${doomed})`,
  );
}

export type LogRetentionOptions = {
  now: Date;
  /** Rows received more than this many days ago may go; 0 keeps everything (months are still made). */
  retentionDays: number;
  /** Partitions made ahead: this month and the next `monthsAhead`. */
  monthsAhead: number;
};

export type LogRetentionResult = {
  /** Rows older than this may be dropped (null when retention is off). */
  cutoff: Date | null;
  created: string[];
  dropped: string[];
  /** Rows of dropped months kept (copied to the DEFAULT partition). */
  kept: number;
  /** Rows deleted from the DEFAULT partition (kept earlier, needed no longer). */
  purged: number;
  /**
   * Playback sessions with no event since the cutoff: long stale (stale is minutes), so gone
   * from "now playing" and "continue watching" alike; one row per account, player and item
   * would otherwise grow with every item ever played. Their plays are watch rows and stay.
   */
  sessionsPruned: number;
  /** Another run held the lock, so this one did nothing. */
  skipped: boolean;
};

/**
 * One retention run: months ahead created, whole months older than the retention dropped
 * (a month goes once its last instant is before the cutoff), rows still needed kept.
 */
export async function applyLogRetention(db: Db, opts: LogRetentionOptions): Promise<LogRetentionResult> {
  const ran = await whileLocked(db, async () => {
    const result: LogRetentionResult = {
      cutoff: null,
      created: [],
      dropped: [],
      kept: 0,
      purged: 0,
      sessionsPruned: 0,
      skipped: false,
    };
    result.created = await step(db, async (tx) => {
      const made: string[] = [];
      for (let i = 0; i <= opts.monthsAhead; i++) {
        const month = monthStart(opts.now, i);
        if (await ensureMonth(tx, month)) made.push(monthPartitionName(month));
      }
      return made;
    });
    if (opts.retentionDays <= 0) return result;

    const cutoff = new Date(opts.now.getTime() - opts.retentionDays * 86_400_000);
    result.cutoff = cutoff;
    for (const { name, month } of await listLogPartitions(db)) {
      if (monthStart(month, 1) > cutoff) break;
      const kept = await dropMonth(db, name);
      if (kept === null) continue;
      result.dropped.push(name);
      result.kept += kept;
    }
    result.purged = await purgeDefault(db, cutoff);
    result.sessionsPruned =
      await db.$executeRaw`DELETE FROM playback_sessions WHERE last_event_at < ${cutoff}`;
    return result;
  });
  return (
    ran ?? { cutoff: null, created: [], dropped: [], kept: 0, purged: 0, sessionsPruned: 0, skipped: true }
  );
}
