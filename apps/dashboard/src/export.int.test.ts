// The export (issue 19): GET /api/export and `npm run cli -- export`, both formats, hostile
// titles, and a large history streamed in bounded memory.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createUserWithSecret } from '@plexhook/db';
import pino from 'pino';
import { runCli } from '../../../test/helpers/dashboard';
import { createTestDb, type TestDb } from '../../../test/helpers/db';
import { type Listening, listen } from '../../../test/helpers/http';
import { createTestQueue, TEST_REDIS_URL, type TestQueue } from '../../../test/helpers/redis';
import { createDashboardApp } from './app';

jest.setTimeout(180_000);

const TOKEN = 'test-admin-token-export-0123456789';
const logger = pino({ level: 'silent' });

let t: TestDb;
let q: TestQueue;
let server: Listening;
let dir: string;
let alice: number;
let bob: number;
let nobody: number;

// Titles that break naive CSV and spreadsheets: quotes, commas, line breaks, formulas, unicode.
const SHOW_TITLE = 'He said "hi", then\r\nleft';
const EP_FORMULA = "=cmd|' /C calc'!A0";
const EP_PLUS = '+SUM(1,2)';
const EP_MINUS = '-2+3';
const EP_AT = '@import';
const EP_UNICODE = 'Ünïcødé 日本語 🎬 «ﬁ»';
const MOVIE_TITLE = 'Heat, the "movie"\nsequel';

type Row = Record<string, string | number | null>;
let expected: Row[];

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('export'), createTestQueue('export')]);
  dir = await mkdtemp(join(tmpdir(), 'plexhook-export-'));
  alice = (await createUserWithSecret(t.db, 'alice')).id;
  bob = (await createUserWithSecret(t.db, 'bob')).id;
  nobody = (await createUserWithSecret(t.db, 'nobody')).id;
  const show = await t.db.tvShow.create({
    data: {
      title: SHOW_TITLE,
      normalizedTitle: 'he said hi then left',
      showStartDate: new Date('2019-03-01'),
      tmdbId: 1001,
      tvdbId: 2002,
      imdbId: 'tt0003003',
      episodes: {
        create: [
          { seasonNumber: 1, episodeNumber: 1, title: EP_FORMULA },
          { seasonNumber: 1, episodeNumber: 2, title: EP_PLUS },
          { seasonNumber: 1, episodeNumber: 3, title: EP_MINUS },
          { seasonNumber: 2, episodeNumber: 1, title: EP_AT },
          { seasonNumber: 0, episodeNumber: 7, title: EP_UNICODE },
          { seasonNumber: 2, episodeNumber: 2, title: null },
        ],
      },
    },
    include: { episodes: true },
  });
  const ep = (s: number, e: number) =>
    show.episodes.find((x) => x.seasonNumber === s && x.episodeNumber === e)!.id;
  const movie = await t.db.movie.create({
    data: { title: MOVIE_TITLE, normalizedTitle: 'heat the movie sequel', year: 1995, tmdbId: 949 },
  });
  const bare = await t.db.movie.create({ data: { title: 'Untitled', normalizedTitle: 'untitled' } });
  // Out of order on purpose: the export is oldest first, whatever the insertion order.
  await t.db.episodeWatch.createMany({
    data: [
      { userId: alice, episodeId: ep(1, 2), watchedAt: new Date('2024-01-02T10:00:00.000Z') },
      {
        userId: alice,
        episodeId: ep(1, 1),
        watchedAt: new Date('2024-01-01T09:30:15.250Z'),
        source: 'manual',
      },
      {
        userId: alice,
        episodeId: ep(1, 3),
        watchedAt: new Date('2024-01-03T00:00:00.000Z'),
        source: 'import',
      },
      { userId: alice, episodeId: ep(2, 1), watchedAt: new Date('2024-01-05T00:00:00.000Z') },
      { userId: alice, episodeId: ep(0, 7), watchedAt: new Date('2024-01-06T00:00:00.000Z') },
      { userId: alice, episodeId: ep(2, 2), watchedAt: new Date('2024-01-07T00:00:00.000Z') },
      { userId: bob, episodeId: ep(1, 1), watchedAt: new Date('2024-01-01T00:00:00.000Z') },
    ],
  });
  await t.db.movieWatch.createMany({
    data: [
      { userId: alice, movieId: movie.id, watchedAt: new Date('2024-01-04T12:00:00.000Z') },
      { userId: alice, movieId: bare.id, watchedAt: new Date('2024-01-08T00:00:00.000Z'), source: 'import' },
      { userId: bob, movieId: movie.id, watchedAt: new Date('2024-01-04T00:00:00.000Z') },
    ],
  });
  const episodeRow = (
    watchedAt: string,
    source: string,
    season: number,
    episode: number,
    title: string | null,
  ) => ({
    kind: 'episode',
    watchedAt,
    source,
    title: SHOW_TITLE,
    year: 2019,
    tmdbId: 1001,
    tvdbId: 2002,
    imdbId: 'tt0003003',
    season,
    episode,
    episodeTitle: title,
    rating: null,
  });
  const movieRow = (
    watchedAt: string,
    source: string,
    title: string,
    year: number | null,
    tmdbId: number | null,
  ) => ({
    kind: 'movie',
    watchedAt,
    source,
    title,
    year,
    tmdbId,
    tvdbId: null,
    imdbId: null,
    season: null,
    episode: null,
    episodeTitle: null,
    rating: null,
  });
  expected = [
    episodeRow('2024-01-01T09:30:15.250Z', 'manual', 1, 1, EP_FORMULA),
    episodeRow('2024-01-02T10:00:00.000Z', 'plex_webhook', 1, 2, EP_PLUS),
    episodeRow('2024-01-03T00:00:00.000Z', 'import', 1, 3, EP_MINUS),
    movieRow('2024-01-04T12:00:00.000Z', 'plex_webhook', MOVIE_TITLE, 1995, 949),
    episodeRow('2024-01-05T00:00:00.000Z', 'plex_webhook', 2, 1, EP_AT),
    episodeRow('2024-01-06T00:00:00.000Z', 'plex_webhook', 0, 7, EP_UNICODE),
    episodeRow('2024-01-07T00:00:00.000Z', 'plex_webhook', 2, 2, null),
    movieRow('2024-01-08T00:00:00.000Z', 'import', 'Untitled', null, null),
  ];
  const app = createDashboardApp({
    db: t.db,
    redis: q.redis,
    queue: q.queue,
    logger,
    config: { ADMIN_TOKEN: TOKEN, PUBLIC_WEBHOOK_URL: 'https://hooks.example.test' },
  });
  server = await listen(app);
});

