import {
  catalogMovieFromRadarr,
  catalogShowFromSonarr,
  claimSourceIds,
  sonarrSeriesId,
} from './catalog-sources';

// Shapes as Sonarr v3/v4 and Radarr v3 answer them (trimmed to what matters).
const icarly2021 = {
  id: 12,
  title: 'iCarly',
  year: 2021,
  status: 'ended',
  firstAired: '2021-06-17T04:00:00Z',
  tvdbId: 397316,
  tmdbId: 119243,
  imdbId: 'tt12808182',
  alternateTitles: [{ title: 'iCarly (2021)', seasonNumber: -1 }],
};
const ep = (seasonNumber: number, episodeNumber: number, title: unknown, airDate?: unknown) => ({
  seriesId: 12,
  seasonNumber,
  episodeNumber,
  title,
  airDate,
});

describe('catalogShowFromSonarr', () => {
  test('a series and its episodes become a catalogue show', () => {
    const r = catalogShowFromSonarr(icarly2021, [
      ep(1, 2, 'iHit Back', '2021-06-17'),
      ep(1, 1, 'iStart Over', '2021-06-17'),
      ep(0, 1, 'Special', '2021-05-01'),
      ep(3, 10, 'iObject', '2023-07-28'),
    ]);
    expect(r).toEqual({
      ok: true,
      value: {
        title: 'iCarly',
        originalTitle: null,
        firstAired: '2021-06-17',
        lastAired: '2023-07-28',
        tmdbId: 119243,
        tvdbId: 397316,
        imdbId: 'tt12808182',
        seasons: [
          { number: 0, episodes: [{ number: 1, title: 'Special', airDate: '2021-05-01' }] },
          {
            number: 1,
            episodes: [
              { number: 1, title: 'iStart Over', airDate: '2021-06-17' },
              { number: 2, title: 'iHit Back', airDate: '2021-06-17' },
            ],
          },
          { number: 3, episodes: [{ number: 10, title: 'iObject', airDate: '2023-07-28' }] },
        ],
      },
    });
  });

  test('a continuing series gets no end date; Sonarr v4 lastAired is taken as it is', () => {
    const continuing = catalogShowFromSonarr({ ...icarly2021, status: 'continuing' }, [
      ep(1, 1, 'a', '2021-06-17'),
    ]);
    expect(continuing.ok && continuing.value.lastAired).toBeNull();
    const v4 = catalogShowFromSonarr(
      { ...icarly2021, status: 'continuing', lastAired: '2023-07-28T04:00:00Z' },
      [],
    );
    expect(v4.ok && v4.value.lastAired).toBe('2023-07-28');
  });

  test('without firstAired: the earliest regular episode, else 1 January of the year, else unknown', () => {
    const noFirst = { ...icarly2021, firstAired: undefined };
    const fromEpisodes = catalogShowFromSonarr(noFirst, [
      ep(0, 1, 's', '2019-01-01'),
      ep(1, 1, 'a', '2021-06-20'),
    ]);
    expect(fromEpisodes.ok && fromEpisodes.value.firstAired).toBe('2021-06-20');
    const fromYear = catalogShowFromSonarr(noFirst, []);
    expect(fromYear.ok && fromYear.value.firstAired).toBe('2021-01-01');
    const unknown = catalogShowFromSonarr({ ...noFirst, year: 0 }, []);
    expect(unknown.ok && unknown.value.firstAired).toBeNull();
  });

  test('placeholder episode titles are left unknown, so they never contradict Plex', () => {
    const r = catalogShowFromSonarr(icarly2021, [
      ep(1, 1, 'TBA'),
      ep(1, 2, 'Episode 2'),
      ep(1, 3, '  '),
      ep(1, 4, 'Pilot'),
    ]);
    expect(r.ok && r.value.seasons[0]?.episodes.map((e) => e.title)).toEqual([null, null, null, 'Pilot']);
  });

  test('unusable fields are unknown, not fatal', () => {
    const r = catalogShowFromSonarr(
      {
        id: 3,
        title: ' The\u0000Office ',
        year: 2005,
        status: 'ended',
        firstAired: 'soon',
        lastAired: '2013-02-30',
        tvdbId: 0,
        tmdbId: 99_999_999_999,
        imdbId: '',
      },
      [
        ep(1, 1, 'Pilot', '2005-03-24'),
        ep(1, 1, 'Pilot (duplicate)', '2005-03-24'),
        ep(-1, 1, 'bad season'),
        ep(1, 2.5, 'bad number'),
        'not an object',
        null,
      ],
    );
    expect(r).toEqual({
      ok: true,
      value: {
        title: 'The Office',
        originalTitle: null,
        firstAired: '2005-03-24',
        lastAired: '2005-03-24',
        tmdbId: null,
        tvdbId: null,
        imdbId: null,
        seasons: [{ number: 1, episodes: [{ number: 1, title: 'Pilot', airDate: '2005-03-24' }] }],
      },
    });
  });

  test('an end before the start is unknown', () => {
    const r = catalogShowFromSonarr({ ...icarly2021, lastAired: '2001-01-01' }, []);
    expect(r.ok && r.value.lastAired).toBeNull();
  });

  test('a series without a title is skipped with a reason', () => {
    expect(catalogShowFromSonarr({ id: 7, title: '' }, [])).toEqual({
      ok: false,
      reason: 'id 7 has no title',
    });
    expect(catalogShowFromSonarr(null, [])).toEqual({ ok: false, reason: 'an entry has no title' });
  });

  test('sonarrSeriesId', () => {
    expect(sonarrSeriesId(icarly2021)).toBe(12);
    expect(sonarrSeriesId({ id: '12' })).toBeNull();
    expect(sonarrSeriesId({ id: 0 })).toBeNull();
  });
});

