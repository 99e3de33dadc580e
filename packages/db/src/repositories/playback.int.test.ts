// The session statement on its own (issue 18): ordering, a rerun of the same job, counting a play
// once per viewing, and the read's staleness rule.
import { createTestDb, type TestDb } from '../../../../test/helpers/db';
import { listPlayback, type PlaybackWrite, upsertPlayback } from './playback';

let t: TestDb;
let userId: number;
beforeAll(async () => {
  t = await createTestDb('playback-repo');
  userId = (await t.db.user.create({ data: { name: 'alice' } })).id;
});
afterAll(() => t.drop());

const T0 = Date.parse('2026-12-03T12:00:00.000Z');
let key = 0;
function session() {
  key += 1;
  const sessionKey = `acct\tplayer\titem-${key}`;
  return (state: PlaybackWrite['state'], atS: number, extra: Partial<PlaybackWrite> = {}): PlaybackWrite => ({
    userId,
    source: 'plex',
    serverId: '',
    sessionKey,
    mediaType: 'movie',
    itemKey: `item-${key}`,
    showKey: null,
    title: 'Heat',
    showTitle: null,
    season: null,
    episode: null,
    state,
    positionMs: atS * 1000,
    durationMs: 6_000_000,
    player: 'TV',
    account: 'alice',
    eventAt: new Date(T0 + atS * 1000),
    countPlay: false,
    restart: false,
    viewingSeconds: 3600,
    ...extra,
  });
}

test('a rerun of the same event finds what its first run wrote (applied, and its own count)', async () => {
  const ev = session();
  const stop = ev('stopped', 100, { countPlay: true });
  expect(await upsertPlayback(t.db, stop)).toEqual({ applied: true, counted: true });
  expect(await upsertPlayback(t.db, stop)).toEqual({ applied: true, counted: true });
  // Another counting event of the same viewing does not count again.
  expect(await upsertPlayback(t.db, ev('stopped', 120, { countPlay: true }))).toEqual({
    applied: true,
    counted: false,
  });
});

test('an older event changes nothing but may still claim an uncounted play', async () => {
  const ev = session();
  await upsertPlayback(t.db, ev('playing', 0, { restart: true }));
  await upsertPlayback(t.db, ev('stopped', 200));
  expect(await upsertPlayback(t.db, ev('paused', 150))).toEqual({ applied: false, counted: false });
  expect(await upsertPlayback(t.db, ev('stopped', 190, { countPlay: true }))).toEqual({
    applied: false,
    counted: true,
  });
  const [row] = await t.db.playbackSession.findMany({ where: { itemKey: `item-${key}` } });
  expect(row).toMatchObject({ state: 'stopped', positionMs: 200_000 });
});

test('a new viewing (restart), or a count older than the window, counts again', async () => {
  const ev = session();
  await upsertPlayback(t.db, ev('stopped', 100, { countPlay: true }));
  await upsertPlayback(t.db, ev('playing', 300, { restart: true }));
  expect((await upsertPlayback(t.db, ev('stopped', 400, { countPlay: true }))).counted).toBe(true);
  // No restart, but two hours later with a one-hour window: an earlier viewing's count.
  expect((await upsertPlayback(t.db, ev('stopped', 400 + 7200, { countPlay: true }))).counted).toBe(true);
});

test('staleness when read: remaining runtime plus the grace', async () => {
  const ev = session();
  await upsertPlayback(t.db, ev('playing', 5_940)); // 60 s left of 6,000 s
  const at = (s: number) => listPlayback(t.db, { userId, now: new Date(T0 + s * 1000), graceSeconds: 30 });
  const mine = async (s: number) =>
    (await at(s)).find((i) => i.title === 'Heat' && i.positionMs === 5_940_000);
  expect((await mine(5_940 + 89))?.state).toBe('playing');
  expect((await mine(5_940 + 91))?.state).toBe('stopped');
  expect((await mine(5_940 + 89))?.percent).toBe(99);
});
