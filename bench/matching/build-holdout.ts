// Writes bench/matching/holdout.json: the HELD-OUT matching set. Its shows and movies are not in
// corpus.json, it was written before the hard rule was run on it, and no rule or weight may be
// fitted to it: it measures what the tuning set (corpus.json) cannot, a sample the rules never saw.
// Families (issue 13): remakes and national versions whose runs overlap with only one of the pair
// in the catalogue; legacy guids whose show id is absent from the catalogue; a Plex server naming
// an absent id; the catalogue's own episode at S/E dated or titled otherwise; seasons beyond the
// catalogue; movie remakes one of which is absent. Ids are illustrative (shaped like real ones).
// Labels follow README.md's rules, set from what the scrobble carries, never from the matcher.
// Run `npx tsx bench/matching/build-holdout.ts` after editing the tables.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Pilot = {
  title: string;
  first: string;
  last: string | null;
  tmdb: number;
  tvdb: number;
  imdb?: string;
  pilot: string;
  seasons: number;
};
type Pair = { key: string; catalogued: Pilot; absent: Pilot };

// One of each pair is in the catalogue; the other (a remake, revival or national version) is
// what some scrobbles really are.
// biome-ignore format: one pair per line reads best
const PAIRS: Pair[] = [
  { key: 'ghosts', catalogued: { title: 'Ghosts', first: '2019-04-15', last: '2023-12-25', tmdb: 88329, tvdb: 361263, pilot: 'Who Do You Think You Are?', seasons: 5 }, absent: { title: 'Ghosts', first: '2021-10-07', last: null, tmdb: 128839, tvdb: 398563, pilot: 'Pilot', seasons: 4 } },
  { key: 'utopia', catalogued: { title: 'Utopia', first: '2013-01-15', last: '2014-08-12', tmdb: 46896, tvdb: 264991, pilot: 'Episode 1', seasons: 2 }, absent: { title: 'Utopia', first: '2020-09-25', last: '2020-09-25', tmdb: 90677, tvdb: 367138, pilot: 'Hello Wilson', seasons: 1 } },
  { key: 'skins', catalogued: { title: 'Skins', first: '2007-01-25', last: '2013-08-05', tmdb: 1868, tvdb: 79773, pilot: 'Tony', seasons: 7 }, absent: { title: 'Skins', first: '2011-01-17', last: '2011-03-21', tmdb: 34634, tvdb: 195711, pilot: 'Tony', seasons: 1 } },
  { key: 'prime-suspect', catalogued: { title: 'Prime Suspect', first: '1991-04-07', last: '2006-10-22', tmdb: 4413, tvdb: 76174, pilot: 'Part 1', seasons: 7 }, absent: { title: 'Prime Suspect', first: '2011-09-22', last: '2012-01-19', tmdb: 39341, tvdb: 248826, pilot: 'Pilot', seasons: 1 } },
  { key: 'life-on-mars', catalogued: { title: 'Life on Mars', first: '2006-01-09', last: '2007-04-10', tmdb: 2296, tvdb: 79353, pilot: 'Episode 1', seasons: 2 }, absent: { title: 'Life on Mars', first: '2008-10-09', last: '2009-04-01', tmdb: 9985, tvdb: 82289, pilot: 'Out Here in the Fields', seasons: 1 } },
  { key: 'queer-as-folk', catalogued: { title: 'Queer as Folk', first: '2000-12-03', last: '2005-08-07', tmdb: 1796, tvdb: 73207, pilot: 'Premiere', seasons: 5 }, absent: { title: 'Queer as Folk', first: '2022-06-09', last: '2022-06-09', tmdb: 120911, tvdb: 395905, pilot: 'Babylon', seasons: 1 } },
  { key: 'the-killing', catalogued: { title: 'The Killing', first: '2011-04-03', last: '2014-08-01', tmdb: 1426, tvdb: 210171, pilot: 'Pilot', seasons: 4 }, absent: { title: 'The Killing', first: '2007-01-07', last: '2012-11-25', tmdb: 12339, tvdb: 81541, pilot: 'Day 1', seasons: 3 } },
  { key: 'wallander', catalogued: { title: 'Wallander', first: '2008-11-30', last: '2016-06-05', tmdb: 13915, tvdb: 83443, pilot: 'Sidetracked', seasons: 4 }, absent: { title: 'Wallander', first: '2005-01-13', last: '2013-08-28', tmdb: 13912, tvdb: 80498, pilot: 'Before the Frost', seasons: 3 } },
  { key: 'one-day-at-a-time', catalogued: { title: 'One Day at a Time', first: '1975-12-16', last: '1984-05-28', tmdb: 2350, tvdb: 77720, pilot: 'Ann Romano', seasons: 9 }, absent: { title: 'One Day at a Time', first: '2017-01-06', last: '2020-06-16', tmdb: 67154, tvdb: 318408, pilot: 'This Is It', seasons: 4 } },
  { key: 'party-of-five', catalogued: { title: 'Party of Five', first: '1994-09-12', last: '2000-05-03', tmdb: 2389, tvdb: 75984, pilot: 'Pilot', seasons: 6 }, absent: { title: 'Party of Five', first: '2020-01-08', last: '2020-03-04', tmdb: 92841, tvdb: 367373, pilot: 'Pilot', seasons: 1 } },
  { key: 'the-wonder-years', catalogued: { title: 'The Wonder Years', first: '1988-01-31', last: '1993-05-12', tmdb: 2387, tvdb: 70935, pilot: 'Pilot', seasons: 6 }, absent: { title: 'The Wonder Years', first: '2021-09-22', last: '2023-08-16', tmdb: 127529, tvdb: 394960, pilot: 'Pilot', seasons: 2 } },
  { key: 'fantasy-island', catalogued: { title: 'Fantasy Island', first: '1977-01-14', last: '1984-05-19', tmdb: 1939, tvdb: 77227, pilot: 'Fantasy Island', seasons: 7 }, absent: { title: 'Fantasy Island', first: '2021-08-10', last: '2022-10-04', tmdb: 124171, tvdb: 396016, pilot: 'Hurricane Helene/Mel and Daphne', seasons: 2 } },
  { key: 'perry-mason', catalogued: { title: 'Perry Mason', first: '1957-09-21', last: '1966-05-22', tmdb: 2369, tvdb: 72040, pilot: 'The Case of the Restless Redhead', seasons: 9 }, absent: { title: 'Perry Mason', first: '2020-06-21', last: '2023-04-24', tmdb: 87108, tvdb: 371107, pilot: 'Chapter One', seasons: 2 } },
  { key: 'the-equalizer', catalogued: { title: 'The Equalizer', first: '1985-09-18', last: '1989-08-24', tmdb: 1785, tvdb: 77184, pilot: 'The Equalizer', seasons: 4 }, absent: { title: 'The Equalizer', first: '2021-02-07', last: '2025-05-18', tmdb: 108978, tvdb: 377034, pilot: 'Pilot', seasons: 5 } },
  { key: 'kung-fu', catalogued: { title: 'Kung Fu', first: '1972-10-14', last: '1975-04-19', tmdb: 1994, tvdb: 77258, pilot: 'King of the Mountain', seasons: 3 }, absent: { title: 'Kung Fu', first: '2021-04-07', last: '2023-08-02', tmdb: 110356, tvdb: 383275, pilot: 'Pilot', seasons: 3 } },
  { key: 'heartbreak-high', catalogued: { title: 'Heartbreak High', first: '1994-02-27', last: '1999-10-13', tmdb: 4305, tvdb: 73028, pilot: 'Episode 1', seasons: 7 }, absent: { title: 'Heartbreak High', first: '2022-09-14', last: null, tmdb: 135238, tvdb: 405563, pilot: 'Episode 1', seasons: 2 } },
  { key: 'dallas', catalogued: { title: 'Dallas', first: '1978-04-02', last: '1991-05-03', tmdb: 1943, tvdb: 77092, pilot: 'Digger\'s Daughter', seasons: 14 }, absent: { title: 'Dallas', first: '2012-06-13', last: '2014-09-22', tmdb: 41601, tvdb: 255924, pilot: 'Changing of the Guard', seasons: 3 } },
  // The remake airs inside the catalogued show's (still open) run: only the episode can tell.
  { key: 'degrassi', catalogued: { title: 'Degrassi', first: '2001-10-14', last: null, tmdb: 2136, tvdb: 72189, pilot: 'Mother and Child Reunion', seasons: 14 }, absent: { title: 'Degrassi', first: '2016-01-04', last: '2017-07-07', tmdb: 64404, tvdb: 304219, pilot: '#NotAllBoys', seasons: 4 } },
  { key: 'top-gear', catalogued: { title: 'Top Gear', first: '2002-10-20', last: null, tmdb: 1219, tvdb: 74608, pilot: 'Episode 1', seasons: 33 }, absent: { title: 'Top Gear', first: '2010-11-21', last: '2016-04-26', tmdb: 31694, tvdb: 163411, pilot: 'Bust Your Balls', seasons: 6 } },
  { key: 'survivor', catalogued: { title: 'Survivor', first: '2000-05-31', last: null, tmdb: 14658, tvdb: 76733, pilot: 'The Marooning', seasons: 47 }, absent: { title: 'Survivor', first: '2023-02-20', last: null, tmdb: 218502, tvdb: 427001, pilot: 'Episode 1', seasons: 2 } },
  { key: 'teen-wolf', catalogued: { title: 'Teen Wolf', first: '2011-06-05', last: '2017-09-24', tmdb: 34524, tvdb: 175001, pilot: 'Wolf Moon', seasons: 6 }, absent: { title: 'Teen Wolf', first: '1986-09-13', last: '1987-11-07', tmdb: 6074, tvdb: 77651, pilot: 'Pilot', seasons: 2 } },
  { key: 'the-saint', catalogued: { title: 'The Saint', first: '1962-10-04', last: '1969-02-09', tmdb: 1711, tvdb: 76634, pilot: 'The Talented Husband', seasons: 6 }, absent: { title: 'The Saint', first: '2017-07-11', last: '2017-07-11', tmdb: 73310, tvdb: 330011, pilot: 'Pilot', seasons: 1 } },
];

