import { createUserWithSecret, hashSecret, type Prisma } from '@plexhook/db';
import {
  createIngestApp,
  createIngestMetrics,
  createSecretLookup,
  IngestConfigSchema,
} from '@plexhook/ingest';
import pino from 'pino';
import { createTestDb, type TestDb } from '../../../test/helpers/db';
import { type Listening, listen } from '../../../test/helpers/http';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { createTestQueue, type TestQueue } from '../../../test/helpers/redis';
import { createDashboardApp } from './app';
import { runCatalogImport } from './services/catalog-import';
import { DEMO_CATALOG_PATH } from './services/demo';
import { replayHeldWebhooks, resolveConflict } from './services/resolve-conflict';

const TOKEN = 'test-admin-token-0123456789abcdef';
const PUBLIC_URL = 'https://hooks.example.test';
const logger = pino({ level: 'silent' });

let t: TestDb;
let q: TestQueue;
let server: Listening;
let userId: number;
let icarly2007: number;
let icarly2021: number;
let catalog: unknown;

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('dashboard'), createTestQueue('dashboard')]);
  catalog = JSON.parse(await (await import('node:fs/promises')).readFile(DEMO_CATALOG_PATH, 'utf8'));
  await runCatalogImport(t.db, catalog);
  userId = (await createUserWithSecret(t.db, 'alice')).id;
  icarly2007 = (await t.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 5371 } })).id;
  icarly2021 = (await t.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 119243 } })).id;
  const app = createDashboardApp({
    db: t.db,
    redis: q.redis,
    queue: q.queue,
    logger,
    // The auth table below sends dozens of wrong tokens; the lockout has its own suite.
    config: { ADMIN_TOKEN: TOKEN, PUBLIC_WEBHOOK_URL: PUBLIC_URL, DASHBOARD_AUTH_FAILURES_PER_MINUTE: 1000 },
  });
  server = await listen(app);
});

