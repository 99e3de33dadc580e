// Issue 18 through the real pipeline (ingest HTTP -> BullMQ -> worker -> PostgreSQL): playback
// sessions, the watched threshold, ratings and the library/server/player filters.
import { listPlayback, listRatings } from '@plexhook/db';
import { enqueueWebhook } from '@plexhook/queue';
import { seedShow } from '../../../test/helpers/factories';
import { type Pipeline, startPipeline } from '../../../test/helpers/pipeline';
import { buildPlexPayload, type PlexPayloadOverrides } from '../../../test/helpers/plex-payload';

let p: Pipeline;
const MINUTE = 60_000;
const DURATION = 20 * MINUTE;

beforeAll(async () => {
  p = await startPipeline('playback');
  p.startWorker();
});
afterAll(() => p.close());

let showSeq = 0;
/** A show of its own per test (own rating key and tvdb id), mapped by its legacy tvdb guid. */
async function setup(threshold: number | null = null) {
  showSeq += 1;
  const tvdb = 900_000 + showSeq;
  const user = await p.createUser(`user-${showSeq}`);
  await p.db.plexConfig.update({ where: { userId: user.id }, data: { watchedThreshold: threshold } });
  const show = await seedShow(p.db, {
    title: `Playback Show ${showSeq}`,
    firstAired: '2018-10-01',
    tvdbId: tvdb,
    episodes: [
      [1, 1, 'One'],
      [1, 2, 'Two'],
    ],
  });
  const event = (name: string, at: number | null, overrides: PlexPayloadOverrides = {}) =>
    buildPlexPayload({
      event: name,
      ...overrides,
      Metadata: {
        ratingKey: `${tvdb}01`,
        grandparentRatingKey: String(tvdb),
        grandparentTitle: `Playback Show ${showSeq}`,
        guid: `com.plexapp.agents.thetvdb://${tvdb}/1/1?lang=en`,
        title: 'One',
        Guid: [],
        duration: DURATION,
        ...(at === null ? {} : { viewOffset: at }),
        ...overrides.Metadata,
      },
    });
  const send = async (payload: unknown) => p.logOf(await p.send(payload, user.secret));
  const watches = () => p.db.episodeWatch.count({ where: { userId: user.id } });
  const sessions = (now = new Date()) => listPlayback(p.db, { userId: user.id, now, graceSeconds: 300 });
  return { user, show, event, send, watches, sessions };
}

test('play -> pause -> resume -> scrobble: one watch and no live session', async () => {
  const s = await setup();
  expect((await s.send(s.event('media.play', 0))).actionTaken).toBe('progress_updated');
  const live = await s.sessions();
  expect(live).toMatchObject([{ state: 'playing', positionMs: 0, durationMs: DURATION, player: 'TV' }]);
  expect(live[0]?.tvshowId).toBe(s.show.id);
  expect((await s.send(s.event('media.pause', 5 * MINUTE))).actionTaken).toBe('progress_updated');
  expect(await s.sessions()).toMatchObject([{ state: 'paused', positionMs: 5 * MINUTE, percent: 25 }]);
  expect((await s.send(s.event('media.resume', 5 * MINUTE))).actionTaken).toBe('progress_updated');
  expect((await s.send(s.event('media.scrobble', 18 * MINUTE))).actionTaken).toBe('episode_marked');
  expect(await s.watches()).toBe(1);
  const after = await s.sessions();
  expect(after).toHaveLength(1);
  expect(after[0]?.state).toBe('stopped');
  expect(
    await listPlayback(p.db, { userId: s.user.id, state: 'playing', now: new Date(), graceSeconds: 300 }),
  ).toEqual([]);
});

test('a play with no further event expires after its remaining runtime plus the grace', async () => {
  const s = await setup();
  const log = await s.send(s.event('media.play', DURATION - MINUTE));
  const at = log.receivedAt.getTime();
  // One minute left + 300 s grace: live until then, stopped after.
  expect((await s.sessions(new Date(at + MINUTE + 299_000)))[0]?.state).toBe('playing');
  expect((await s.sessions(new Date(at + MINUTE + 301_000)))[0]?.state).toBe('stopped');
  expect(
    await listPlayback(p.db, {
      userId: s.user.id,
      state: 'playing',
      now: new Date(at + 7 * MINUTE),
      graceSeconds: 300,
    }),
  ).toEqual([]);
  expect(await s.watches()).toBe(0);
});