// Catalogued shows with a unique title, for recall (each must still be mapped).
// biome-ignore format: one show per line reads best
const UNIQUE: Pilot[] = [
  { title: 'Slow Horses', first: '2022-04-01', last: null, tmdb: 95480, tvdb: 372542, pilot: 'Failure\'s Contagious', seasons: 4 },
  { title: 'Ted Lasso', first: '2020-08-14', last: null, tmdb: 97546, tvdb: 383203, pilot: 'Pilot', seasons: 3 },
  { title: 'Fleabag', first: '2016-07-21', last: '2019-04-08', tmdb: 67070, tvdb: 313199, pilot: 'Episode 1', seasons: 2 },
  { title: 'Line of Duty', first: '2012-06-26', last: '2021-05-02', tmdb: 43982, tvdb: 258921, pilot: 'Episode 1', seasons: 6 },
  { title: 'Peaky Blinders', first: '2013-09-12', last: '2022-04-03', tmdb: 60574, tvdb: 270915, pilot: 'Episode 1', seasons: 6 },
  { title: 'The Expanse Chronicles', first: '2015-12-14', last: '2022-01-14', tmdb: 63639, tvdb: 280619, pilot: 'Dulcinea', seasons: 6 },
  { title: 'Mr. Robot', first: '2015-06-24', last: '2019-12-22', tmdb: 62560, tvdb: 289590, pilot: 'eps1.0_hellofriend.mov', seasons: 4 },
  { title: 'Hacks', first: '2021-05-13', last: null, tmdb: 105248, tvdb: 384435, pilot: 'There Is No Line (Pilot)', seasons: 3 },
];

