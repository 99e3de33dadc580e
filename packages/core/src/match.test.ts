import { expectDecision } from '../../../test/helpers/decisions';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import {
  type CandidateShow,
  DEFAULT_MATCH_THRESHOLD,
  decideByExternalIds,
  decideMatch,
  externalIdLookups,
  type ScoredCandidate,
  type ShowQuery,
  scoreCandidates,
  showQueryFromMetadata,
} from './match';

const date = (iso: string) => new Date(`${iso}T00:00:00Z`);

function show(
  id: number,
  title: string,
  start: string | null,
  end: string | null,
  extra: Partial<CandidateShow> = {},
): CandidateShow {
  return {
    id,
    title,
    showStartDate: start ? date(start) : null,
    showEndDate: end ? date(end) : null,
    ...extra,
  };
}

// The reference catalogue: the original series and the 2021 revival share a title.
const icarly2007 = show(23, 'iCarly', '2007-09-08', '2012-11-23');
const icarly2021 = show(126, 'iCarly', '2021-06-17', '2023-07-14', {
  episode: { title: 'iStart Over', airDate: date('2021-06-17') },
});
const doctorWho1963 = show(1, 'Doctor Who', '1963-11-23', '1989-12-06');
const doctorWho2005 = show(2, 'Doctor Who', '2005-03-26', null);

const icarlyQuery: ShowQuery = {
  title: 'iCarly',
  episodeYear: 2021,
  episodeAirDate: '2021-06-17',
  season: 1,
  episode: 1,
  episodeTitle: 'iStart Over',
};

type Expected =
  | { match: number }
  | {
      conflict: 'multiple_matches' | 'no_match' | 'low_confidence';
      ranked: number[];
      decisive: number | null;
    };

