import { createTestDb, type TestDb } from '../../../../test/helpers/db';
import { seedShow } from '../../../../test/helpers/factories';
import { Prisma } from '../generated/client';
import {
  type ContextKeys,
  contextBatchSql,
  contextSql,
  createEventContextReader,
  type EventContext,
} from './event-context';
import { createUserWithSecret } from './users';

let t: TestDb;
let alice: number;
let bob: number; // a user without plex_config

// The keys the worker reads a scrobble's context by (its contextKeys, from the watch event).
type Keys = Omit<ContextKeys, 'jobId' | 'userId'>;
const PLEX = { source: 'plex' as const, serverId: '' };
const episode = (showKey: string, season: number, index: number): Keys => ({
  ...PLEX,
  mediaType: 'show',
  key: showKey,
  episodeAt: { season, number: index },
});
const movie = (ratingKey: string): Keys => ({ ...PLEX, mediaType: 'movie', key: ratingKey, episodeAt: null });
// The same keys on a Jellyfin server: mappings are per (user, source, server, key).
const on = (serverId: string, keys: Keys): Keys => ({ ...keys, source: 'jellyfin', serverId });

beforeAll(async () => {
  t = await createTestDb('eventctx');
  alice = (await createUserWithSecret(t.db, 'alice')).id;
  bob = (await t.db.user.create({ data: { name: 'bob' } })).id;
  const show = await seedShow(t.db, {
    episodes: [
      [1, 1, 'Pilot'],
      [1, 2, 'Second'],
    ],
  });
  const heat = await t.db.movie.create({ data: { title: 'Heat', normalizedTitle: 'heat', year: 1995 } });
  const mapping = { plexTitle: 'x', matchMethod: 'manual' as const, matchConfidence: 1 };
  await t.db.plexShowMapping.create({
    data: { ...mapping, userId: alice, plexRatingKey: '500', tvshowId: show.id },
  });
  await t.db.plexShowMapping.create({
    data: { ...mapping, userId: alice, plexRatingKey: '501', tvshowId: null, syncEnabled: false },
  });
  await t.db.plexMovieMapping.create({
    data: { ...mapping, userId: alice, plexRatingKey: '700', movieId: heat.id },
  });
  // Jellyfin's server srv-a: its series 'jf-series' maps to the show; its movie key '700' to nothing.
  await t.db.plexShowMapping.create({
    data: {
      ...mapping,
      userId: alice,
      source: 'jellyfin',
      serverId: 'srv-a',
      plexRatingKey: 'jf-series',
      tvshowId: show.id,
    },
  });
  await t.db.plexWebhookLog.create({
    data: {
      jobId: 'done-1',
      userId: alice,
      status: 'success',
      actionTaken: 'episode_marked',
      receivedAt: new Date(),
    },
  });
});
afterAll(() => t.drop());

// A function: the users exist only once beforeAll has run.
const cases = (): [string, number, Keys][] => [
  ['mapped episode', alice, episode('500', 1, 2)],
  ['episode not in the catalogue', alice, episode('500', 9, 9)],
  ['ignored show', alice, episode('501', 1, 1)],
  ['unmapped show', alice, episode('502', 1, 1)],
  ['mapped movie', alice, movie('700')],
  ['user without config', bob, episode('500', 1, 1)],
  ['a job logged before', alice, episode('500', 1, 1)],
  ['season out of int range', alice, episode('500', 1e12, 1)],
  ['jellyfin series on its server', alice, on('srv-a', episode('jf-series', 1, 2))],
  ['jellyfin series on another server', alice, on('srv-b', episode('jf-series', 1, 2))],
  ['a plex key under a jellyfin server', alice, on('srv-a', episode('500', 1, 2))],
  ['a plex movie key under a jellyfin server', alice, on('srv-a', movie('700'))],
];
const jobId = (name: string) => (name === 'a job logged before' ? 'done-1' : `job-${name}`);