type M = { key: string; title: string; year: number; tmdb: number; imdb: string };
// biome-ignore format: one pair per line reads best
const MOVIE_PAIRS: { catalogued: M; absent: M }[] = [
  { catalogued: { key: 'point-break-1991', title: 'Point Break', year: 1991, tmdb: 1089, imdb: 'tt0102685' }, absent: { key: 'point-break-2015', title: 'Point Break', year: 2015, tmdb: 257088, imdb: 'tt2058673' } },
  { catalogued: { key: 'suspiria-1977', title: 'Suspiria', year: 1977, tmdb: 11906, imdb: 'tt0076786' }, absent: { key: 'suspiria-2018', title: 'Suspiria', year: 2018, tmdb: 361292, imdb: 'tt1034415' } },
  { catalogued: { key: 'the-mummy-1999', title: 'The Mummy', year: 1999, tmdb: 564, imdb: 'tt0120616' }, absent: { key: 'the-mummy-2017', title: 'The Mummy', year: 2017, tmdb: 282035, imdb: 'tt2345759' } },
  { catalogued: { key: 'true-grit-2010', title: 'True Grit', year: 2010, tmdb: 44264, imdb: 'tt1403865' }, absent: { key: 'true-grit-1969', title: 'True Grit', year: 1969, tmdb: 17529, imdb: 'tt0065126' } },
  { catalogued: { key: 'carrie-1976', title: 'Carrie', year: 1976, tmdb: 7340, imdb: 'tt0074285' }, absent: { key: 'carrie-2013', title: 'Carrie', year: 2013, tmdb: 133805, imdb: 'tt1939659' } },
  { catalogued: { key: 'fright-night-1985', title: 'Fright Night', year: 1985, tmdb: 11797, imdb: 'tt0089175' }, absent: { key: 'fright-night-2011', title: 'Fright Night', year: 2011, tmdb: 58151, imdb: 'tt1438176' } },
  { catalogued: { key: 'insomnia-2002', title: 'Insomnia', year: 2002, tmdb: 320, imdb: 'tt0278504' }, absent: { key: 'insomnia-1997', title: 'Insomnia', year: 1997, tmdb: 10312, imdb: 'tt0119375' } },
  { catalogued: { key: 'godzilla-2014', title: 'Godzilla', year: 2014, tmdb: 124905, imdb: 'tt0831387' }, absent: { key: 'godzilla-1998', title: 'Godzilla', year: 1998, tmdb: 929, imdb: 'tt0120685' } },
  { catalogued: { key: 'the-fly-1986', title: 'The Fly', year: 1986, tmdb: 9426, imdb: 'tt0091064' }, absent: { key: 'the-fly-1958', title: 'The Fly', year: 1958, tmdb: 11815, imdb: 'tt0051622' } },
  { catalogued: { key: 'cape-fear-1991', title: 'Cape Fear', year: 1991, tmdb: 1598, imdb: 'tt0101540' }, absent: { key: 'cape-fear-1962', title: 'Cape Fear', year: 1962, tmdb: 11349, imdb: 'tt0055824' } },
];