describe('catalogMovieFromRadarr', () => {
  test('a movie; an original title equal to the title is dropped', () => {
    expect(
      catalogMovieFromRadarr({
        title: 'Heat',
        originalTitle: 'Heat',
        year: 1995,
        tmdbId: 949,
        imdbId: 'tt0113277',
      }),
    ).toEqual({
      ok: true,
      value: { title: 'Heat', originalTitle: null, year: 1995, tmdbId: 949, imdbId: 'tt0113277' },
    });
    const amelie = catalogMovieFromRadarr({
      title: 'Amélie',
      originalTitle: 'Le Fabuleux Destin d’Amélie Poulain',
      year: 2001,
      tmdbId: 194,
    });
    expect(amelie.ok && amelie.value.originalTitle).toBe('Le Fabuleux Destin d’Amélie Poulain');
  });

  test('Radarr year 0 (unknown) and bad ids are unknown; no title is skipped', () => {
    const r = catalogMovieFromRadarr({ title: 'Untitled Project', year: 0, tmdbId: -1, imdbId: 'nm0000001' });
    expect(r).toEqual({
      ok: true,
      value: { title: 'Untitled Project', originalTitle: null, year: null, tmdbId: null, imdbId: null },
    });
    expect(catalogMovieFromRadarr({ id: 5 })).toEqual({ ok: false, reason: 'id 5 has no title' });
  });
});

describe('claimSourceIds', () => {
  test('the first entry with an id keeps it; a later one with any same id is refused', () => {
    const taken = new Map<string, string>();
    expect(claimSourceIds(taken, 'Heat (1995)', { tmdbId: 949, imdbId: 'tt0113277' })).toBeNull();
    expect(claimSourceIds(taken, 'Heat copy', { tmdbId: 1, imdbId: 'tt0113277' })).toBe(
      'imdb id tt0113277 is also on "Heat (1995)", listed earlier by the same source',
    );
    // A refused entry claims nothing: its other ids stay free.
    expect(claimSourceIds(taken, 'Other', { tmdbId: 1 })).toBeNull();
    expect(claimSourceIds(taken, 'No ids', {})).toBeNull();
    expect(claimSourceIds(taken, 'No ids either', { tmdbId: null })).toBeNull();
  });
});