const rows: [string, ShowQuery, CandidateShow[], Expected, number?][] = [
  [
    'reference: iCarly revival episode, both iCarlys in the catalogue',
    icarlyQuery,
    [icarly2007, icarly2021],
    { conflict: 'multiple_matches', ranked: [126, 23], decisive: 126 },
  ],
  [
    'iCarly original episode: only the 2007 run contains the air date',
    {
      title: 'iCarly',
      episodeAirDate: '2008-03-01',
      episodeYear: 2008,
      season: 1,
      episode: 20,
      episodeTitle: 'iWant My Website Back',
    },
    [icarly2007, icarly2021],
    { conflict: 'multiple_matches', ranked: [23, 126], decisive: 23 },
  ],
  [
    'iCarly original episode whose catalogue title matches: decisive by episode title',
    { title: 'iCarly', season: 1, episode: 1, episodeTitle: 'iPilot' },
    [show(23, 'iCarly', '2007-09-08', '2012-11-23', { episode: { title: 'iPilot' } }), icarly2021],
    { conflict: 'multiple_matches', ranked: [23, 126], decisive: 23 },
  ],
  [
    'Doctor Who (2005): the title year picks the revival',
    { title: 'Doctor Who', titleYear: 2005, episodeAirDate: '2008-04-05', season: 4, episode: 1 },
    [doctorWho1963, doctorWho2005],
    { match: 2 },
  ],
  [
    'Doctor Who (1963): the title year picks the classic series',
    { title: 'Doctor Who', titleYear: 1963, episodeAirDate: '1963-11-23', season: 1, episode: 1 },
    [doctorWho2005, doctorWho1963],
    { match: 1 },
  ],
  [
    'Doctor Who without a year: the air date only hints at the revival',
    { title: 'Doctor Who', episodeAirDate: '2008-04-05' },
    [doctorWho1963, doctorWho2005],
    { conflict: 'multiple_matches', ranked: [2, 1], decisive: 2 },
  ],
  [
    'Doctor Who (2023) with neither in the catalogue: nothing is decisive',
    { title: 'Doctor Who', titleYear: 2023, episodeAirDate: '2023-11-25' },
    [doctorWho1963, doctorWho2005],
    { conflict: 'multiple_matches', ranked: [2, 1], decisive: null },
  ],
  [
    'same title, no dates anywhere: a conflict without a hint',
    { title: 'Battlestar Galactica' },
    [show(7, 'Battlestar Galactica', null, null), show(5, 'Battlestar Galactica', null, null)],
    { conflict: 'multiple_matches', ranked: [5, 7], decisive: null },
  ],
  [
    'same title, the other show has no dates: air date is not decisive',
    { title: 'Battlestar Galactica', episodeAirDate: '2004-10-18' },
    [
      show(7, 'Battlestar Galactica', '2004-10-18', '2009-03-20'),
      show(5, 'Battlestar Galactica', null, null),
    ],
    { conflict: 'multiple_matches', ranked: [7, 5], decisive: null },
  ],
  [
    'Battlestar Galactica episode year only: the other run excludes it',
    { title: 'Battlestar Galactica', episodeYear: 2005 },
    [
      show(7, 'Battlestar Galactica', '2004-10-18', '2009-03-20'),
      show(5, 'Battlestar Galactica', '1978-09-17', '1979-04-29'),
    ],
    { conflict: 'multiple_matches', ranked: [7, 5], decisive: 7 },
  ],
  [
    'title year and air date disagree: no match and no hint',
    { title: 'Doctor Who', titleYear: 2005, episodeAirDate: '1970-01-03' },
    [doctorWho1963, doctorWho2005],
    { conflict: 'multiple_matches', ranked: [2, 1], decisive: null },
  ],
  [
    'unique title with year suffix',
    { title: 'Bluey', titleYear: 2018 },
    [show(3, 'Bluey', '2018-10-01', null)],
    { match: 3 },
  ],
  [
    'punctuation variant of a unique title',
    { title: "Marvel's Agents of S.H.I.E.L.D.", episodeAirDate: '2013-09-24' },
    [
      show(4, "Marvel's Agents of SHIELD", '2013-09-24', '2020-08-12'),
      show(8, 'Agent Carter', '2015-01-06', '2016-03-01'),
    ],
    { match: 4 },
  ],
  [
    'accent variant',
    { title: 'Pokemon', episodeYear: 1998 },
    [show(9, 'Pokémon', '1997-04-01', null)],
    { match: 9 },
  ],
  [
    'macron and year suffix',
    { title: 'Shōgun', titleYear: 2024 },
    [show(10, 'Shogun', '2024-02-27', null)],
    { match: 10 },
  ],
  [
    'matches the original title',
    { title: 'La Casa de Papel' },
    [show(11, 'Money Heist', '2017-05-02', '2021-12-03', { originalTitle: 'La Casa de Papel' })],
    { match: 11 },
  ],
  [
    'Chicago Fire among the One Chicago shows',
    { title: 'Chicago Fire', episodeAirDate: '2013-01-02' },
    [
      show(12, 'Chicago Med', '2015-11-17', null),
      show(13, 'Chicago Fire', '2012-10-10', null),
      show(14, 'Chicago P.D.', '2014-01-08', null),
    ],
    { match: 13 },
  ],
  [
    'near miss: Chicago Fire is not Chicago Med',
    { title: 'Chicago Fire', episodeAirDate: '2016-01-05' },
    [show(12, 'Chicago Med', '2015-11-17', null)],
    { conflict: 'low_confidence', ranked: [12], decisive: null },
  ],
  [
    'near miss: Star Trek: Picard is not Star Trek: Discovery',
    { title: 'Star Trek: Picard', episodeAirDate: '2020-01-23' },
    [show(15, 'Star Trek: Discovery', '2017-09-24', '2024-05-30')],
    { conflict: 'low_confidence', ranked: [15], decisive: null },
  ],
  [
    'near miss: Fuller House is not Full House, however well the dates fit',
    {
      title: 'Fuller House',
      episodeAirDate: '2016-02-26',
      season: 1,
      episode: 1,
      episodeTitle: 'Our Very First Show, Again',
    },
    [show(16, 'Full House', '1987-09-22', null, { episode: { title: 'Our Very First Show, Again' } })],
    { conflict: 'low_confidence', ranked: [16], decisive: null },
  ],
  [
    'The Office (US) does not auto-match a bare "The Office"',
    { title: 'The Office (US)' },
    [show(17, 'The Office', '2005-03-24', '2013-05-16'), show(18, 'The Office', '2001-07-09', '2003-12-27')],
    { conflict: 'low_confidence', ranked: [17, 18], decisive: null },
  ],
  [
    'exact title but the air date is outside the only run (an unknown reboot)',
    { title: 'Doctor Who', episodeAirDate: '2008-04-05' },
    [doctorWho1963],
    { conflict: 'low_confidence', ranked: [1], decisive: null },
  ],
  [
    'exact title but the title year contradicts',
    { title: 'Doctor Who', titleYear: 2005 },
    [doctorWho1963],
    { conflict: 'low_confidence', ranked: [1], decisive: null },
  ],
  ['no candidates', { title: 'Severance' }, [], { conflict: 'no_match', ranked: [], decisive: null }],
  [
    'a stricter user threshold turns a mild doubt into a conflict',
    { title: 'Severance', season: 1, episode: 1, episodeTitle: 'Good News About Hell' },
    [show(19, 'Severance', '2022-02-18', null, { episode: { title: 'Pilot' } })],
    { conflict: 'low_confidence', ranked: [19], decisive: null },
    0.99,
  ],
  [
    'another episode title at S/E and no date to corroborate it: vetoed at any threshold',
    { title: 'Severance', season: 1, episode: 1, episodeTitle: 'Good News About Hell' },
    [show(19, 'Severance', '2022-02-18', null, { episode: { title: 'Pilot' } })],
    { conflict: 'low_confidence', ranked: [19], decisive: null },
    0.1,
  ],
  [
    'another episode title at S/E but the same air date: a weak doubt only',
    {
      title: 'Severance',
      season: 1,
      episode: 1,
      episodeTitle: 'Good News About Hell',
      episodeAirDate: '2022-02-18',
    },
    [show(19, 'Severance', '2022-02-18', null, { episode: { title: 'Pilot', airDate: date('2022-02-18') } })],
    { match: 19 },
  ],
];