const addDays = (iso: string, days: number) => {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};
const seasonStart = (s: Pilot, n: number) => (n === 1 ? s.first : addDays(s.first, 365 * (n - 1)));
const key = (s: Pilot) => `${s.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${s.first.slice(0, 4)}`;

type Case = {
  id: string;
  tags: string[];
  note: string;
  metadata: Record<string, unknown>;
  plexShow?: { title: string; year?: number; guids: string[] } | null;
  expected: string;
  expectedTop?: string | null;
  truth: string | null;
};
const cases: Case[] = [];
let seq = 0;
function episode(s: Pilot, over: Record<string, unknown>): Record<string, unknown> {
  seq++;
  return {
    ratingKey: String(500_000 + seq),
    grandparentRatingKey: String(600_000 + seq),
    type: 'episode',
    librarySectionType: 'show',
    guid: `plex://episode/${seq.toString(16).padStart(24, 'c')}`,
    grandparentGuid: `plex://show/${seq.toString(16).padStart(24, 'd')}`,
    grandparentTitle: s.title,
    parentIndex: 1,
    index: 1,
    title: s.pilot,
    originallyAvailableAt: s.first,
    year: Number(s.first.slice(0, 4)),
    Guid: [{ id: `tmdb://${7_000_000 + seq}` }, { id: `tvdb://${7_500_000 + seq}` }],
    ...over,
  };
}
const tv = (s: Pilot) => `tvshow:${key(s)}`;

function catalogued(s: Pilot, unique: boolean) {
  const truth = tv(s);
  const expected = unique ? truth : 'conflict';
  cases.push({
    id: `${key(s)}/legacy-tvdb`,
    tags: ['show', 'legacy-agent', 'id'],
    note: 'legacy thetvdb guid, id in the catalogue',
    metadata: episode(s, { guid: `com.plexapp.agents.thetvdb://${s.tvdb}/1/1?lang=en`, Guid: undefined }),
    expected: truth,
    truth,
  });
  cases.push({
    id: `${key(s)}/server-ids`,
    tags: ['show', 'new-agent', 'plex-server', 'id'],
    note: "the Plex server gives the show's ids",
    metadata: episode(s, {}),
    plexShow: {
      title: s.title,
      year: Number(s.first.slice(0, 4)),
      guids: [`tmdb://${s.tmdb}`, `tvdb://${s.tvdb}`],
    },
    expected: truth,
    truth,
  });
  // Title only; the pilot's date and title as the catalogue has them (only the other half of a
  // pair is absent, so a unique title is decisive).
  cases.push({
    id: `${key(s)}/title-pilot`,
    tags: ['show', 'new-agent', 'title'],
    note: 'title, pilot date and title agree with the catalogue',
    metadata: episode(s, {}),
    expected,
    truth,
  });
  cases.push({
    id: `${key(s)}/title-pilot-day-off`,
    tags: ['show', 'new-agent', 'title', 'date-tolerance'],
    note: 'pilot aired a day later by Plex (time zone)',
    metadata: episode(s, { originallyAvailableAt: addDays(s.first, 1) }),
    expected,
    truth,
  });
  cases.push({
    id: `${key(s)}/title-s02`,
    tags: ['show', 'new-agent', 'title'],
    note: 'S02E01, no catalogue episode title, date inside the run',
    metadata: episode(s, {
      parentIndex: Math.min(2, s.seasons),
      index: 3,
      title: 'Some Episode',
      originallyAvailableAt: addDays(seasonStart(s, Math.min(2, s.seasons)), 14),
    }),
    expected,
    truth,
  });
  // Beyond the catalogue's seasons (the catalogue is stale, or this is another show): a person decides.
  cases.push({
    id: `${key(s)}/season-beyond`,
    tags: ['show', 'new-agent', 'title', 'season-range'],
    note: `season ${s.seasons + 2}, the catalogue's end at ${s.seasons}`,
    metadata: episode(s, {
      parentIndex: s.seasons + 2,
      index: 1,
      title: 'New Season',
      originallyAvailableAt: undefined,
      year: undefined,
    }),
    expected: 'conflict',
    expectedTop: unique ? truth : null,
    truth,
  });
}

