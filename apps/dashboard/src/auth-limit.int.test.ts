// Brute-force limit on the dashboard (issue 14 item 9): failed authentications per client
// address on POST /login, bearer tokens on /api and basic auth on Bull Board share one count;
// past the limit the answer is 429 with a reason and Retry-After. Only failures count, and
// the correct token is always accepted, even from a locked-out address.
import pino from 'pino';
import { createTestDb, type TestDb } from '../../../test/helpers/db';
import { type Listening, listen } from '../../../test/helpers/http';
import { createTestQueue, type TestQueue } from '../../../test/helpers/redis';
import { createDashboardApp } from './app';

const TOKEN = 'auth-limit-admin-token-0123456789';
let t: TestDb;
let q: TestQueue;
const servers: Listening[] = [];

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('authlimit'), createTestQueue('authlimit')]);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all([t?.drop(), q?.cleanup()]);
});

/** A fresh app (its own count), with the default limit unless told. */
async function dashboard(perMinute?: number): Promise<string> {
  const server = await listen(
    createDashboardApp({
      db: t.db,
      redis: q.redis,
      queue: q.queue,
      logger: pino({ level: 'silent' }),
      config: {
        ADMIN_TOKEN: TOKEN,
        PUBLIC_WEBHOOK_URL: 'https://hooks.example.test',
        ...(perMinute === undefined ? {} : { DASHBOARD_AUTH_FAILURES_PER_MINUTE: perMinute }),
      },
    }),
  );
  servers.push(server);
  return server.url;
}

const basic = (password: string) => `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;

type Attempt = (base: string, token: string, headers?: Record<string, string>) => Promise<Response>;
const viaApi: Attempt = (base, token, headers = {}) =>
  fetch(`${base}/api/stats`, { headers: { authorization: `Bearer ${token}`, ...headers } });
const viaBoardBasic: Attempt = (base, token, headers = {}) =>
  fetch(`${base}/admin/queues/api/queues`, { headers: { authorization: basic(token), ...headers } });
const viaBoardBearer: Attempt = (base, token, headers = {}) =>
  fetch(`${base}/admin/queues`, { headers: { authorization: `Bearer ${token}`, ...headers } });
/** The login form as a browser posts it: its CSRF cookie and token first. */
const viaLogin: Attempt = async (base, token, headers = {}) => {
  const form = await fetch(`${base}/login`);
  const cookie = form.headers.get('set-cookie')!.split(';')[0]!;
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  return fetch(`${base}/login`, {
    method: 'POST',
    headers: { cookie, ...headers },
    body: new URLSearchParams({ token, csrf }),
    redirect: 'manual',
  });
};
const OK: Record<string, number> = {
  api: 200,
  'Bull Board (basic)': 200,
  'Bull Board (bearer)': 200,
  login: 303,
};

const surfaces: [string, Attempt][] = [
  ['api', viaApi],
  ['Bull Board (basic)', viaBoardBasic],
  ['Bull Board (bearer)', viaBoardBearer],
  ['login', viaLogin],
];

describe.each(surfaces)('%s', (name, attempt) => {
  test('10 wrong tokens get 401; the 11th gets 429 with a reason and Retry-After', async () => {
    const base = await dashboard();
    for (let i = 1; i <= 10; i++) {
      const res = await attempt(base, `wrong-token-${i}`);
      expect({ i, status: res.status }).toEqual({ i, status: 401 });
    }
    const locked = await attempt(base, 'wrong-token-11');
    expect(locked.status).toBe(429);
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await locked.text()).toMatch(/too many failed (authentications|logins) from this address/i);
  });

  test('the correct token from a locked-out address is still accepted', async () => {
    const base = await dashboard();
    for (let i = 0; i < 12; i++) await attempt(base, 'wrong');
    expect((await attempt(base, 'wrong')).status).toBe(429);
    expect((await attempt(base, TOKEN)).status).toBe(OK[name]);
    // ...and does not lift the lockout for wrong ones.
    expect((await attempt(base, 'wrong')).status).toBe(429);
  });
});

test('one count across the login, the API and Bull Board; another address is not locked out', async () => {
  const base = await dashboard();
  for (let i = 0; i < 4; i++) expect((await viaApi(base, 'wrong')).status).toBe(401);
  for (let i = 0; i < 3; i++) expect((await viaBoardBasic(base, 'wrong')).status).toBe(401);
  for (let i = 0; i < 3; i++) expect((await viaLogin(base, 'wrong')).status).toBe(401);
  expect((await viaApi(base, 'wrong')).status).toBe(429);
  expect((await viaLogin(base, 'wrong')).status).toBe(429);
  // X-Forwarded-For from the loopback proxy we trust: a different client address.
  expect((await viaApi(base, 'wrong', { 'x-forwarded-for': '203.0.113.7' })).status).toBe(401);
});

test('missing credentials are not failures (a browser asks without them first)', async () => {
  const base = await dashboard(2);
  for (let i = 0; i < 20; i++) {
    expect((await fetch(`${base}/admin/queues`)).status).toBe(401);
    expect((await fetch(`${base}/api/stats`)).status).toBe(401);
    expect((await viaLogin(base, '')).status).toBe(401);
  }
  expect((await viaApi(base, 'wrong')).status).toBe(401);
  expect((await viaApi(base, 'wrong')).status).toBe(401);
  expect((await viaApi(base, 'wrong')).status).toBe(429);
});

test('the limit is DASHBOARD_AUTH_FAILURES_PER_MINUTE', async () => {
  const base = await dashboard(3);
  for (let i = 0; i < 3; i++) expect((await viaBoardBasic(base, 'wrong')).status).toBe(401);
  expect((await viaBoardBasic(base, 'wrong')).status).toBe(429);
});
