import { createTestDb, type TestDb } from '../../../../test/helpers/db';
import { seedShow } from '../../../../test/helpers/factories';
import { createPrismaClient } from '../client';
import { type ExportRow, streamUserExport } from './export';

let t: TestDb;
let userId: number;
let showId: number;
let movieId: number;

beforeAll(async () => {
  t = await createTestDb('exportrepo');
  userId = (await t.db.user.create({ data: { name: 'alice' } })).id;
  const show = await seedShow(t.db, { episodes: [[1, 1, 'Pilot']] });
  showId = show.id;
  const episodeId = (await t.db.episode.findFirstOrThrow({ where: { tvshowId: show.id } })).id;
  movieId = (await t.db.movie.create({ data: { title: 'Heat', normalizedTitle: 'heat', year: 1995 } })).id;
  // Seven watches, two at the same instant (episode before movie there).
  const at = (minute: number) => new Date(Date.UTC(2024, 0, 1, 0, minute));
  await t.db.episodeWatch.createMany({
    data: [0, 2, 4, 6].map((m) => ({ userId, episodeId, watchedAt: at(m) })),
  });
  await t.db.movieWatch.createMany({ data: [1, 4, 5].map((m) => ({ userId, movieId, watchedAt: at(m) })) });
});
afterAll(() => t.drop());

async function all(batchSize: number): Promise<ExportRow[]> {
  const rows: ExportRow[] = [];
  for await (const row of streamUserExport(t.db, userId, { batchSize })) rows.push(row);
  return rows;
}

test.each([1, 3, 7, 100])('batches of %i give every row once, oldest first', async (batchSize) => {
  const rows = await all(batchSize);
  expect(rows.map((r) => `${r.watchedAt.slice(14, 16)} ${r.kind}`)).toEqual([
    '00 episode',
    '01 movie',
    '02 episode',
    '04 episode',
    '04 movie',
    '05 movie',
    '06 episode',
  ]);
  expect(rows.every((r) => r.rating === null)).toBe(true);
});

test('a consumer that stops early gives its connection back (a pool of one can export again)', async () => {
  const db = createPrismaClient(t.url, { poolMax: 1, connectionTimeoutMillis: 2_000 });
  try {
    for (let i = 0; i < 3; i++) {
      for await (const row of streamUserExport(db, userId, { batchSize: 2 })) {
        expect(row.kind).toBe('episode');
        break;
      }
    }
    let n = 0;
    for await (const _ of streamUserExport(db, userId, { batchSize: 2 })) n++;
    expect(n).toBe(7);
  } finally {
    await db.$disconnect();
  }
});

test('a transaction client is refused (the cursor needs a connection of its own)', async () => {
  await expect(
    t.db.$transaction(async (tx) => {
      for await (const _ of streamUserExport(tx, userId)) break;
    }),
  ).rejects.toThrow(/needs a client made by createPrismaClient/);
});

test('each watch carries the current rating of its episode or movie, resolved through the mappings', async () => {
  const mapping = { userId, plexTitle: 'x', matchMethod: 'manual' as const, matchConfidence: 1 };
  await t.db.plexShowMapping.create({ data: { ...mapping, plexRatingKey: 's1', tvshowId: showId } });
  await t.db.plexMovieMapping.create({ data: { ...mapping, plexRatingKey: 'm1', movieId } });
  const at = (day: number) => new Date(Date.UTC(2024, 1, day));
  await t.db.rating.createMany({
    data: [
      // The episode, rated on Plex.
      {
        userId,
        mediaType: 'episode',
        itemKey: 'e1',
        showKey: 's1',
        season: 1,
        episode: 1,
        rating: 7,
        ratedAt: at(1),
      },
      // Newer, on Jellyfin, whose own mapping of the show is missing: unresolved, so it cannot count.
      {
        userId,
        source: 'jellyfin',
        serverId: 'j',
        mediaType: 'episode',
        itemKey: 'e1',
        showKey: 's1',
        season: 1,
        episode: 1,
        rating: 2,
        ratedAt: at(3),
      },
      // A show rated as a whole is not its episodes' rating.
      { userId, mediaType: 'show', itemKey: 's1', showKey: 's1', rating: 3, ratedAt: at(4) },
      // The movie: rated, then cleared on another server (null: no current rating there).
      { userId, mediaType: 'movie', itemKey: 'm1', rating: 9, ratedAt: at(1) },
      {
        userId,
        source: 'emby',
        serverId: 'e',
        mediaType: 'movie',
        itemKey: 'm1',
        rating: null,
        ratedAt: at(5),
      },
    ],
  });
  try {
    const rows = await all(3);
    expect(rows).toHaveLength(7);
    expect(new Set(rows.filter((r) => r.kind === 'episode').map((r) => r.rating))).toEqual(new Set([7]));
    expect(new Set(rows.filter((r) => r.kind === 'movie').map((r) => r.rating))).toEqual(new Set([9]));
  } finally {
    await t.db.rating.deleteMany({ where: { userId } });
    await t.db.plexShowMapping.deleteMany({ where: { userId } });
    await t.db.plexMovieMapping.deleteMany({ where: { userId } });
  }
});
