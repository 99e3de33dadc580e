// The two-step candidate search (M2): a fast `contenders` search at the threshold proven for the
// title, then the full list (0.3) only for a conflict. Against the real PostgreSQL and pg_trgm.
import {
  AUTO_MATCH_MIN_TITLE_SCORE,
  bestTitlePair,
  movieQueryFromMetadata,
  normalizeTitle,
  type ShowQuery,
  showQueryFromMetadata,
} from '@plexhook/core';
import {
  bestTitleHits,
  createPrismaClient,
  createUserWithSecret,
  createWorkerStore,
  type Db,
  findTitleCandidates,
  PLEX_SCOPE,
  searchedTitles,
} from '@plexhook/db';
import pino from 'pino';
import { createTestDb, type TestDb } from '../../../../test/helpers/db';
import { seedShow } from '../../../../test/helpers/factories';
import { buildPlexPayload } from '../../../../test/helpers/plex-payload';
import { WorkerConfigSchema } from '../config';
import type { WorkerDeps } from '../deps';
import { MOVIE, SHOW, type Subject } from './media-kinds';
import { resolveMedia } from './resolve';

let t: TestDb;
let deps: WorkerDeps;
let userId: number;

beforeAll(async () => {
  t = await createTestDb('titlecandidates');
  deps = {
    db: t.db,
    store: createWorkerStore(t.db),
    // Matching never touches Redis.
    redis: undefined as unknown as WorkerDeps['redis'],
    logger: pino({ level: 'silent' }),
    config: WorkerConfigSchema.parse({}),
  };
  userId = (await createUserWithSecret(t.db, 'alice')).id;
  for (const title of [
    'Star Trek: The Next Generation',
    'Star Trek: Deep Space Nine',
    'Star Trek: Voyager',
    'Kingdom Hospital',
  ]) {
    await seedShow(t.db, { title });
  }
  await seedShow(t.db, { title: 'Kingdom', firstAired: '2014-10-08', lastAired: '2017-08-02' });
  await seedShow(t.db, { title: 'Kingdom', firstAired: '2019-01-25', lastAired: null });
  await seedShow(t.db, { title: 'Breaking Bad', firstAired: '2008-01-20', lastAired: '2013-09-29' });
  // Titles of common words around a name: what made the 0.3 search slow.
  for (let i = 0; i < 60; i++) await seedShow(t.db, { title: `Breakdown ${i} and Badlands`, episodes: [] });
  for (const [title, year] of [
    ['Dune', 2021],
    ['Dune: Part Two', 2024],
  ] as const) {
    await t.db.movie.create({ data: { title, normalizedTitle: normalizeTitle(title), year } });
  }
});
afterAll(async () => {
  await t.drop();
});

const showQuery = (grandparentTitle: string, aired = '2015-03-01'): ShowQuery =>
  showQueryFromMetadata(
    buildPlexPayload({
      Metadata: {
        grandparentTitle,
        // The catalogue's own S01E01 (seedShow's default): another title there would veto a match.
        title: 'Pilot',
        year: Number(aired.slice(0, 4)),
        originallyAvailableAt: aired,
        Guid: [],
      },
    }).Metadata!,
  );

let nextKey = 1;
const settings = { threshold: 0.85, autoResolve: false };
const ref = (title: string): Subject => ({
  scope: PLEX_SCOPE,
  key: `key-${nextKey++}`,
  guid: undefined,
  title,
  year: undefined,
  label: title,
});
const resolveShow = (subject: Subject, query: ShowQuery) =>
  resolveMedia(deps, SHOW, userId, subject, { ids: {}, query }, settings);

test.each([
  'Star Trek',
  'Kingdom',
  'Breking Bad',
  'Breaking Bad and Badlands',
  'Star Trek Voyagr',
  'Zorblax',
])(
  '%s: the contenders are the head of the full list and hold every title that could be matched',
  async (title) => {
    const query = showQuery(title);
    const contenders = await findTitleCandidates(t.db, 'show', query, 'contenders');
    const full = await findTitleCandidates(t.db, 'show', query, 'full');
    const ids = (l: { id: number }[]) => l.map((c) => c.id);
    expect(ids(full.candidates).slice(0, contenders.candidates.length)).toEqual(ids(contenders.candidates));
    for (const c of full.candidates) {
      const score = Math.round(bestTitlePair([query.title], [c.title, c.originalTitle]).score * 1000) / 1000;
      if (score >= AUTO_MATCH_MIN_TITLE_SCORE) expect(ids(contenders.candidates)).toContain(c.id);
    }
    expect(full.complete).toBe(true);
    expect(contenders.complete).toBe(
      contenders.candidates.length === full.candidates.length && contenders.candidates.length === 20,
    );
  },
);

