// history:import and catalog:import --from-plex as a person runs them (the CLI in its own
// process) against the fake Plex server, with the worker (webhook + history) in this process;
// and the reference scenario built from the fake server's library alone: catalogue from Plex,
// history row -> conflict (iCarly 2007 vs 2021) -> resolved to 2021 -> mapping manual -> the
// held row replayed and the episode watched; the next episode's row marked at once.
import { createWorkerStore } from '@plexhook/db';
import { createHistoryWorker, type HistoryWorker } from '@plexhook/worker';
import pino from 'pino';
import { listenDashboard, runCli, webLogin } from '../../../test/helpers/dashboard';
import { addShow, type FakePlex, historyRow, startFakePlex } from '../../../test/helpers/fake-plex-server';
import type { Listening } from '../../../test/helpers/http';
import { type Pipeline, startPipeline } from '../../../test/helpers/pipeline';
import { TEST_REDIS_URL } from '../../../test/helpers/redis';
import { waitFor } from '../../../test/helpers/wait';

jest.setTimeout(180_000);

const TOKEN = 'history-admin-token-0123456789abc';
let p: Pipeline;
let plex: FakePlex;
let history: HistoryWorker | undefined;
let dashboard: Listening;

beforeAll(async () => {
  p = await startPipeline('histcli');
  plex = await startFakePlex();
  dashboard = await listenDashboard(
    { db: p.db, redis: p.q.redis, queue: p.q.queue },
    { ADMIN_TOKEN: TOKEN, PUBLIC_WEBHOOK_URL: p.ingest.url },
  );
});
afterAll(async () => {
  await history?.close();
  await dashboard?.close();
  await plex?.close();
  await p?.close();
});

const env = () => ({ DATABASE_URL: p.t.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: p.q.prefix });

function startWorkers() {
  p.worker ?? p.startWorker();
  history ??= createHistoryWorker({
    db: p.db,
    store: createWorkerStore(p.db),
    redis: p.q.redis,
    logger: pino({ level: 'silent' }),
    prefix: p.q.prefix,
    options: { pageSize: 50, requestTimeoutMs: 2_000 },
    schedulerRefreshMs: 3_600_000,
  });
}

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${dashboard.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { items?: unknown[] } };
}

test('history:import without a worker says so, exits 1 and queues nothing', async () => {
  const user = await p.createUser('no-worker');
  await p.db.plexConfig.update({
    where: { userId: user.id },
    data: { plexServerUrl: plex.url, plexToken: plex.token },
  });
  const run = await runCli(['history:import', '--user', String(user.id)], env());
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/no worker is running/);
  expect(run.stderr).not.toContain(plex.token);
});

