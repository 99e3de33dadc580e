import { createTestDb, type TestDb } from '../../../../test/helpers/db';
import { seedShow } from '../../../../test/helpers/factories';
import { createLogWriter, type LoggedResult, type LogWrite } from './log-writes';

let t: TestDb;
let userId: number;
let episodeId: number;
let movieId: number;

beforeAll(async () => {
  t = await createTestDb('logwriter');
  userId = (await t.db.user.create({ data: { name: 'alice' } })).id;
  const show = await seedShow(t.db, { episodes: [[1, 1, 'Pilot']] });
  episodeId = (await t.db.episode.findFirstOrThrow({ where: { tvshowId: show.id } })).id;
  movieId = (await t.db.movie.create({ data: { title: 'Heat', normalizedTitle: 'heat', year: 1995 } })).id;
});
afterAll(() => t.drop());

let n = 0;
function write(outcome: Partial<LoggedResult> = {}, overrides: Partial<LogWrite> = {}): LogWrite {
  n++;
  return {
    jobId: `job-${n}`,
    userId,
    receivedAt: new Date('2026-11-27T10:00:00.000Z'),
    // Quotes, backslashes, braces and non-ASCII: what an array literal must carry intact.
    payload: { event: 'media.scrobble', n, title: 'A "quoted" \\ {braced}, 東京' },
    outcome: { status: 'success', action: 'episode_marked', ...outcome },
    eventType: 'media.scrobble',
    itemKey: String(1000 + n),
    itemTitle: `Show S01E0${n}`,
    durationMs: 3,
    ...overrides,
  };
}

test('concurrent writes share statements, and every row and watch is written as one would be alone', async () => {
  const writer = createLogWriter(t.db);
  const watchedAt = new Date('2026-11-27T09:59:00.000Z');
  const writes = [
    ...Array.from({ length: 20 }, () => write({ watch: { kind: 'episode', itemId: episodeId, watchedAt } })),
    write({ action: 'movie_marked', watch: { kind: 'movie', itemId: movieId, watchedAt } }),
    write({ status: 'ignored', action: 'ignored_event', message: 'not a scrobble' }),
    write({ status: 'failed', action: null, message: 'malformed job' }, { userId: null, payload: null }),
  ];
  const ids = await Promise.all(writes.map((w) => writer.submit(w)));

  expect(ids.every((id) => typeof id === 'number')).toBe(true);
  expect(new Set(ids).size).toBe(writes.length);
  // The first write went out alone; the others waited for it and shared statements.
  expect(writer.stats.requests).toBe(writes.length);
  expect(writer.stats.statements).toBeLessThanOrEqual(3);

  const logs = await t.db.plexWebhookLog.findMany({
    where: { id: { in: ids as number[] } },
    orderBy: { id: 'asc' },
  });
  expect(logs.map((l) => l.jobId)).toEqual(writes.map((w) => w.jobId));
  const byJob = new Map(logs.map((l) => [l.jobId, l]));
  for (const w of writes) {
    const log = byJob.get(w.jobId)!;
    expect(log).toMatchObject({
      userId: w.userId,
      eventType: 'media.scrobble',
      plexRatingKey: w.itemKey,
      plexTitle: w.itemTitle,
      status: w.outcome.status,
      actionTaken: w.outcome.action,
      errorMessage: w.outcome.message ?? null,
      durationMs: 3,
      receivedAt: w.receivedAt,
      payload: w.payload,
    });
  }
  const episodeWatches = await t.db.episodeWatch.findMany({
    where: { webhookLogId: { in: ids as number[] } },
  });
  expect(episodeWatches).toHaveLength(20);
  expect(
    episodeWatches.every((x) => x.episodeId === episodeId && x.watchedAt.getTime() === watchedAt.getTime()),
  ).toBe(true);
  const movieWatches = await t.db.movieWatch.findMany({ where: { webhookLogId: { in: ids as number[] } } });
  expect(movieWatches).toEqual([expect.objectContaining({ movieId, userId, webhookLogId: ids[20] })]);
});

test('a job already logged gets null and writes no second watch, in a batch as alone', async () => {
  const writer = createLogWriter(t.db);
  const watchedAt = new Date();
  const first = write({ watch: { kind: 'episode', itemId: episodeId, watchedAt } });
  expect(await writer.submit(first)).toEqual(expect.any(Number));
  const again = await Promise.all([
    writer.submit(write()), // opens a statement, so the next three share one
    writer.submit(first),
    writer.submit(write()),
    writer.submit(first),
  ]);
  expect(again[1]).toBeNull();
  expect(again[3]).toBeNull();
  expect(await t.db.plexWebhookLog.count({ where: { jobId: first.jobId } })).toBe(1);
  const log = await t.db.plexWebhookLog.findFirstOrThrow({ where: { jobId: first.jobId } });
  expect(await t.db.episodeWatch.count({ where: { webhookLogId: log.id } })).toBe(1);
});

test('one bad row fails only its own job: the batch falls back to one statement per job', async () => {
  const writer = createLogWriter(t.db);
  const watchedAt = new Date();
  const good = [write(), write({ watch: { kind: 'episode', itemId: episodeId, watchedAt } }), write()];
  const bad = write({ watch: { kind: 'episode', itemId: 999_999, watchedAt } }); // no such episode
  const results = await Promise.allSettled([
    writer.submit(good[0]!),
    writer.submit(good[1]!),
    writer.submit(bad),
    writer.submit(good[2]!),
  ]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/foreign key|episode_id/i);
  expect(await t.db.plexWebhookLog.count({ where: { jobId: { in: good.map((w) => w.jobId) } } })).toBe(3);
  // Never a log row without its watch: the bad job left nothing behind.
  expect(await t.db.plexWebhookLog.count({ where: { jobId: bad.jobId } })).toBe(0);
});
