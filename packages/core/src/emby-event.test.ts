import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { embyWatchEvent } from './emby-event';
import { episodeQuery } from './watch-event';

// Real Emby payloads (see test/fixtures/emby/README.md), varied per test by overrides.
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, '../../../test/fixtures/emby', `${name}.json`), 'utf8'));
const receivedAt = new Date('2023-08-19T01:00:00Z');
const run = (payload: unknown) => embyWatchEvent({ userId: 7, receivedAt, payload });
const withItem = (name: string, item: Record<string, unknown>, rest: Record<string, unknown> = {}) => {
  const payload = fixture(name);
  return { ...payload, ...rest, Item: { ...(payload.Item as object), ...item } };
};
const completedMovie = () => ({
  ...fixture('movie-playback-stop'),
  PlaybackInfo: { PlayedToCompletion: true, PositionTicks: 80439590000 },
});

describe('embyWatchEvent (the Emby adapter)', () => {
  test('a movie played to the end: who, which server, the movie and its ids', () => {
    const event = run(completedMovie());
    expect(event).toMatchObject({
      source: 'emby',
      sourceEvent: 'playback.stop',
      action: 'scrobble',
      server: { id: 'f40a5bd0c6b64051bdbed00580fa1118', name: 'PN41' },
      userId: 7,
      account: { id: 'e6a9dd89fd954d689870e7e0e3e72947', name: 'admin' },
      ownAccount: false,
      watchedAt: new Date('2023-08-19T00:49:07.852Z'),
      summary: { key: '240270', label: '蜘蛛侠：纵横宇宙' },
    });
    expect(event.media).toEqual({
      kind: 'movie',
      itemKey: '240270',
      title: '蜘蛛侠：纵横宇宙',
      originalTitle: 'Spider-Man: Across the Spider-Verse',
      year: 2023,
      ids: { tmdb: 569094, imdb: 'tt9362722' },
    });
  });

  test('the captured stop (PlayedToCompletion false) is progress, not a play', () => {
    expect(run(fixture('movie-playback-stop')).action).toBe('progress');
  });

  test("an episode played to the end: the show is filed under SeriesId, the ids are the episode's", () => {
    const event = run(
      withItem(
        'episode-playback-start',
        {},
        { Event: 'playback.stop', PlaybackInfo: { PlayedToCompletion: true } },
      ),
    );
    expect(event.action).toBe('scrobble');
    expect(event.summary).toEqual({ key: '240202', label: '长风渡 S01E11 · 第 11 集' });
    expect(event.media).toEqual({
      kind: 'episode',
      itemKey: '240252',
      show: { key: '240202', title: '长风渡', ids: {} },
      ids: { tmdb: 4533239 },
      title: '第 11 集',
      season: 1,
      episode: 11,
      // Emby writes a local midnight as UTC: the day is taken as sent.
      airDate: '2023-06-20',
      year: 2023,
      customNumbering: null,
    });
  });

  test.each([
    ['playback.start', {}, 'progress'],
    ['playback.pause', {}, 'progress'],
    ['playback.unpause', {}, 'progress'],
    ['playback.stop', { PlaybackInfo: { PlayedToCompletion: false, PositionTicks: 1 } }, 'progress'],
    ['playback.stop', { PlaybackInfo: { PlayedToCompletion: 'true' } }, 'scrobble'],
    ['playback.stop', { PlaybackInfo: 'garbage' }, 'progress'],
    ['playback.stop', { PlaybackInfo: undefined }, 'progress'],
    ['item.markplayed', { PlaybackInfo: undefined }, 'scrobble'],
    ['item.markunplayed', { PlaybackInfo: undefined }, 'other'],
    ['item.rate', { PlaybackInfo: undefined }, 'rating'],
    ['library.new', { PlaybackInfo: undefined }, 'other'],
    ['user.authenticated', { PlaybackInfo: undefined }, 'other'],
  ])('%s %j is %s', (Event, rest, action) => {
    const event = run({ ...fixture('episode-playback-start'), ...rest, Event });
    expect(event).toMatchObject({ sourceEvent: Event, action });
    expect(event.media).toMatchObject({ kind: 'episode', itemKey: '240252' });
  });

  test('the notification test carries no media', () => {
    const event = run(fixture('notification-test'));
    expect(event).toMatchObject({ sourceEvent: 'system.notificationtest', action: 'other', media: null });
    expect(event.summary).toEqual({ key: null, label: null });
    expect(event.account).toBeUndefined();
    expect(event.server).toEqual({ id: 'f40a5bd0c6b64051bdbed00580fa1118', name: 'PN41' });
  });

  test("an episode whose Tmdb is another show's id: only ever the episode's id", () => {
    // 1399 is Game of Thrones' TMDB show id; here it is this episode's own TMDB id.
    const event = run(withItem('episode-playback-start', { ProviderIds: { Tmdb: '1399', tvdb: 1399 } }));
    if (event.media?.kind !== 'episode') throw new Error('expected an episode');
    expect(event.media.ids).toEqual({ tmdb: 1399, tvdb: 1399 });
    expect(event.media.show.ids).toEqual({});
    expect(JSON.stringify(episodeQuery(event.media))).not.toContain('1399');
  });

  test('ids and numbers past int4 are dropped', () => {
    const event = run(
      withItem('episode-playback-start', {
        ProviderIds: { Tmdb: '2147483648', Tvdb: '-5', Imdb: 'tt' },
        ParentIndexNumber: 2147483648,
        IndexNumber: 3.5,
      }),
    );
    expect(event.media).toMatchObject({ kind: 'episode', ids: {}, season: undefined, episode: undefined });
  });

  test.each([
    ['null', null],
    ['text that is not JSON', 'playback.stop'],
    ['an array', []],
    ['an empty object', {}],
    ['a non-string Event', { Event: 5 }],
    ['a Plex payload', buildPlexPayload()],
    ['a Jellyfin payload', { NotificationType: 'PlaybackStop', ItemType: 'Movie', ItemId: 'x' }],
  ])('not an Emby payload: %s', (_name, payload) => {
    const event = run(payload);
    expect(event).toMatchObject({ source: 'emby', sourceEvent: 'unknown', action: 'other' });
    expect(event.media).toEqual({
      kind: 'unsupported',
      reason: expect.stringMatching(/^not an Emby webhook payload/),
    });
  });

  test("the multipart `data` field's JSON text reads as the object would", () => {
    expect(run(JSON.stringify(completedMovie()))).toEqual(run(completedMovie()));
  });

  test.each([
    ['music', { Type: 'Audio' }, 'music is not tracked'],
    ['live TV', { Type: 'TvChannel' }, 'live TV is not tracked'],
    ['a season', { Type: 'Season' }, 'media type Season is not tracked'],
    ['no Type', { Type: undefined }, 'the item has no Type'],
    ['no Id', { Id: undefined }, 'the item has no Id'],
  ])('what is not tracked: %s', (_name, item, reason) => {
    expect(run(withItem('episode-playback-start', item)).media).toEqual({ kind: 'unsupported', reason });
  });

  test('garbage fields never throw and are simply absent', () => {
    const event = run({
      Event: 'item.markplayed',
      Date: 'soon',
      User: 'alice',
      Server: [1, 2],
      Item: {
        Type: 'Episode',
        Id: 42,
        SeriesName: ['x'],
        SeriesId: {},
        ProviderIds: 'tmdb-1',
        ParentIndexNumber: 'S1',
        PremiereDate: '2023-13-01T00:00:00Z',
        ProductionYear: 20230,
      },
    });
    expect(event).toMatchObject({
      action: 'scrobble',
      server: {},
      account: undefined,
      watchedAt: receivedAt,
    });
    expect(event.media).toEqual({
      kind: 'episode',
      itemKey: '42',
      show: { key: undefined, title: undefined, ids: {} },
      ids: {},
      title: undefined,
      season: undefined,
      episode: undefined,
      airDate: undefined,
      year: undefined,
      customNumbering: null,
    });
    expect(run({ Event: 'playback.start', Item: 'x' }).media).toBeNull();
  });

  test('an implausible Date is receipt time', () => {
    expect(run({ ...completedMovie(), Date: '0001-01-01T00:00:00.0000000Z' }).watchedAt).toBe(receivedAt);
    expect(run({ ...completedMovie(), Date: '2030-01-01T00:00:00Z' }).watchedAt).toBe(receivedAt);
  });
});

