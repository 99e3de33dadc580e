// Bad but well-formed input answers 400 with a reason, never 500 (issue 14 item 10): integers
// past PostgreSQL's int4 in queries, paths and bodies, NUL characters (which PostgreSQL's text
// cannot hold) in every string an admin can send, and Bull Board's own query and path params.
import { createUserWithSecret, type Prisma } from '@plexhook/db';
import { listenDashboard, webLogin } from '../../../test/helpers/dashboard';
import { createTestDb, type TestDb } from '../../../test/helpers/db';
import type { Listening } from '../../../test/helpers/http';
import { createTestQueue, type TestQueue } from '../../../test/helpers/redis';

const TOKEN = 'bad-input-admin-token-0123456789';
const TOO_BIG = 2_147_483_648; // int4's maximum + 1
let t: TestDb;
let q: TestQueue;
let server: Listening;
let userId: number;
let showConflict: number;
let movieConflict: number;

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('badinput'), createTestQueue('badinput')]);
  userId = (await createUserWithSecret(t.db, 'alice')).id;
  const conflict = (mediaType: 'show' | 'movie', ratingKey: string) =>
    t.db.plexConflict.create({
      data: {
        userId,
        mediaType,
        plexRatingKey: ratingKey,
        plexTitle: 'Something',
        conflictType: 'no_match',
        potentialMatches: [] as Prisma.InputJsonValue,
      },
    });
  showConflict = (await conflict('show', '100')).id;
  movieConflict = (await conflict('movie', '200')).id;
  server = await listenDashboard(
    { db: t.db, redis: q.redis, queue: q.queue },
    { ADMIN_TOKEN: TOKEN, PUBLIC_WEBHOOK_URL: 'https://hooks.example.test' },
  );
});

afterAll(async () => {
  await server?.close();
  await Promise.all([t?.drop(), q?.cleanup()]);
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text };
}

const INT4 = /2147483647/;
const NUL = /NUL/;
const show = (overrides: Record<string, unknown>) => ({
  title: 'New Show',
  firstAired: '2020-01-01',
  ...overrides,
});
const movie = (overrides: Record<string, unknown>) => ({ title: 'New Movie', year: 2020, ...overrides });
const seasons = (season: number, episode: number, title = 'Pilot') => [
  { number: season, episodes: [{ number: episode, title }] },
];

// [what, method, path (a function: ids exist only after beforeAll), body, reason]
type Row = [string, string, () => string, unknown, RegExp];
// biome-ignore format: one row per line reads as a table
const rows: Row[] = [
  // Query parameters
  ...['cursor', 'userId', 'conflictId', 'offset', 'limit'].flatMap((param): Row[] => [
    [`logs ?${param} past int4`, 'GET', () => `/api/webhook-logs?${param}=${TOO_BIG}`, undefined, /2147483647|500/],
    [`logs ?${param} of 20 digits`, 'GET', () => `/api/webhook-logs?${param}=99999999999999999999`, undefined, /2147483647|500/],
  ]),
  ['conflicts ?userId past int4', 'GET', () => `/api/conflicts?userId=${TOO_BIG}`, undefined, INT4],
  ['conflicts ?offset past int4', 'GET', () => `/api/conflicts?offset=${TOO_BIG}`, undefined, INT4],
  ['mappings ?userId past int4', 'GET', () => `/api/mappings?userId=${TOO_BIG}`, undefined, INT4],
  ['mappings ?offset past int4', 'GET', () => `/api/mappings?offset=${TOO_BIG}`, undefined, INT4],
  ['mappings ?userId below int4', 'GET', () => '/api/mappings?userId=-2147483649', undefined, /userId/],
  // Path parameters
  ['GET conflict :id', 'GET', () => `/api/conflicts/${TOO_BIG}`, undefined, INT4],
  ['resolve :id', 'POST', () => `/api/conflicts/${TOO_BIG}/resolve`, { action: 'ignored' }, INT4],
  ['replay :id', 'POST', () => `/api/conflicts/${TOO_BIG}/replay`, undefined, INT4],
  ['DELETE mapping :id', 'DELETE', () => `/api/mappings/${TOO_BIG}`, undefined, INT4],
  ['rotate-secret :id', 'POST', () => `/api/users/${TOO_BIG}/rotate-secret`, undefined, INT4],
  ['plex-config :id', 'PATCH', () => `/api/users/${TOO_BIG}/plex-config`, { enabled: true }, INT4],
  // Users and their config
  ['user name with NUL', 'POST', () => '/api/users', { name: 'ali\u0000ce' }, NUL],
  ['allow-list entry with NUL', 'PATCH', () => `/api/users/${userId}/plex-config`, { plexUsernames: ['bob', 'e\u0000ve'] }, NUL],
  ['Plex token with NUL', 'PATCH', () => `/api/users/${userId}/plex-config`, { plexToken: 'tok\u0000en' }, NUL],
  ['Plex server URL with NUL in the path', 'PATCH', () => `/api/users/${userId}/plex-config`, { plexServerUrl: 'http://plex.local:32400/\u0000' }, NUL],
  ['Plex server URL with NUL in the host', 'PATCH', () => `/api/users/${userId}/plex-config`, { plexServerUrl: 'http://ple\u0000x.local:32400' }, NUL],
  // Catalogue import
  ['catalogue show title with NUL', 'POST', () => '/api/catalog/import', { shows: [show({ title: 'Lo\u0000st' })] }, NUL],
  ['catalogue original title with NUL', 'POST', () => '/api/catalog/import', { shows: [show({ originalTitle: 'x\u0000' })] }, NUL],
  ['catalogue episode title with NUL', 'POST', () => '/api/catalog/import', { shows: [show({ seasons: seasons(1, 1, 'Pi\u0000lot') })] }, NUL],
  ['catalogue movie title with NUL', 'POST', () => '/api/catalog/import', { movies: [movie({ title: 'He\u0000at' })] }, NUL],
  ['catalogue show tmdbId past int4', 'POST', () => '/api/catalog/import', { shows: [show({ tmdbId: TOO_BIG })] }, INT4],
  ['catalogue show tvdbId past int4', 'POST', () => '/api/catalog/import', { shows: [show({ tvdbId: TOO_BIG })] }, INT4],
  ['catalogue season number past int4', 'POST', () => '/api/catalog/import', { shows: [show({ seasons: seasons(TOO_BIG, 1) })] }, INT4],
  ['catalogue episode number past int4', 'POST', () => '/api/catalog/import', { shows: [show({ seasons: seasons(1, TOO_BIG) })] }, INT4],
  ['catalogue movie tmdbId past int4', 'POST', () => '/api/catalog/import', { movies: [movie({ tmdbId: TOO_BIG })] }, INT4],
  ['catalogue movie tmdbId of 1e20', 'POST', () => '/api/catalog/import', { movies: [movie({ tmdbId: 1e20 })] }, INT4],
  // Resolve bodies
  ['resolve tvshowId past int4', 'POST', () => `/api/conflicts/${showConflict}/resolve`, { action: 'user_selected', tvshowId: TOO_BIG }, INT4],
  ['resolve movieId past int4', 'POST', () => `/api/conflicts/${movieConflict}/resolve`, { action: 'user_selected', movieId: TOO_BIG }, INT4],
  ['created show title with NUL', 'POST', () => `/api/conflicts/${showConflict}/resolve`, { action: 'user_created_new', show: show({ title: 'A\u0000' }) }, NUL],
  ['created show tmdbId past int4', 'POST', () => `/api/conflicts/${showConflict}/resolve`, { action: 'create_new', show: show({ tmdbId: TOO_BIG }) }, INT4],
  ['created show season past int4', 'POST', () => `/api/conflicts/${showConflict}/resolve`, { action: 'user_created_new', show: show({ seasons: seasons(TOO_BIG, 1) }) }, INT4],
  ['created show episode past int4', 'POST', () => `/api/conflicts/${showConflict}/resolve`, { action: 'user_created_new', show: show({ seasons: seasons(1, TOO_BIG) }) }, INT4],
  ['created movie title with NUL', 'POST', () => `/api/conflicts/${movieConflict}/resolve`, { action: 'user_created_new', movie: movie({ title: 'B\u0000' }) }, NUL],
  ['created movie tmdbId past int4', 'POST', () => `/api/conflicts/${movieConflict}/resolve`, { action: 'user_created_new', movie: movie({ tmdbId: TOO_BIG }) }, INT4],
];

