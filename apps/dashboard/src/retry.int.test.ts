// Retrying a failed webhook from the API, the page and the CLI (issue 14 item 3): the stored
// payload goes back on the queue as a new job for the same user, once per log row. What the
// worker makes of that job is retry-worker.int.test.ts's.
import { createUserWithSecret, type PlexWebhookLog, type Prisma } from '@plexhook/db';
import { WEBHOOK_JOB } from '@plexhook/queue';
import { listenDashboard, runCli, webLogin } from '../../../test/helpers/dashboard';
import { createTestDb, type TestDb } from '../../../test/helpers/db';
import type { Listening } from '../../../test/helpers/http';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { createTestQueue, TEST_REDIS_URL, type TestQueue } from '../../../test/helpers/redis';

jest.setTimeout(60_000);

const TOKEN = 'retry-admin-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
let t: TestDb;
let q: TestQueue;
let server: Listening;
let userId: number;

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('retry'), createTestQueue('retry')]);
  userId = (await createUserWithSecret(t.db, 'alice')).id;
  server = await listenDashboard(
    { db: t.db, redis: q.redis, queue: q.queue },
    { ADMIN_TOKEN: TOKEN, PUBLIC_WEBHOOK_URL: 'https://hooks.example.test' },
  );
});

afterAll(async () => {
  await server?.close();
  await Promise.all([t?.drop(), q?.cleanup()]);
});

let seq = 0;
/** A log row as the worker or its dead-letter sweep writes it. */
function seedLog(
  overrides: Partial<Prisma.PlexWebhookLogUncheckedCreateInput> = {},
): Promise<PlexWebhookLog> {
  seq++;
  return t.db.plexWebhookLog.create({
    data: {
      userId,
      jobId: `original-${seq}`,
      eventType: 'media.scrobble',
      plexRatingKey: '999',
      plexTitle: 'iCarly S01E01 · iStart Over',
      payload: buildPlexPayload({ Metadata: { ratingKey: `r-${seq}` } }) as Prisma.InputJsonValue,
      status: 'failed',
      errorMessage: 'job failed after 9 attempt(s), 0 stall(s): connect ECONNREFUSED',
      receivedAt: new Date(Date.UTC(2026, 10, 1, 20, 30, seq)),
      ...overrides,
    },
  });
}

const retry = (id: number | string, headers: Record<string, string> = AUTH) =>
  fetch(`${server.url}/api/webhook-logs/${id}/retry`, { method: 'POST', headers });

/** Every job under the suite's prefix, whatever its state. */
const allJobs = () => q.queue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);

