import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropDatabase, hashSecret, type Prisma } from '@plexhook/db';
import { Client } from 'pg';
import { runCli, webhookUrlIn } from '../../../test/helpers/dashboard';
import { createTestDb, type TestDb, withDatabase } from '../../../test/helpers/db';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { createTestQueue, TEST_REDIS_URL, type TestQueue } from '../../../test/helpers/redis';

// Every test spawns the CLI a few times (~1-2 s each on a busy machine).
jest.setTimeout(120_000);
const PUBLIC_URL = 'https://plex-hooks.example.test';

let t: TestDb;
let q: TestQueue;
let dir: string;

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('dashcli'), createTestQueue('dashcli')]);
  dir = await mkdtemp(join(tmpdir(), 'plexhook-cli-'));
});
afterAll(async () => {
  await Promise.all([t.drop(), q.cleanup(), rm(dir, { recursive: true, force: true })]);
});

const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, {
    DATABASE_URL: t.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: q.prefix,
    PUBLIC_WEBHOOK_URL: PUBLIC_URL,
    ...env,
  });
const urlIn = webhookUrlIn;

async function seedConflict(userId: number, tvshowIds: number[], heldAt = new Date()) {
  const ratingKey = `cli-${Math.random().toString(36).slice(2)}`;
  const conflict = await t.db.plexConflict.create({
    data: {
      userId,
      plexRatingKey: ratingKey,
      plexTitle: 'iCarly',
      conflictType: 'multiple_matches',
      potentialMatches: tvshowIds.map((id, i) => ({
        tvshowId: id,
        title: 'iCarly',
        year: i === 0 ? 2021 : 2007,
        confidence: 1 - i / 2,
      })) as Prisma.InputJsonValue,
    },
  });
  const log = await t.db.plexWebhookLog.create({
    data: {
      userId,
      plexRatingKey: ratingKey,
      payload: buildPlexPayload({ Metadata: { grandparentRatingKey: ratingKey } }) as Prisma.InputJsonValue,
      status: 'success',
      actionTaken: 'conflict_created',
      conflictId: conflict.id,
      receivedAt: heldAt,
    },
  });
  return { conflict, log };
}

test('demo:seed imports the demo catalogue and creates the demo user once', async () => {
  const first = await cli(['demo:seed']);
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(/shows\s+14 created, 0 updated, 0 unchanged/);
  const url = urlIn(first.stdout);
  expect(`${url.origin}${url.pathname}`).toBe(`${PUBLIC_URL}/api/plex/webhook`);
  const demo = await t.db.user.findFirstOrThrow({ where: { name: 'demo' }, include: { plexConfig: true } });
  expect(demo.plexConfig?.webhookSecretHash).toBe(hashSecret(url.searchParams.get('secret')!));
  expect(await t.db.tvShow.count({ where: { normalizedTitle: 'icarly' } })).toBe(2);

  const second = await cli(['demo:seed']);
  expect(second.code).toBe(0);
  expect(second.stdout).toMatch(/shows\s+0 created, 0 updated, 14 unchanged/);
  expect(second.stdout).toMatch(/movies\s+0 created, 0 updated, 6 unchanged/);
  expect(second.stdout).toContain(`exists (id ${demo.id})`);
  expect(second.stdout).toContain(`user:rotate-secret --user ${demo.id}`);
  expect(second.stdout).not.toMatch(/secret=/);
  expect(await t.db.user.count({ where: { name: 'demo' } })).toBe(1);
  const after = await t.db.plexConfig.findUniqueOrThrow({ where: { userId: demo.id } });
  expect(after.webhookSecretHash).toBe(demo.plexConfig?.webhookSecretHash);
});

