import { createTestDb, type TestDb } from '../../../test/helpers/db';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb('dbclient');
});
afterAll(() => t.drop());

test('the generated client reads and writes the mapped tables', async () => {
  const user = await t.db.user.create({ data: { name: 'alice' } });
  const show = await t.db.tvShow.create({
    data: {
      title: 'iCarly',
      normalizedTitle: 'icarly',
      tmdbId: 119243,
      showStartDate: new Date('2021-06-17'),
    },
  });
  const mapping = await t.db.plexShowMapping.create({
    data: {
      userId: user.id,
      plexRatingKey: '12345',
      plexTitle: 'iCarly',
      tvshowId: show.id,
      matchMethod: 'manual',
      matchConfidence: 1,
    },
  });
  expect(mapping.matchMethod).toBe('manual');
  const rows = await t.db.$queryRaw<
    { match_method: string }[]
  >`SELECT match_method::text FROM plex_show_mappings`;
  expect(rows).toEqual([{ match_method: 'manual' }]);
});

test('enum columns reject values the code does not know (no drifting CHECK constraints)', async () => {
  await expect(
    t.db.$executeRawUnsafe(
      `INSERT INTO plex_conflicts (user_id, plex_rating_key, plex_title, conflict_type, resolution_action, updated_at)
       VALUES (1, 'k', 't', 'no_match', 'selected', now())`,
    ),
  ).rejects.toThrow(/invalid input value for enum/);
});

test('at most one unresolved conflict per (user, rating key)', async () => {
  const user = await t.db.user.create({ data: { name: 'bob' } });
  const base = {
    userId: user.id,
    plexRatingKey: '777',
    plexTitle: 'Bluey',
    conflictType: 'no_match' as const,
  };
  const first = await t.db.plexConflict.create({ data: base });
  await expect(t.db.plexConflict.create({ data: base })).rejects.toMatchObject({ code: 'P2002' });
  await t.db.plexConflict.update({ where: { id: first.id }, data: { resolved: true } });
  await expect(t.db.plexConflict.create({ data: base })).resolves.toMatchObject({ resolved: false });
});
