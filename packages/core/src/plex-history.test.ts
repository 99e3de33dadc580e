import {
  catalogMovieFromPlex,
  catalogShowFromPlex,
  HISTORY_MARK_EVENT,
  HISTORY_PLAY_EVENT,
  historyJobId,
  historyOrigin,
  historyRowFacts,
  isHistoryPayload,
  parseAccounts,
  parseHistoryPage,
  plexHistoryWatchEvent,
} from './plex-history';
import type { PlexMetadata } from './plex-payload';

// A row as /status/sessions/history/all lists it (shape from python-plexapi / Tautulli).
const row = {
  historyKey: '/status/sessions/history/4711',
  key: '/library/metadata/1001',
  ratingKey: '1001',
  librarySectionID: '1',
  parentKey: '/library/metadata/1000',
  grandparentKey: '/library/metadata/999',
  title: 'iStart Over',
  grandparentTitle: 'iCarly',
  type: 'episode',
  thumb: '/library/metadata/1001/thumb/1',
  index: 1,
  parentIndex: 1,
  originallyAvailableAt: '2021-06-17',
  viewedAt: 1624000000,
  accountID: 1,
  deviceID: 5,
};
const show = {
  ratingKey: '999',
  type: 'show',
  guid: 'plex://show/5d9c086c46115600200aa2fe',
  title: 'iCarly',
  year: 2021,
  Guid: [{ id: 'tmdb://119243' }, { id: 'imdb://tt11881006' }],
};
const input = (payload: Record<string, unknown>) => ({
  userId: 7,
  receivedAt: new Date('2026-01-01T00:00:00Z'),
  payload,
});

describe('plexHistoryWatchEvent', () => {
  test('a history row: a scrobble of the episode, show ids from the show item, watched at viewedAt (UTC)', () => {
    const adapted = plexHistoryWatchEvent(
      input({ event: HISTORY_PLAY_EVENT, row, show, item: null, account: { id: '1', name: 'owner' } }),
    );
    if (!adapted.ok) throw new Error(adapted.error);
    const { event } = adapted;
    expect(event).toMatchObject({
      source: 'plex',
      sourceEvent: 'history.play',
      action: 'scrobble',
      ownAccount: true,
      account: { id: '1', name: 'owner' },
      summary: { key: '999' },
    });
    expect(event.watchedAt.toISOString()).toBe('2021-06-18T07:06:40.000Z');
    expect(historyOrigin(event)).toEqual({ key: '/status/sessions/history/4711', kind: 'play' });
    expect(event.media).toMatchObject({
      kind: 'episode',
      itemKey: '1001',
      show: { key: '999', title: 'iCarly', ids: { tmdb: 119243, imdb: 'tt11881006' } },
      season: 1,
      episode: 1,
      airDate: '2021-06-17',
    });
  });

  test("never an episode's ids as the show's: without the show's metadata, the show has no ids", () => {
    const withEpisodeGuids = { ...row, Guid: [{ id: 'tmdb://3053218' }] };
    const adapted = plexHistoryWatchEvent(
      input({ event: HISTORY_PLAY_EVENT, row: withEpisodeGuids, show: null }),
    );
    if (!adapted.ok) throw new Error(adapted.error);
    expect(adapted.event.media).toMatchObject({ kind: 'episode', show: { key: '999', ids: {} } });
  });

  test('the show key from grandparentKey when grandparentRatingKey is absent, or from it when present', () => {
    expect(historyRowFacts(row)?.showKey).toBe('999');
    expect(historyRowFacts({ ...row, grandparentRatingKey: 555 })?.showKey).toBe('555');
  });

  test('a movie row takes the movie item (its ids)', () => {
    const movieRow = {
      historyKey: '/status/sessions/history/9',
      ratingKey: '70',
      key: '/library/metadata/70',
      type: 'movie',
      title: 'Heat',
      viewedAt: 1700000000,
      accountID: 2,
    };
    const item = { ratingKey: '70', type: 'movie', title: 'Heat', year: 1995, Guid: [{ id: 'tmdb://949' }] };
    const adapted = plexHistoryWatchEvent(
      input({ event: HISTORY_PLAY_EVENT, row: movieRow, show: null, item, account: { id: '2' } }),
    );
    if (!adapted.ok) throw new Error(adapted.error);
    expect(adapted.event.media).toMatchObject({
      kind: 'movie',
      itemKey: '70',
      year: 1995,
      ids: { tmdb: 949 },
    });
    expect(adapted.event.ownAccount).toBe(false);
  });

  test('a manual mark: the library item at its lastViewedAt, no history key', () => {
    const item = {
      ratingKey: '1002',
      type: 'episode',
      title: 'iHate Change',
      grandparentRatingKey: '999',
      grandparentTitle: 'iCarly',
      index: 2,
      parentIndex: 1,
      viewCount: 1,
      lastViewedAt: 1700000000,
    };
    const adapted = plexHistoryWatchEvent(
      input({ event: HISTORY_MARK_EVENT, row: item, show, item: null, account: { id: '1' } }),
    );
    if (!adapted.ok) throw new Error(adapted.error);
    expect(adapted.event.sourceEvent).toBe('history.mark');
    expect(historyOrigin(adapted.event)).toEqual({ key: null, kind: 'mark' });
    expect(adapted.event.watchedAt.toISOString()).toBe('2023-11-14T22:13:20.000Z');
  });

  test.each([
    ['no historyKey', { ...row, historyKey: undefined }, /invalid history row/],
    ['no viewedAt', { ...row, viewedAt: undefined }, /without a viewedAt/],
    ['viewedAt 0', { ...row, viewedAt: 0 }, /without a viewedAt/],
    ['no ratingKey nor key', { ...row, ratingKey: undefined, key: undefined }, /no ratingKey/],
  ])('%s: failed with a reason, never a throw', (_name, bad, reason) => {
    const adapted = plexHistoryWatchEvent(input({ event: HISTORY_PLAY_EVENT, row: bad, show }));
    expect(adapted.ok).toBe(false);
    expect(!adapted.ok && adapted.error).toMatch(reason);
    expect(!adapted.ok && adapted.eventType).toBe('history.play');
  });
});