test('user:create and user:rotate-secret', async () => {
  const created = await cli(['user:create', '--name', 'erin']);
  expect(created.code).toBe(0);
  const id = Number(/created user (\d+) "erin"/.exec(created.stdout)?.[1]);
  const oldSecret = urlIn(created.stdout).searchParams.get('secret')!;
  // All three servers' URLs, one secret (Plex's on the first line, the one scripts read).
  const urls = [...created.stdout.matchAll(/webhook URL[^:]*: (\S+)/g)].map((m) => new URL(m[1]!));
  expect(urls.map((u) => u.pathname)).toEqual([
    '/api/plex/webhook',
    '/api/jellyfin/webhook',
    '/api/emby/webhook',
  ]);
  expect(new Set(urls.map((u) => u.searchParams.get('secret')))).toEqual(new Set([oldSecret]));
  expect(await t.db.plexConfig.findUniqueOrThrow({ where: { userId: id } })).toMatchObject({
    webhookSecretHash: hashSecret(oldSecret),
  });

  const rotated = await cli(['user:rotate-secret', '--user', String(id)]);
  expect(rotated.code).toBe(0);
  const newSecret = urlIn(rotated.stdout).searchParams.get('secret')!;
  expect(newSecret).not.toBe(oldSecret);
  const row = await t.db.plexConfig.findUniqueOrThrow({ where: { userId: id } });
  expect(row.webhookSecretHash).toBe(hashSecret(newSecret));

  const missingName = await cli(['user:create']);
  expect(missingName.code).toBe(1);
  expect(missingName.stderr).toMatch(/--name/);
  const unknown = await cli(['user:rotate-secret', '--user', '999999']);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/user 999999 not found/);
});

test('catalog:import FILE, with clear errors', async () => {
  const file = join(dir, 'catalog.json');
  await writeFile(
    file,
    JSON.stringify({ shows: [{ title: 'CLI Show', firstAired: '2019-05-05', tmdbId: 920001 }] }),
  );
  const ok = await cli(['catalog:import', file]);
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/shows\s+1 created/);
  expect(await t.db.tvShow.findUnique({ where: { tmdbId: 920001 } })).toMatchObject({
    normalizedTitle: 'cli show',
  });

  const bad = join(dir, 'bad.json');
  await writeFile(bad, JSON.stringify({ shows: [{ title: 'X', firstAired: '2019-02-31' }] }));
  const invalid = await cli(['catalog:import', bad]);
  expect(invalid.code).toBe(1);
  expect(invalid.stderr).toMatch(/shows\.0\.firstAired/);
  const missing = await cli(['catalog:import', join(dir, 'nope.json')]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/cannot read/);
  const unknown = await cli(['catalog:bogus']);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/unknown command/);
});