test('batched context reads give each event exactly what it reads alone', async () => {
  const reader = createEventContextReader(t.db);
  const read = (name: string, userId: number, keys: Keys) =>
    reader.read({ jobId: jobId(name), userId, ...keys });
  // Alone: one awaited read at a time never shares a statement.
  const alone: EventContext[] = [];
  for (const [name, user, keys] of cases()) alone.push(await read(name, user, keys));

  const before = { ...reader.stats };
  const together = await Promise.all(cases().map(([name, user, keys]) => read(name, user, keys)));
  // At most the first read went out alone; the rest waited for it and shared one statement.
  expect(reader.stats.requests - before.requests).toBe(cases().length);
  expect(reader.stats.statements - before.statements).toBeLessThanOrEqual(2);
  expect(together).toEqual(alone);

  // And what they read is right.
  const byName = Object.fromEntries(cases().map(([name], i) => [name, together[i]!]));
  expect(byName['mapped episode']).toMatchObject({
    done: null,
    config: { enabled: true },
    episodeId: expect.any(Number),
  });
  expect(byName['episode not in the catalogue']).toMatchObject({
    mapping: { syncEnabled: true },
    episodeId: null,
  });
  expect(byName['ignored show']).toMatchObject({ mapping: { targetId: null, syncEnabled: false } });
  expect(byName['unmapped show']).toMatchObject({ mapping: null, config: { enabled: true } });
  expect(byName['mapped movie']).toMatchObject({
    mapping: { targetId: expect.any(Number), syncEnabled: true },
  });
  expect(byName['user without config']).toMatchObject({ config: null, mapping: null });
  expect(byName['a job logged before']).toMatchObject({
    done: { status: 'success', actionTaken: 'episode_marked' },
  });
  expect(byName['season out of int range']).toMatchObject({ keys: { episodeAt: null }, episodeId: null });
  expect(byName['jellyfin series on its server']).toMatchObject({
    mapping: { targetId: expect.any(Number), syncEnabled: true },
    episodeId: expect.any(Number),
  });
  expect(byName['jellyfin series on another server']).toMatchObject({ mapping: null, episodeId: null });
  expect(byName['a plex key under a jellyfin server']).toMatchObject({ mapping: null, episodeId: null });
  expect(byName['a plex movie key under a jellyfin server']).toMatchObject({ mapping: null });
});

// The hot path's mapping probes name all four columns of the unique index (user_id, source,
// server_id, plex_rating_key): the plan probes that index with every one of them in its Index
// Cond, in the single and the batch form. Planned on tables of a realistic size (on a few rows
// the planner may probe by user_id alone and filter the rest, which says nothing about a real
// table).
let seeded = false;
/** 20,000 mappings of each kind for alice across three Jellyfin servers, then ANALYZE. */
async function manyMappings() {
  if (seeded) return;
  seeded = true;
  for (const table of ['plex_show_mappings', 'plex_movie_mappings']) {
    await t.db.$executeRawUnsafe(`
      INSERT INTO ${table} (user_id, source, server_id, plex_rating_key, plex_title, match_method,
                            match_confidence, sync_enabled, updated_at)
      SELECT ${alice}, 'jellyfin', 'srv-' || (n % 3), 'k' || n, 'x', 'manual', 1, true, now()
        FROM generate_series(1, 20000) AS n`);
    await t.db.$executeRawUnsafe(`ANALYZE ${table}`);
  }
}
const SHOW_INDEX = 'plex_show_mappings_user_id_source_server_id_plex_rating_key_key on plex_show_mappings';
const MOVIE_INDEX = 'plex_movie_mappings_user_id_source_server_id_plex_rating_ke_key on plex_movie_mappings';
const explain = async (sql: Prisma.Sql) => {
  const rows = await t.db.$queryRaw<{ 'QUERY PLAN': string }[]>(Prisma.sql`EXPLAIN ${sql}`);
  const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
  if (process.env.SHOW_PLAN) console.log(plan);
  return plan;
};
test.each([
  [
    'single, an episode',
    () => contextSql({ jobId: 'x', userId: alice, ...on('srv-a', episode('jf-series', 1, 2)) }),
    [SHOW_INDEX],
  ],
  [
    'single, a movie',
    () => contextSql({ jobId: 'x', userId: alice, ...on('srv-a', movie('700')) }),
    [MOVIE_INDEX],
  ],
  [
    'batch',
    () =>
      contextBatchSql([
        { jobId: 'x', userId: alice, ...on('srv-a', episode('jf-series', 1, 2)) },
        { jobId: 'y', userId: alice, ...movie('700') },
      ]),
    [SHOW_INDEX, MOVIE_INDEX],
  ],
])(
  '%s: the mapping probe uses the unique index by user, source, server and key',
  async (_form, sql, indexes) => {
    await manyMappings();
    const lines = (await explain(sql())).split('\n');
    for (const index of indexes) {
      const at = lines.findIndex((l) => l.includes(`using ${index}`));
      expect(at).toBeGreaterThanOrEqual(0);
      const cond = lines[at + 1] ?? '';
      expect(cond).toContain('Index Cond');
      for (const column of ['user_id', 'source', 'server_id', 'plex_rating_key']) {
        expect(cond).toMatch(new RegExp(`\\b${column} =`));
      }
    }
  },
);
