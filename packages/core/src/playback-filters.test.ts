import { buildPlexPayload, type PlexPayloadOverrides } from '../../../test/helpers/plex-payload';
import { classifyEvent, type EventFilterConfig } from './events';
import { plexWatchEvent } from './watch-event';

const base: EventFilterConfig = { enabled: true, plexUsernames: [] };
const inLibrary = (id: string, title: string): PlexPayloadOverrides => ({
  Metadata: { librarySectionID: id, librarySectionTitle: title },
});

describe('library, server and player filters', () => {
  const rows: [string, PlexPayloadOverrides, Partial<EventFilterConfig>, string | null, RegExp?][] = [
    ['no lists: everything passes', inLibrary('2', 'TV Shows'), {}, null],
    ['library allow-list by id', inLibrary('2', 'TV Shows'), { libraryAllowList: ['2'] }, null],
    [
      'library allow-list by title, any case',
      inLibrary('2', 'TV Shows'),
      { libraryAllowList: [' tv shows '] },
      null,
    ],
    [
      'library outside the allow-list',
      inLibrary('3', 'Kids'),
      { libraryAllowList: ['2', 'TV Shows'] },
      'ignored_library',
      /"Kids" \(3\).*allow-list/,
    ],
    ['no library under an allow-list', {}, { libraryAllowList: ['2'] }, 'ignored_library', /unknown/],
    [
      'library deny-list by title',
      inLibrary('3', 'Kids'),
      { libraryDenyList: ['kids'] },
      'ignored_library',
      /deny-list/,
    ],
    [
      'library deny-list by id',
      inLibrary('3', 'Kids'),
      { libraryDenyList: ['3'] },
      'ignored_library',
      /deny-list/,
    ],
    [
      'another library passes a deny-list',
      inLibrary('2', 'TV Shows'),
      { libraryDenyList: ['Kids', '3'] },
      null,
    ],
    ['a deny-listed id is not a prefix match', inLibrary('31', 'Docs'), { libraryDenyList: ['3'] }, null],
    ['server allow-list', {}, { serverAllowList: ['server-uuid'] }, null],
    [
      'server outside the allow-list',
      {},
      { serverAllowList: ['other-uuid'] },
      'ignored_server',
      /"srv" \(server-uuid\)/,
    ],
    ['player deny-list by uuid', {}, { playerDenyList: ['player-uuid'] }, 'ignored_player', /"TV"/],
    ['player deny-list by title', {}, { playerDenyList: ['tv'] }, 'ignored_player', /deny-list/],
    ['another player passes', {}, { playerDenyList: ['Phone'] }, null],
    ['blank entries are no filter', {}, { playerDenyList: ['  '], serverAllowList: [''] }, null],
  ];
  it.each(rows)('%s', (...[_name, overrides, filters, action, reason]) => {
    for (const event of ['media.scrobble', 'media.play', 'media.stop']) {
      const result = classifyEvent(buildPlexPayload({ event, ...overrides }), { ...base, ...filters });
      if (action === null) expect(result.kind).toBe('process');
      else expect(result).toEqual({ kind: 'ignore', action, reason: expect.stringMatching(reason ?? /./) });
    }
  });

  it('filters a rating too, and a disabled user or another account still come first', () => {
    const rate = buildPlexPayload({
      event: 'media.rate',
      Metadata: { librarySectionID: '3', userRating: 8 },
    });
    expect(classifyEvent(rate, { ...base, libraryDenyList: ['3'] })).toMatchObject({
      action: 'ignored_library',
    });
    expect(classifyEvent(rate, { ...base, enabled: false, libraryDenyList: ['3'] })).toMatchObject({
      action: 'ignored_disabled',
    });
    const bob = buildPlexPayload({ Account: { id: 7, title: 'bob' } });
    expect(classifyEvent(bob, { ...base, plexUsernames: ['alice'], playerDenyList: ['TV'] })).toMatchObject({
      action: 'ignored_account',
    });
  });
});

describe('the Plex adapter: playback and rating', () => {
  const job = { userId: 1, receivedAt: new Date('2026-12-03T12:00:00Z') };
  it('reads position, runtime, state, player and library', () => {
    const e = plexWatchEvent(
      buildPlexPayload({
        event: 'media.pause',
        Metadata: {
          viewOffset: 600_000,
          duration: 1_380_000,
          librarySectionID: 2,
          librarySectionTitle: 'TV',
        } as never,
      }),
      job,
    );
    expect(e.playback).toEqual({ state: 'paused', positionMs: 600_000, durationMs: 1_380_000 });
    expect(e.player).toEqual({ id: 'player-uuid', name: 'TV' });
    expect(e.library).toEqual({ id: '2', title: 'TV' });
    expect(plexWatchEvent(buildPlexPayload({ event: 'media.play' }), job).playback?.state).toBe('playing');
    expect(plexWatchEvent(buildPlexPayload({ event: 'media.resume' }), job).playback?.state).toBe('playing');
    expect(plexWatchEvent(buildPlexPayload({ event: 'media.stop' }), job).playback?.state).toBe('stopped');
    expect(plexWatchEvent(buildPlexPayload({ event: 'library.new' }), job).playback).toBeUndefined();
  });

  it('drops a position or runtime an int4 cannot hold', () => {
    const e = plexWatchEvent(
      buildPlexPayload({ event: 'media.play', Metadata: { viewOffset: -5, duration: 3e12 } }),
      job,
    );
    expect(e.playback).toEqual({ state: 'playing' });
  });

  it.each([
    [8, 8],
    [0, null],
    [undefined, null],
    [12, 10],
  ])('userRating %p is rating %p', (userRating, value) => {
    const e = plexWatchEvent(buildPlexPayload({ event: 'media.rate', Metadata: { userRating } }), job);
    expect(e.rating).toEqual({
      value,
      target: { kind: 'episode', itemKey: '1001', showKey: '999', title: 'iCarly', season: 1, episode: 1 },
    });
  });

  it('a rated show and a rated movie', () => {
    const show = plexWatchEvent(
      buildPlexPayload({
        event: 'media.rate',
        Metadata: { type: 'show', ratingKey: '999', title: 'iCarly', userRating: 6 },
      }),
      job,
    );
    expect(show.rating).toEqual({
      value: 6,
      target: { kind: 'show', itemKey: '999', showKey: '999', title: 'iCarly' },
    });
    const movie = plexWatchEvent(
      buildPlexPayload({
        event: 'media.rate',
        Metadata: { type: 'movie', ratingKey: '77', title: 'Heat', userRating: 9.5 },
      }),
      job,
    );
    expect(movie.rating).toEqual({ value: 9.5, target: { kind: 'movie', itemKey: '77', title: 'Heat' } });
  });
});