describe('conflicts', () => {
  let userId: number;
  let shows: number[];
  beforeAll(async () => {
    userId = (await t.db.user.create({ data: { name: 'conflicted' } })).id;
    const a = await t.db.tvShow.create({
      data: { title: 'iCarly', normalizedTitle: 'icarly', tmdbId: 930001 },
    });
    const b = await t.db.tvShow.create({
      data: { title: 'iCarly', normalizedTitle: 'icarly', tmdbId: 930002 },
    });
    shows = [a.id, b.id];
  });

  test('conflicts:list shows open conflicts with their candidates', async () => {
    const { conflict } = await seedConflict(userId, shows);
    const run = await cli(['conflicts:list']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`#${conflict.id} user ${userId} "iCarly"`);
    expect(run.stdout).toContain('1 held scrobble(s), open');
    expect(run.stdout).toContain(`candidate show ${shows[0]}: iCarly (2021)`);
  });

  test('conflicts:resolve --select replays the held scrobble; a second resolve fails', async () => {
    const { conflict, log } = await seedConflict(userId, shows);
    const run = await cli(['conflicts:resolve', String(conflict.id), '--select', String(shows[0])]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/resolved \(user_selected\).*1 held scrobble\(s\) replayed/);
    const job = await q.queue.getJob(`replay-${log.id}`);
    expect(job?.data).toMatchObject({
      userId,
      replayOfLogId: log.id,
      receivedAt: log.receivedAt.toISOString(),
    });
    expect(await t.db.plexWebhookLog.findFirstOrThrow({ where: { id: log.id } })).toMatchObject({
      actionTaken: 'replayed',
    });
    expect(
      await t.db.plexShowMapping.findUniqueOrThrow({
        where: {
          userId_source_serverId_plexRatingKey: {
            userId,
            source: 'plex',
            serverId: '',
            plexRatingKey: conflict.plexRatingKey,
          },
        },
      }),
    ).toMatchObject({ tvshowId: shows[0], matchMethod: 'manual' });

    const again = await cli(['conflicts:resolve', String(conflict.id), '--ignore']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already resolved/);
  });

  test('conflicts:resolve --create-new and --ignore', async () => {
    const created = await seedConflict(userId, shows);
    const run = await cli([
      'conflicts:resolve',
      String(created.conflict.id),
      '--create-new',
      '--title',
      'iCarly (Home Edition)',
      '--first-aired',
      '2022-01-02',
      '--tmdb-id',
      '930003',
    ]);
    expect(run.code).toBe(0);
    const show = await t.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 930003 } });
    expect(show).toMatchObject({ title: 'iCarly (Home Edition)', normalizedTitle: 'icarly home edition' });
    expect(await t.db.plexConflict.findUniqueOrThrow({ where: { id: created.conflict.id } })).toMatchObject({
      resolutionAction: 'user_created_new',
      resolvedTvshowId: show.id,
    });

    const ignored = await seedConflict(userId, shows);
    const run2 = await cli(['conflicts:resolve', String(ignored.conflict.id), '--ignore']);
    expect(run2.code).toBe(0);
    expect(await t.db.plexWebhookLog.findFirstOrThrow({ where: { id: ignored.log.id } })).toMatchObject({
      actionTaken: 'ignored_show',
    });
    expect(await q.queue.getJob(`replay-${ignored.log.id}`)).toBeUndefined();
  });

  describe('movie conflicts', () => {
    let movies: number[];
    beforeAll(async () => {
      const a = await t.db.movie.create({
        data: { title: 'The Thing', normalizedTitle: 'thing', year: 1982, tmdbId: 931091 },
      });
      const b = await t.db.movie.create({
        data: { title: 'The Thing', normalizedTitle: 'thing', year: 2011, tmdbId: 960935 },
      });
      movies = [a.id, b.id];
    });

    async function seedMovieConflict() {
      const ratingKey = `cli-movie-${Math.random().toString(36).slice(2)}`;
      const conflict = await t.db.plexConflict.create({
        data: {
          userId,
          plexRatingKey: ratingKey,
          plexTitle: 'The Thing',
          mediaType: 'movie',
          conflictType: 'multiple_matches',
          potentialMatches: movies.map((id, i) => ({
            movieId: id,
            title: 'The Thing',
            year: i === 0 ? 1982 : 2011,
            confidence: 0.9,
          })) as Prisma.InputJsonValue,
        },
      });
      const log = await t.db.plexWebhookLog.create({
        data: {
          userId,
          plexRatingKey: ratingKey,
          payload: buildPlexPayload({
            Metadata: { ratingKey, type: 'movie', librarySectionType: 'movie', title: 'The Thing' },
          }) as Prisma.InputJsonValue,
          status: 'success',
          actionTaken: 'conflict_created',
          conflictId: conflict.id,
          receivedAt: new Date(),
        },
      });
      return { conflict, log };
    }

    test('conflicts:list names movie candidates; --select-movie resolves and replays', async () => {
      const { conflict, log } = await seedMovieConflict();
      const list = await cli(['conflicts:list']);
      expect(list.code).toBe(0);
      expect(list.stdout).toContain(`#${conflict.id} user ${userId} movie "The Thing"`);
      expect(list.stdout).toContain(`candidate movie ${movies[1]}: The Thing (2011)`);

      // --select takes a show id: on a movie conflict it is refused, naming the right option.
      const wrong = await cli(['conflicts:resolve', String(conflict.id), '--select', String(movies[1])]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/is about a movie.*--select-movie MOVIE_ID/);
      expect((await t.db.plexConflict.findUniqueOrThrow({ where: { id: conflict.id } })).resolved).toBe(
        false,
      );

      const run = await cli(['conflicts:resolve', String(conflict.id), '--select-movie', String(movies[1])]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /resolved \(user_selected\): movie mapping \d+ -> movie \d+; 1 held scrobble\(s\) replayed/,
      );
      expect(await t.db.plexConflict.findUniqueOrThrow({ where: { id: conflict.id } })).toMatchObject({
        resolvedMovieId: movies[1],
        resolvedTvshowId: null,
      });
      expect(
        await t.db.plexMovieMapping.findUniqueOrThrow({
          where: {
            userId_source_serverId_plexRatingKey: {
              userId,
              source: 'plex',
              serverId: '',
              plexRatingKey: conflict.plexRatingKey,
            },
          },
        }),
      ).toMatchObject({ movieId: movies[1], matchMethod: 'manual', matchConfidence: 1 });
      expect((await q.queue.getJob(`replay-${log.id}`))?.data).toMatchObject({ replayOfLogId: log.id });
    });

    test('--create-new --title --year creates the movie; --select-movie on a show conflict fails', async () => {
      const { conflict } = await seedMovieConflict();
      const run = await cli([
        'conflicts:resolve',
        String(conflict.id),
        '--create-new',
        '--title',
        'The Thing (Prequel Cut)',
        '--year',
        '2011',
        '--tmdb-id',
        '960936',
      ]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const movie = await t.db.movie.findUniqueOrThrow({ where: { tmdbId: 960936 } });
      expect(movie).toMatchObject({ title: 'The Thing (Prequel Cut)', year: 2011 });
      expect(run.stdout).toContain(`-> movie ${movie.id}`);

      const show = await seedConflict(userId, shows);
      const wrong = await cli([
        'conflicts:resolve',
        String(show.conflict.id),
        '--select-movie',
        String(movies[0]),
      ]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/is about a show.*--select TVSHOW_ID/);
      const mixed = await cli([
        'conflicts:resolve',
        String(show.conflict.id),
        '--create-new',
        '--title',
        'X',
        '--year',
        '2000',
        '--first-aired',
        '2000-01-01',
      ]);
      expect(mixed.code).toBe(1);
      expect(mixed.stderr).toMatch(/--year is for a new movie/);
    });
  });

  test.each([
    [['conflicts:resolve', '1'], /exactly one of/],
    [['conflicts:resolve', '1', '--ignore', '--select', '2'], /exactly one of/],
    [['conflicts:resolve', '1', '--select', '2', '--select-movie', '3'], /exactly one of/],
    [['conflicts:resolve', '1', '--select-movie', 'x'], /--select-movie must be a positive integer/],
    [['conflicts:resolve', '1', '--create-new', '--title', 'X'], /--first-aired/],
    [['conflicts:resolve', 'abc', '--ignore'], /conflict ID must be a positive integer/],
    [['conflicts:resolve', '999999', '--ignore'], /conflict 999999 not found/],
    // Past PostgreSQL's int4: refused before any query (the database would answer with an error).
    [
      ['conflicts:resolve', '2147483648', '--ignore'],
      /conflict ID must be a positive integer \(at most 2147483647\)/,
    ],
    [
      ['conflicts:resolve', '1', '--select', '99999999999'],
      /--select must be a positive integer \(at most 2147483647\)/,
    ],
    [
      [
        'conflicts:resolve',
        '1',
        '--create-new',
        '--title',
        'X',
        '--first-aired',
        '2000-01-01',
        '--tmdb-id',
        '2147483648',
      ],
      /--tmdb-id must be a positive integer \(at most 2147483647\)/,
    ],
    [['logs:prune', '--days', '1e9'], /--days N \(0 <= N <= 36500\)/],
    [['conflicts:resolve', '1', '--bogus'], /Unknown option/],
  ])('conflicts:resolve and logs:prune error %#', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
  });

  test('logs:prune deletes old rows but keeps scrobbles held on an open conflict', async () => {
    const old = new Date(Date.now() - 40 * 24 * 3600_000);
    const held = await seedConflict(userId, shows, old);
    const resolved = await seedConflict(userId, shows, old);
    await t.db.plexConflict.update({ where: { id: resolved.conflict.id }, data: { resolved: true } });
    const plainOld = await t.db.plexWebhookLog.create({
      data: { userId, status: 'success', actionTaken: 'episode_marked', receivedAt: old },
    });
    const recent = await t.db.plexWebhookLog.create({
      data: { userId, status: 'success', actionTaken: 'episode_marked', receivedAt: new Date() },
    });
    const run = await cli(['logs:prune', '--days', '30']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/deleted \d+ webhook log row/);
    const left = new Set(
      (await t.db.plexWebhookLog.findMany({ select: { id: true } })).map((r: { id: number }) => r.id),
    );
    expect(left.has(held.log.id)).toBe(true);
    expect(left.has(recent.id)).toBe(true);
    expect(left.has(resolved.log.id)).toBe(false);
    expect(left.has(plainOld.id)).toBe(false);

    const bad = await cli(['logs:prune']);
    expect(bad.code).toBe(1);
  });
});

test('db:migrate creates a missing database and applies the migrations', async () => {
  const name = `plexhook_t_dashmigrate_${Math.random().toString(16).slice(2, 10)}`;
  const url = withDatabase(name);
  try {
    const run = await cli(['db:migrate'], { DATABASE_URL: url });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/created the database\napplied \d+ migration/);
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      const tables = await c.query(
        "SELECT 1 FROM information_schema.tables WHERE table_name = 'plex_conflicts'",
      );
      expect(tables.rowCount).toBe(1);
    } finally {
      await c.end();
    }
    const again = await cli(['db:migrate'], { DATABASE_URL: url });
    expect(again.stdout).toMatch(/up to date/);
  } finally {
    await dropDatabase(url);
  }
});
