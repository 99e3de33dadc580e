// The hard rule (match.ts): contradicting hard evidence vetoes an automatic mapping at any
// threshold, and ranks a candidate below every candidate without one. One row per family.
import {
  type CandidateShow,
  decideMatch,
  hasHardContradiction,
  isInformativeEpisodeTitle,
  type ShowQuery,
  sameEpisodeTitle,
  scoreCandidates,
} from './match';
import { type CandidateMovie, decideMovieMatch, type MovieQuery, scoreMovieCandidates } from './movie-match';

const date = (iso: string) => new Date(`${iso}T00:00:00Z`);
const show = (id: number, start: string | null, end: string | null, extra: Partial<CandidateShow> = {}) => ({
  id,
  title: 'Shameless',
  showStartDate: start ? date(start) : null,
  showEndDate: end ? date(end) : null,
  ...extra,
});
// The UK original (2004-2013) is in the catalogue; the US remake (2011-2021) is not.
const uk = show(1, '2004-01-13', '2013-05-28', {
  tmdbId: 1906,
  tvdbId: 78682,
  imdbId: 'tt0377260',
  maxSeason: 11,
  episode: { title: 'Episode 1', airDate: date('2004-01-13') },
});
const usPilot: ShowQuery = {
  title: 'Shameless',
  season: 1,
  episode: 1,
  episodeTitle: 'Pilot',
  episodeAirDate: '2011-01-09',
  episodeYear: 2011,
};

type Expected = 'match' | 'veto';
const LOW = 0.1; // a threshold that any confidence passes: only the veto can stop a match

describe('a hard contradiction vetoes a show mapping at any threshold', () => {
  const rows: [string, ShowQuery, CandidateShow, Expected][] = [
    [
      'no contradiction: exact title, date inside the run',
      { ...usPilot, episodeAirDate: '2004-01-13' },
      uk,
      'match',
    ],
    [
      'legacy themoviedb guid naming another show (tmdb differs)',
      { ...usPilot, ids: { tmdb: 34307 } },
      uk,
      'veto',
    ],
    [
      'legacy thetvdb guid naming another show (tvdb differs)',
      { ...usPilot, ids: { tvdb: 161511 } },
      uk,
      'veto',
    ],
    ['imdb differs', { ...usPilot, episodeAirDate: '2004-01-13', ids: { imdb: 'tt1586680' } }, uk, 'veto'],
    ['same tmdb confirms', { ...usPilot, episodeAirDate: '2004-01-13', ids: { tmdb: 1906 } }, uk, 'match'],
    [
      'the catalogue episode at S/E aired years apart, inside an ongoing run',
      { ...usPilot, episodeTitle: undefined },
      { ...uk, showEndDate: null },
      'veto',
    ],
    [
      'air date at S/E within the tolerance (a day off, time zones)',
      { ...usPilot, episodeTitle: undefined, episodeAirDate: '2004-01-14' },
      uk,
      'match',
    ],
    [
      'air date at S/E a week off',
      { ...usPilot, episodeTitle: undefined, episodeAirDate: '2004-01-20' },
      uk,
      'veto',
    ],
    [
      'another episode title at S/E and no date to corroborate',
      { title: 'Shameless', season: 1, episode: 1, episodeTitle: 'Frank the Plank' },
      { ...uk, episode: { title: 'Daddy Issues', airDate: null } },
      'veto',
    ],
    [
      "Plex's placeholder title compares with nothing",
      { title: 'Shameless', season: 1, episode: 1, episodeTitle: 'Episode 1' },
      { ...uk, episode: { title: 'Frank the Plank', airDate: null } },
      'match',
    ],
    [
      "a real title from Plex at the S/E of the catalogue's 'Episode 1', no date: another show",
      { title: 'Shameless', season: 1, episode: 1, episodeTitle: 'Frank the Plank' },
      { ...uk, episode: { title: 'Episode 1', airDate: null } },
      'veto',
    ],
    [
      'air date outside the run, even with a confirming title year',
      { title: 'Shameless', titleYear: 2004, season: 3, episode: 9, episodeAirDate: '2016-02-01' },
      { ...uk, episode: null },
      'veto',
    ],
    [
      'air date past the run, but the catalogue episode corroborates it (a stale end date)',
      { title: 'Shameless', season: 11, episode: 1, episodeAirDate: '2014-02-01' },
      { ...uk, episode: { title: null, airDate: date('2014-02-01') } },
      'match',
    ],
    [
      'episode year outside the run (no air date)',
      { title: 'Shameless', season: 1, episode: 4, episodeYear: 2019 },
      { ...uk, episode: null },
      'veto',
    ],
    ['the title year is not the first-aired year', { title: 'Shameless', titleYear: 2011 }, uk, 'veto'],
    ["Plex's show year two off", { title: 'Shameless', showYear: 2011 }, uk, 'veto'],
    ["Plex's show year one off says nothing", { title: 'Shameless', showYear: 2005 }, uk, 'match'],
    [
      'a season beyond the last one the catalogue has',
      { title: 'Shameless', season: 12, episode: 1 },
      { ...uk, episode: null },
      'veto',
    ],
    [
      'a special outside the run only hints',
      { title: 'Shameless', season: 0, episode: 1, episodeAirDate: '2015-12-24' },
      { ...uk, episode: null },
      'match',
    ],
  ];

  it.each(rows)('%s', (_name, query, candidate, expected) => {
    const scored = scoreCandidates(query, [candidate]);
    const decision = decideMatch(scored, { threshold: LOW });
    expect(decision.kind).toBe(expected === 'match' ? 'match' : 'conflict');
    expect(hasHardContradiction(scored[0]!)).toBe(expected === 'veto');
    if (decision.kind === 'conflict') {
      // Still offered, with the contradiction readable.
      expect(decision.candidates.map((c) => c.tvshowId)).toEqual([candidate.id]);
      expect(decision.candidates[0]!.evidence.some((e) => e.hard && !e.ok && e.detail.length > 0)).toBe(true);
      expect(decision.decisive).toBeNull();
    }
  });

  it('the reference scenario: auto-resolve may pick 2021 only because 2007 is contradicted', () => {
    const icarly2007 = show(23, '2007-09-08', '2012-11-23', {
      title: 'iCarly',
      episode: { title: 'iPilot', airDate: date('2007-09-08') },
    });
    const icarly2021 = show(126, '2021-06-17', '2023-07-14', {
      title: 'iCarly',
      episode: { title: 'iStart Over', airDate: date('2021-06-17') },
    });
    const query: ShowQuery = {
      title: 'iCarly',
      season: 1,
      episode: 1,
      episodeTitle: 'iStart Over',
      episodeAirDate: '2021-06-17',
    };
    const decision = decideMatch(scoreCandidates(query, [icarly2007, icarly2021]), { threshold: 0.85 });
    expect(decision).toMatchObject({ kind: 'conflict', conflictType: 'multiple_matches' });
    if (decision.kind !== 'conflict') throw new Error('unreachable');
    expect(decision.candidates.map((c) => c.tvshowId)).toEqual([126, 23]);
    expect(decision.decisive?.tvshowId).toBe(126);
  });
});

