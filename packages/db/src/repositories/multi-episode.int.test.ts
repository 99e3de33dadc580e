// One log row marking several episodes (a multi-episode file, issue 18): the single and the batch
// form of the log write, and a second run of the same job marks nothing twice.
import { createTestDb, type TestDb } from '../../../../test/helpers/db';
import { seedShow } from '../../../../test/helpers/factories';
import { createLogWriter, insertLog, type LogWrite } from './log-writes';

let t: TestDb;
let userId: number;
let episodes: number[];

beforeAll(async () => {
  t = await createTestDb('multi-episode');
  userId = (await t.db.user.create({ data: { name: 'alice' } })).id;
  const show = await seedShow(t.db, {
    episodes: [
      [1, 1, 'One'],
      [1, 2, 'Two'],
      [1, 3, 'Three'],
      [1, 4, 'Four'],
    ],
  });
  episodes = (
    await t.db.episode.findMany({ where: { tvshowId: show.id }, orderBy: { episodeNumber: 'asc' } })
  ).map((e) => e.id);
});
afterAll(() => t.drop());

const watchedAt = new Date('2026-12-01T20:00:00.000Z');
const write = (jobId: string, first: number, more: number[]): LogWrite => ({
  jobId,
  userId,
  receivedAt: new Date('2026-12-01T20:00:01.000Z'),
  payload: { event: 'PlaybackStop' },
  outcome: {
    status: 'success',
    action: 'episode_marked',
    watch: { kind: 'episode', itemId: first, watchedAt, ...(more.length ? { moreEpisodeIds: more } : {}) },
  },
  eventType: 'PlaybackStop',
  itemKey: 'series',
  itemTitle: 'Show S01E01-E02',
  durationMs: 1,
});

const watchesOf = async (logId: number) =>
  (await t.db.episodeWatch.findMany({ where: { webhookLogId: logId }, orderBy: { episodeId: 'asc' } })).map(
    (w) => w.episodeId,
  );

test('alone: one row marks every episode of the file; a second run marks none again', async () => {
  const [e1, e2] = episodes as [number, number];
  const id = await insertLog(t.db, write('alone', e1, [e2]));
  expect(id).not.toBeNull();
  expect(await watchesOf(id!)).toEqual([e1, e2]);
  expect(await insertLog(t.db, write('alone', e1, [e2]))).toBeNull();
  expect(await t.db.episodeWatch.count({ where: { webhookLogId: id! } })).toBe(2);
});

test('in a batch: each row marks its own episodes only', async () => {
  const [e1, e2, e3, e4] = episodes as [number, number, number, number];
  const writer = createLogWriter(t.db);
  const ids = await Promise.all([
    writer.submit(write('b1', e1, [])),
    writer.submit(write('b2', e2, [e3, e4])),
    writer.submit(write('b3', e3, [e4])),
    writer.submit(write('b4', e4, [])),
  ]);
  expect(writer.stats.requests).toBeGreaterThan(writer.stats.statements);
  const marked = await Promise.all(ids.map((id) => watchesOf(id!)));
  expect(marked).toEqual([[e1], [e2, e3, e4], [e3, e4], [e4]]);
});