describe('scoreCandidates + decideMatch', () => {
  it.each(rows)('%s', (_name, query, candidates, expected, threshold = DEFAULT_MATCH_THRESHOLD) => {
    const decision = decideMatch(scoreCandidates(query, candidates), { threshold });
    expectDecision(decision, expected, (c) => c.tvshowId);
  });
});

describe('scoreCandidates', () => {
  it('explains the reference scenario in readable evidence', () => {
    const [revival, original] = scoreCandidates(icarlyQuery, [icarly2007, icarly2021]);
    expect(revival).toMatchObject({
      tvshowId: 126,
      title: 'iCarly',
      year: 2021,
      titleScore: 1,
      confidence: 1,
    });
    expect(revival!.evidence.map((e) => [e.kind, e.ok, e.detail])).toEqual([
      ['title', true, 'title "iCarly" vs "iCarly": similarity 1.00'],
      ['episode_date', true, "catalogue's S01E01 aired 2021-06-17, Plex says 2021-06-17"],
      ['episode_air_date', true, 'episode aired 2021-06-17, inside run 2021–2023'],
      ['episode_exists', true, 'catalogue has S01E01'],
      ['episode_title', true, 'catalogue\'s S01E01 is "iStart Over" too'],
    ]);
    expect(original).toMatchObject({ tvshowId: 23, year: 2007, titleScore: 1 });
    expect(original!.confidence).toBeLessThan(DEFAULT_MATCH_THRESHOLD);
    expect(original!.evidence.map((e) => [e.kind, e.ok, e.detail])).toEqual([
      ['title', true, 'title "iCarly" vs "iCarly": similarity 1.00'],
      ['episode_air_date', false, 'episode aired 2021-06-17, outside run 2007–2012'],
      ['episode_exists', false, 'catalogue has no S01E01'],
    ]);
  });

  it('uses the episode year only when there is no air date', () => {
    const [scored] = scoreCandidates({ title: 'Doctor Who', episodeYear: 2008 }, [doctorWho2005]);
    expect(scored!.evidence.find((e) => e.kind === 'episode_year')).toMatchObject({
      ok: true,
      detail: 'episode year 2008, inside run 2005–',
    });
  });

  it('ranks equal confidence by id', () => {
    const scored = scoreCandidates({ title: 'Fargo' }, [
      show(30, 'Fargo', null, null),
      show(20, 'Fargo', null, null),
    ]);
    expect(scored.map((s) => s.tvshowId)).toEqual([20, 30]);
  });

  it('damps confirming evidence for a merely similar title', () => {
    const fullHouse = show(16, 'Full House', '1987-09-22', null);
    const [bare] = scoreCandidates({ title: 'Fuller House' }, [fullHouse]);
    const [confirmed] = scoreCandidates({ title: 'Fuller House', episodeYear: 2016 }, [fullHouse]);
    const yearEvidence = confirmed!.evidence.find((e) => e.kind === 'episode_year');
    expect(yearEvidence).toMatchObject({ ok: true, weight: 0.008 });
    expect(confirmed!.confidence).toBeCloseTo(bare!.confidence + 0.008, 3);
  });

  it('an exact title without evidence sits just above the default threshold', () => {
    const [scored] = scoreCandidates({ title: 'Severance' }, [show(19, 'Severance', null, null)]);
    expect(scored).toMatchObject({ titleScore: 1, confidence: 0.9, year: null });
  });

  it('keeps confidence within 0..1', () => {
    const [scored] = scoreCandidates(
      { title: 'Chicago Fire', titleYear: 1990, episodeAirDate: '1990-01-01' },
      [show(12, 'Chicago Med', '2015-11-17', '2016-01-01')],
    );
    expect(scored!.confidence).toBeGreaterThanOrEqual(0);
    expect(scored!.confidence).toBeLessThan(scored!.titleScore);
  });
});

