import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { jellyfinWatchEvent } from './jellyfin-event';
import { episodeQuery } from './watch-event';

// Fixtures follow the plugin's own field list (see test/fixtures/jellyfin/README.md).
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, '../../../test/fixtures/jellyfin', `${name}.json`), 'utf8'));
const receivedAt = new Date('2026-12-01T12:00:00Z');
const run = (payload: unknown) => jellyfinWatchEvent({ userId: 7, receivedAt, payload });

describe('jellyfinWatchEvent (the Jellyfin adapter)', () => {
  test('an episode played to the end: a scrobble of the episode, its ids its own', () => {
    const event = run(fixture('episode-playback-stop'));
    expect(event).toMatchObject({
      source: 'jellyfin',
      sourceEvent: 'PlaybackStop',
      action: 'scrobble',
      server: { id: '8f3c2a1be4d94b7f9a6c5d0e1f2a3b4c', name: 'living-room' },
      userId: 7,
      account: { id: '3e4f5a6b7c8d4e9fa0b1c2d3e4f5a6b7', name: 'alice' },
      ownAccount: false,
      receivedAt,
      watchedAt: new Date('2026-11-30T20:40:12.123Z'),
      summary: { key: '0a9b8c7d6e5f40312a3b4c5d6e7f8091', label: 'Severance S01E01 · Good News About Hell' },
    });
    expect(event.media).toEqual({
      kind: 'episode',
      itemKey: '5b1d3c7e9f0a4b2c8d6e1f3a5b7c9d0e',
      show: { key: '0a9b8c7d6e5f40312a3b4c5d6e7f8091', title: 'Severance', ids: {}, year: 2022 },
      ids: { tmdb: 3380452, tvdb: 8553436, imdb: 'tt11650328' },
      title: 'Good News About Hell',
      season: 1,
      episode: 1,
      airDate: '2022-02-18',
      year: 2022,
      customNumbering: null,
    });
  });

  test("the series' year (Jellyfin's Year on an episode) reaches the show query as its year", () => {
    const event = run({ ...fixture('episode-playback-stop'), Year: 2019, PremiereDate: '2022-02-18' });
    if (event.media?.kind !== 'episode') throw new Error('expected an episode');
    expect(event.media.year).toBe(2022);
    expect(episodeQuery(event.media)).toMatchObject({
      title: 'Severance',
      titleYear: 2019,
      episodeYear: 2022,
    });
  });

  test('a movie played to the end', () => {
    const event = run(fixture('movie-playback-stop'));
    expect(event.action).toBe('scrobble');
    expect(event.media).toEqual({
      kind: 'movie',
      itemKey: '7c6b5a4f3e2d41c0b9a8f7e6d5c4b3a2',
      title: 'Heat',
      year: 1995,
      ids: { tmdb: 949, imdb: 'tt0113277' },
    });
    expect(event.summary).toEqual({ key: '7c6b5a4f3e2d41c0b9a8f7e6d5c4b3a2', label: 'Heat' });
  });

  test('a manual mark from a template (every value a string, GUIDs with dashes)', () => {
    const event = run(fixture('episode-toggleplayed-template'));
    expect(event).toMatchObject({
      sourceEvent: 'UserDataSaved:TogglePlayed',
      action: 'scrobble',
      server: { id: '8f3c2a1be4d94b7f9a6c5d0e1f2a3b4c' },
      account: { id: '3e4f5a6b7c8d4e9fa0b1c2d3e4f5a6b7', name: 'alice' },
      watchedAt: new Date('2026-11-30T18:59:58Z'),
    });
    // Dashed and dashless GUIDs are one key, so a template and Send All Properties agree.
    expect(event.media).toEqual({
      kind: 'episode',
      itemKey: '2c0d61a793f1a78957bccedd56eea531',
      show: { key: '9d8c7b6a5f4e4d3c2b1a0f9e8d7c6b5a', title: 'Future Diary', ids: {}, year: 2011 },
      ids: { tvdb: 4168741 },
      title: 'Sign Up',
      season: 1,
      episode: 1,
      airDate: '2011-10-10',
      year: 2011,
      customNumbering: null,
    });
  });

  test.each([
    ['PlaybackStop played to completion', { PlayedToCompletion: true }, 'scrobble'],
    ['PlaybackStop, completion as template text', { PlayedToCompletion: 'True' }, 'scrobble'],
    ['PlaybackStop stopped early', { PlayedToCompletion: false }, 'progress'],
    ['PlaybackStop, completion rendered empty', { PlayedToCompletion: '' }, 'progress'],
    ['PlaybackStop without the field', { PlayedToCompletion: undefined }, 'progress'],
    ['PlaybackStart', { NotificationType: 'PlaybackStart', PlayedToCompletion: undefined }, 'progress'],
    ['ItemAdded', { NotificationType: 'ItemAdded', PlayedToCompletion: undefined }, 'other'],
    ['SessionStart', { NotificationType: 'SessionStart' }, 'other'],
  ])('%s', (_name, overrides, action) => {
    expect(run({ ...fixture('episode-playback-stop'), ...overrides }).action).toBe(action);
  });

  test('a paused playback is progress', () => {
    const event = run(fixture('episode-playback-progress-paused'));
    expect(event).toMatchObject({ sourceEvent: 'PlaybackProgress', action: 'progress' });
    expect(event.media).toMatchObject({ kind: 'episode', season: 1, episode: 1 });
  });

  test.each([
    ['TogglePlayed, Played "False" (unmarked)', { Played: 'False' }, 'other'],
    ['TogglePlayed, Played false', { Played: false }, 'other'],
    ['TogglePlayed, Played rendered empty', { Played: '' }, 'other'],
    ['PlaybackFinished (the play is PlaybackStop)', { SaveReason: 'PlaybackFinished' }, 'progress'],
    ['PlaybackProgress', { SaveReason: 'PlaybackProgress' }, 'progress'],
    ['UpdateUserRating', { SaveReason: 'UpdateUserRating' }, 'rating'],
    ['UpdateUserData (a favourite)', { SaveReason: 'UpdateUserData' }, 'other'],
    ['no SaveReason', { SaveReason: undefined }, 'other'],
  ])('UserDataSaved: %s', (_name, overrides, action) => {
    expect(run({ ...fixture('episode-toggleplayed-template'), ...overrides }).action).toBe(action);
  });

  test('a rating', () => {
    const event = run(fixture('movie-userdatasaved-rating'));
    expect(event).toMatchObject({ sourceEvent: 'UserDataSaved:UpdateUserRating', action: 'rating' });
    expect(event.media).toMatchObject({ kind: 'movie', ids: { tmdb: 949 } });
  });

  test("an episode whose Provider_tmdb is another show's id: only ever the episode's id", () => {
    // 1399 is Game of Thrones' TMDB show id; here it is this episode's own TMDB id.
    const event = run({ ...fixture('episode-playback-stop'), Provider_tmdb: '1399', Provider_tvdb: '1399' });
    if (event.media?.kind !== 'episode') throw new Error('expected an episode');
    expect(event.media.ids).toEqual({ tmdb: 1399, tvdb: 1399, imdb: 'tt11650328' });
    expect(event.media.show.ids).toEqual({});
    expect(JSON.stringify(episodeQuery(event.media))).not.toContain('1399');
  });

  test('ids and numbers past int4, negative or fractional are dropped, not passed on', () => {
    const event = run({
      ...fixture('episode-playback-stop'),
      Provider_tmdb: '2147483648',
      Provider_tvdb: 99999999999,
      Provider_imdb: 'not-an-id',
      SeasonNumber: 2147483648,
      EpisodeNumber: -1,
    });
    expect(event.media).toMatchObject({ kind: 'episode', ids: {}, season: undefined, episode: undefined });
    const fraction = run({
      ...fixture('episode-playback-stop'),
      SeasonNumber: '1.5',
      EpisodeNumber: '2147483647',
    });
    expect(fraction.media).toMatchObject({ season: undefined, episode: 2147483647 });
    expect(fraction.summary.label).toBe('Severance S??E2147483647 · Good News About Hell');
  });

  test.each([
    ['null', null],
    ['a number', 42],
    ['an array', [{ NotificationType: 'PlaybackStop' }]],
    ['text that is not JSON', 'PlaybackStop'],
    ['truncated JSON text', '{"NotificationType": "PlaybackSt'],
    ['an empty object', {}],
    ['a non-string NotificationType', { NotificationType: 5 }],
    ['a Plex payload', buildPlexPayload()],
    ['an Emby payload', { Event: 'playback.stop', Item: { Type: 'Movie', Id: '1' } }],
  ])('not a Jellyfin payload: %s', (_name, payload) => {
    const event = run(payload);
    expect(event).toMatchObject({ source: 'jellyfin', sourceEvent: 'unknown', action: 'other' });
    expect(event.media).toEqual({
      kind: 'unsupported',
      reason: expect.stringMatching(/^not a Jellyfin webhook payload/),
    });
    expect(event.watchedAt).toBe(receivedAt);
  });

  test('the body as JSON text (the plugin posts text/plain) reads as the object would', () => {
    const payload = fixture('episode-playback-stop');
    expect(run(JSON.stringify(payload))).toEqual(run(payload));
  });

  test.each([
    ['music', { ItemType: 'Audio' }, 'music is not tracked'],
    ['live TV', { ItemType: 'TvChannel' }, 'live TV is not tracked'],
    ['a series', { ItemType: 'Series' }, 'media type Series is not tracked'],
    ['no ItemId', { ItemId: undefined }, 'the item has no ItemId'],
    ['an ItemId of the wrong type', { ItemId: { id: 1 } }, 'the item has no ItemId'],
  ])('what is not tracked: %s', (_name, overrides, reason) => {
    expect(run({ ...fixture('episode-playback-stop'), ...overrides }).media).toEqual({
      kind: 'unsupported',
      reason,
    });
  });

  test('garbage fields never throw and are simply absent', () => {
    const event = run({
      NotificationType: 'PlaybackStop',
      ItemType: 'Episode',
      ItemId: 'abc',
      SeriesName: { nested: true },
      SeriesId: [],
      SeasonNumber: 'one',
      EpisodeNumber: null,
      PremiereDate: '2021-02-30',
      Year: 'MMXXII',
      Provider_tmdb: { id: 1 },
      UtcTimestamp: 'yesterday',
      ServerId: 12,
      UserId: true,
    });
    expect(event.media).toEqual({
      kind: 'episode',
      itemKey: 'abc',
      show: { key: undefined, title: undefined, ids: {}, year: undefined },
      ids: {},
      title: undefined,
      season: undefined,
      episode: undefined,
      airDate: undefined,
      year: undefined,
      customNumbering: null,
    });
    expect(event.server).toEqual({ id: '12', name: undefined });
    expect(event.account).toBeUndefined();
    expect(event.summary).toEqual({ key: null, label: '? S??E??' });
    expect(event.watchedAt).toBe(receivedAt);
  });

  test("an implausible time is receipt time; a mark's time is LastPlayedDate", () => {
    expect(run({ ...fixture('episode-playback-stop'), UtcTimestamp: '1970-01-01T00:00:00Z' }).watchedAt).toBe(
      receivedAt,
    );
    expect(run({ ...fixture('episode-playback-stop'), UtcTimestamp: '2027-06-01T00:00:00Z' }).watchedAt).toBe(
      receivedAt,
    );
    const mark = fixture('episode-toggleplayed-template');
    expect(run({ ...mark, LastPlayedDate: undefined }).watchedAt).toEqual(new Date('2026-11-30T19:00:00Z'));
  });
});