test('a pause delivered after its stop does not resurrect the session', async () => {
  const s = await setup();
  await s.send(s.event('media.play', 0));
  const stop = await s.send(s.event('media.stop', 10 * MINUTE));
  // The pause was received before the stop but reaches the worker after it.
  const jobId = `late-pause-${s.user.id}`;
  await enqueueWebhook(p.q.queue, jobId, {
    userId: s.user.id,
    receivedAt: new Date(stop.receivedAt.getTime() - 1000).toISOString(),
    payload: s.event('media.pause', 9 * MINUTE) as unknown as Record<string, unknown>,
  });
  const late = await p.logOf(jobId);
  expect(late).toMatchObject({ status: 'ignored', actionTaken: 'ignored_event' });
  expect(late.errorMessage).toMatch(/out of order/);
  expect(await s.sessions()).toMatchObject([{ state: 'stopped', positionMs: 10 * MINUTE }]);
});

test('a scrobble processed after its own stop still counts its play (and changes no state)', async () => {
  const s = await setup();
  await s.send(s.event('media.play', 0));
  const stop = await s.send(s.event('media.stop', 19 * MINUTE));
  const jobId = `late-scrobble-${s.user.id}`;
  await enqueueWebhook(p.q.queue, jobId, {
    userId: s.user.id,
    receivedAt: new Date(stop.receivedAt.getTime() - 1000).toISOString(),
    payload: s.event('media.scrobble', 18 * MINUTE) as unknown as Record<string, unknown>,
  });
  expect((await p.logOf(jobId)).actionTaken).toBe('episode_marked');
  expect(await s.watches()).toBe(1);
  expect(await s.sessions()).toMatchObject([{ state: 'stopped', positionMs: 19 * MINUTE }]);
});

test('progress of an unmapped show: one conflict, shared with its scrobble; nothing held but the scrobble', async () => {
  const user = await p.createUser('unmapped');
  const event = (name: string, at: number) =>
    buildPlexPayload({
      event: name,
      Metadata: {
        ratingKey: '777001',
        grandparentRatingKey: '777000',
        grandparentTitle: 'A Show Nobody Catalogued',
        title: 'Pilot',
        guid: 'plex://episode/5d9c0c1e2df347001e3b7777',
        grandparentGuid: 'plex://show/5d9c086c46115600200a7777',
        Guid: [],
        duration: DURATION,
        viewOffset: at,
      },
    });
  const send = async (payload: unknown) => p.logOf(await p.send(payload, user.secret));
  const play = await send(event('media.play', 0));
  expect(play).toMatchObject({ status: 'success', actionTaken: 'progress_updated' });
  expect(play.conflictId).toEqual(expect.any(Number));
  const pause = await send(event('media.pause', MINUTE));
  expect(pause).toMatchObject({ actionTaken: 'progress_updated', conflictId: play.conflictId });
  const scrobble = await send(event('media.scrobble', 18 * MINUTE));
  expect(scrobble).toMatchObject({ actionTaken: 'conflict_pending', conflictId: play.conflictId });
  expect(await p.db.plexConflict.count({ where: { userId: user.id } })).toBe(1);
  // The session is kept, unmapped (ids null), and reads as stopped after the scrobble.
  expect(await listPlayback(p.db, { userId: user.id, now: new Date(), graceSeconds: 300 })).toMatchObject([
    { state: 'stopped', tvshowId: null, episodeId: null, showTitle: 'A Show Nobody Catalogued' },
  ]);
});

test('two players of one account are two sessions', async () => {
  const s = await setup();
  await s.send(s.event('media.play', 0));
  await s.send(s.event('media.play', MINUTE, { Player: { uuid: 'phone-uuid', title: 'Phone' } }));
  expect((await s.sessions()).map((x) => x.player).sort()).toEqual(['Phone', 'TV']);
});

test('threshold 90: a stop at 95% is one play, a later scrobble of that play adds none', async () => {
  const s = await setup(90);
  await s.send(s.event('media.play', 0));
  const stop = await s.send(s.event('media.stop', 0.95 * DURATION));
  expect(stop).toMatchObject({ status: 'success', actionTaken: 'episode_marked' });
  expect(stop.errorMessage).toMatch(/watched threshold \(90%\)/);
  expect(await s.watches()).toBe(1);
  const scrobble = await s.send(s.event('media.scrobble', 0.95 * DURATION));
  expect(scrobble).toMatchObject({ status: 'duplicate', actionTaken: 'duplicate' });
  expect(await s.watches()).toBe(1);
});

test('threshold 90: the scrobble first, then a stop at 95%: still one play', async () => {
  const s = await setup(90);
  await s.send(s.event('media.play', 0));
  expect((await s.send(s.event('media.scrobble', 0.9 * DURATION))).actionTaken).toBe('episode_marked');
  const stop = await s.send(s.event('media.stop', 0.95 * DURATION));
  expect(stop.actionTaken).toBe('progress_updated');
  expect(await s.watches()).toBe(1);
  // A new viewing (media.play) counts again.
  await s.send(s.event('media.play', 0));
  expect((await s.send(s.event('media.stop', 0.97 * DURATION))).actionTaken).toBe('episode_marked');
  expect(await s.watches()).toBe(2);
});