test('the reference scenario from the fake Plex library alone (no JSON file), through the CLI and the API', async () => {
  startWorkers();
  const lib = plex.library;
  const old = addShow(lib, {
    ratingKey: 2000,
    title: 'iCarly',
    year: 2007,
    originallyAvailableAt: '2007-09-08',
    guids: ['tmdb://5371', 'tvdb://79826'],
    seasons: [
      {
        index: 1,
        episodes: [
          { index: 1, title: 'iPilot', airDate: '2007-09-08' },
          { index: 2, title: 'iWant More Viewers', airDate: '2007-09-15' },
        ],
      },
    ],
  });
  const revival = addShow(lib, {
    ratingKey: 3000,
    title: 'iCarly',
    year: 2021,
    originallyAvailableAt: '2021-06-17',
    guids: ['tmdb://119243', 'imdb://tt11881006'],
    seasons: [
      {
        index: 1,
        episodes: [
          { index: 1, title: 'iStart Over', airDate: '2021-06-17' },
          { index: 2, title: 'iHate Change', airDate: '2021-06-17' },
        ],
      },
    ],
  });
  // The user's own copy: Plex never matched it (local agent, no external ids), so only its
  // title and episode facts are there to go by.
  const mine = addShow(lib, {
    ratingKey: 990,
    title: 'iCarly',
    guid: 'local://990',
    guids: [],
    seasons: [
      {
        index: 1,
        episodes: [
          { index: 1, title: 'iStart Over', airDate: '2021-06-17' },
          { index: 2, title: 'iHate Change', airDate: '2021-06-17' },
        ],
      },
    ],
  });
  expect(old.episodes).toHaveLength(2);
  expect(revival.episodes).toHaveLength(2);
  const user = await p.createUser('reference');
  await p.db.plexConfig.update({
    where: { userId: user.id },
    data: { plexServerUrl: plex.url, plexToken: plex.token },
  });

  // The catalogue, from the library: two iCarly shows with their ids and episodes; the
  // unmatched copy is skipped with its reason. A second run changes nothing.
  const cat = await runCli(['catalog:import', '--from-plex', '--user', String(user.id)], env());
  expect(cat.stderr).toBe('');
  expect(cat.code).toBe(0);
  expect(cat.stdout).toMatch(/shows\s+2 created/);
  expect(cat.stdout).toMatch(/episodes\s+4 created/);
  expect(cat.stdout).toMatch(/iCarly: no tmdb, tvdb or imdb id/);
  const again = await runCli(['catalog:import', '--from-plex', '--user', String(user.id)], env());
  expect(again.stdout).toMatch(/shows\s+0 created, 0 updated, 2 unchanged/);
  const [icarly2007, icarly2021] = await Promise.all([
    p.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 5371 } }),
    p.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 119243 }, include: { episodes: true } }),
  ]);
  expect(icarly2021.showStartDate?.toISOString().slice(0, 10)).toBe('2021-06-17');

  // The history holds S01E01 of the user's copy: the import files it under a conflict.
  const at = Date.UTC(2024, 2, 1, 20, 0, 0) / 1000;
  lib.history = [historyRow(mine.episodes[0]!, { viewedAt: at, historyId: 900_001 })];
  const imported = await runCli(['history:import', '--user', String(user.id)], env());
  expect(imported.stderr).toBe('');
  expect(imported.code).toBe(0);
  expect(imported.stdout).toMatch(/history imported: 1 new rows/);
  expect(imported.stdout).toMatch(/conflicts\s+1 rows held \(1 conflicts created/);
  const held = await p.db.plexWebhookLog.findFirstOrThrow({
    where: { userId: user.id, eventType: 'history.play' },
  });
  expect(held).toMatchObject({ actionTaken: 'conflict_created', plexRatingKey: '990' });

  const open = await api('GET', `/api/conflicts?resolved=false&userId=${user.id}`);
  expect(open.body.items).toHaveLength(1);
  const conflict = open.body.items![0] as {
    id: number;
    conflictType: string;
    potentialMatches: { tvshowId: number }[];
  };
  expect(conflict.conflictType).toBe('multiple_matches');
  expect(conflict.potentialMatches.map((m) => m.tvshowId).sort()).toEqual(
    [icarly2007.id, icarly2021.id].sort(),
  );

  const resolved = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
    action: 'user_selected',
    tvshowId: icarly2021.id,
  });
  expect(resolved.status).toBe(200);
  expect(resolved.body.replayed).toBe(1);
  const episode = (n: number) =>
    icarly2021.episodes.find((e) => e.seasonNumber === 1 && e.episodeNumber === n)!;
  const watch = await waitFor(() =>
    p.db.episodeWatch.findFirst({ where: { userId: user.id, episodeId: episode(1).id } }),
  );
  expect(watch).toMatchObject({ source: 'plex_history', plexHistoryKey: '/status/sessions/history/900001' });
  expect(watch.watchedAt.toISOString()).toBe('2024-03-01T20:00:00.000Z');
  const mapping = await p.db.plexShowMapping.findFirstOrThrow({ where: { userId: user.id } });
  expect(mapping).toMatchObject({ plexRatingKey: '990', tvshowId: icarly2021.id, matchMethod: 'manual' });

  // The next play is marked at once through the mapping; the first row is not imported again.
  lib.history.push(historyRow(mine.episodes[1]!, { viewedAt: at + 1800, historyId: 900_002 }));
  const next = await runCli(['history:import', '--user', String(user.id)], env());
  expect(next.code).toBe(0);
  expect(next.stdout).toMatch(/history imported: 1 new rows/);
  expect(next.stdout).toMatch(/watches\s+1/);
  expect(await p.db.episodeWatch.count({ where: { userId: user.id } })).toBe(2);
});