afterAll(async () => {
  await server.close();
  await Promise.all([t.drop(), q.cleanup()]);
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Res = { status: number; body: any; headers: Headers };

async function api(method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<Res> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

let ratingKeySeq = 5000;

/** A conflict as the worker leaves it: ranked candidates and `held` scrobbles waiting on it. */
async function seedConflict(opts: { held?: number; user?: number; title?: string } = {}) {
  const user = opts.user ?? userId;
  const ratingKey = String(ratingKeySeq++);
  const conflict = await t.db.plexConflict.create({
    data: {
      userId: user,
      plexRatingKey: ratingKey,
      plexGuid: 'plex://show/5d9c086c46115600200aa2fe',
      plexTitle: opts.title ?? 'iCarly',
      plexYear: 2021,
      conflictType: 'multiple_matches',
      potentialMatches: [
        { tvshowId: icarly2021, title: 'iCarly', year: 2021, confidence: 1, titleScore: 1, evidence: [] },
        { tvshowId: icarly2007, title: 'iCarly', year: 2007, confidence: 0.57, titleScore: 1, evidence: [] },
      ] as Prisma.InputJsonValue,
    },
  });
  const logs = [];
  for (let i = 0; i < (opts.held ?? 2); i++) {
    const payload = buildPlexPayload({
      Metadata: { grandparentRatingKey: ratingKey, index: i + 1, ratingKey: `${ratingKey}-${i}` },
    });
    logs.push(
      await t.db.plexWebhookLog.create({
        data: {
          userId: user,
          jobId: `job-${ratingKey}-${i}`,
          eventType: 'media.scrobble',
          plexRatingKey: ratingKey,
          plexTitle: 'iCarly',
          payload: payload as Prisma.InputJsonValue,
          status: 'success',
          actionTaken: i === 0 ? 'conflict_created' : 'conflict_pending',
          conflictId: conflict.id,
          receivedAt: new Date(Date.now() - (10 - i) * 60_000),
        },
      }),
    );
  }
  return { conflict, logs, ratingKey };
}

describe('auth', () => {
  const routes: [string, string][] = [
    ['GET', '/api/conflicts'],
    ['GET', '/api/conflicts/1'],
    ['POST', '/api/conflicts/1/resolve'],
    ['GET', '/api/mappings'],
    ['DELETE', '/api/mappings/1'],
    ['GET', '/api/webhook-logs'],
    ['GET', '/api/stats'],
    ['POST', '/api/users'],
    ['POST', '/api/users/1/rotate-secret'],
    ['PATCH', '/api/users/1/plex-config'],
    ['POST', '/api/catalog/import'],
  ];
  test.each(routes)('%s %s -> 401 without or with a wrong token', async (method, path) => {
    for (const token of [null, 'wrong-token', `${TOKEN}x`, '']) {
      const res = await api(method, path, method === 'GET' || method === 'DELETE' ? undefined : {}, token);
      expect(res.status).toBe(401);
      expect(res.body.error).toMatch(/admin token/);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  test('the API does not take basic auth', async () => {
    const basic = Buffer.from(`admin:${TOKEN}`).toString('base64');
    const res = await fetch(`${server.url}/api/stats`, { headers: { authorization: `Basic ${basic}` } });
    expect(res.status).toBe(401);
  });

  test('/healthz needs no token', async () => {
    expect((await api('GET', '/healthz', undefined, null)).status).toBe(200);
  });

  test('Bull Board: 401 with a basic-auth challenge, then basic auth (any user) or bearer', async () => {
    const none = await fetch(`${server.url}/admin/queues`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const wrong = await fetch(`${server.url}/admin/queues`, {
      headers: { authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    for (const user of ['admin', 'anyone', '']) {
      const ok = await fetch(`${server.url}/admin/queues`, {
        headers: { authorization: `Basic ${Buffer.from(`${user}:${TOKEN}`).toString('base64')}` },
      });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('<html');
      expect(ok.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    }
    const queues = await fetch(`${server.url}/admin/queues/api/queues`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(queues.status).toBe(200);
    expect(JSON.stringify(await queues.json())).toContain('plex-webhooks');
    const apiNoAuth = await fetch(`${server.url}/admin/queues/api/queues`);
    expect(apiNoAuth.status).toBe(401);
  });

  test('unknown routes -> 404 JSON', async () => {
    expect((await api('GET', '/api/nope')).status).toBe(404);
  });
});

describe('conflicts', () => {
  test('list open conflicts with their held scrobble counts, and get one', async () => {
    const { conflict } = await seedConflict({ held: 3 });
    const list = await api('GET', '/api/conflicts?resolved=false');
    expect(list.status).toBe(200);
    const row = list.body.items.find((c: { id: number }) => c.id === conflict.id);
    expect(row).toMatchObject({ plexTitle: 'iCarly', heldWebhooks: 3, resolved: false });
    expect(row.potentialMatches.map((m: { tvshowId: number }) => m.tvshowId)).toEqual([
      icarly2021,
      icarly2007,
    ]);
    const one = await api('GET', `/api/conflicts/${conflict.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: conflict.id, heldWebhooks: 3 });
  });

  test('404 for an unknown id, 400 for a malformed one or query', async () => {
    expect((await api('GET', '/api/conflicts/999999')).status).toBe(404);
    expect((await api('POST', '/api/conflicts/999999/resolve', { action: 'ignored' })).status).toBe(404);
    const bad = await api('GET', '/api/conflicts/abc');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^id: /);
    expect((await api('GET', '/api/conflicts?resolved=maybe')).status).toBe(400);
  });
});

async function expectReplayed(
  logs: { id: number; userId: number | null; receivedAt: Date; payload: unknown }[],
) {
  for (const log of logs) {
    const job = await q.queue.getJob(`replay-${log.id}`);
    expect(job?.name).toBe('plex-webhook');
    expect(job?.data).toEqual({
      userId: log.userId,
      // The row's source (these are Plex's): it picks the adapter that reads the payload again.
      source: 'plex',
      receivedAt: log.receivedAt.toISOString(),
      payload: log.payload,
      replayOfLogId: log.id,
    });
    const row = await t.db.plexWebhookLog.findFirstOrThrow({ where: { id: log.id } });
    expect(row.actionTaken).toBe('replayed');
  }
}

describe('resolving', () => {
  test.each(['user_selected', 'selected'])(
    '%s: mapping, conflict row, replayed scrobbles',
    async (action) => {
      const { conflict, logs, ratingKey } = await seedConflict({ held: 2 });
      const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
        action,
        tvshowId: icarly2021,
      });
      expect(res.status).toBe(200);
      expect(res.body.replayed).toBe(2);
      expect(res.body.conflict).toMatchObject({
        id: conflict.id,
        resolved: true,
        resolutionAction: 'user_selected',
        resolvedTvshowId: icarly2021,
        heldWebhooks: 0,
      });
      expect(res.body.conflict.resolvedAt).toEqual(expect.any(String));
      const mapping = await t.db.plexShowMapping.findUniqueOrThrow({
        where: {
          userId_source_serverId_plexRatingKey: {
            userId,
            source: 'plex',
            serverId: '',
            plexRatingKey: ratingKey,
          },
        },
      });
      expect(mapping).toMatchObject({
        id: res.body.mapping.id,
        tvshowId: icarly2021,
        matchMethod: 'manual',
        matchConfidence: 1,
        syncEnabled: true,
        plexTitle: 'iCarly',
        plexYear: 2021,
        plexGuid: 'plex://show/5d9c086c46115600200aa2fe',
      });
      await expectReplayed(logs);

      // A second resolution is refused; a second replay finds nothing held and enqueues nothing.
      const again = await api('POST', `/api/conflicts/${conflict.id}/resolve`, { action: 'ignored' });
      expect(again.status).toBe(409);
      expect(again.body.error).toMatch(/already resolved/);
      const before = await q.queue.getJobCounts();
      expect(await replayHeldWebhooks({ db: t.db, queue: q.queue, logger }, conflict.id)).toMatchObject({
        replayed: 0,
      });
      expect(await q.queue.getJobCounts()).toEqual(before);
    },
  );

  test('an existing mapping (same user and rating key) is replaced, not duplicated', async () => {
    const { conflict, ratingKey } = await seedConflict({ held: 1 });
    await t.db.plexShowMapping.create({
      data: {
        userId,
        plexRatingKey: ratingKey,
        plexTitle: 'iCarly',
        tvshowId: icarly2007,
        matchMethod: 'title_year',
        matchConfidence: 0.9,
      },
    });
    const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
      action: 'user_selected',
      tvshowId: icarly2021,
    });
    expect(res.status).toBe(200);
    const rows = await t.db.plexShowMapping.findMany({ where: { userId, plexRatingKey: ratingKey } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tvshowId: icarly2021, matchMethod: 'manual' });
  });

  test.each(['user_created_new', 'create_new'])(
    '%s creates the show first (via the catalogue import)',
    async (action) => {
      const title = `My Home Videos ${action}`;
      const { conflict, logs, ratingKey } = await seedConflict({ held: 1, title });
      const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
        action,
        show: {
          title,
          firstAired: '2020-02-03',
          seasons: [{ number: 1, episodes: [{ number: 1, title: 'Beach', airDate: '2020-02-03' }] }],
        },
      });
      expect(res.status).toBe(200);
      const show = await t.db.tvShow.findFirstOrThrow({ where: { title }, include: { episodes: true } });
      expect(show.normalizedTitle).toBe(`my home videos ${action.replace('_', ' ').replace('_', ' ')}`);
      expect(show.showStartDate?.toISOString().slice(0, 10)).toBe('2020-02-03');
      expect(show.episodes).toHaveLength(1);
      expect(res.body.conflict).toMatchObject({
        resolutionAction: 'user_created_new',
        resolvedTvshowId: show.id,
      });
      const mapping = await t.db.plexShowMapping.findUniqueOrThrow({
        where: {
          userId_source_serverId_plexRatingKey: {
            userId,
            source: 'plex',
            serverId: '',
            plexRatingKey: ratingKey,
          },
        },
      });
      expect(mapping).toMatchObject({ tvshowId: show.id, matchMethod: 'manual', syncEnabled: true });
      expect(res.body.replayed).toBe(1);
      await expectReplayed(logs);
    },
  );

  test('create_new with the tmdb id of a catalogue show reuses that show', async () => {
    const { conflict } = await seedConflict({ held: 0 });
    const before = await t.db.tvShow.count();
    const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
      action: 'create_new',
      show: { title: 'iCarly', firstAired: '2021-06-17', tmdbId: 119243 },
    });
    expect(res.status).toBe(200);
    expect(res.body.mapping.tvshowId).toBe(icarly2021);
    expect(await t.db.tvShow.count()).toBe(before);
  });

  test('ignored: a mapping to no show, sync off, held scrobbles ignored and not replayed', async () => {
    const { conflict, logs, ratingKey } = await seedConflict({ held: 2 });
    const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, { action: 'ignored' });
    expect(res.status).toBe(200);
    expect(res.body.replayed).toBe(0);
    expect(res.body.conflict).toMatchObject({ resolutionAction: 'ignored', resolvedTvshowId: null });
    const mapping = await t.db.plexShowMapping.findUniqueOrThrow({
      where: {
        userId_source_serverId_plexRatingKey: {
          userId,
          source: 'plex',
          serverId: '',
          plexRatingKey: ratingKey,
        },
      },
    });
    expect(mapping).toMatchObject({ tvshowId: null, syncEnabled: false, matchMethod: 'manual' });
    for (const log of logs) {
      expect(await q.queue.getJob(`replay-${log.id}`)).toBeUndefined();
      const row = await t.db.plexWebhookLog.findFirstOrThrow({ where: { id: log.id } });
      expect(row).toMatchObject({ actionTaken: 'ignored_show', status: 'ignored' });
    }
  });

  test.each([
    ['no body', undefined, /action/],
    ['unknown action', { action: 'delete' }, /action must be one of/],
    ['selected without tvshowId', { action: 'selected' }, /tvshowId/],
    ['tvshowId a string', { action: 'user_selected', tvshowId: 'x' }, /tvshowId/],
    ['a show that does not exist', { action: 'user_selected', tvshowId: 999999 }, /does not exist/],
    ['create_new without a show', { action: 'create_new' }, /show/],
    [
      'a bad date',
      { action: 'create_new', show: { title: 'X', firstAired: '2020-13-45' } },
      /show.firstAired/,
    ],
  ])('400: %s, and the conflict stays open', async (_name, body, message) => {
    const { conflict } = await seedConflict({ held: 1 });
    const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, body ?? '');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
    const row = await t.db.plexConflict.findUniqueOrThrow({ where: { id: conflict.id } });
    expect(row.resolved).toBe(false);
  });

  test('malformed JSON -> 400', async () => {
    const { conflict } = await seedConflict({ held: 0 });
    const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, '{"action":');
    expect(res.status).toBe(400);
  });

  test('two concurrent resolutions: exactly one wins, the other gets 409', async () => {
    const { conflict, logs } = await seedConflict({ held: 2 });
    const results = await Promise.all([
      api('POST', `/api/conflicts/${conflict.id}/resolve`, { action: 'selected', tvshowId: icarly2021 }),
      api('POST', `/api/conflicts/${conflict.id}/resolve`, { action: 'selected', tvshowId: icarly2007 }),
      api('POST', `/api/conflicts/${conflict.id}/resolve`, { action: 'ignored' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const winner = results.find((r) => r.status === 200)!;
    const row = await t.db.plexConflict.findUniqueOrThrow({ where: { id: conflict.id } });
    expect(row.resolutionAction).toBe(winner.body.conflict.resolutionAction);
    expect(await t.db.plexShowMapping.count({ where: { plexRatingKey: conflict.plexRatingKey } })).toBe(1);
    if (row.resolutionAction !== 'ignored') await expectReplayed(logs);
  });
});

describe('mappings', () => {
  test('list and delete', async () => {
    const mapping = await t.db.plexShowMapping.create({
      data: {
        userId,
        plexRatingKey: 'map-1',
        plexTitle: 'Bluey',
        tvshowId: icarly2021,
        matchMethod: 'tmdb_id',
        matchConfidence: 1,
      },
    });
    const list = await api('GET', `/api/mappings?userId=${userId}`);
    expect(list.status).toBe(200);
    const row = list.body.items.find((m: { id: number }) => m.id === mapping.id);
    expect(row).toMatchObject({ plexRatingKey: 'map-1', tvshow: { id: icarly2021, title: 'iCarly' } });
    expect((await api('DELETE', `/api/mappings/${mapping.id}`)).status).toBe(204);
    expect(await t.db.plexShowMapping.findUnique({ where: { id: mapping.id } })).toBeNull();
    expect((await api('DELETE', `/api/mappings/${mapping.id}`)).status).toBe(404);
  });
});

describe('webhook logs and stats', () => {
  let otherUser: number;
  beforeAll(async () => {
    otherUser = (await createUserWithSecret(t.db, 'logs-user')).id;
    const now = Date.now();
    const rows: Prisma.PlexWebhookLogCreateManyInput[] = [];
    for (let i = 0; i < 7; i++) {
      rows.push({
        userId: otherUser,
        status: i < 2 ? 'failed' : 'success',
        actionTaken: i < 2 ? null : 'episode_marked',
        errorMessage: i < 2 ? `boom ${i}` : null,
        eventType: 'media.scrobble',
        payload: { event: 'media.scrobble', i },
        receivedAt: new Date(now - i * 1000),
      });
    }
    // Older than 24 h: listed, but not in the stats window.
    rows.push({
      userId: otherUser,
      status: 'ignored',
      actionTaken: 'ignored_event',
      receivedAt: new Date(now - 48 * 3600_000),
    });
    await t.db.plexWebhookLog.createMany({ data: rows });
  });

  test('filters, newest first, without payload unless asked', async () => {
    const all = await api('GET', `/api/webhook-logs?userId=${otherUser}`);
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(8);
    const times = all.body.items.map((r: { receivedAt: string }) => Date.parse(r.receivedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(all.body.items[0].payload).toBeUndefined();
    expect(all.body.nextCursor).toBeNull();
    const failed = await api(
      'GET',
      `/api/webhook-logs?userId=${otherUser}&status=failed&includePayload=true`,
    );
    expect(failed.body.items).toHaveLength(2);
    expect(failed.body.items[0].payload).toEqual({ event: 'media.scrobble', i: 0 });
    const marked = await api('GET', `/api/webhook-logs?userId=${otherUser}&action=episode_marked`);
    expect(marked.body.items).toHaveLength(5);
  });

  test('limit and cursor paging', async () => {
    const seen: number[] = [];
    let cursor: number | null = null;
    do {
      const page: Res = await api(
        'GET',
        `/api/webhook-logs?userId=${otherUser}&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((r: { id: number }) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toHaveLength(8);
    expect(new Set(seen).size).toBe(8);
    const offset = await api('GET', `/api/webhook-logs?userId=${otherUser}&limit=3&offset=3`);
    expect(offset.body.items.map((r: { id: number }) => r.id)).toEqual(seen.slice(3, 6));
  });

  test.each([['limit=0'], ['limit=501'], ['status=nope'], ['action=nope'], ['cursor=-1']])(
    '400 for %s',
    async (query) => {
      const res = await api('GET', `/api/webhook-logs?${query}`);
      expect(res.status).toBe(400);
    },
  );

  test('stats: last 24 h by status and action, latest failures, open conflicts, queue counts', async () => {
    const res = await api('GET', '/api/stats');
    expect(res.status).toBe(200);
    const failed = res.body.byStatus.find((s: { status: string }) => s.status === 'failed');
    expect(failed.count).toBeGreaterThanOrEqual(2);
    expect(failed.lastAt).toEqual(expect.any(String));
    expect(res.body.failedCount).toBe(failed.count);
    expect(
      res.body.byAction.find((a: { action: string }) => a.action === 'episode_marked').count,
    ).toBeGreaterThanOrEqual(5);
    // The 48 h old row is outside the window.
    expect(res.body.byAction.find((a: { action: string }) => a.action === 'ignored_event')).toBeUndefined();
    expect(res.body.recentFailures.length).toBeGreaterThanOrEqual(2);
    expect(res.body.recentFailures.length).toBeLessThanOrEqual(10);
    expect(res.body.recentFailures[0].errorMessage).toMatch(/boom/);
    expect(res.body.unresolvedConflicts).toBe(await t.db.plexConflict.count({ where: { resolved: false } }));
    expect(res.body.queue.counts).toEqual(
      expect.objectContaining({ waiting: expect.any(Number), failed: expect.any(Number) }),
    );
  });
});

describe('users', () => {
  test('create answers the user and its webhook URL; only the hash is stored', async () => {
    const res = await api('POST', '/api/users', { name: 'bob' });
    expect(res.status).toBe(201);
    expect(res.body.user).toEqual({ id: expect.any(Number), name: 'bob' });
    const url = new URL(res.body.webhookUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${PUBLIC_URL}/api/plex/webhook`);
    const secret = url.searchParams.get('secret')!;
    const config = await t.db.plexConfig.findUniqueOrThrow({ where: { userId: res.body.user.id } });
    expect(config.webhookSecretHash).toBe(hashSecret(secret));
    expect(JSON.stringify(config)).not.toContain(secret);
  });

  test.each([[{}], [{ name: '' }], [{ name: 42 }]])('create 400 for %j', async (body) => {
    const res = await api('POST', '/api/users', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/name/);
  });

  test('rotate: the old secret stops working at ingest, the new one works', async () => {
    const created = await api('POST', '/api/users', { name: 'carol' });
    const oldSecret = new URL(created.body.webhookUrl).searchParams.get('secret')!;
    const ingest = await listen(
      createIngestApp({
        config: IngestConfigSchema.parse({}),
        pool: t.pool,
        redis: q.redis,
        queue: q.queue,
        logger,
        metrics: createIngestMetrics(),
        lookupSecret: createSecretLookup(t.pool, 0),
      }),
    );
    try {
      const post = (secret: string) =>
        fetch(`${ingest.url}/api/plex/webhook?secret=${encodeURIComponent(secret)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(buildPlexPayload()),
        });
      expect((await post(oldSecret)).status).toBe(200);
      const rotated = await api('POST', `/api/users/${created.body.user.id}/rotate-secret`);
      expect(rotated.status).toBe(200);
      const newSecret = new URL(rotated.body.webhookUrl).searchParams.get('secret')!;
      expect(newSecret).not.toBe(oldSecret);
      expect(await t.db.plexConfig.count({ where: { webhookSecretHash: hashSecret(oldSecret) } })).toBe(0);
      expect((await post(oldSecret)).status).toBe(401);
      const accepted = await post(newSecret);
      expect(accepted.status).toBe(200);
      const job = await q.queue.getJob(((await accepted.json()) as { id: string }).id);
      expect(job?.data.userId).toBe(created.body.user.id);
    } finally {
      await ingest.close();
    }
    expect((await api('POST', '/api/users/999999/rotate-secret')).status).toBe(404);
  });

  test('plex-config: validated partial update', async () => {
    const res = await api('PATCH', `/api/users/${userId}/plex-config`, {
      enabled: false,
      plexUsernames: ['alice', '12345'],
      autoMarkWatched: false,
      autoResolve: true,
      matchThreshold: 0.9,
      plexServerUrl: 'http://192.168.1.10:32400',
      plexToken: 'plex-token-abc',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      userId,
      enabled: false,
      plexUsernames: ['alice', '12345'],
      autoResolve: true,
      matchThreshold: 0.9,
      plexTokenSet: true,
    });
    expect(JSON.stringify(res.body)).not.toContain('plex-token-abc');
    const partial = await api('PATCH', `/api/users/${userId}/plex-config`, { enabled: true });
    expect(partial.body).toMatchObject({ enabled: true, autoResolve: true, matchThreshold: 0.9 });
    const row = await t.db.plexConfig.findUniqueOrThrow({ where: { userId } });
    expect(row).toMatchObject({ enabled: true, autoMarkWatched: false, plexToken: 'plex-token-abc' });
  });

  test.each([
    [{ matchThreshold: 1.5 }, /matchThreshold/],
    [{ matchThreshold: -0.1 }, /matchThreshold/],
    [{ enabled: 'yes' }, /enabled/],
    [{ plexServerUrl: 'ftp://x' }, /plexServerUrl/],
    [{ plexUsernames: 'alice' }, /plexUsernames/],
    [{ webhookSecretHash: 'x' }, /webhookSecretHash/],
  ])('plex-config 400 for %j', async (body, message) => {
    const res = await api('PATCH', `/api/users/${userId}/plex-config`, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });

  test('plex-config 404 for an unknown user', async () => {
    expect((await api('PATCH', '/api/users/999999/plex-config', { enabled: true })).status).toBe(404);
  });
});

describe('catalogue import', () => {
  test('the demo catalogue a second time: everything unchanged', async () => {
    const res = await api('POST', '/api/catalog/import', catalog);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      shows: { created: 0, updated: 0, unchanged: 14 },
      episodes: { created: 0, updated: 0, unchanged: 27 },
      movies: { created: 0, updated: 0, unchanged: 6 },
    });
  });

  test('create, then update by tmdb id / imdb id / title + first aired, then unchanged', async () => {
    const first = {
      shows: [
        {
          title: 'Show A',
          firstAired: '2001-01-01',
          tmdbId: 900001,
          seasons: [{ number: 1, episodes: [{ number: 1, title: 'One' }] }],
        },
        { title: 'Show B', firstAired: '2002-02-02', imdbId: 'tt9000002' },
        { title: 'Show C', firstAired: '2003-03-03' },
      ],
      movies: [
        { title: 'Movie A', year: 2001, tmdbId: 900001 },
        { title: 'Movie B', year: 2002 },
      ],
    };
    const created = await api('POST', '/api/catalog/import', first);
    expect(created.body).toEqual({
      shows: { created: 3, updated: 0, unchanged: 0 },
      episodes: { created: 1, updated: 0, unchanged: 0 },
      movies: { created: 2, updated: 0, unchanged: 0 },
    });
    const second = {
      shows: [
        {
          title: 'Show A!',
          firstAired: '2001-01-01',
          tmdbId: 900001,
          seasons: [
            {
              number: 1,
              episodes: [
                { number: 1, title: 'One', airDate: '2001-01-01' },
                { number: 2, title: 'Two' },
              ],
            },
          ],
        },
        { title: 'Show B', firstAired: '2002-02-02', imdbId: 'tt9000002', tvdbId: 900002 },
        { title: 'show c', firstAired: '2003-03-03', lastAired: '2004-04-04' },
      ],
      movies: [
        { title: 'Movie A', year: 2001, tmdbId: 900001, imdbId: 'tt9000001' },
        { title: 'Movie B', year: 2002 },
      ],
    };
    const updated = await api('POST', '/api/catalog/import', second);
    expect(updated.body).toEqual({
      shows: { created: 0, updated: 3, unchanged: 0 },
      episodes: { created: 1, updated: 1, unchanged: 0 },
      movies: { created: 0, updated: 1, unchanged: 1 },
    });
    const showA = await t.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 900001 } });
    expect(showA).toMatchObject({ title: 'Show A!', normalizedTitle: 'show a' });
    expect((await t.db.tvShow.findFirstOrThrow({ where: { normalizedTitle: 'show c' } })).title).toBe(
      'show c',
    );
    const again = await api('POST', '/api/catalog/import', second);
    expect(again.body).toEqual({
      shows: { created: 0, updated: 0, unchanged: 3 },
      episodes: { created: 0, updated: 0, unchanged: 2 },
      movies: { created: 0, updated: 0, unchanged: 2 },
    });
  });

  test.each([
    [{ shows: [{ title: 'X', firstAired: '2020-02-30' }] }, /shows.0.firstAired/],
    [{ shows: [{ title: 'X', firstAired: '20-01-01' }] }, /YYYY-MM-DD/],
    [{ shows: [{ firstAired: '2020-01-01' }] }, /shows.0.title/],
    [{ shows: [{ title: 'X', tmdbId: 'abc' }] }, /tmdbId/],
    [{ movies: [{ title: 'M', imdbId: '12345' }] }, /imdbId/],
    [[], /expected object/],
  ])('400 for an invalid catalogue %#', async (body, message) => {
    const res = await api('POST', '/api/catalog/import', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });

  test('an import that fails half-way changes nothing (400)', async () => {
    const before = await t.db.tvShow.count();
    const res = await api('POST', '/api/catalog/import', {
      shows: [
        { title: 'Fresh Show', firstAired: '2010-01-01', tmdbId: 910001 },
        // Breaking Bad by tmdb id, but claiming Game of Thrones' tvdb id: the unique key refuses it.
        { title: 'Breaking Bad', firstAired: '2008-01-20', tmdbId: 1396, tvdbId: 121361 },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/contradicts/);
    expect(await t.db.tvShow.count()).toBe(before);
    expect(await t.db.tvShow.findUnique({ where: { tmdbId: 910001 } })).toBeNull();
  });
});

describe('catalogue import: original titles', () => {
  test('normalized_original_title is filled for shows and movies, idempotently', async () => {
    const catalogue = {
      shows: [
        { title: 'Money Heist', originalTitle: 'La casa de papel', firstAired: '2017-05-02', tmdbId: 940001 },
        { title: 'No Original Show', firstAired: '2017-05-03', tmdbId: 940002 },
      ],
      movies: [
        { title: 'Spirited Away', originalTitle: '千と千尋の神隠し', year: 2001, tmdbId: 940003 },
        { title: 'Amélie', originalTitle: "Le Fabuleux Destin d'Amélie Poulain", year: 2001, tmdbId: 940004 },
        { title: 'No Original Movie', year: 2001, tmdbId: 940005 },
      ],
    };
    const first = await api('POST', '/api/catalog/import', catalogue);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ shows: { created: 2 }, movies: { created: 3 } });
    expect(await t.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 940001 } })).toMatchObject({
      originalTitle: 'La casa de papel',
      normalizedOriginalTitle: 'la casa de papel',
    });
    expect(
      (await t.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 940002 } })).normalizedOriginalTitle,
    ).toBeNull();
    expect(await t.db.movie.findUniqueOrThrow({ where: { tmdbId: 940003 } })).toMatchObject({
      normalizedOriginalTitle: '千と千尋の神隠し',
    });
    expect(await t.db.movie.findUniqueOrThrow({ where: { tmdbId: 940004 } })).toMatchObject({
      normalizedOriginalTitle: 'le fabuleux destin damelie poulain',
    });
    expect(
      (await t.db.movie.findUniqueOrThrow({ where: { tmdbId: 940005 } })).normalizedOriginalTitle,
    ).toBeNull();

    const again = await api('POST', '/api/catalog/import', catalogue);
    expect(again.body).toEqual({
      shows: { created: 0, updated: 0, unchanged: 2 },
      episodes: { created: 0, updated: 0, unchanged: 0 },
      movies: { created: 0, updated: 0, unchanged: 3 },
    });

    // A row written before the column existed (original title, no key) is filled in: updated once.
    await t.db.tvShow.update({ where: { tmdbId: 940001 }, data: { normalizedOriginalTitle: null } });
    await t.db.movie.update({ where: { tmdbId: 940003 }, data: { normalizedOriginalTitle: null } });
    const backfill = await api('POST', '/api/catalog/import', catalogue);
    expect(backfill.body).toMatchObject({
      shows: { updated: 1, unchanged: 1 },
      movies: { updated: 1, unchanged: 2 },
    });
    expect((await t.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 940001 } })).normalizedOriginalTitle).toBe(
      'la casa de papel',
    );

    // A new original title replaces both columns; leaving it out keeps what is known.
    const renamed = await api('POST', '/api/catalog/import', {
      movies: [
        {
          title: 'Spirited Away',
          originalTitle: 'Sen to Chihiro no Kamikakushi',
          year: 2001,
          tmdbId: 940003,
        },
        { title: 'Amélie', year: 2001, tmdbId: 940004 },
      ],
    });
    expect(renamed.body.movies).toEqual({ created: 0, updated: 1, unchanged: 1 });
    expect(await t.db.movie.findUniqueOrThrow({ where: { tmdbId: 940003 } })).toMatchObject({
      originalTitle: 'Sen to Chihiro no Kamikakushi',
      normalizedOriginalTitle: 'sen to chihiro no kamikakushi',
    });
    expect((await t.db.movie.findUniqueOrThrow({ where: { tmdbId: 940004 } })).normalizedOriginalTitle).toBe(
      'le fabuleux destin damelie poulain',
    );
  });

  test('a show created while resolving a conflict gets its original title key too', async () => {
    const { conflict } = await seedConflict({ held: 0, title: 'Dark' });
    const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
      action: 'create_new',
      show: { title: 'Dark', originalTitle: 'Dark (DE)', firstAired: '2017-12-01', tmdbId: 940010 },
    });
    expect(res.status).toBe(200);
    expect(await t.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 940010 } })).toMatchObject({
      normalizedOriginalTitle: 'dark de',
    });
  });
});

