// Retention drops whole months of plex_webhook_logs and keeps the rows still needed: scrobbles
// held on a conflict, and failures no retry has mended. Later runs purge kept rows once mended.
import { Client } from 'pg';
import { createTestDb, type TestDb } from '../../../../test/helpers/db';
import {
  applyLogRetention,
  LOG_DEFAULT_PARTITION,
  listLogPartitions,
  monthPartitionName,
  monthStart,
} from './log-retention';

let t: TestDb;
let userId: number;
let movieId: number;
const now = new Date();
const old = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 8, 10, 12));
const older = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 9, 20, 12));

beforeAll(async () => {
  t = await createTestDb('retention');
  userId = (await t.db.user.create({ data: { name: 'alice' } })).id;
  movieId = (await t.db.movie.create({ data: { title: 'Heat', normalizedTitle: 'heat', year: 1995 } })).id;
  // Months nine and eight back, as if the table had been partitioned then (retention off).
  const made = await applyLogRetention(t.db, { now: older, retentionDays: 0, monthsAhead: 1 });
  expect(made.created).toEqual([monthPartitionName(monthStart(older)), monthPartitionName(monthStart(old))]);
});
afterAll(() => t.drop());

type Row = { job: string; at?: Date; status: string; action?: string | null; conflictId?: number | null };
async function log(r: Row): Promise<number> {
  const res = await t.pool.query(
    `INSERT INTO plex_webhook_logs (user_id, job_id, status, action_taken, conflict_id, received_at, payload)
     VALUES ($1, $2, $3, $4, $5, $6, '{"event":"media.scrobble"}') RETURNING id`,
    [userId, r.job, r.status, r.action ?? null, r.conflictId ?? null, r.at ?? old],
  );
  return res.rows[0].id;
}
async function conflict(resolved: boolean): Promise<number> {
  const c = await t.db.plexConflict.create({
    data: {
      userId,
      plexRatingKey: `k${Math.random()}`,
      plexTitle: 'Some Show',
      conflictType: 'no_match',
      resolved,
    },
  });
  return c.id;
}
const where = async (id: number) =>
  (await t.pool.query('SELECT tableoid::regclass::text AS part FROM plex_webhook_logs WHERE id = $1', [id]))
    .rows[0]?.part ?? null;