describe('playback state, player and rating (issue 18 path)', () => {
  test('PlaybackProgress paused: position and runtime from ticks, the device as player', () => {
    const event = run(fixture('episode-playback-progress-paused'));
    expect(event.action).toBe('progress');
    expect(event.playback?.state).toBe('paused');
    expect(event.playback?.positionMs).toBeGreaterThan(0);
    expect(event.player?.name).toBeDefined();
  });

  test.each([
    ['PlaybackStart', {}, 'playing'],
    ['PlaybackProgress', { IsPaused: false }, 'playing'],
    ['PlaybackProgress', { IsPaused: 'True' }, 'paused'],
    ['PlaybackStop', { PlayedToCompletion: true }, 'stopped'],
  ])('%s %j -> %s', (type, extra, state) => {
    const event = run({ ...fixture('episode-playback-stop'), NotificationType: type, ...extra });
    expect(event.playback).toEqual({ state, positionMs: 3_412_123, durationMs: 3_414_000 });
    expect(event.player).toEqual({ id: expect.any(String), name: 'Firefox' });
  });

  test('UserDataSaved carries no playback state; ItemAdded neither', () => {
    expect(run(fixture('episode-toggleplayed-template')).playback).toBeUndefined();
    expect(
      run({ ...fixture('episode-playback-stop'), NotificationType: 'ItemAdded' }).playback,
    ).toBeUndefined();
  });

  test('UpdateUserRating: the movie rated 9; a rating of 0 or none is a clear', () => {
    expect(run(fixture('movie-userdatasaved-rating')).rating).toEqual({
      value: 9,
      target: { kind: 'movie', itemKey: '7c6b5a4f3e2d41c0b9a8f7e6d5c4b3a2', title: 'Heat' },
    });
    expect(run({ ...fixture('movie-userdatasaved-rating'), Rating: 0 }).rating?.value).toBeNull();
    expect(run({ ...fixture('movie-userdatasaved-rating'), Rating: undefined }).rating?.value).toBeNull();
    expect(run(fixture('episode-playback-stop')).rating).toBeUndefined();
  });
});