describe('decideMatch', () => {
  const scored = (tvshowId: number, titleScore: number, confidence: number): ScoredCandidate => ({
    tvshowId,
    title: `show ${tvshowId}`,
    year: null,
    titleScore,
    confidence,
    evidence: [],
  });
  const threshold = DEFAULT_MATCH_THRESHOLD;

  it.each([
    ['a confident but merely similar title never auto-matches', [scored(1, 0.87, 0.95)], 'low_confidence'],
    [
      'a near-equal second title makes it ambiguous',
      [scored(1, 1, 1), scored(2, 0.96, 0.9)],
      'multiple_matches',
    ],
    ['a clearly weaker second title does not', [scored(1, 1, 0.9), scored(2, 0.94, 0.9)], 'match'],
    ['below the threshold', [scored(1, 1, 0.84)], 'low_confidence'],
    ['exactly at the threshold', [scored(1, 1, 0.85)], 'match'],
  ] as const)('%s', (_name, candidates, expected) => {
    const decision = decideMatch([...candidates], { threshold });
    expect(decision.kind === 'match' ? 'match' : decision.conflictType).toBe(expected);
  });

  it('re-ranks candidates given in any order', () => {
    const scored = scoreCandidates(icarlyQuery, [icarly2007, icarly2021]).reverse();
    const decision = decideMatch(scored, { threshold: DEFAULT_MATCH_THRESHOLD });
    expect(decision.kind === 'conflict' && decision.candidates.map((c) => c.tvshowId)).toEqual([126, 23]);
  });
});

