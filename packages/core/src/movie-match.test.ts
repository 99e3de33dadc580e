import { expectDecision } from '../../../test/helpers/decisions';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { DEFAULT_MATCH_THRESHOLD } from './match';
import {
  type CandidateMovie,
  decideMovieMatch,
  type MovieQuery,
  movieQueryFromMetadata,
  scoreMovieCandidates,
} from './movie-match';

const movie = (id: number, title: string, year: number | null, originalTitle?: string): CandidateMovie => ({
  id,
  title,
  year,
  originalTitle: originalTitle ?? null,
});
const dune1984 = movie(1, 'Dune', 1984);
const dune2021 = movie(2, 'Dune', 2021);
const heat = movie(3, 'Heat', 1995);

type Expected = { match: number } | { conflict: string; ranked: number[]; decisive: number | null };

describe('movies: scoreMovieCandidates + decideMovieMatch', () => {
  const rows: [string, MovieQuery, CandidateMovie[], Expected][] = [
    ['unique title and year', { title: 'Heat', year: 1995 }, [heat], { match: 3 }],
    ['unique title, year one off', { title: 'Heat', year: 1996 }, [heat], { match: 3 }],
    ['unique title, no year', { title: 'Heat' }, [heat], { match: 3 }],
    [
      'unique title, year far off: a remake missing from the catalogue',
      { title: 'Heat', year: 1986 },
      [heat],
      { conflict: 'low_confidence', ranked: [3], decisive: null },
    ],
    ['remake picked by the year', { title: 'Dune', year: 2021 }, [dune1984, dune2021], { match: 2 }],
    ['original picked by the year', { title: 'Dune', year: 1984 }, [dune2021, dune1984], { match: 1 }],
    [
      'remake without a year: conflict without a hint',
      { title: 'Dune' },
      [dune1984, dune2021],
      { conflict: 'multiple_matches', ranked: [1, 2], decisive: null },
    ],
    [
      'year one off from the remake: conflict, nothing exact',
      { title: 'Dune', year: 2020 },
      [dune1984, dune2021],
      { conflict: 'multiple_matches', ranked: [2, 1], decisive: null },
    ],
    [
      'two films a year apart: exact year is only a hint',
      { title: 'Twins', year: 2020 },
      [movie(5, 'Twins', 2019), movie(6, 'Twins', 2020)],
      { conflict: 'multiple_matches', ranked: [6, 5], decisive: 6 },
    ],
    [
      'localised title, original title matches',
      { title: 'Le Fabuleux Destin', originalTitle: "Le Fabuleux Destin d'Amélie Poulain", year: 2001 },
      [movie(7, 'Amélie', 2001, "Le Fabuleux Destin d'Amélie Poulain")],
      { match: 7 },
    ],
    [
      'sequel number differs',
      { title: 'Toy Story 2', year: 1999 },
      [movie(8, 'Toy Story', 1995), movie(9, 'Toy Story 3', 2010)],
      { conflict: 'low_confidence', ranked: [8, 9], decisive: null },
    ],
    ['nothing', { title: 'Heat' }, [], { conflict: 'no_match', ranked: [], decisive: null }],
  ];
  it.each(rows)('%s', (_name, query, candidates, expected) => {
    const decision = decideMovieMatch(scoreMovieCandidates(query, candidates), {
      threshold: DEFAULT_MATCH_THRESHOLD,
    });
    expectDecision(decision, expected, (c) => c.movieId);
  });

  it('evidence is readable', () => {
    const [scored] = scoreMovieCandidates({ title: 'Dune', year: 2021 }, [dune2021]);
    expect(scored).toMatchObject({ movieId: 2, year: 2021, titleScore: 1, confidence: 1 });
    expect(scored!.evidence.map((e) => e.detail)).toEqual([
      'title "Dune" vs "Dune": similarity 1.00',
      'year 2021 = catalogue year 2021',
    ]);
  });
});

describe('movieQueryFromMetadata', () => {
  const meta = (m: NonNullable<Parameters<typeof buildPlexPayload>[0]>['Metadata']) =>
    buildPlexPayload({ Metadata: { type: 'movie', ...m } }).Metadata!;
  it.each([
    ['title and year', meta({ title: 'Heat', year: 1995 }), { title: 'Heat', year: 1995 }],
    [
      'year only in the title',
      meta({ title: 'Dune (2021)', year: undefined }),
      { title: 'Dune', year: 2021 },
    ],
    [
      'original title kept when it differs',
      meta({
        title: 'Die fabelhafte Welt der Amélie',
        originalTitle: "Le Fabuleux Destin d'Amélie Poulain",
        year: 2001,
      }),
      {
        title: 'Die fabelhafte Welt der Amélie',
        originalTitle: "Le Fabuleux Destin d'Amélie Poulain",
        year: 2001,
      },
    ],
  ])('%s', (_name, metadata, expected) => {
    expect(movieQueryFromMetadata(metadata)).toEqual(expected);
  });
});