describe('POST /api/webhook-logs/:id/retry', () => {
  test('a failed row: its payload, user and original receivedAt are queued as one new job', async () => {
    const log = await seedLog();
    const res = await retry(log.id);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'queued',
      id: `retry-${log.id}`,
      logId: log.id,
      alreadyQueued: false,
    });
    const job = await q.queue.getJob(`retry-${log.id}`);
    expect(job?.name).toBe(WEBHOOK_JOB);
    expect(job?.data).toEqual({
      userId,
      // The row's source: it picks the adapter that reads the payload again.
      source: 'plex',
      receivedAt: log.receivedAt.toISOString(),
      payload: log.payload,
      replayOfLogId: log.id,
    });
    // The original row is the record of the failure and stays as it was.
    expect(await t.db.plexWebhookLog.findFirst({ where: { id: log.id } })).toEqual(log);
  });

  test('a second retry (a double click) adds nothing; so do two at once', async () => {
    const log = await seedLog();
    const before = (await allJobs()).length;
    const first = await retry(log.id);
    expect(first.status).toBe(200);
    const again = await retry(log.id);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: `retry-${log.id}`, alreadyQueued: true });
    expect((await allJobs()).length).toBe(before + 1);

    const other = await seedLog();
    const both = await Promise.all([retry(other.id), retry(other.id), retry(other.id)]);
    expect(both.map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await allJobs()).length).toBe(before + 2);
    expect((await allJobs()).filter((j) => j.id === `retry-${other.id}`)).toHaveLength(1);
  });

  test('once the retry has logged its own row, the original is refused and points at it', async () => {
    const log = await seedLog();
    // What the worker writes for job retry-<id> when the retry fails too.
    const retried = await seedLog({ jobId: `retry-${log.id}` });
    const res = await retry(log.id);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toBe(
      `webhook log ${log.id} was retried already: see log ${retried.id} (failed); retry that one`,
    );
    // ...and that one retries in turn, as its own job.
    const next = await retry(retried.id);
    expect(next.status).toBe(200);
    expect(await next.json()).toMatchObject({ id: `retry-${retried.id}`, alreadyQueued: false });
  });

  test.each([
    ['success', 'is success: only failed webhooks can be retried'],
    ['ignored', 'is ignored: only failed webhooks can be retried'],
    ['duplicate', 'is duplicate: only failed webhooks can be retried'],
  ] as const)('a %s row: 409 with the reason, nothing queued', async (status, reason) => {
    const log = await seedLog({ status });
    const before = (await allJobs()).length;
    const res = await retry(log.id);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toBe(`webhook log ${log.id} ${reason}`);
    expect((await allJobs()).length).toBe(before);
  });

  test('a failed row without a payload or without a user: 409, nothing queued', async () => {
    const noPayload = await seedLog({ payload: undefined });
    const noUser = await seedLog({ userId: null });
    const before = (await allJobs()).length;
    const a = await retry(noPayload.id);
    expect(a.status).toBe(409);
    expect(((await a.json()) as { error: string }).error).toBe(
      `webhook log ${noPayload.id} kept no payload: there is nothing to retry`,
    );
    const b = await retry(noUser.id);
    expect(b.status).toBe(409);
    expect(((await b.json()) as { error: string }).error).toMatch(/has no user/);
    expect((await allJobs()).length).toBe(before);
  });

  test('an unknown id is 404; an id that is not an int4 is 400', async () => {
    const res = await retry(2_000_000_000);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'webhook log 2000000000 not found' });
    expect((await retry(2_147_483_648)).status).toBe(400);
    expect((await retry('abc')).status).toBe(400);
  });

  test('needs the admin token', async () => {
    const log = await seedLog();
    expect((await retry(log.id, {})).status).toBe(401);
    expect((await retry(log.id, { authorization: 'Bearer wrong-token-0000000000' })).status).toBe(401);
    expect(await q.queue.getJob(`retry-${log.id}`)).toBeUndefined();
  });

  test.each([
    ['another site (Sec-Fetch-Site)', { 'sec-fetch-site': 'cross-site' }, 403],
    ['a foreign Origin', { origin: 'https://evil.example' }, 403],
    ['a form body (not JSON)', { 'content-type': 'application/x-www-form-urlencoded' }, 415],
  ])('a cross-site or non-JSON request: refused (%s), nothing queued', async (_what, headers, status) => {
    const log = await seedLog();
    const res = await retry(log.id, { ...AUTH, ...headers });
    expect(res.status).toBe(status);
    expect(await q.queue.getJob(`retry-${log.id}`)).toBeUndefined();
  });

  test('same-origin (the browser on our page) is let through', async () => {
    const log = await seedLog();
    const res = await retry(log.id, { ...AUTH, 'sec-fetch-site': 'same-origin', origin: server.url });
    expect(res.status).toBe(200);
  });
});