describe('showQueryFromMetadata', () => {
  const meta = (overrides: Parameters<typeof buildPlexPayload>[0] = {}) =>
    buildPlexPayload(overrides).Metadata!;

  it.each([
    [
      'reference episode',
      meta(),
      {
        title: 'iCarly',
        episodeAirDate: '2021-06-17',
        episodeYear: 2021,
        season: 1,
        episode: 1,
        episodeTitle: 'iStart Over',
      },
    ],
    [
      'year suffix in the show title',
      meta({
        Metadata: { grandparentTitle: 'Doctor Who (2005)', year: 2008, originallyAvailableAt: '2008-04-05' },
      }),
      {
        title: 'Doctor Who',
        titleYear: 2005,
        episodeAirDate: '2008-04-05',
        episodeYear: 2008,
        season: 1,
        episode: 1,
        episodeTitle: 'iStart Over',
      },
    ],
    [
      'a show titled like a year keeps it as title',
      meta({
        Metadata: {
          grandparentTitle: '1883',
          title: '1883',
          year: undefined,
          originallyAvailableAt: undefined,
        },
      }),
      { title: '1883', season: 1, episode: 1, episodeTitle: '1883' },
    ],
    [
      'invalid air date is dropped',
      meta({ Metadata: { originallyAvailableAt: '2021-02-30' } }),
      { title: 'iCarly', episodeYear: 2021, season: 1, episode: 1, episodeTitle: 'iStart Over' },
    ],
    [
      'air date with a time part',
      meta({ Metadata: { originallyAvailableAt: '2021-06-17 00:00:00' } }),
      {
        title: 'iCarly',
        episodeAirDate: '2021-06-17',
        episodeYear: 2021,
        season: 1,
        episode: 1,
        episodeTitle: 'iStart Over',
      },
    ],
    [
      'show item: its own title, no episode fields',
      meta({ Metadata: { type: 'show', title: 'Bluey (2018)', year: 2018 } }),
      { title: 'Bluey', titleYear: 2018 },
    ],
    [
      'missing grandparentTitle',
      meta({ Metadata: { grandparentTitle: undefined } }),
      expect.objectContaining({ title: '' }),
    ],
  ])('%s', (_name, metadata, expected) => {
    expect(showQueryFromMetadata(metadata)).toEqual(expected);
  });
});

describe('issue 8 evidence', () => {
  const rows: [string, ShowQuery, CandidateShow[], Expected][] = [
    [
      "localised Plex title, original title from the Plex server matches the catalogue's original",
      { title: 'Haus des Geldes', originalTitle: 'La casa de papel' },
      [show(11, 'Money Heist', '2017-05-02', '2021-12-03', { originalTitle: 'La Casa de Papel' })],
      { match: 11 },
    ],
    [
      'localised Plex title alone: nothing similar, an honest conflict',
      { title: 'Haus des Geldes' },
      [show(11, 'Money Heist', '2017-05-02', '2021-12-03', { originalTitle: 'La Casa de Papel' })],
      { conflict: 'low_confidence', ranked: [11], decisive: null },
    ],
    [
      "Plex's show year rules out the other same-titled show",
      { title: 'iCarly', showYear: 2021 },
      [icarly2007, icarly2021],
      { match: 126 },
    ],
    [
      "Plex's show year one off says nothing: still a conflict",
      { title: 'iCarly', showYear: 2008 },
      [icarly2007, icarly2021],
      { conflict: 'multiple_matches', ranked: [23, 126], decisive: null },
    ],
    [
      "Plex's show year cannot pick when the other show has no dates",
      { title: 'Battlestar Galactica', showYear: 2004 },
      [
        show(7, 'Battlestar Galactica', '2004-10-18', '2009-03-20'),
        show(5, 'Battlestar Galactica', null, null),
      ],
      { conflict: 'multiple_matches', ranked: [7, 5], decisive: null },
    ],
    [
      'special (season 0) aired after the finale of the only show still matches',
      {
        title: 'Friends',
        season: 0,
        episode: 1,
        episodeTitle: 'Friends: The Reunion',
        episodeAirDate: '2021-05-27',
      },
      [show(40, 'Friends', '1994-09-22', '2004-05-06', { episode: { title: 'Friends: The Reunion' } })],
      { match: 40 },
    ],
    [
      'a regular episode aired after the end of the only show does not',
      { title: 'Friends', season: 11, episode: 1, episodeAirDate: '2021-05-27' },
      [show(40, 'Friends', '1994-09-22', '2004-05-06')],
      { conflict: 'low_confidence', ranked: [40], decisive: null },
    ],
    [
      'special of a remake: the catalogue episode title decides (hint only)',
      {
        title: 'Doctor Who',
        season: 0,
        episode: 1,
        episodeTitle: 'The Christmas Invasion',
        episodeAirDate: '2005-12-25',
      },
      [
        doctorWho1963,
        show(2, 'Doctor Who', '2005-03-26', null, { episode: { title: 'The Christmas Invasion' } }),
      ],
      { conflict: 'multiple_matches', ranked: [2, 1], decisive: 2 },
    ],
  ];
  it.each(rows)('%s', (_name, query, candidates, expected) => {
    const decision = decideMatch(scoreCandidates(query, candidates), { threshold: DEFAULT_MATCH_THRESHOLD });
    expectDecision(decision, expected, (c) => c.tvshowId);
  });

  it('records the evidence it used, readable', () => {
    const [scored] = scoreCandidates(
      { title: 'Haus des Geldes', originalTitle: 'La casa de papel', showYear: 2017 },
      [show(11, 'Money Heist', '2017-05-02', null, { originalTitle: 'La Casa de Papel' })],
    );
    expect(scored!.evidence.map((e) => [e.kind, e.ok, e.detail])).toEqual([
      ['title', true, 'title "La casa de papel" vs "La Casa de Papel" (original title): similarity 1.00'],
      ['show_year', true, "Plex's show year 2017 = first aired 2017"],
    ]);
  });
});