test('threshold off or not reached: a stop is progress only', async () => {
  const off = await setup(null);
  expect((await off.send(off.event('media.stop', 0.99 * DURATION))).actionTaken).toBe('progress_updated');
  const high = await setup(98);
  expect((await high.send(high.event('media.stop', 0.95 * DURATION))).actionTaken).toBe('progress_updated');
  expect((await off.watches()) + (await high.watches())).toBe(0);
});

test('rate 8 then rate 0 leaves no rating; a show rating resolves to its show', async () => {
  const s = await setup();
  const rate = (value: number | undefined, type?: 'show') =>
    s.event(
      'media.rate',
      null,
      type
        ? {
            Metadata: {
              type: 'show',
              ratingKey: s.show.tvdbId?.toString(),
              title: s.show.title,
              userRating: value,
            },
          }
        : { Metadata: { userRating: value } },
    );
  // Map the show first (a scrobble), so the rating's ids resolve.
  await s.send(s.event('media.scrobble', 0.9 * DURATION));
  expect((await s.send(rate(8))).actionTaken).toBe('rating_saved');
  const [episodeRating] = await listRatings(p.db, { userId: s.user.id });
  expect(episodeRating).toMatchObject({ mediaType: 'episode', rating: 8, tvshowId: s.show.id });
  expect(episodeRating?.episodeId).toEqual(expect.any(Number));
  expect((await s.send(rate(0))).actionTaken).toBe('rating_cleared');
  expect(await listRatings(p.db, { userId: s.user.id })).toEqual([]);
  // The cleared row keeps its time: an older rate delivered late does not bring it back.
  const cleared = await p.db.rating.findFirstOrThrow({ where: { userId: s.user.id } });
  expect(cleared.rating).toBeNull();
  const jobId = `late-rate-${s.user.id}`;
  await enqueueWebhook(p.q.queue, jobId, {
    userId: s.user.id,
    receivedAt: new Date(cleared.ratedAt.getTime() - 1000).toISOString(),
    payload: rate(9) as unknown as Record<string, unknown>,
  });
  expect((await p.logOf(jobId)).actionTaken).toBe('ignored_event');
  expect(await listRatings(p.db, { userId: s.user.id })).toEqual([]);

  expect((await s.send(rate(6, 'show'))).actionTaken).toBe('rating_saved');
  expect(await listRatings(p.db, { userId: s.user.id })).toMatchObject([
    { mediaType: 'show', rating: 6, tvshowId: s.show.id, episodeId: null, movieId: null },
  ]);
});

test('each filter ignores what it should and nothing else', async () => {
  const s = await setup(90);
  await p.db.plexConfig.update({
    where: { userId: s.user.id },
    data: {
      libraryAllowList: ['2', 'Kids'],
      libraryDenyList: ['Kids'],
      serverAllowList: ['server-uuid'],
      playerDenyList: ['Bedroom'],
    },
  });
  const inLib = (id: string, title: string) => ({ librarySectionID: id, librarySectionTitle: title });
  const cases: [string, PlexPayloadOverrides, string][] = [
    ['allowed library', { Metadata: inLib('2', 'TV Shows') }, 'progress_updated'],
    ['library outside the allow-list', { Metadata: inLib('5', 'Anime') }, 'ignored_library'],
    ['deny-listed library', { Metadata: inLib('7', 'Kids') }, 'ignored_library'],
    [
      'server outside the allow-list',
      { Metadata: inLib('2', 'TV Shows'), Server: { uuid: 'other', title: 'x' } },
      'ignored_server',
    ],
    [
      'deny-listed player',
      { Metadata: inLib('2', 'TV Shows'), Player: { uuid: 'p2', title: 'Bedroom' } },
      'ignored_player',
    ],
  ];
  for (const [name, overrides, action] of cases) {
    for (const eventName of ['media.stop', 'media.scrobble', 'media.rate']) {
      const payload = s.event(eventName, 0.95 * DURATION, {
        ...overrides,
        Metadata: { ...overrides.Metadata, ...(eventName === 'media.rate' ? { userRating: 7 } : {}) },
      });
      const log = await s.send(payload);
      const expected =
        action !== 'progress_updated'
          ? action
          : eventName === 'media.stop'
            ? 'episode_marked'
            : eventName === 'media.scrobble'
              ? 'duplicate'
              : 'rating_saved';
      expect([name, eventName, log.actionTaken]).toEqual([name, eventName, expected]);
      if (action !== 'progress_updated') expect(log.errorMessage).toMatch(/list/);
    }
  }
  // Only the allowed case changed anything: one session, one watch, one rating.
  expect(await p.db.playbackSession.count({ where: { userId: s.user.id } })).toBe(1);
  expect(await s.watches()).toBe(1);
  expect(await p.db.rating.count({ where: { userId: s.user.id } })).toBe(1);
});