test('drops the months past the retention, keeps held and unmended rows, purges them once mended', async () => {
  const open = await conflict(false);
  const resolvedButHeld = await conflict(true);
  const ids = {
    marked: await log({ job: 'marked', status: 'success', action: 'movie_marked' }),
    held: await log({ job: 'held', status: 'success', action: 'conflict_pending', conflictId: open }),
    heldReplayPending: await log({
      job: 'held-2',
      status: 'success',
      action: 'conflict_created',
      conflictId: resolvedButHeld,
    }),
    replayed: await log({
      job: 'replayed',
      status: 'success',
      action: 'replayed',
      conflictId: resolvedButHeld,
    }),
    failed: await log({ job: 'failed', status: 'failed' }),
    mended: await log({ job: 'mended', status: 'failed' }),
    twice: await log({ job: 'twice', status: 'failed' }),
    stillFailing: await log({ job: 'still-failing', status: 'failed' }),
    olderMonth: await log({ job: 'older', at: older, status: 'ignored', action: 'ignored_event' }),
    recent: await log({ job: 'recent', at: now, status: 'failed' }),
  };
  // Retries keep the original receivedAt, so they are in the same month.
  const retryOfMended = await log({ job: `retry-${ids.mended}`, status: 'success', action: 'movie_marked' });
  const retryOfTwice = await log({ job: `retry-${ids.twice}`, status: 'failed' });
  const retryOfRetry = await log({ job: `retry-${retryOfTwice}`, status: 'success', action: 'movie_marked' });
  const retryStillFailing = await log({ job: `retry-${ids.stillFailing}`, status: 'failed' });
  await t.pool.query(
    'INSERT INTO movie_watches (user_id, movie_id, watched_at, webhook_log_id) VALUES ($1, $2, $3, $4)',
    [userId, movieId, old, ids.marked],
  );

  const run = await applyLogRetention(t.db, { now, retentionDays: 180, monthsAhead: 2 });
  expect(run.skipped).toBe(false);
  expect(run.dropped).toEqual([monthPartitionName(monthStart(older)), monthPartitionName(monthStart(old))]);
  const names = (await listLogPartitions(t.db)).map((p) => p.name);
  expect(names).not.toContain(monthPartitionName(monthStart(old)));
  for (let i = 0; i <= 2; i++) expect(names).toContain(monthPartitionName(monthStart(now, i)));

  // Kept, same id, now in the DEFAULT partition: held (open conflict, and a resolved one whose
  // replay has not happened), a failure never retried, a failure whose only retry failed (both).
  for (const id of [ids.held, ids.heldReplayPending, ids.failed, ids.stillFailing, retryStillFailing]) {
    expect(await where(id)).toBe(LOG_DEFAULT_PARTITION);
  }
  expect(run.kept).toBe(5);
  // Gone with their month: done, replayed, mended (directly or by a retry of a retry), the retries.
  for (const id of [
    ids.marked,
    ids.replayed,
    ids.mended,
    ids.twice,
    ids.olderMonth,
    retryOfMended,
    retryOfTwice,
    retryOfRetry,
  ]) {
    expect(await where(id)).toBeNull();
  }
  // This month untouched; the watch outlives its log row and names none.
  expect(await where(ids.recent)).toBe(monthPartitionName(monthStart(now)));
  const watch = await t.pool.query('SELECT webhook_log_id FROM movie_watches WHERE movie_id = $1', [movieId]);
  expect(watch.rows).toEqual([{ webhook_log_id: null }]);
  // The kept rows are whole: payload and status as written.
  const kept = await t.db.plexWebhookLog.findFirstOrThrow({ where: { id: ids.held } });
  expect(kept).toMatchObject({
    jobId: 'held',
    actionTaken: 'conflict_pending',
    conflictId: open,
    payload: { event: 'media.scrobble' },
  });

  // The failure is mended (its retry's retry succeeds) and the held conflict resolved and
  // replayed: the next run purges them from DEFAULT; the open conflict's row stays.
  await log({ job: `retry-${retryStillFailing}`, status: 'success', action: 'movie_marked' });
  await t.pool.query(`UPDATE plex_webhook_logs SET action_taken = 'replayed' WHERE id = $1`, [
    ids.heldReplayPending,
  ]);
  const again = await applyLogRetention(t.db, { now, retentionDays: 180, monthsAhead: 2 });
  expect(again.dropped).toEqual([]);
  expect(again.purged).toBe(4); // stillFailing, its two retries, heldReplayPending: nothing else
  for (const id of [ids.stillFailing, retryStillFailing, ids.heldReplayPending])
    expect(await where(id)).toBeNull();
  expect(await where(ids.held)).toBe(LOG_DEFAULT_PARTITION);
  expect(await where(ids.failed)).toBe(LOG_DEFAULT_PARTITION);
});

test('a month created while DEFAULT holds its rows takes them over', async () => {
  const ahead = monthStart(now, 6);
  const id = await log({
    job: 'from-the-future',
    at: new Date(ahead.getTime() + 3600_000),
    status: 'ignored',
  });
  expect(await where(id)).toBe(LOG_DEFAULT_PARTITION);
  const run = await applyLogRetention(t.db, { now: ahead, retentionDays: 0, monthsAhead: 0 });
  expect(run.created).toEqual([monthPartitionName(ahead)]);
  expect(await where(id)).toBe(monthPartitionName(ahead));
});

test('one run at a time: a run that finds the retention lock taken does nothing', async () => {
  const holder = new Client({ connectionString: t.url });
  await holder.connect();
  try {
    await holder.query('SELECT pg_advisory_lock(72707370)');
    const run = await applyLogRetention(t.db, { now, retentionDays: 1, monthsAhead: 12 });
    expect(run).toMatchObject({ skipped: true, created: [], dropped: [] });
  } finally {
    await holder.end();
  }
});

test('sessions with no event since the cutoff are pruned; recent ones, paused or not, stay', async () => {
  const session = (key: string, lastEventAt: Date, state: 'playing' | 'paused' | 'stopped') =>
    t.db.playbackSession.create({
      data: { userId, sessionKey: key, mediaType: 'movie', itemKey: key, title: key, state, lastEventAt },
    });
  await session('gone-stopped', old, 'stopped');
  await session('gone-paused', old, 'paused');
  await session('kept-paused', new Date(now.getTime() - 30 * 86_400_000), 'paused');
  await session('kept-playing', now, 'playing');
  const off = await applyLogRetention(t.db, { now, retentionDays: 0, monthsAhead: 2 });
  expect(off.sessionsPruned).toBe(0);
  const run = await applyLogRetention(t.db, { now, retentionDays: 180, monthsAhead: 2 });
  expect(run.sessionsPruned).toBe(2);
  const left = await t.db.playbackSession.findMany({ where: { userId }, orderBy: { sessionKey: 'asc' } });
  expect(left.map((s) => s.sessionKey)).toEqual(['kept-paused', 'kept-playing']);
});
