// Cross-site requests are refused on every state-changing route (issue 14 item 8): Bull Board's
// mutating API (which a browser reaches with cached basic-auth credentials), the admin API and
// the page's forms. Requests without Origin or Sec-Fetch-Site (curl, scripts) keep working.
import { createUserWithSecret, type Prisma } from '@plexhook/db';
import { listenDashboard, webLogin } from '../../../test/helpers/dashboard';
import { createTestDb, type TestDb } from '../../../test/helpers/db';
import type { Listening } from '../../../test/helpers/http';
import { createTestQueue, type TestQueue } from '../../../test/helpers/redis';

const TOKEN = 'cross-site-admin-token-0123456789';
const BASIC = `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`;
let t: TestDb;
let q: TestQueue;
let server: Listening;
let self: string;

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('crosssite'), createTestQueue('crosssite')]);
  server = await listenDashboard(
    { db: t.db, redis: q.redis, queue: q.queue },
    { ADMIN_TOKEN: TOKEN, PUBLIC_WEBHOOK_URL: 'https://hooks.example.test' },
  );
  self = server.url;
});

afterAll(async () => {
  await server?.close();
  await Promise.all([t?.drop(), q?.cleanup()]);
});

const jobs = async () => {
  const counts = await q.queue.getJobCounts('waiting', 'delayed', 'prioritized');
  return Object.values(counts).reduce((a, b) => a + b, 0);
};
const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
  fetch(`${server.url}${path}`, { method, headers, body, redirect: 'manual' });

describe('Bull Board: adding a job', () => {
  const add = () => `/admin/queues/api/queues/${q.queue.name}/add`;
  const form = 'name=x&data={}';

  // [what, headers, body]: everything a foreign page can send, with the cached credentials.
  // biome-ignore format: one row per line reads as a table
  const foreign: [string, Record<string, string>, string | undefined][] = [
    [
      'a text/plain form from another site',
      { 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' },
      form,
    ],
    ['a no-cors fetch from another site, no body', { 'sec-fetch-site': 'cross-site' }, undefined],
    [
      'a JSON body from another site',
      { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
      '{}',
    ],
    [
      'a sibling subdomain (same-site)',
      { 'sec-fetch-site': 'same-site', 'content-type': 'application/json' },
      '{}',
    ],
    [
      'a foreign Origin (browser without Sec-Fetch-Site)',
      { origin: 'https://evil.example', 'content-type': 'text/plain' },
      form,
    ],
    [
      'a foreign Origin on our port',
      { origin: 'http://evil.example:1', 'content-type': 'application/json' },
      '{}',
    ],
    ['Origin: null (sandboxed iframe, data: URL)', { origin: 'null', 'content-type': 'text/plain' }, form],
    [
      'a form without Origin (old browser): not JSON',
      { 'content-type': 'application/x-www-form-urlencoded' },
      form,
    ],
    ['text/plain without any browser header', { 'content-type': 'text/plain' }, '{"name":"x"}'],
  ];
  test.each(foreign)('%s: refused, no job added', async (_what, headers, body) => {
    const before = await jobs();
    const res = await send('POST', add(), { authorization: BASIC, ...headers }, body);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /cross-site request refused|application\/json/,
    );
    expect(await jobs()).toBe(before);
  });

  test.each([
    ['the board page itself (same-origin)', { 'sec-fetch-site': 'same-origin' }],
    ['a browser that sends only Origin', { origin: 'SELF' }],
    ['curl with the bearer token', { authorization: `Bearer ${TOKEN}` }],
  ])('%s: JSON adds the job', async (_what, headers) => {
    const before = await jobs();
    const res = await send(
      'POST',
      add(),
      {
        authorization: BASIC,
        'content-type': 'application/json',
        ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v === 'SELF' ? self : v])),
      },
      JSON.stringify({ name: 'manual', data: { note: 'from the board' } }),
    );
    expect(res.status).toBe(200);
    expect(await jobs()).toBe(before + 1);
  });

  test('pausing the queue (a bodiless PUT): refused cross-site, taken same-origin', async () => {
    const pause = `/admin/queues/api/queues/${q.queue.name}/pause`;
    expect((await send('PUT', pause, { authorization: BASIC, 'sec-fetch-site': 'cross-site' })).status).toBe(
      403,
    );
    expect(await q.queue.isPaused()).toBe(false);
    expect((await send('PUT', pause, { authorization: BASIC, 'sec-fetch-site': 'same-origin' })).status).toBe(
      200,
    );
    expect(await q.queue.isPaused()).toBe(true);
    const resume = `/admin/queues/api/queues/${q.queue.name}/resume`;
    expect((await send('PUT', resume, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect(await q.queue.isPaused()).toBe(false);
  });

  test('reading stays open to any site (GET changes nothing)', async () => {
    const res = await send('GET', '/admin/queues/api/queues', {
      authorization: BASIC,
      'sec-fetch-site': 'cross-site',
    });
    expect(res.status).toBe(200);
  });
});

describe('the admin API', () => {
  const bearer = { authorization: `Bearer ${TOKEN}` };
  const json = { ...bearer, 'content-type': 'application/json' };

  test.each([
    ['another site', 403, { ...json, 'sec-fetch-site': 'cross-site' }],
    ['a foreign Origin', 403, { ...json, origin: 'https://evil.example' }],
    ['text/plain', 415, { ...bearer, 'content-type': 'text/plain' }],
    ['a form', 415, { ...bearer, 'content-type': 'application/x-www-form-urlencoded' }],
  ])('POST /api/users from %s -> %d, no user', async (_what, status, headers) => {
    const res = await send('POST', '/api/users', headers, JSON.stringify({ name: 'mallory' }));
    expect(res.status).toBe(status);
    expect(await t.db.user.count({ where: { name: 'mallory' } })).toBe(0);
  });

  test('curl (JSON, no browser headers) and the same origin still work, bodiless POST and DELETE too', async () => {
    const created = await send('POST', '/api/users', json, JSON.stringify({ name: 'bob' }));
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { user: { id: number } }).user.id;
    const sameOrigin = await send(
      'POST',
      '/api/users',
      { ...json, origin: self },
      JSON.stringify({ name: 'carol' }),
    );
    expect(sameOrigin.status).toBe(201);
    expect((await send('POST', `/api/users/${id}/rotate-secret`, bearer)).status).toBe(200);
    expect((await send('DELETE', '/api/mappings/999', bearer)).status).toBe(404);
    // A bodiless request from another site is refused all the same.
    const rotate = await send('POST', `/api/users/${id}/rotate-secret`, {
      ...bearer,
      'sec-fetch-site': 'cross-site',
    });
    expect(rotate.status).toBe(403);
  });
});

