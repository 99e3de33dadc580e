import { createTestDb, type TestDb } from '../../../../test/helpers/db';
import { seedShow } from '../../../../test/helpers/factories';
import { PLEX_SCOPE, saveMatchedMapping } from './mappings';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb('mappings');
});
afterAll(() => t.drop());

test('workers mapping the same new show at once all get the one mapping, none an error', async () => {
  const userId = (await t.db.user.create({ data: { name: 'race' } })).id;
  const show = await seedShow(t.db, { episodes: [[1, 1, 'Pilot']] });
  const fields = {
    ...PLEX_SCOPE,
    userId,
    plexRatingKey: '4242',
    plexGuid: null,
    plexTitle: 'Race Show',
    plexYear: 2020,
    matchMethod: 'title_year' as const,
    matchConfidence: 0.95,
    syncEnabled: true,
  };
  // Prisma's upsert is a read then an insert: concurrent first saves race on the unique key.
  for (let round = 0; round < 5; round++) {
    const key = `race-${round}`;
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        saveMatchedMapping(t.db, 'show', { ...fields, plexRatingKey: key }, show.id),
      ),
    );
    expect(results.every((r) => r.targetId === show.id)).toBe(true);
    expect(await t.db.plexShowMapping.count({ where: { userId, plexRatingKey: key } })).toBe(1);
  }
});