test.each(rows)('%s -> 400 with a reason', async (_what, method, path, body, reason) => {
  const res = await call(method, path(), body);
  expect({ status: res.status, text: res.text }).toEqual({
    status: 400,
    text: expect.stringMatching(reason),
  });
  expect(JSON.parse(res.text).error).toEqual(expect.any(String));
});

test('nothing of the refused input was stored; the conflicts are still open', async () => {
  expect(await t.db.user.count()).toBe(1);
  expect(await t.db.tvShow.count()).toBe(0);
  expect(await t.db.movie.count()).toBe(0);
  const config = await t.db.plexConfig.findUniqueOrThrow({ where: { userId } });
  expect(config).toMatchObject({ plexUsernames: [], plexToken: null, plexServerUrl: null });
  expect(await t.db.plexConflict.count({ where: { resolved: false } })).toBe(2);
});

test('the page: a new show with a NUL in its title is refused with a reason, not a 500', async () => {
  const web = await webLogin(server.url, TOKEN);
  const res = await web.post(`/conflicts/${showConflict}/resolve`, {
    action: 'create',
    title: 'Lo\u0000st',
    firstAired: '2004-09-22',
  });
  expect(res.status).toBe(303);
  const page = await web.get('/');
  expect(await page.text()).toMatch(/Not resolved: title: must not contain NUL characters/);
  expect(await t.db.tvShow.count()).toBe(0);
});

describe('Bull Board params', () => {
  const basic = `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`;
  const board = (path: string) =>
    fetch(`${server.url}/admin/queues${path}`, { headers: { authorization: basic } });
  let nodeEnv: string | undefined;
  // Bull Board puts the stack trace in its error bodies when NODE_ENV=development (our default).
  beforeAll(() => {
    nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'development';
  });
  afterAll(() => {
    process.env.NODE_ENV = nodeEnv;
  });

  test.each([
    ['a lone %', '/api/queues?activeQueue=%25'],
    ['a broken escape', '/api/queues?activeQueue=%25E0%25A4%25A'],
    ['an unknown queue', '/api/queues?activeQueue=no-such-queue'],
    ['a repeated param', '/api/queues?activeQueue=plex-webhooks&activeQueue=x'],
    ['a broken escape in the queue name', '/api/queues/%E0%A4%A/metrics'],
    ['a broken escape in a job id', '/api/queues/plex-webhooks/%E0%A4%A'],
    ['a broken escape in a page path', '/queue/%E0%A4%A'],
  ])('%s -> 4xx JSON without a stack trace or a path', async (_what, path) => {
    const res = await board(path);
    const text = await res.text();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(text).not.toMatch(/\bat .*\(|node_modules|\/work\/|\.js:\d+/);
    expect(JSON.parse(text)).toEqual(expect.any(Object));
  });

  test('the real queue name still works as activeQueue', async () => {
    const res = await board(`/api/queues?activeQueue=${encodeURIComponent(q.queue.name)}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { queues: { name: string }[] }).queues[0]?.name).toBe(q.queue.name);
  });
});