describe('external ids', () => {
  const rows = [
    { id: 1, tmdbId: 5371, tvdbId: 80284, imdbId: 'tt0972534' },
    { id: 2, tmdbId: 119243, tvdbId: null, imdbId: null },
  ];
  it.each([
    ['no ids', {}, { kind: 'none' }],
    ['tmdb hit', { tmdb: 119243 }, { kind: 'match', id: 2, method: 'tmdb_id' }],
    ['tvdb only', { tvdb: 80284 }, { kind: 'match', id: 1, method: 'tvdb_id' }],
    [
      'all agree',
      { tmdb: 5371, tvdb: 80284, imdb: 'tt0972534' },
      { kind: 'match', id: 1, method: 'tmdb_id' },
    ],
    [
      'imdb names an entry whose tmdb is another: a contradiction, never a match',
      { tmdb: 42, imdb: 'tt0972534' },
      { kind: 'disagree' },
    ],
    [
      'unknown tmdb, entry without a tmdb: the imdb decides',
      { tmdb: 42, imdb: 'tt0000042' },
      { kind: 'none' },
    ],
    [
      'a kind the entry lacks says nothing',
      { tmdb: 119243, tvdb: 999 },
      { kind: 'match', id: 2, method: 'tmdb_id' },
    ],
    ['ids disagree: never guessed', { tmdb: 119243, tvdb: 80284 }, { kind: 'disagree' }],
  ] as const)('%s', (_name, ids, expected) => {
    expect(decideByExternalIds(externalIdLookups(ids), rows)).toMatchObject(expected);
  });

  it('looks ids up most trusted first, only the kinds asked for', () => {
    expect(externalIdLookups({ imdb: 'tt1', tvdb: 2, tmdb: 3 }).map((l) => l.method)).toEqual([
      'tmdb_id',
      'tvdb_id',
      'imdb_id',
    ]);
    expect(
      externalIdLookups({ imdb: 'tt1', tvdb: 2, tmdb: 3 }, ['tmdb_id', 'imdb_id']).map((l) => l.field),
    ).toEqual(['tmdbId', 'imdbId']);
  });
});