test('job ids are deterministic per (user, history key), BullMQ-safe (no colon, not all digits)', () => {
  expect(historyJobId(3, '/status/sessions/history/4711')).toBe('plexhist-3-4711');
  expect(historyJobId(3, '/status/sessions/history/4711')).toBe(
    historyJobId(3, '/status/sessions/history/4711'),
  );
  expect(historyJobId(3, 'weird:key/x')).not.toContain(':');
});

test('isHistoryPayload tells a history job payload from a webhook body', () => {
  expect(isHistoryPayload({ event: 'history.play' })).toBe(true);
  expect(isHistoryPayload({ event: 'history.mark' })).toBe(true);
  expect(isHistoryPayload({ event: 'media.scrobble' })).toBe(false);
  expect(isHistoryPayload(null)).toBe(false);
});

test('containers: a history page keeps valid rows and counts the rest; accounts; garbage is null', () => {
  const page = parseHistoryPage({
    MediaContainer: { size: 2, totalSize: 10, Metadata: [row, { title: 'no key' }] },
  });
  expect(page).toMatchObject({ invalid: 1, totalSize: 10 });
  expect(page?.rows).toHaveLength(1);
  expect(parseHistoryPage({ MediaContainer: { size: 0 } })?.rows).toEqual([]);
  expect(parseHistoryPage('<html>')).toBeNull();
  expect(
    parseAccounts({
      MediaContainer: {
        Account: [
          { id: 0, name: '' },
          { id: 1, name: 'owner' },
        ],
      },
    }),
  ).toEqual([
    { id: '0', name: '' },
    { id: '1', name: 'owner' },
  ]);
});

describe('catalogue from a Plex library', () => {
  const ep = (index: number, parentIndex: number, title: string, date?: string): PlexMetadata => ({
    ratingKey: `${parentIndex}${index}`,
    type: 'episode',
    index,
    parentIndex,
    title,
    ...(date ? { originallyAvailableAt: date } : {}),
  });
  test("a show with the show's ids, seasons and episodes; placeholder titles unknown; first aired from the show", () => {
    const result = catalogShowFromPlex(show as PlexMetadata, [
      ep(2, 1, 'iHate Change', '2021-06-17'),
      ep(1, 1, 'iStart Over', '2021-06-17'),
      ep(1, 2, 'Episode 1', '2022-04-08'),
    ]);
    if (!result.ok) throw new Error(result.reason);
    expect(result.value).toMatchObject({
      title: 'iCarly',
      tmdbId: 119243,
      imdbId: 'tt11881006',
      tvdbId: null,
      firstAired: '2021-06-17',
    });
    expect(result.value.seasons).toEqual([
      {
        number: 1,
        episodes: [
          { number: 1, title: 'iStart Over', airDate: '2021-06-17' },
          { number: 2, title: 'iHate Change', airDate: '2021-06-17' },
        ],
      },
      { number: 2, episodes: [{ number: 1, title: null, airDate: '2022-04-08' }] },
    ]);
  });
  test('an unmatched show (no external id) is skipped with the reason', () => {
    const result = catalogShowFromPlex(
      { ratingKey: '1', type: 'show', title: 'iCarly', guid: 'local://1', Guid: [] },
      [],
    );
    expect(result).toEqual({ ok: false, reason: 'no tmdb, tvdb or imdb id (not matched in Plex)' });
  });
  test('a movie with its ids and year', () => {
    expect(
      catalogMovieFromPlex({
        ratingKey: '70',
        type: 'movie',
        title: 'Heat',
        year: 1995,
        Guid: [{ id: 'imdb://tt0113277' }, { id: 'tmdb://949' }],
      }),
    ).toEqual({
      ok: true,
      value: { title: 'Heat', originalTitle: null, year: 1995, tmdbId: 949, imdbId: 'tt0113277' },
    });
  });
});
