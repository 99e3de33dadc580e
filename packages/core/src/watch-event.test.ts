import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { episodeQuery, movieQuery, plexRawSummary, plexWatchEvent } from './watch-event';

const job = { userId: 7, receivedAt: new Date('2026-12-01T12:00:00Z') };

describe('plexWatchEvent (the Plex adapter)', () => {
  test('a new-agent episode scrobble: who, which server, what happened, the media', () => {
    const event = plexWatchEvent(buildPlexPayload(), job);
    expect(event).toMatchObject({
      source: 'plex',
      sourceEvent: 'media.scrobble',
      action: 'scrobble',
      server: { id: 'server-uuid', name: 'srv' },
      userId: 7,
      account: { id: '1', name: 'alice' },
      ownAccount: true,
      receivedAt: job.receivedAt,
      watchedAt: new Date(1624000000 * 1000),
      summary: { key: '999', label: 'iCarly S01E01 · iStart Over' },
    });
    // The new agent's Guid[] ids are the episode's: never the show's.
    expect(event.media).toEqual({
      kind: 'episode',
      itemKey: '1001',
      show: { key: '999', title: 'iCarly', guid: 'plex://show/5d9c086c46115600200aa2fe', ids: {} },
      ids: { imdb: 'tt14166530', tmdb: 3053218, tvdb: 8483406 },
      title: 'iStart Over',
      season: 1,
      episode: 1,
      airDate: '2021-06-17',
      year: 2021,
      customNumbering: null,
    });
  });

  test("a legacy agent's episode guid carries the show's id", () => {
    const event = plexWatchEvent(
      buildPlexPayload({ Metadata: { guid: 'com.plexapp.agents.thetvdb://81797/1/2', Guid: [] } }),
      job,
    );
    expect(event.media).toMatchObject({ kind: 'episode', show: { ids: { tvdb: 81797 } }, ids: {} });
  });

  test('a movie, and what is not tracked', () => {
    const movie = plexWatchEvent(
      buildPlexPayload({
        Metadata: {
          type: 'movie',
          ratingKey: '55',
          title: 'Heat',
          year: 1995,
          guid: 'plex://movie/x',
          Guid: [{ id: 'tmdb://949' }],
        },
      }),
      job,
    );
    expect(movie.media).toEqual({
      kind: 'movie',
      itemKey: '55',
      guid: 'plex://movie/x',
      title: 'Heat',
      originalTitle: undefined,
      year: 1995,
      ids: { tmdb: 949 },
    });
    expect(movie.summary).toEqual({ key: '55', label: 'Heat' });
    expect(plexWatchEvent(buildPlexPayload({ Metadata: { live: 1 } }), job).media).toEqual({
      kind: 'unsupported',
      reason: 'live TV is not tracked',
    });
    expect(plexWatchEvent(buildPlexPayload({ Metadata: null }), job).media).toBeNull();
  });

  test.each([
    ['media.scrobble', 'scrobble'],
    ['media.play', 'progress'],
    ['media.stop', 'progress'],
    ['media.rate', 'rating'],
    ['library.new', 'other'],
  ])('%s is %s', (sourceEvent, action) => {
    expect(plexWatchEvent(buildPlexPayload({ event: sourceEvent }), job).action).toBe(action);
  });

  test('the match queries read the media, not the payload', () => {
    const episode = plexWatchEvent(
      buildPlexPayload({ Metadata: { grandparentTitle: 'Doctor Who (2005)' } }),
      job,
    );
    expect(episodeQuery(episode.media as never)).toEqual({
      title: 'Doctor Who',
      titleYear: 2005,
      episodeAirDate: '2021-06-17',
      episodeYear: 2021,
      season: 1,
      episode: 1,
      episodeTitle: 'iStart Over',
    });
    const movie = plexWatchEvent(
      buildPlexPayload({ Metadata: { type: 'movie', title: 'Dune (2021)', year: undefined } }),
      job,
    );
    expect(movieQuery(movie.media as never)).toEqual({ title: 'Dune', year: 2021 });
  });

  test('a payload that did not parse is still filed under its key', () => {
    expect(
      plexRawSummary({ event: 'media.scrobble', Metadata: { type: 'episode', grandparentRatingKey: 12 } }),
    ).toEqual({
      eventType: 'media.scrobble',
      key: '12',
    });
    expect(plexRawSummary('garbage')).toEqual({ eventType: null, key: null });
  });
});
