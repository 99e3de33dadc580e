import { createTestDb, type TestDb } from '../../../test/helpers/db';
import { createPrismaClient, Prisma, preparedQuery } from './index';

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

test('preparedQuery runs a named statement on the pool: parsed once per connection, pg-typed rows', async () => {
  // One connection, so the session that prepared the statement is the one asked about it.
  const db = createPrismaClient(t.url, { poolMax: 1 });
  try {
    const user = await db.user.create({ data: { name: 'carol' } });
    const sql = (id: number) =>
      Prisma.sql`SELECT id, name, created_at, ARRAY['a', 'b']::text[] AS tags FROM users WHERE id = ${id}::int`;
    for (let i = 0; i < 3; i++) {
      const rows = await preparedQuery<{ id: number; name: string; created_at: Date; tags: string[] }>(
        db,
        sql(user.id),
      );
      expect(rows).toEqual([{ id: user.id, name: 'carol', created_at: user.createdAt, tags: ['a', 'b'] }]);
    }
    const prepared = await db.$queryRaw<{ name: string; statement: string }[]>`
      SELECT name, statement FROM pg_prepared_statements ORDER BY statement`;
    expect(prepared).toEqual([
      { name: expect.stringMatching(/^plexhook_[0-9a-f]{16}$/), statement: sql(0).text },
    ]);
  } finally {
    await db.$disconnect();
  }
});

test('preparedQuery inside a transaction runs on the transaction', async () => {
  const user = await t.db.user.create({ data: { name: 'dave' } });
  await expect(
    t.db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { name: 'dave2' } });
      const rows = await preparedQuery<{ name: string }>(
        tx,
        Prisma.sql`SELECT name FROM users WHERE id = ${user.id}::int`,
      );
      expect(rows).toEqual([{ name: 'dave2' }]);
      throw new Error('roll back');
    }),
  ).rejects.toThrow('roll back');
  expect((await t.db.user.findUniqueOrThrow({ where: { id: user.id } })).name).toBe('dave');
});

test('webhook log rows keep a typical payload inline (toast_tuple_target)', async () => {
  // The table is partitioned by month: a partitioned table holds no rows and takes no storage
  // parameters, so every partition (the months and DEFAULT) carries it.
  const rows = await t.db.$queryRaw<{ relname: string; reloptions: string[] | null }[]>`
    SELECT c.relname, c.reloptions FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'plex_webhook_logs'::regclass`;
  expect(rows.map((r) => r.relname)).toContain('plex_webhook_logs_default');
  for (const row of rows) expect(row.reloptions).toContain('toast_tuple_target=4096');
});