test('history:import --account: an unknown account is one line and exit 1; a bad --since is a usage error', async () => {
  startWorkers();
  const user = await p.createUser('accounts');
  await p.db.plexConfig.update({
    where: { userId: user.id },
    data: { plexServerUrl: plex.url, plexToken: plex.token },
  });
  const unknown = await runCli(['history:import', '--user', String(user.id), '--account', 'nobody'], env());
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/account nobody is not on the Plex server/);
  const since = await runCli(
    ['history:import', '--user', String(user.id), '--since', 'yesterday-ish'],
    env(),
  );
  expect(since.code).toBe(1);
  expect(since.stderr).toMatch(/--since must be a date/);
  const noServer = await p.createUser('no-server');
  const refused = await runCli(['history:import', '--user', String(noServer.id)], env());
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/has no Plex server/);
});

test('dashboard: per user last sync, rows imported and errors over the API and on the page; "sync now" from both', async () => {
  startWorkers();
  const user = await p.createUser('syncnow');
  await p.db.plexConfig.update({
    where: { userId: user.id },
    data: { plexServerUrl: plex.url, plexToken: plex.token },
  });
  const lib = plex.library;
  const show = addShow(lib, {
    ratingKey: 77_000,
    title: 'Sync Now Show',
    guids: ['tmdb://7700001'],
    seasons: [{ index: 1, episodes: [{ index: 1, title: 'First' }] }],
  });
  lib.history.push(
    historyRow(show.episodes[0]!, { viewedAt: Date.UTC(2024, 5, 1) / 1000, historyId: 770_001 }),
  );

  const queued = await api('POST', `/api/users/${user.id}/history-sync`);
  expect(queued.status).toBe(202);
  expect(queued.body).toMatchObject({ status: 'queued' });
  const state = await waitFor(async () => {
    const s = await p.db.plexSyncState.findUnique({ where: { userId: user.id } });
    return s?.lastSuccessAt ? s : null;
  }, 60_000);
  expect(state.rowsImported).toBeGreaterThanOrEqual(1);
  const listed = await api('GET', '/api/history-sync');
  expect(listed.status).toBe(200);
  const mine = (listed.body.items as { userId: number }[]).find((i) => i.userId === user.id);
  expect(mine).toMatchObject({ configured: true, enabled: true, intervalMinutes: 15, lastError: null });
  expect(JSON.stringify(listed.body)).not.toContain(plex.token);

  const noServer = await p.createUser('syncnow-none');
  expect((await api('POST', `/api/users/${noServer.id}/history-sync`)).status).toBe(409);
  expect((await api('POST', '/api/users/999999/history-sync')).status).toBe(404);
  expect((await api('POST', '/api/users/abc/history-sync')).status).toBe(400);

  // A revoked token shows as the user's last error on the page.
  plex.faults = [{ path: /^\/accounts$/, answer: { kind: 'status', status: 401 } }];
  const web = await webLogin(dashboard.url, TOKEN);
  const posted = await web.post(`/users/${user.id}/history-sync`, {});
  expect(posted.status).toBe(303);
  expect(posted.headers.get('location')).toBe('/#history');
  await waitFor(async () => {
    const s = await p.db.plexSyncState.findUnique({ where: { userId: user.id } });
    return s?.lastError ? s : null;
  }, 60_000);
  plex.faults = [];
  const page = await (await web.get('/')).text();
  expect(page).toContain('Plex history');
  expect(page).toContain(`action="/users/${user.id}/history-sync"`);
  expect(page).toMatch(/refused the token \(HTTP 401\)/);
  expect(page).not.toContain(plex.token);
});

test('plex-config: historySyncEnabled and historySyncIntervalMinutes (1 to 10080 minutes)', async () => {
  const user = await p.createUser('sync-settings');
  const set = await api('PATCH', `/api/users/${user.id}/plex-config`, {
    historySyncEnabled: false,
    historySyncIntervalMinutes: 60,
  });
  expect(set.status).toBe(200);
  expect(set.body).toMatchObject({ historySyncEnabled: false, historySyncIntervalMinutes: 60 });
  for (const bad of [0, 1.5, 10_081, '15']) {
    const res = await api('PATCH', `/api/users/${user.id}/plex-config`, { historySyncIntervalMinutes: bad });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/historySyncIntervalMinutes/);
  }
});