describe('playback state, player and rating (issue 18 path)', () => {
  test.each([
    ['playback.start', 'playing'],
    ['playback.pause', 'paused'],
    ['playback.unpause', 'playing'],
    ['playback.stop', 'stopped'],
  ])('%s -> %s, position and runtime from ticks, the session device as player', (name, state) => {
    const event = run({ ...fixture('episode-playback-start'), Event: name });
    expect(event.playback).toEqual({ state, positionMs: 1_425_666, durationMs: 2_802_145 });
    expect(event.player).toEqual({
      id: '30239450-1748-4855-9799-de3544fc2744',
      name: 'Microsoft Edge Windows',
    });
  });

  test('item.rate: the value from the item UserData; without one nothing to store', () => {
    const rated = run(withItem('movie-playback-stop', { UserData: { Rating: 7.5 } }, { Event: 'item.rate' }));
    expect(rated.action).toBe('rating');
    expect(rated.rating).toEqual({
      value: 7.5,
      target: { kind: 'movie', itemKey: '240270', title: '蜘蛛侠：纵横宇宙' },
    });
    expect(run({ ...fixture('movie-playback-stop'), Event: 'item.rate' }).rating).toBeUndefined();
    expect(run(fixture('notification-test')).playback).toBeUndefined();
  });
});