function absent(r: Pilot, c: Pilot) {
  const note = `the ${r.first.slice(0, 4)} ${r.title} is not in the catalogue, the ${c.first.slice(0, 4)} one is`;
  const top = null; // nothing in the list is the right answer
  cases.push({
    id: `${key(r)}/legacy-themoviedb-absent`,
    tags: ['show', 'legacy-agent', 'absent-id', 'remake-absent'],
    note: `legacy themoviedb guid with an id the catalogue lacks; ${note}`,
    metadata: episode(r, {
      guid: `com.plexapp.agents.themoviedb://${r.tmdb}/1/1?lang=en`,
      grandparentGuid: `com.plexapp.agents.themoviedb://${r.tmdb}?lang=en`,
      Guid: undefined,
    }),
    expected: 'conflict',
    expectedTop: top,
    truth: null,
  });
  cases.push({
    id: `${key(r)}/legacy-thetvdb-absent`,
    tags: ['show', 'legacy-agent', 'absent-id', 'remake-absent'],
    note: `legacy thetvdb guid with an id the catalogue lacks; ${note}`,
    metadata: episode(r, {
      guid: `com.plexapp.agents.thetvdb://${r.tvdb}/1/2?lang=en`,
      Guid: undefined,
      index: 2,
      title: `${r.pilot} (2)`,
      originallyAvailableAt: addDays(r.first, 7),
    }),
    expected: 'conflict',
    expectedTop: top,
    truth: null,
  });
  cases.push({
    id: `${key(r)}/server-absent-id`,
    tags: ['show', 'new-agent', 'plex-server', 'absent-id', 'remake-absent'],
    note: `the Plex server names an id the catalogue lacks; ${note}`,
    metadata: episode(r, {
      index: 4,
      title: 'Whatever Comes',
      originallyAvailableAt: undefined,
      year: undefined,
    }),
    plexShow: { title: r.title, guids: [`tmdb://${r.tmdb}`] },
    expected: 'conflict',
    expectedTop: top,
    truth: null,
  });
  cases.push({
    id: `${key(r)}/title-pilot`,
    tags: ['show', 'new-agent', 'title', 'remake-absent', 'episode-date'],
    note: `its own pilot, title and date; ${note}`,
    metadata: episode(r, {}),
    expected: 'conflict',
    expectedTop: top,
    truth: null,
  });
  cases.push({
    id: `${key(r)}/date-only`,
    tags: ['show', 'new-agent', 'title', 'remake-absent', 'episode-date'],
    note: `its own S01E01 date, no title; ${note}`,
    metadata: episode(r, { title: undefined }),
    expected: 'conflict',
    expectedTop: top,
    truth: null,
  });
  // A remake whose pilot has the same title, or Plex's placeholder, and no date: nothing in the
  // scrobble tells them apart, so there is no case to label.
  if (r.pilot !== c.pilot && !/^Episode \d+$/.test(r.pilot))
    cases.push({
      id: `${key(r)}/title-only-episode`,
      tags: ['show', 'new-agent', 'title', 'remake-absent', 'episode-title'],
      note: `its own S01E01 title, no date; ${note}`,
      metadata: episode(r, { originallyAvailableAt: undefined, year: undefined, title: r.pilot }),
      expected: 'conflict',
      expectedTop: top,
      truth: null,
    });
}