describe('movie conflicts', () => {
  let thing1982: number;
  let thing2011: number;
  beforeAll(async () => {
    const res = await runCatalogImport(t.db, {
      movies: [
        { title: 'The Thing', year: 1982, tmdbId: 1091, imdbId: 'tt0084787' },
        { title: 'The Thing', year: 2011, tmdbId: 60935, imdbId: 'tt0905372' },
      ],
    });
    expect(res.movies.created).toBe(2);
    thing1982 = (await t.db.movie.findUniqueOrThrow({ where: { tmdbId: 1091 } })).id;
    thing2011 = (await t.db.movie.findUniqueOrThrow({ where: { tmdbId: 60935 } })).id;
  });

  /** A movie conflict as match-movie.ts leaves it: movieId candidates, held movie scrobbles. */
  async function seedMovieConflict(opts: { held?: number; user?: number } = {}) {
    const user = opts.user ?? userId;
    const ratingKey = `movie-${ratingKeySeq++}`;
    const conflict = await t.db.plexConflict.create({
      data: {
        userId: user,
        plexRatingKey: ratingKey,
        plexGuid: 'plex://movie/5d776826880197001ec96fd6',
        plexTitle: 'The Thing',
        plexYear: null,
        mediaType: 'movie',
        conflictType: 'multiple_matches',
        potentialMatches: [
          {
            movieId: thing1982,
            title: 'The Thing',
            year: 1982,
            confidence: 0.9,
            titleScore: 1,
            evidence: [],
          },
          {
            movieId: thing2011,
            title: 'The Thing',
            year: 2011,
            confidence: 0.9,
            titleScore: 1,
            evidence: [],
          },
        ] as Prisma.InputJsonValue,
      },
    });
    const logs = [];
    for (let i = 0; i < (opts.held ?? 2); i++) {
      const payload = buildPlexPayload({
        Metadata: {
          ratingKey,
          type: 'movie',
          librarySectionType: 'movie',
          title: 'The Thing',
          year: undefined,
          grandparentRatingKey: undefined,
          grandparentTitle: undefined,
          index: undefined,
          parentIndex: undefined,
        },
      });
      logs.push(
        await t.db.plexWebhookLog.create({
          data: {
            userId: user,
            jobId: `job-${ratingKey}-${i}`,
            eventType: 'media.scrobble',
            plexRatingKey: ratingKey,
            plexTitle: 'The Thing',
            payload: payload as Prisma.InputJsonValue,
            status: 'success',
            actionTaken: i === 0 ? 'conflict_created' : 'conflict_pending',
            conflictId: conflict.id,
            receivedAt: new Date(Date.now() - (10 - i) * 60_000),
          },
        }),
      );
    }
    return { conflict, logs, ratingKey };
  }

  test('listed and shown with mediaType; ?mediaType= filters', async () => {
    const { conflict } = await seedMovieConflict({ held: 1 });
    const show = await seedConflict({ held: 0 });
    const all = await api('GET', '/api/conflicts?resolved=false');
    const row = all.body.items.find((c: { id: number }) => c.id === conflict.id);
    expect(row).toMatchObject({ mediaType: 'movie', heldWebhooks: 1, resolvedMovieId: null });
    expect(row.potentialMatches.map((m: { movieId: number }) => m.movieId)).toEqual([thing1982, thing2011]);
    expect(all.body.items.find((c: { id: number }) => c.id === show.conflict.id).mediaType).toBe('show');

    const movies = await api('GET', '/api/conflicts?resolved=false&mediaType=movie');
    expect(movies.status).toBe(200);
    expect(movies.body.items.length).toBeGreaterThan(0);
    expect(movies.body.items.every((c: { mediaType: string }) => c.mediaType === 'movie')).toBe(true);
    const shows = await api('GET', '/api/conflicts?mediaType=show');
    expect(shows.body.items.some((c: { id: number }) => c.id === conflict.id)).toBe(false);
    const bad = await api('GET', '/api/conflicts?mediaType=episode');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/mediaType/);

    const one = await api('GET', `/api/conflicts/${conflict.id}`);
    expect(one.body).toMatchObject({ id: conflict.id, mediaType: 'movie', heldWebhooks: 1 });
  });

  test.each(['user_selected', 'selected'])(
    '%s with movieId: movie mapping, resolved_movie_id, replayed scrobbles',
    async (action) => {
      const { conflict, logs, ratingKey } = await seedMovieConflict({ held: 2 });
      const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, { action, movieId: thing2011 });
      expect(res.status).toBe(200);
      expect(res.body.replayed).toBe(2);
      expect(res.body.conflict).toMatchObject({
        id: conflict.id,
        mediaType: 'movie',
        resolved: true,
        resolutionAction: 'user_selected',
        resolvedMovieId: thing2011,
        resolvedTvshowId: null,
        heldWebhooks: 0,
      });
      const mapping = await t.db.plexMovieMapping.findUniqueOrThrow({
        where: {
          userId_source_serverId_plexRatingKey: {
            userId,
            source: 'plex',
            serverId: '',
            plexRatingKey: ratingKey,
          },
        },
      });
      expect(mapping).toMatchObject({
        id: res.body.mapping.id,
        movieId: thing2011,
        matchMethod: 'manual',
        matchConfidence: 1,
        syncEnabled: true,
        plexTitle: 'The Thing',
        plexGuid: 'plex://movie/5d776826880197001ec96fd6',
      });
      expect(res.body.mapping).toMatchObject({ mediaType: 'movie', movieId: thing2011 });
      // No show mapping for a movie's rating key.
      expect(await t.db.plexShowMapping.count({ where: { plexRatingKey: ratingKey } })).toBe(0);
      await expectReplayed(logs);

      const again = await api('POST', `/api/conflicts/${conflict.id}/resolve`, { action: 'ignored' });
      expect(again.status).toBe(409);
    },
  );

  test('an existing movie mapping is replaced, not duplicated', async () => {
    const { conflict, ratingKey } = await seedMovieConflict({ held: 0 });
    await t.db.plexMovieMapping.create({
      data: {
        userId,
        plexRatingKey: ratingKey,
        plexTitle: 'The Thing',
        movieId: thing1982,
        matchMethod: 'title_year',
        matchConfidence: 0.9,
      },
    });
    const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
      action: 'selected',
      movieId: thing2011,
    });
    expect(res.status).toBe(200);
    const rows = await t.db.plexMovieMapping.findMany({ where: { userId, plexRatingKey: ratingKey } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ movieId: thing2011, matchMethod: 'manual', matchConfidence: 1 });
  });

  test.each(['user_created_new', 'create_new'])(
    '%s with a movie creates it (via the catalogue import) and maps to it',
    async (action) => {
      const { conflict, logs, ratingKey } = await seedMovieConflict({ held: 1 });
      const title = `The Thing (Director's Cut ${action})`;
      const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
        action,
        movie: { title, originalTitle: 'La Cosa', year: 1982 },
      });
      expect(res.status).toBe(200);
      const movie = await t.db.movie.findFirstOrThrow({ where: { title } });
      expect(movie).toMatchObject({ year: 1982, normalizedOriginalTitle: 'la cosa' });
      expect(movie.normalizedTitle).toMatch(/^thing directors cut/);
      expect(res.body.conflict).toMatchObject({
        resolutionAction: 'user_created_new',
        resolvedMovieId: movie.id,
      });
      expect(
        await t.db.plexMovieMapping.findUniqueOrThrow({
          where: {
            userId_source_serverId_plexRatingKey: {
              userId,
              source: 'plex',
              serverId: '',
              plexRatingKey: ratingKey,
            },
          },
        }),
      ).toMatchObject({ movieId: movie.id, matchMethod: 'manual', syncEnabled: true });
      expect(res.body.replayed).toBe(1);
      await expectReplayed(logs);
    },
  );

  test('create_new with the tmdb id of a catalogue movie reuses that movie', async () => {
    const { conflict } = await seedMovieConflict({ held: 0 });
    const before = await t.db.movie.count();
    const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
      action: 'create_new',
      movie: { title: 'The Thing', year: 2011, tmdbId: 60935 },
    });
    expect(res.status).toBe(200);
    expect(res.body.mapping.movieId).toBe(thing2011);
    expect(await t.db.movie.count()).toBe(before);
  });

  test('ignored: a movie mapping to no movie, sync off, held scrobbles ignored', async () => {
    const { conflict, logs, ratingKey } = await seedMovieConflict({ held: 2 });
    const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, { action: 'ignored' });
    expect(res.status).toBe(200);
    expect(res.body.replayed).toBe(0);
    expect(res.body.conflict).toMatchObject({
      resolutionAction: 'ignored',
      resolvedMovieId: null,
      resolvedTvshowId: null,
    });
    expect(res.body.mapping).toMatchObject({ mediaType: 'movie', movieId: null, syncEnabled: false });
    expect(
      await t.db.plexMovieMapping.findUniqueOrThrow({
        where: {
          userId_source_serverId_plexRatingKey: {
            userId,
            source: 'plex',
            serverId: '',
            plexRatingKey: ratingKey,
          },
        },
      }),
    ).toMatchObject({ movieId: null, syncEnabled: false, matchMethod: 'manual' });
    expect(await t.db.plexShowMapping.count({ where: { plexRatingKey: ratingKey } })).toBe(0);
    for (const log of logs) {
      expect(await q.queue.getJob(`replay-${log.id}`)).toBeUndefined();
      expect(await t.db.plexWebhookLog.findFirstOrThrow({ where: { id: log.id } })).toMatchObject({
        actionTaken: 'ignored_show',
        status: 'ignored',
      });
    }
  });

  test.each([
    [
      'show conflict + movieId',
      'show',
      { action: 'selected', movieId: 1 },
      /is about a show: resolve it with tvshowId, not movieId/,
    ],
    [
      'show conflict + movie',
      'show',
      { action: 'create_new', movie: { title: 'X', year: 2000 } },
      /is about a show: resolve it with show, not movie/,
    ],
    [
      'movie conflict + tvshowId',
      'movie',
      { action: 'selected', tvshowId: 1 },
      /is about a movie: resolve it with movieId, not tvshowId/,
    ],
    [
      'movie conflict + show',
      'movie',
      { action: 'create_new', show: { title: 'X' } },
      /is about a movie: resolve it with movie, not show/,
    ],
    [
      'both ids',
      'movie',
      { action: 'selected', tvshowId: 1, movieId: 1 },
      /exactly one of tvshowId .* or movieId/,
    ],
    ['neither id', 'movie', { action: 'selected' }, /exactly one of tvshowId .* or movieId/],
    [
      'both show and movie',
      'movie',
      { action: 'create_new', show: { title: 'X' }, movie: { title: 'X' } },
      /exactly one of show .* or movie/,
    ],
    ['movieId a string', 'movie', { action: 'selected', movieId: 'x' }, /movieId/],
    [
      'a movie that does not exist',
      'movie',
      { action: 'selected', movieId: 999999 },
      /movie 999999 does not exist/,
    ],
    [
      'an invalid new movie',
      'movie',
      { action: 'create_new', movie: { title: '', year: 2000 } },
      /movie\.title/,
    ],
  ])('400 for %s; the conflict stays open', async (_name, kind, body, message) => {
    const { conflict } =
      kind === 'movie' ? await seedMovieConflict({ held: 0 }) : await seedConflict({ held: 0 });
    const res = await api('POST', `/api/conflicts/${conflict.id}/resolve`, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
    const row = await t.db.plexConflict.findUniqueOrThrow({ where: { id: conflict.id } });
    expect(row).toMatchObject({ resolved: false, resolvedMovieId: null, resolvedTvshowId: null });
    expect(await t.db.plexMovieMapping.count({ where: { plexRatingKey: conflict.plexRatingKey } })).toBe(0);
    expect(await t.db.plexShowMapping.count({ where: { plexRatingKey: conflict.plexRatingKey } })).toBe(0);
  });

  test('late held scrobbles: resolve replays rows held while it was replaying', async () => {
    const { conflict, logs, ratingKey } = await seedMovieConflict({ held: 1 });
    let late: { id: number } | undefined;
    // A worker that saw the conflict open holds one more scrobble on it while we replay.
    const racingQueue = new Proxy(q.queue, {
      get(target, prop, receiver) {
        if (prop !== 'add') return Reflect.get(target, prop, receiver);
        return async (...args: Parameters<typeof target.add>) => {
          const job = await target.add(...args);
          late ??= await t.db.plexWebhookLog.create({
            data: {
              userId,
              jobId: `late-${ratingKey}`,
              plexRatingKey: ratingKey,
              payload: logs[0]!.payload as Prisma.InputJsonValue,
              status: 'success',
              actionTaken: 'conflict_pending',
              conflictId: conflict.id,
              receivedAt: new Date(),
            },
          });
          return job;
        };
      },
    });
    const result = await resolveConflict({ db: t.db, queue: racingQueue, logger }, conflict.id, {
      action: 'selected',
      movieId: thing1982,
    });
    expect(late).toBeDefined();
    expect(result.replayed).toBe(2);
    expect(result.conflict.heldWebhooks).toBe(0);
    const lateRow = await t.db.plexWebhookLog.findFirstOrThrow({ where: { id: late!.id } });
    await expectReplayed([...logs, lateRow]);
  });

  test('POST /replay releases rows held on a conflict after it was resolved', async () => {
    const { conflict, ratingKey } = await seedMovieConflict({ held: 1 });
    const resolved = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
      action: 'selected',
      movieId: thing1982,
    });
    expect(resolved.body.replayed).toBe(1);
    const late = await t.db.plexWebhookLog.create({
      data: {
        userId,
        plexRatingKey: ratingKey,
        payload: buildPlexPayload({ Metadata: { ratingKey, type: 'movie' } }) as Prisma.InputJsonValue,
        status: 'success',
        actionTaken: 'conflict_pending',
        conflictId: conflict.id,
        receivedAt: new Date(),
      },
    });
    expect((await api('GET', `/api/conflicts/${conflict.id}`)).body.heldWebhooks).toBe(1);
    const replay = await api('POST', `/api/conflicts/${conflict.id}/replay`);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ replayed: 1, skipped: 0, failed: 0 });
    await expectReplayed([late]);
    expect((await api('POST', `/api/conflicts/${conflict.id}/replay`)).body).toMatchObject({ replayed: 0 });

    // On an ignored conflict a late row is released as ignored, never replayed.
    const ignored = await seedMovieConflict({ held: 0 });
    await api('POST', `/api/conflicts/${ignored.conflict.id}/resolve`, { action: 'ignored' });
    const lateIgnored = await t.db.plexWebhookLog.create({
      data: {
        userId,
        plexRatingKey: ignored.ratingKey,
        payload: buildPlexPayload() as Prisma.InputJsonValue,
        status: 'success',
        actionTaken: 'conflict_pending',
        conflictId: ignored.conflict.id,
        receivedAt: new Date(),
      },
    });
    const released = await api('POST', `/api/conflicts/${ignored.conflict.id}/replay`);
    expect(released.body).toMatchObject({ replayed: 0, ignored: 1 });
    expect(await t.db.plexWebhookLog.findFirstOrThrow({ where: { id: lateIgnored.id } })).toMatchObject({
      actionTaken: 'ignored_show',
      status: 'ignored',
    });
    expect(await q.queue.getJob(`replay-${lateIgnored.id}`)).toBeUndefined();

    // An open conflict is resolved, not replayed.
    const open = await seedMovieConflict({ held: 1 });
    expect((await api('POST', `/api/conflicts/${open.conflict.id}/replay`)).status).toBe(409);
  });
});