test('the threshold holds for the statement only, and only when PostgreSQL counts the same trigrams', async () => {
  // One connection, so the SHOW reads the session the searches ran on.
  const db: Db = createPrismaClient(t.url, { poolMax: 1 });
  try {
    const search = searchedTitles('Breaking Bad and Badlands', undefined)!;
    expect(search.threshold).toBeGreaterThan(0.3);
    const used = async (s: typeof search) =>
      (
        await db.$queryRaw<{ threshold: string }[]>`${bestTitleHits('tvshows', s)}
        SELECT (SELECT threshold FROM q) AS threshold`
      )[0]!.threshold;
    expect(Number(await used(search))).toBe(search.threshold);
    // A count PostgreSQL does not confirm (another ctype, a hashed multibyte trigram): 0.3.
    const miscounted = {
      ...search,
      trigrams: { ...search.trigrams, normalized: search.trigrams.normalized + 1 },
    };
    expect(Number(await used(miscounted))).toBe(0.3);
    const [after] = await db.$queryRaw<
      { v: string }[]
    >`SELECT current_setting('pg_trgm.similarity_threshold') AS v`;
    expect(after!.v).toBe('0.3');
  } finally {
    await db.$disconnect();
  }
});

test('a title that is only similar: a conflict listing the full list, as before', async () => {
  const r = await resolveShow(ref('Star Trek'), showQuery('Star Trek'));
  expect(r.kind).toBe('conflict');
  const conflict = await t.db.plexConflict.findUniqueOrThrow({
    where: { id: (r as { conflictId: number }).conflictId },
  });
  expect(conflict.conflictType).toBe('low_confidence');
  const listed = (conflict.potentialMatches as { title: string }[]).map((c) => c.title).sort();
  // Trigram similarity 0.34-0.37: below the contenders' threshold, in the full list.
  expect(listed).toEqual([
    'Star Trek: Deep Space Nine',
    'Star Trek: The Next Generation',
    'Star Trek: Voyager',
  ]);
});

test('two shows of the same title: multiple_matches, weaker titles still listed after them', async () => {
  const r = await resolveShow(ref('Kingdom'), showQuery('Kingdom'));
  expect(r.kind).toBe('conflict');
  const conflict = await t.db.plexConflict.findUniqueOrThrow({
    where: { id: (r as { conflictId: number }).conflictId },
  });
  expect(conflict.conflictType).toBe('multiple_matches');
  expect((conflict.potentialMatches as { title: string }[]).map((c) => c.title)).toEqual([
    'Kingdom',
    'Kingdom',
    'Kingdom Hospital',
  ]);
});

test('a misspelt title close enough to match is still matched', async () => {
  const r = await resolveShow(ref('Breking Bad'), showQuery('Breking Bad (2008)', '2010-03-07'));
  expect(r).toMatchObject({ kind: 'mapped', mapping: { matchMethod: 'title_year' } });
  const show = await t.db.tvShow.findUniqueOrThrow({
    where: { id: (r as { mapping: { targetId: number } }).mapping.targetId },
  });
  expect(show.title).toBe('Breaking Bad');
});

test('movies: a conflict lists the full list too', async () => {
  const query = movieQueryFromMetadata(
    buildPlexPayload({ Metadata: { type: 'movie', title: 'Dun', Guid: [] } }).Metadata!,
  );
  const r = await resolveMedia(deps, MOVIE, userId, ref('Dun'), { ids: {}, query }, settings);
  expect(r.kind).toBe('conflict');
  const conflict = await t.db.plexConflict.findUniqueOrThrow({
    where: { id: (r as { conflictId: number }).conflictId },
  });
  expect(conflict).toMatchObject({ mediaType: 'movie', conflictType: 'low_confidence' });
  expect((conflict.potentialMatches as { title: string }[]).map((c) => c.title)).toEqual(['Dune']);
});