describe('the page: a Retry button on failed rows', () => {
  test('the logs view offers Retry on a failed row only; the form post queues it and says so', async () => {
    const failed = await seedLog({ plexTitle: 'Failed Show S01E02' });
    const ok = await seedLog({ status: 'success', plexTitle: 'Fine Show S01E01' });
    const web = await webLogin(server.url, TOKEN);
    const page = await (await web.get('/?status=failed')).text();
    const action = `action="/webhook-logs/${failed.id}/retry"`;
    expect(page).toContain(action);
    const form = page.slice(page.indexOf(action) - 40, page.indexOf('</form>', page.indexOf(action)));
    expect(form).toContain(`name="csrf" value="${web.csrf}"`);
    expect(form).toContain('name="status" value="failed"');
    const all = await (await web.get('/')).text();
    expect(all).not.toContain(`/webhook-logs/${ok.id}/retry`);

    const res = await web.post(`/webhook-logs/${failed.id}/retry`, { status: 'failed' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/?status=failed#logs');
    expect((await q.queue.getJob(`retry-${failed.id}`))?.data.payload).toEqual(failed.payload);
    const after = await (await web.get('/?status=failed')).text();
    expect(after).toContain(
      `Webhook ${failed.id} queued again as job retry-${failed.id}: its outcome appears as a new row`,
    );
    // A second click says it is queued already and adds nothing.
    await web.post(`/webhook-logs/${failed.id}/retry`, {});
    const twice = await (await web.get('/')).text();
    expect(twice).toContain(`Webhook ${failed.id} is queued for a retry already (job retry-${failed.id})`);
    expect((await allJobs()).filter((j) => j.id === `retry-${failed.id}`)).toHaveLength(1);
  });

  test('a retried row shows its retry instead of the button', async () => {
    const failed = await seedLog();
    const retried = await seedLog({ jobId: `retry-${failed.id}`, status: 'success' });
    const web = await webLogin(server.url, TOKEN);
    const page = await (await web.get('/?status=failed')).text();
    expect(page).not.toContain(`/webhook-logs/${failed.id}/retry"`);
    expect(page).toContain(`retried: #${retried.id}`);
  });

  test('a refused retry is a flash message, not an error page', async () => {
    const ok = await seedLog({ status: 'success' });
    const web = await webLogin(server.url, TOKEN);
    const res = await web.post(`/webhook-logs/${ok.id}/retry`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/#logs');
    const page = await (await web.get('/')).text();
    expect(page).toContain(
      `Not retried: webhook log ${ok.id} is success: only failed webhooks can be retried`,
    );
    const gone = await web.post('/webhook-logs/2000000000/retry', {});
    expect(gone.status).toBe(303);
    expect(await (await web.get('/')).text()).toContain('Not retried: webhook log 2000000000 not found');
  });

  test('without the CSRF token, or from another site: refused, nothing queued', async () => {
    const failed = await seedLog();
    const web = await webLogin(server.url, TOKEN);
    expect((await web.post(`/webhook-logs/${failed.id}/retry`, { csrf: 'forged' })).status).toBe(403);
    const crossSite = await web.post(
      `/webhook-logs/${failed.id}/retry`,
      {},
      { 'sec-fetch-site': 'cross-site' },
    );
    expect(crossSite.status).toBe(403);
    // No session at all: to the login page.
    const anonymous = await fetch(`${server.url}/webhook-logs/${failed.id}/retry`, {
      method: 'POST',
      body: new URLSearchParams({ csrf: web.csrf }),
      redirect: 'manual',
    });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/login');
    expect(await q.queue.getJob(`retry-${failed.id}`)).toBeUndefined();
  });
});

describe('CLI logs:retry', () => {
  const cli = (args: string[]) =>
    runCli(args, { DATABASE_URL: t.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: q.prefix });

  test('queues a failed row once; refuses other rows and bad ids', async () => {
    const failed = await seedLog();
    const first = await cli(['logs:retry', String(failed.id)]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe(`webhook log ${failed.id} queued again as job retry-${failed.id}\n`);
    const again = await cli(['logs:retry', String(failed.id)]);
    expect(again.stdout).toBe(
      `webhook log ${failed.id} is queued for a retry already (job retry-${failed.id})\n`,
    );
    expect((await q.queue.getJob(`retry-${failed.id}`))?.data.userId).toBe(userId);

    const ok = await seedLog({ status: 'success' });
    const refused = await cli(['logs:retry', String(ok.id)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `error: webhook log ${ok.id} is success: only failed webhooks can be retried\n`,
    );
    const bad = await cli(['logs:retry', '99999999999']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: log ID must be a positive integer/);
  });
});