describe('mappings of both kinds', () => {
  let owner: number;
  let movieId: number;
  beforeAll(async () => {
    owner = (await createUserWithSecret(t.db, 'mapping-owner')).id;
    movieId = (await t.db.movie.findUniqueOrThrow({ where: { tmdbId: 949 } })).id;
  });

  test('listed together with mediaType, newest first, paged across both; ?mediaType= filters', async () => {
    const base = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 3; i++) {
      await t.db.plexShowMapping.create({
        data: {
          userId: owner,
          plexRatingKey: `s-${i}`,
          plexTitle: `Show ${i}`,
          tvshowId: icarly2021,
          matchMethod: 'tmdb_id',
          matchConfidence: 1,
          updatedAt: new Date(base + 2 * i * 60_000),
        },
      });
      await t.db.plexMovieMapping.create({
        data: {
          userId: owner,
          plexRatingKey: `m-${i}`,
          plexTitle: `Movie ${i}`,
          movieId: i === 2 ? null : movieId,
          syncEnabled: i !== 2,
          matchMethod: 'manual',
          matchConfidence: 1,
          updatedAt: new Date(base + (2 * i + 1) * 60_000),
        },
      });
    }
    const all = await api('GET', `/api/mappings?userId=${owner}`);
    expect(all.status).toBe(200);
    expect(all.body.items.map((m: { plexRatingKey: string }) => m.plexRatingKey)).toEqual([
      'm-2',
      's-2',
      'm-1',
      's-1',
      'm-0',
      's-0',
    ]);
    expect(all.body.items[0]).toMatchObject({
      mediaType: 'movie',
      movieId: null,
      movie: null,
      syncEnabled: false,
    });
    expect(all.body.items[1]).toMatchObject({
      mediaType: 'show',
      tvshow: { id: icarly2021, title: 'iCarly' },
    });
    expect(all.body.items[2]).toMatchObject({
      mediaType: 'movie',
      movie: { id: movieId, title: 'Heat', year: 1995 },
    });

    const pages: string[] = [];
    for (let offset = 0; offset < 8; offset += 4) {
      const page = await api('GET', `/api/mappings?userId=${owner}&limit=4&offset=${offset}`);
      pages.push(...page.body.items.map((m: { plexRatingKey: string }) => m.plexRatingKey));
    }
    expect(pages).toEqual(all.body.items.map((m: { plexRatingKey: string }) => m.plexRatingKey));

    const movies = await api('GET', `/api/mappings?userId=${owner}&mediaType=movie&limit=2&offset=1`);
    expect(movies.body.items.map((m: { plexRatingKey: string }) => m.plexRatingKey)).toEqual(['m-1', 'm-0']);
    const shows = await api('GET', `/api/mappings?userId=${owner}&mediaType=show`);
    expect(shows.body.items.map((m: { mediaType: string }) => m.mediaType)).toEqual(['show', 'show', 'show']);
    expect((await api('GET', '/api/mappings?mediaType=film')).status).toBe(400);
  });

  test('DELETE needs ?mediaType=movie for a movie mapping (ids are per table); show by default', async () => {
    const sameId = 900_001;
    await t.db.plexShowMapping.create({
      data: {
        id: sameId,
        userId: owner,
        plexRatingKey: 'same-id-show',
        plexTitle: 'Bluey',
        tvshowId: icarly2021,
        matchMethod: 'manual',
        matchConfidence: 1,
      },
    });
    await t.db.plexMovieMapping.create({
      data: {
        id: sameId,
        userId: owner,
        plexRatingKey: 'same-id-movie',
        plexTitle: 'Heat',
        movieId,
        matchMethod: 'manual',
        matchConfidence: 1,
      },
    });
    expect((await api('DELETE', `/api/mappings/${sameId}?mediaType=movie`)).status).toBe(204);
    expect(await t.db.plexMovieMapping.findUnique({ where: { id: sameId } })).toBeNull();
    expect(await t.db.plexShowMapping.findUnique({ where: { id: sameId } })).not.toBeNull();
    const gone = await api('DELETE', `/api/mappings/${sameId}?mediaType=movie`);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatch(/movie mapping 900001 not found/);

    expect((await api('DELETE', `/api/mappings/${sameId}`)).status).toBe(204);
    expect(await t.db.plexShowMapping.findUnique({ where: { id: sameId } })).toBeNull();
    expect((await api('DELETE', `/api/mappings/${sameId}?mediaType=show`)).status).toBe(404);
    const bad = await api('DELETE', `/api/mappings/${sameId}?mediaType=episode`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/mediaType must be show or movie/);
  });
});