describe('conflict ranking puts contradicted candidates last', () => {
  it('an exact title with an 18-year air-date contradiction ranks below a clean near title', () => {
    const exact = show(1, '2004-01-13', null, {
      episode: { title: 'Episode 1', airDate: date('2004-01-13') },
    });
    const near = show(2, '2022-03-01', null, { title: 'Shameless!' });
    const query: ShowQuery = { title: 'Shameless', season: 1, episode: 1, episodeAirDate: '2022-03-01' };
    const scored = scoreCandidates(query, [exact, near]);
    expect(scored.map((c) => c.tvshowId)).toEqual([2, 1]);
    expect(hasHardContradiction(scored[1]!)).toBe(true);
  });
});

describe('movies: the same rule', () => {
  const dune: CandidateMovie = { id: 1, title: 'Dune', year: 1984, tmdbId: 841, imdbId: 'tt0087182' };
  const rows: [string, MovieQuery, Expected][] = [
    ['title and year', { title: 'Dune', year: 1984 }, 'match'],
    ['one year off says nothing', { title: 'Dune', year: 1985 }, 'match'],
    ['two years off: a remake', { title: 'Dune', year: 1986 }, 'veto'],
    ['tmdb of the remake', { title: 'Dune', year: 1984, ids: { tmdb: 438631 } }, 'veto'],
    ['imdb of the remake', { title: 'Dune', year: 1984, ids: { imdb: 'tt1160419' } }, 'veto'],
    ['a kind the catalogue lacks says nothing', { title: 'Dune', ids: { tvdb: 5 } }, 'match'],
  ];
  it.each(rows)('%s', (_name, query, expected) => {
    const decision = decideMovieMatch(scoreMovieCandidates(query, [dune]), { threshold: LOW });
    expect(decision.kind).toBe(expected === 'match' ? 'match' : 'conflict');
  });

  it('ranks a contradicted remake below a clean entry', () => {
    const dune2021: CandidateMovie = { id: 2, title: 'Dune', year: null, tmdbId: null };
    const scored = scoreMovieCandidates({ title: 'Dune', year: 2021, ids: { tmdb: 438631 } }, [
      dune,
      dune2021,
    ]);
    expect(scored.map((c) => c.movieId)).toEqual([2, 1]);
  });
});

describe('episode titles', () => {
  it.each([
    ['Pilot', 'Pilot (1)', true],
    ['The Beginning', 'The Beginning, Part 1', true],
    ['iStart Over', 'iPilot', false],
    ['Pilot', 'Downsize', false],
  ])('%s ~ %s: %s', (a, b, same) => expect(sameEpisodeTitle(a, b)).toBe(same));
  it.each([
    ['Episode 1', false],
    ['Episode #1.1', false],
    ['Chapter 3', false],
    ['TBA', false],
    ['12', false],
    ['Pilot', true],
    ['Chapter One: The Vanishing of Will Byers', true],
  ])('%s informative: %s', (title, informative) =>
    expect(isInformativeEpisodeTitle(title)).toBe(informative),
  );
});
