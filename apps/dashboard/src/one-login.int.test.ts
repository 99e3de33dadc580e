// One login (issue 19): the page's session opens Bull Board too, without basic auth; a logout
// closes both; the token and basic auth keep working; the session does not let another site in.
import { listenDashboard, webLogin } from '../../../test/helpers/dashboard';
import { createTestDb, type TestDb } from '../../../test/helpers/db';
import type { Listening } from '../../../test/helpers/http';
import { createTestQueue, type TestQueue } from '../../../test/helpers/redis';

const TOKEN = 'one-login-admin-token-0123456789';
let t: TestDb;
let q: TestQueue;
let server: Listening;

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('onelogin'), createTestQueue('onelogin')]);
  server = await listenDashboard(
    { db: t.db, redis: q.redis, queue: q.queue },
    { ADMIN_TOKEN: TOKEN, PUBLIC_WEBHOOK_URL: 'https://hooks.example.test' },
  );
});
afterAll(async () => {
  await server?.close();
  await Promise.all([t?.drop(), q?.cleanup()]);
});

const board = '/admin/queues';
const queuesApi = '/admin/queues/api/queues?activeQueue=&page=1&jobsPerPage=10';

test('logged in to the page: Bull Board and its API answer without asking for the token', async () => {
  const web = await webLogin(server.url, TOKEN);
  const page = await web.get(board);
  expect(page.status).toBe(200);
  expect(page.headers.get('www-authenticate')).toBeNull();
  expect(await page.text()).toContain('<div id="root">');
  const api = await web.get(queuesApi);
  expect(api.status).toBe(200);
  expect(((await api.json()) as { queues: { name: string }[] }).queues.map((x) => x.name)).toContain(
    q.queue.name,
  );
});

test('after logout the same cookie opens nothing', async () => {
  const web = await webLogin(server.url, TOKEN);
  expect((await web.get(board)).status).toBe(200);
  // The cookie as it was before logout (a copy an attacker kept).
  const kept = web.cookie();
  const out = await web.post('/logout', {});
  expect(out.status).toBe(303);
  expect((await web.get(board)).status).toBe(401);
  const stale = await fetch(`${server.url}${board}`, { headers: { cookie: kept }, redirect: 'manual' });
  expect(stale.status).toBe(401);
});

test('without a session: basic auth and bearer work, nothing else does', async () => {
  const none = await fetch(`${server.url}${board}`);
  expect(none.status).toBe(401);
  expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
  const basic = await fetch(`${server.url}${board}`, {
    headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
  });
  expect(basic.status).toBe(200);
  const bearer = await fetch(`${server.url}${queuesApi}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(bearer.status).toBe(200);
  const forged = await fetch(`${server.url}${board}`, {
    headers: { cookie: 'plexhook_session=abc.123.forged' },
  });
  expect(forged.status).toBe(401);
});

test('the session does not carry a cross-site write to Bull Board', async () => {
  const web = await webLogin(server.url, TOKEN);
  const before = await q.queue.getJobCounts('waiting');
  const res = await fetch(`${server.url}/admin/queues/api/queues/${q.queue.name}/add`, {
    method: 'POST',
    headers: { cookie: web.cookie(), 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'x', data: {} }),
  });
  expect(res.status).toBe(403);
  expect(await q.queue.getJobCounts('waiting')).toEqual(before);
});