afterAll(async () => {
  await server?.close();
  await Promise.all([t?.drop(), q?.cleanup(), dir && rm(dir, { recursive: true, force: true })]);
});

const get = (path: string, token: string | null = TOKEN) =>
  fetch(`${server.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

const HEADER = [
  'kind',
  'watchedAt',
  'source',
  'title',
  'year',
  'tmdbId',
  'tvdbId',
  'imdbId',
  'season',
  'episode',
  'episodeTitle',
  'rating',
];

/**
 * A strict RFC 4180 reader, written here rather than taken from the library that writes the
 * file: records end in CRLF, a field with a quote, comma or line break is quoted and its quotes
 * doubled, and nothing else is accepted.
 */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) throw new Error(`unterminated quoted field at ${i}`);
        field += text.slice(i, quote);
        i = quote + 1;
        if (text[i] !== '"') break;
        field += '"';
        i++;
      }
    } else {
      const end = text.slice(i).search(/[,\r\n"]/);
      field = end < 0 ? text.slice(i) : text.slice(i, i + end);
      i += field.length;
      if (text[i] === '"') throw new Error(`quote inside an unquoted field at ${i}`);
    }
    record.push(field);
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text.startsWith('\r\n', i)) {
      records.push(record);
      record = [];
      i += 2;
      if (i === text.length) return records;
      continue;
    }
    throw new Error(`expected a comma or CRLF at ${i}: ${JSON.stringify(text.slice(i, i + 10))}`);
  }
}

/** What a CSV cell holds for a value: empty for null, a quote before a formula-looking text. */
const csvCell = (v: string | number | null) =>
  v === null ? '' : typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);

describe('GET /api/export', () => {
  test('json: every watch of the user, oldest first, titles unchanged, rating null', async () => {
    const res = await get(`/api/export?userId=${alice}&format=json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="plexhook-user-${alice}.json"`);
    expect(await res.json()).toEqual(expected);
  });

  test('json is the default format', async () => {
    const res = await get(`/api/export?userId=${alice}`);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual(expected);
  });

  test('csv: RFC 4180 (CRLF, quoted fields), formulas neutralised, unicode intact', async () => {
    const res = await get(`/api/export?userId=${alice}&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="plexhook-user-${alice}.csv"`);
    const text = await res.text();
    expect(text.startsWith(`${HEADER.join(',')}\r\n`)).toBe(true);
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual(HEADER);
    expect(rows).toEqual(expected.map((row) => HEADER.map((f) => csvCell(row[f]!))));
    // The spelled-out cells, so the expectation above is not only the same helper twice.
    expect(rows[0]![3]).toBe(SHOW_TITLE);
    expect(rows[0]![10]).toBe(`'${EP_FORMULA}`);
    expect(rows[1]![10]).toBe("'+SUM(1,2)");
    expect(rows[2]![10]).toBe("'-2+3");
    expect(rows[4]![10]).toBe("'@import");
    expect(rows[5]![10]).toBe(EP_UNICODE);
    expect(rows[3]!.slice(0, 6)).toEqual([
      'movie',
      '2024-01-04T12:00:00.000Z',
      'plex_webhook',
      MOVIE_TITLE,
      '1995',
      '949',
    ]);
    expect(text).toContain('"He said ""hi"", then\r\nleft"');
    expect(rows.every((r) => r[11] === '')).toBe(true);
  });

  test('ndjson: one object per line', async () => {
    const res = await get(`/api/export?userId=${alice}&format=ndjson`);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const text = await res.text();
    expect(text.endsWith('\n')).toBe(true);
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(expected);
  });

  test('another user sees only their own; a user without watches gets an empty file', async () => {
    const bobs = (await (await get(`/api/export?userId=${bob}`)).json()) as Row[];
    expect(bobs.map((r) => [r.kind, r.watchedAt])).toEqual([
      ['episode', '2024-01-01T00:00:00.000Z'],
      ['movie', '2024-01-04T00:00:00.000Z'],
    ]);
    expect(await (await get(`/api/export?userId=${nobody}&format=json`)).text()).toBe('[]\n');
    expect(await (await get(`/api/export?userId=${nobody}&format=csv`)).text()).toBe(
      `${HEADER.join(',')}\r\n`,
    );
    expect(await (await get(`/api/export?userId=${nobody}&format=ndjson`)).text()).toBe('');
  });

  test.each([
    ['', 'userId'],
    ['?userId=abc', 'userId'],
    ['?userId=0', 'userId'],
    ['?userId=99999999999', 'userId: must be at most 2147483647'],
    ['?userId=1&format=xml', 'format must be csv, json or ndjson'],
  ])('400 for %s', async (query, reason) => {
    const res = await get(`/api/export${query}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain(reason);
  });

  test('404 for an unknown user, 401 without the token', async () => {
    const res = await get('/api/export?userId=999999&format=csv');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'user 999999 not found' });
    expect((await get(`/api/export?userId=${alice}`, null)).status).toBe(401);
  });
});

describe('npm run cli -- export', () => {
  const cli = (args: string[]) =>
    runCli(args, { DATABASE_URL: t.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: q.prefix });

  test('to stdout: the same bytes as the API, for each format', async () => {
    for (const format of ['csv', 'json'] as const) {
      const run = await cli(['export', '--user', String(alice), '--format', format]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(await (await get(`/api/export?userId=${alice}&format=${format}`)).text());
    }
  });

  test('--out FILE writes the file and says how many rows', async () => {
    const file = join(dir, 'alice.csv');
    const run = await cli(['export', '--user', String(alice), '--format', 'csv', '--out', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`exported ${expected.length} row(s) of user ${alice} to ${file}\n`);
    expect(await readFile(file, 'utf8')).toBe(
      await (await get(`/api/export?userId=${alice}&format=csv`)).text(),
    );
  });

  test('unknown user, bad id and bad format are refused, and no file is left', async () => {
    const file = join(dir, 'none.csv');
    const unknown = await cli(['export', '--user', '999999', '--out', file]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: user 999999 not found\n');
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
    const badId = await cli(['export', '--user', 'x']);
    expect(badId.code).toBe(1);
    expect(badId.stderr).toMatch(/^error: --user must be a positive integer/);
    const badFormat = await cli(['export', '--user', String(alice), '--format', 'xml']);
    expect(badFormat.code).toBe(1);
    expect(badFormat.stderr).toMatch(/^error: --format must be one of csv, json, ndjson/);
  });
});

// A large history streamed through the API in this process, with its memory sampled as it goes.
// EXPORT_TEST_ROWS=1000000 runs the million (docs/PERFORMANCE.md has its numbers).
const BIG = Number(process.env.EXPORT_TEST_ROWS ?? 100_000);
const LIVE_HEAP_BOUND_MB = 16;

/** A full garbage collection on demand, without starting node with --expose-gc. */
function liveGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

test(`${BIG} watches stream out in bounded memory`, async () => {
  const user = (await createUserWithSecret(t.db, 'heavy')).id;
  const show = await t.db.tvShow.create({
    data: {
      title: 'Long Runner',
      normalizedTitle: 'long runner',
      tmdbId: 777,
      episodes: {
        create: Array.from({ length: 100 }, (_, i) => ({
          seasonNumber: 1 + Math.floor(i / 20),
          episodeNumber: 1 + (i % 20),
          title: `Episode ${i}`,
        })),
      },
    },
  });
  const movie = await t.db.movie.create({
    data: { title: 'Rewatched', normalizedTitle: 'rewatched', year: 2001 },
  });
  const movies = Math.floor(BIG / 10);
  const seeding = Date.now();
  await t.pool.query(
    `INSERT INTO episode_watches (user_id, episode_id, watched_at, source)
     SELECT $1, e.id, timestamptz '2020-01-01' + g * interval '1 minute', 'plex_webhook'
       FROM generate_series(1, $2::int) g
       JOIN episodes e ON e.tvshow_id = $3 AND e.season_number = 1 + (g % 100) / 20 AND e.episode_number = 1 + (g % 20)`,
    [user, BIG - movies, show.id],
  );
  await t.pool.query(
    `INSERT INTO movie_watches (user_id, movie_id, watched_at, source)
     SELECT $1, $2, timestamptz '2020-01-01' + g * interval '7 minutes', 'import' FROM generate_series(1, $3::int) g`,
    [user, movie.id, movies],
  );
  await t.pool.query('ANALYZE episode_watches; ANALYZE movie_watches');
  const seededMs = Date.now() - seeding;

  // Live heap, not garbage: V8 lets the heap grow between major collections as it sees fit, so a
  // sample without a collection says little. Every second a full GC, then heapUsed.
  const gc = liveGc();
  gc();
  const base = process.memoryUsage();
  let peakLive = base.heapUsed;
  let peakHeap = base.heapUsed;
  let peakRss = base.rss;
  const sampleRaw = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  const timer = setInterval(() => {
    sampleRaw();
    gc();
    peakLive = Math.max(peakLive, process.memoryUsage().heapUsed);
  }, 1000);
  const started = Date.now();
  const res = await get(`/api/export?userId=${user}&format=csv`);
  expect(res.status).toBe(200);
  let lines = 0;
  let bytes = 0;
  let lastRow = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body!) {
    bytes += chunk.length;
    const text = decoder.decode(chunk, { stream: true });
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
    lastRow = (lastRow + text).slice(-200);
    sampleRaw();
  }
  clearInterval(timer);
  const ms = Date.now() - started;
  const mb = (n: number) => (n / 2 ** 20).toFixed(1);
  const liveMb = (peakLive - base.heapUsed) / 2 ** 20;
  process.stderr.write(
    `export of ${BIG} watches: seeded in ${seededMs} ms; streamed ${mb(bytes)} MiB in ${ms} ms ` +
      `(${Math.round(BIG / (ms / 1000))} rows/s); live heap +${liveMb.toFixed(1)} MiB after GC, ` +
      `heap +${mb(peakHeap - base.heapUsed)} MiB and rss +${mb(peakRss - base.rss)} MiB without (peaks over the start)\n`,
  );
  expect(lines).toBe(BIG + 1);
  // The newest row is last: the movie watch at minute 7 * movies, or the episode at BIG - movies.
  expect(lastRow).toMatch(/\r\n(movie|episode),20\d\d-[^,]+,(import|plex_webhook),[^\r\n]+\r\n$/);
  expect(liveMb).toBeLessThan(LIVE_HEAP_BOUND_MB);

  // A client that leaves mid-stream: the cursor's transaction ends and its connection is free.
  const abort = new AbortController();
  const partial = await fetch(`${server.url}/api/export?userId=${user}&format=ndjson`, {
    headers: { authorization: `Bearer ${TOKEN}` },
    signal: abort.signal,
  });
  const reader = partial.body!.getReader();
  expect((await reader.read()).done).toBe(false);
  const exporting = async () =>
    (
      await t.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
            AND query LIKE 'FETCH % FROM plexhook_export'`,
      )
    ).rows[0]!.n;
  expect(await exporting()).toBe(1);
  abort.abort();
  const deadline = Date.now() + 10_000;
  while ((await exporting()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(await exporting()).toBe(0);
});