for (const pair of PAIRS) {
  catalogued(pair.catalogued, true);
  absent(pair.absent, pair.catalogued);
}
for (const s of UNIQUE) catalogued(s, true);

function movie(m: M, over: Record<string, unknown>): Record<string, unknown> {
  seq++;
  return {
    ratingKey: String(700_000 + seq),
    type: 'movie',
    librarySectionType: 'movie',
    guid: `plex://movie/${seq.toString(16).padStart(24, 'e')}`,
    title: m.title,
    year: m.year,
    Guid: [],
    ...over,
  };
}
for (const { catalogued: c, absent: a } of MOVIE_PAIRS) {
  const truth = `movie:${c.key}`;
  cases.push({
    id: `${c.key}/ids`,
    tags: ['movie', 'new-agent', 'id'],
    note: 'its own ids',
    metadata: movie(c, { Guid: [{ id: `imdb://${c.imdb}` }, { id: `tmdb://${c.tmdb}` }] }),
    expected: truth,
    truth,
  });
  cases.push({
    id: `${c.key}/title-year`,
    tags: ['movie', 'title'],
    note: 'title and year, no ids',
    metadata: movie(c, {}),
    expected: truth,
    truth,
  });
  cases.push({
    id: `${c.key}/title-year-one-off`,
    tags: ['movie', 'title'],
    note: 'year one off (festival vs release)',
    metadata: movie(c, { year: c.year + 1 }),
    expected: truth,
    truth,
  });
  cases.push({
    id: `${a.key}/absent-ids`,
    tags: ['movie', 'new-agent', 'absent-id', 'remake-absent'],
    note: 'the remake, by its own ids, which the catalogue lacks',
    metadata: movie(a, { Guid: [{ id: `imdb://${a.imdb}` }, { id: `tmdb://${a.tmdb}` }] }),
    expected: 'conflict',
    expectedTop: null,
    truth: null,
  });
  cases.push({
    id: `${a.key}/absent-legacy`,
    tags: ['movie', 'legacy-agent', 'absent-id', 'remake-absent'],
    note: 'the remake, legacy themoviedb agent',
    metadata: movie(a, { guid: `com.plexapp.agents.themoviedb://${a.tmdb}?lang=en`, year: undefined }),
    expected: 'conflict',
    expectedTop: null,
    truth: null,
  });
  cases.push({
    id: `${a.key}/absent-title-year`,
    tags: ['movie', 'title', 'remake-absent'],
    note: 'the remake by title and year',
    metadata: movie(a, {}),
    expected: 'conflict',
    expectedTop: null,
    truth: null,
  });
}

const showsOut = [...PAIRS.map((p) => p.catalogued), ...UNIQUE].map((s) => ({
  key: key(s),
  title: s.title,
  originalTitle: null,
  firstAired: s.first,
  lastAired: s.last,
  tmdbId: s.tmdb,
  tvdbId: s.tvdb,
  imdbId: s.imdb ?? null,
  seasons: Array.from({ length: s.seasons }, (_, i) => ({
    number: i + 1,
    episodes:
      i === 0
        ? [
            { number: 1, title: s.pilot, airDate: s.first },
            { number: 2, title: `${s.pilot} (2)`, airDate: addDays(s.first, 7) },
          ]
        : [{ number: 1, title: null, airDate: seasonStart(s, i + 1) }],
  })),
}));
const corpus = {
  description: 'plexhook HELD-OUT matching set: never tuned on. Generated by build-holdout.ts.',
  catalogue: {
    shows: showsOut,
    movies: MOVIE_PAIRS.map(({ catalogued: m }) => ({
      key: m.key,
      title: m.title,
      originalTitle: null,
      year: m.year,
      tmdbId: m.tmdb,
      imdbId: m.imdb,
    })),
  },
  cases: cases.map((c) => ({
    ...c,
    expected:
      c.expected === 'conflict' || c.expected.startsWith('movie:') || c.expected.startsWith('tvshow:')
        ? c.expected
        : `tvshow:${c.expected}`,
  })),
};
const out = join(__dirname, 'holdout.json');
writeFileSync(out, `${JSON.stringify(corpus, null, 1)}\n`);
console.log(`wrote ${out}: ${cases.length} cases, ${showsOut.length} shows, ${MOVIE_PAIRS.length} movies`);