describe('the page', () => {
  test('a form post with a valid session and CSRF token from another site is refused; ours is taken', async () => {
    const user = await createUserWithSecret(t.db, 'page-user');
    const conflict = await t.db.plexConflict.create({
      data: {
        userId: user.id,
        plexRatingKey: '42',
        plexTitle: 'Lost',
        conflictType: 'no_match',
        potentialMatches: [] as Prisma.InputJsonValue,
      },
    });
    const web = await webLogin(server.url, TOKEN);
    const path = `/conflicts/${conflict.id}/resolve`;
    const foreign: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example' },
    ];
    for (const headers of foreign) {
      const res = await web.post(path, { action: 'ignore' }, headers);
      expect(res.status).toBe(403);
    }
    expect((await t.db.plexConflict.findUniqueOrThrow({ where: { id: conflict.id } })).resolved).toBe(false);
    const ours = await web.post(
      path,
      { action: 'ignore' },
      { 'sec-fetch-site': 'same-origin', origin: self },
    );
    expect(ours.status).toBe(303);
    expect((await t.db.plexConflict.findUniqueOrThrow({ where: { id: conflict.id } })).resolved).toBe(true);
  });

  test('a login form posted from another site is refused, even with its valid CSRF token', async () => {
    const form = await send('GET', '/login', {});
    const cookie = form.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const login = (headers: Record<string, string>) =>
      send(
        'POST',
        '/login',
        { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        new URLSearchParams({ token: TOKEN, csrf }).toString(),
      );
    const session = (res: Response) =>
      res.headers.getSetCookie().some((c) => c.startsWith('plexhook_session='));
    const foreign = await login({ 'sec-fetch-site': 'cross-site' });
    expect(foreign.status).toBe(403);
    expect(session(foreign)).toBe(false);
    const ours = await login({ 'sec-fetch-site': 'same-origin' });
    expect(ours.status).toBe(303);
    expect(session(ours)).toBe(true);
  });
});
