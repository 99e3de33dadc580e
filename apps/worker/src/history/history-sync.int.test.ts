// The Plex history sync against the fake Plex server, through the real pipeline (webhook queue
// -> worker -> one log row per history row): import, re-run, one play once in both orders,
// rewatches, faults, manual marks and unmarks.
import { createWorkerStore } from '@plexhook/db';
import {
  HISTORY_JOB,
  type HistorySyncJobInput,
  type HistorySyncResult,
  historyCancelKey,
} from '@plexhook/queue';
import { createHistoryWorker, type HistoryWorker } from '@plexhook/worker';
import pino from 'pino';
import { seedShow } from '../../../../test/helpers/factories';
import {
  addShow,
  FAKE_MACHINE_ID,
  type FakePlex,
  historyRow,
  startFakePlex,
} from '../../../../test/helpers/fake-plex-server';
import { type Pipeline, startPipeline } from '../../../../test/helpers/pipeline';
import { buildPlexPayload } from '../../../../test/helpers/plex-payload';
import { waitFor } from '../../../../test/helpers/wait';

jest.setTimeout(600_000);

let p: Pipeline;
let plex: FakePlex;
let history: HistoryWorker;
let seq = 0;

const DAY = 86_400;
const T0 = Date.UTC(2024, 0, 1) / 1000;

beforeAll(async () => {
  p = await startPipeline('history');
  plex = await startFakePlex();
  p.startWorker();
  history = createHistoryWorker({
    db: p.db,
    store: createWorkerStore(p.db),
    redis: p.q.redis,
    logger: pino({ level: 'silent' }),
    prefix: p.q.prefix,
    options: { pageSize: 100, requestTimeoutMs: 1_000, logWaitMs: 60_000, overlapSeconds: 3600 },
    schedulerRefreshMs: 3_600_000,
  });
});
afterAll(async () => {
  await history?.close();
  await plex?.close();
  await p?.close();
});

/** A user with the fake server configured, and the fake server's history emptied. */
async function userWithServer(name: string, extra: Record<string, unknown> = {}) {
  const user = await p.createUser(name);
  await p.db.plexConfig.update({
    where: { userId: user.id },
    data: { plexServerUrl: plex.url, plexToken: plex.token, ...extra },
  });
  plex.library.history = [];
  plex.faults = [];
  plex.beforeHistoryPage = undefined;
  return user;
}

/** Runs one sync job through the history worker and waits for its end. */
async function runSync(
  data: HistorySyncJobInput,
): Promise<{ ok: true; result: HistorySyncResult } | { ok: false; reason: string }> {
  const job = await history.queue.add(HISTORY_JOB, data, { jobId: `test-${++seq}`, attempts: 1 });
  const state = await waitFor(async () => {
    const s = await job.getState();
    return s === 'completed' || s === 'failed' ? s : null;
  }, 170_000);
  const done = await history.queue.getJob(job.id!);
  return state === 'completed'
    ? { ok: true, result: done!.returnvalue as HistorySyncResult }
    : { ok: false, reason: done!.failedReason };
}

async function okSync(data: HistorySyncJobInput): Promise<HistorySyncResult> {
  const r = await runSync(data);
  if (!r.ok) throw new Error(`sync failed: ${r.reason}`);
  return r.result;
}

const historyLogs = (userId: number) =>
  p.db.plexWebhookLog.findMany({ where: { userId, eventType: 'history.play' }, orderBy: { id: 'asc' } });

test('10,000 history rows: every row has one log row (watch, duplicate, conflict or ignored); a second run adds nothing', async () => {
  const user = await userWithServer('bulk', { plexUsernames: ['owner', 'guest'] });
  plex.library.accounts.push({ id: 2, name: 'guest' }, { id: 3, name: 'stranger' });
  await seedShow(p.db, {
    title: 'Bulk Show',
    firstAired: '2010-01-01',
    tmdbId: 4_000_001,
    episodes: Array.from(
      { length: 50 },
      (_, i) => [1, i + 1, `Part ${i + 1}`, '2010-01-01'] as [number, number, string, string],
    ),
  });
  const known = addShow(plex.library, {
    ratingKey: 40_000,
    title: 'Bulk Show',
    year: 2010,
    guids: ['tmdb://4000001'],
    seasons: [
      {
        index: 1,
        episodes: Array.from({ length: 50 }, (_, i) => ({
          index: i + 1,
          title: `Part ${i + 1}`,
          airDate: '2010-01-01',
        })),
      },
    ],
  });
  // Not in the catalogue at all: a conflict (no match), then rows held on it.
  const unknown = addShow(plex.library, {
    ratingKey: 41_000,
    title: 'Nowhere Show',
    guids: ['tmdb://4000002'],
    seasons: [{ index: 1, episodes: [{ index: 1, title: 'Lost' }] }],
  });
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < 10_000; i++) {
    const kind = i % 20;
    const item = kind === 0 ? unknown.episodes[0]! : known.episodes[i % 50]!;
    // Every 10th row is another account's: guest (allowed) or stranger (not allowed).
    const accountID = kind === 5 ? 3 : kind === 15 ? 2 : 1;
    rows.push(historyRow(item, { viewedAt: T0 + i * 600, accountID, historyId: 100_000 + i }));
  }
  plex.library.history = rows;
  // 40 of the plays (40 episodes: the webhook's own dedupe claim is per item) came by webhook
  // too, before the import: those rows are duplicates.
  const viaWebhook = rows.filter((_, i) => i < 50 && ![0, 5, 15].includes(i % 20)).slice(0, 40);
  for (const r of viaWebhook) {
    const item = plex.library.items.get(r.ratingKey as string)!;
    const log = await p.logOf(await p.send(webhookOf(item, (r.viewedAt as number) + 3), user.secret));
    expect(log.actionTaken).toBe('episode_marked');
  }

  const first = await okSync({ userId: user.id, mode: 'import' });
  expect(first.rows).toBe(10_000);
  const logs = await historyLogs(user.id);
  expect(logs).toHaveLength(10_000);
  expect(new Set(logs.map((l) => l.jobId)).size).toBe(10_000);
  const by = (action: string) => logs.filter((l) => l.actionTaken === action).length;
  expect(by('ignored_account')).toBe(500);
  expect(by('conflict_created') + by('conflict_pending')).toBe(500);
  expect(by('episode_marked')).toBe(8_960);
  expect(by('duplicate')).toBe(40);
  expect(
    by('episode_marked') +
      by('duplicate') +
      by('ignored_account') +
      by('conflict_created') +
      by('conflict_pending'),
  ).toBe(10_000);
  expect(first.actions).toMatchObject({ episode_marked: 8_960, duplicate: 40, ignored_account: 500 });
  expect(first.conflictsCreated).toBe(1);
  expect(await p.db.plexShowMapping.count({ where: { userId: user.id } })).toBe(1);
  // 9,000 plays of the known show: one watch each, every one with its history key (the 40
  // webhook watches took theirs).
  const watches = await p.db.episodeWatch.findMany({ where: { userId: user.id } });
  expect(watches).toHaveLength(9_000);
  expect(watches.every((w) => w.plexHistoryKey !== null)).toBe(true);
  expect(watches.filter((w) => w.source === 'plex_webhook')).toHaveLength(40);
  // watched_at is viewedAt, epoch seconds: UTC.
  const imported = watches.find((w) => w.plexHistoryKey === '/status/sessions/history/100061');
  expect(imported?.watchedAt.toISOString()).toBe(new Date((T0 + 61 * 600) * 1000).toISOString());
  // A play that came by webhook too keeps the webhook's watch (and its time) with the row's key.
  const both = watches.find((w) => w.plexHistoryKey === '/status/sessions/history/100001');
  expect(both).toMatchObject({ source: 'plex_webhook', watchedAt: new Date((T0 + 600 + 3) * 1000) });
  const state = await p.db.plexSyncState.findUniqueOrThrow({ where: { userId: user.id } });
  expect(state.cursorViewedAt?.getTime()).toBe((T0 + 9_999 * 600) * 1000);
  expect(state.rowsImported).toBe(10_000);

  // A second run, from the start: nothing new.
  const second = await okSync({ userId: user.id, mode: 'import', since: new Date(T0 * 1000).toISOString() });
  expect(second.rows).toBe(0);
  expect(await historyLogs(user.id)).toHaveLength(10_000);
  expect(await p.db.episodeWatch.count({ where: { userId: user.id } })).toBe(9_000);
});

/** One small show in catalogue and library; returns the fake episode items and catalogue ids. */
async function smallShow(tmdbId: number, ratingKey: number) {
  const show = await seedShow(p.db, {
    title: `Small ${tmdbId}`,
    firstAired: '2015-01-01',
    tmdbId,
    episodes: [
      [1, 1, 'One', '2015-01-01'],
      [1, 2, 'Two', '2015-01-08'],
    ],
  });
  const built = addShow(plex.library, {
    ratingKey,
    title: `Small ${tmdbId}`,
    year: 2015,
    guids: [`tmdb://${tmdbId}`],
    seasons: [
      {
        index: 1,
        episodes: [
          { index: 1, title: 'One', airDate: '2015-01-01' },
          { index: 2, title: 'Two', airDate: '2015-01-08' },
        ],
      },
    ],
  });
  const episodes = await p.db.episode.findMany({
    where: { tvshowId: show.id },
    orderBy: { episodeNumber: 'asc' },
  });
  return { show, built, episodes };
}

function webhookOf(item: Record<string, unknown>, lastViewedAt: number) {
  return buildPlexPayload({
    Account: { id: 1, title: 'owner' },
    Metadata: {
      ratingKey: item.ratingKey as string,
      key: item.key as string,
      grandparentRatingKey: item.grandparentRatingKey as string,
      parentRatingKey: item.parentRatingKey as string,
      grandparentTitle: item.grandparentTitle as string,
      grandparentGuid: item.grandparentGuid as string,
      guid: item.guid as string,
      title: item.title as string,
      index: item.index as number,
      parentIndex: item.parentIndex as number,
      originallyAvailableAt: item.originallyAvailableAt as string,
      year: 2015,
      lastViewedAt,
      Guid: item.Guid as { id: string }[],
    },
  });
}

test('webhook first, then the history row of the same play: one watch, the history key attached, the row logged duplicate', async () => {
  const user = await userWithServer('webhook-first');
  const { built, episodes } = await smallShow(4_100_001, 50_000);
  const at = T0 + 10 * DAY;
  const webhookLog = await p.logOf(await p.send(webhookOf(built.episodes[0]!, at), user.secret));
  expect(webhookLog).toMatchObject({ actionTaken: 'episode_marked' });
  // Plex's history row says the same second (give it a few seconds of drift).
  plex.library.history = [historyRow(built.episodes[0]!, { viewedAt: at + 5, historyId: 500_001 })];
  await okSync({ userId: user.id, mode: 'import' });
  const [row] = await historyLogs(user.id);
  expect(row).toMatchObject({ status: 'duplicate', actionTaken: 'duplicate' });
  expect(row!.errorMessage).toMatch(/same play as the webhook's watch/);
  const watches = await p.db.episodeWatch.findMany({ where: { userId: user.id } });
  expect(watches).toHaveLength(1);
  expect(watches[0]).toMatchObject({
    episodeId: episodes[0]!.id,
    source: 'plex_webhook',
    plexHistoryKey: '/status/sessions/history/500001',
  });
});

test('history row first, then the webhook of the same play: one watch, the webhook logged duplicate', async () => {
  const user = await userWithServer('history-first');
  const { built, episodes } = await smallShow(4_100_002, 51_000);
  const at = T0 + 20 * DAY;
  plex.library.history = [historyRow(built.episodes[1]!, { viewedAt: at, historyId: 510_001 })];
  await okSync({ userId: user.id, mode: 'import' });
  expect((await historyLogs(user.id))[0]).toMatchObject({ actionTaken: 'episode_marked' });
  const webhookLog = await p.logOf(await p.send(webhookOf(built.episodes[1]!, at + 2), user.secret));
  expect(webhookLog).toMatchObject({ status: 'duplicate', actionTaken: 'duplicate' });
  expect(webhookLog.errorMessage).toMatch(/imported from the Plex history/);
  const watches = await p.db.episodeWatch.findMany({ where: { userId: user.id } });
  expect(watches).toHaveLength(1);
  expect(watches[0]).toMatchObject({ episodeId: episodes[1]!.id, source: 'plex_history' });
});

test('two plays of one episode on different days are two watches; two rows of one hour too (two history keys)', async () => {
  const user = await userWithServer('rewatch');
  const { built } = await smallShow(4_100_003, 52_000);
  const ep = built.episodes[0]!;
  plex.library.history = [
    historyRow(ep, { viewedAt: T0 + 30 * DAY, historyId: 520_001 }),
    historyRow(ep, { viewedAt: T0 + 31 * DAY, historyId: 520_002 }),
    historyRow(ep, { viewedAt: T0 + 31 * DAY + 1800, historyId: 520_003 }),
  ];
  await okSync({ userId: user.id, mode: 'import' });
  const watches = await p.db.episodeWatch.findMany({
    where: { userId: user.id },
    orderBy: { watchedAt: 'asc' },
  });
  expect(watches.map((w) => w.plexHistoryKey)).toEqual([
    '/status/sessions/history/520001',
    '/status/sessions/history/520002',
    '/status/sessions/history/520003',
  ]);
});

test("--account: one account's rows (accountID on the server); one of several allowed accounts does not move the user's cursor", async () => {
  const user = await userWithServer('by-account', { plexUsernames: ['owner', 'kid'] });
  if (!plex.library.accounts.some((a) => a.id === 4)) plex.library.accounts.push({ id: 4, name: 'kid' });
  const { built } = await smallShow(4_100_030, 60_000);
  plex.library.history = [
    historyRow(built.episodes[0]!, { viewedAt: T0 + 70 * DAY, accountID: 1, historyId: 600_001 }),
    historyRow(built.episodes[1]!, { viewedAt: T0 + 71 * DAY, accountID: 4, historyId: 600_002 }),
  ];
  const kid = await okSync({ userId: user.id, mode: 'import', account: 'Kid' });
  expect(kid.rows).toBe(1);
  const logs = await historyLogs(user.id);
  expect(logs.map((l) => l.jobId)).toEqual([`plexhist-${user.id}-600002`]);
  expect(plex.requests.some((r) => r.path.includes('accountID=4'))).toBe(true);
  expect(
    (await p.db.plexSyncState.findUniqueOrThrow({ where: { userId: user.id } })).cursorViewedAt,
  ).toBeNull();
  // Then everyone's: the owner's older row is still read.
  const all = await okSync({ userId: user.id, mode: 'import' });
  expect(all.rows).toBe(1);
  expect(await historyLogs(user.id)).toHaveLength(2);
});

test("the user's server and library filters apply to history rows: the server's identity and the row's section", async () => {
  const { built } = await smallShow(4_100_040, 61_000);
  const row = (id: number) => historyRow(built.episodes[0]!, { viewedAt: T0 + 80 * DAY, historyId: id });
  const allowed = await userWithServer('filters-ok', {
    serverAllowList: [FAKE_MACHINE_ID],
    libraryAllowList: ['TV Shows'],
  });
  plex.library.history = [row(610_001)];
  await okSync({ userId: allowed.id, mode: 'import' });
  expect((await historyLogs(allowed.id))[0]).toMatchObject({ actionTaken: 'episode_marked' });
  const other = await userWithServer('filters-other', { serverAllowList: ['another-server'] });
  plex.library.history = [row(610_002)];
  await okSync({ userId: other.id, mode: 'import' });
  expect((await historyLogs(other.id))[0]).toMatchObject({ actionTaken: 'ignored_server' });
  const denied = await userWithServer('filters-denied', { libraryDenyList: ['1'] });
  plex.library.history = [row(610_003)];
  await okSync({ userId: denied.id, mode: 'import' });
  expect((await historyLogs(denied.id))[0]).toMatchObject({ actionTaken: 'ignored_library' });
});

describe('faults never lose the cursor nor write half a play', () => {
  async function faultUser(name: string, tmdbId: number, ratingKey: number, count: number) {
    const user = await userWithServer(name);
    const { built } = await smallShow(tmdbId, ratingKey);
    plex.library.history = Array.from({ length: count }, (_, i) =>
      historyRow(built.episodes[i % 2]!, { viewedAt: T0 + 40 * DAY + i * 60, historyId: ratingKey * 10 + i }),
    );
    return user;
  }
  const cursorOf = async (userId: number) =>
    (await p.db.plexSyncState.findUnique({ where: { userId } }))?.cursorViewedAt?.getTime() ?? null;

  test('401 (token revoked): the run fails saying so, nothing is written, the error is on the sync state', async () => {
    const user = await faultUser('revoked', 4_100_010, 53_000, 5);
    plex.faults = [{ path: /^\/status\/sessions\/history\/all$/, answer: { kind: 'status', status: 401 } }];
    const r = await runSync({ userId: user.id, mode: 'import' });
    expect(r).toMatchObject({ ok: false });
    expect(!r.ok && r.reason).toMatch(/refused the token \(HTTP 401\)/);
    expect(!r.ok && r.reason).not.toContain(plex.token);
    expect(await historyLogs(user.id)).toHaveLength(0);
    const state = await p.db.plexSyncState.findUniqueOrThrow({ where: { userId: user.id } });
    expect(state.lastError).toMatch(/401/);
    expect(state.cursorViewedAt).toBeNull();
  });

  test('5xx on the third page: the first two pages are in and the cursor is at their end; the next run completes', async () => {
    const user = await faultUser('flaky', 4_100_011, 54_000, 250);
    plex.faults = [
      {
        path: /^\/status\/sessions\/history\/all$/,
        answer: { kind: 'status', status: 503 },
        after: 2,
        times: 1,
      },
    ];
    const r = await runSync({ userId: user.id, mode: 'import' });
    expect(!r.ok && r.reason).toMatch(/HTTP 503/);
    const logs = await historyLogs(user.id);
    // Page 2 starts at page 1's newest second (that row is read again and skipped): 199 rows.
    expect(logs).toHaveLength(199);
    // Every logged row of an episode marked has its watch (never half a play).
    expect(await p.db.episodeWatch.count({ where: { userId: user.id } })).toBe(199);
    const cursor = await cursorOf(user.id);
    expect(cursor).toBe((T0 + 40 * DAY + 198 * 60) * 1000);
    const again = await okSync({ userId: user.id, mode: 'import' });
    expect(again.rows).toBe(51);
    expect(await historyLogs(user.id)).toHaveLength(250);
    expect(await p.db.episodeWatch.count({ where: { userId: user.id } })).toBe(250);
  });

  test('a server that times out: the run fails within the request timeout, the cursor is kept', async () => {
    const user = await faultUser('slow', 4_100_012, 55_000, 150);
    plex.faults = [
      {
        path: /^\/status\/sessions\/history\/all$/,
        answer: { kind: 'slow', delayMs: 5_000 },
        after: 1,
        times: 1,
      },
    ];
    const r = await runSync({ userId: user.id, mode: 'import' });
    expect(!r.ok && r.reason).toMatch(/did not answer .* within 1000 ms/);
    expect(await historyLogs(user.id)).toHaveLength(100);
    expect(await cursorOf(user.id)).toBe((T0 + 40 * DAY + 99 * 60) * 1000);
    expect((await okSync({ userId: user.id, mode: 'import' })).rows).toBe(50);
  });

  test('pages that change mid-import (rows deleted before the cursor, rows added) lose nothing', async () => {
    const user = await faultUser('shifting', 4_100_013, 56_000, 300);
    const { built } = {
      built: { episodes: [...plex.library.items.values()].filter((i) => i.grandparentRatingKey === '56000') },
    };
    plex.beforeHistoryPage = (n) => {
      // After the first page: the oldest 50 rows are deleted (offset paging would now skip 50),
      // and a new play arrives at the end.
      if (n === 1) {
        plex.library.history.splice(0, 50);
        plex.library.history.push(
          historyRow(built.episodes[0]!, { viewedAt: T0 + 50 * DAY, historyId: 569_999 }),
        );
      }
    };
    await okSync({ userId: user.id, mode: 'import' });
    // The history did change under the import (50 rows gone, one new)...
    expect(plex.library.history).toHaveLength(251);
    // ...and every row it ever held was taken in.
    expect(await historyLogs(user.id)).toHaveLength(301);
  });

  test("interrupted (the CLI's Ctrl-C) at a page boundary: the cursor is at the last page logged; the next run resumes", async () => {
    const user = await faultUser('interrupted', 4_100_015, 59_000, 250);
    const jobId = `test-${seq + 1}`;
    plex.beforeHistoryPage = (n) => {
      // While the second page is read, someone asks the run to stop.
      if (n === 1) void p.q.redis.set(historyCancelKey(p.q.prefix, jobId), '1', 'EX', 60);
    };
    const stopped = await okSync({ userId: user.id, mode: 'import' });
    expect(stopped.status).toBe('cancelled');
    // The second page was in flight: it is finished (its rows logged, the cursor past them),
    // then the run stops before the third.
    expect(stopped.rows).toBe(199);
    expect(await cursorOf(user.id)).toBe((T0 + 40 * DAY + 198 * 60) * 1000);
    plex.beforeHistoryPage = undefined;
    const resumed = await okSync({ userId: user.id, mode: 'import' });
    expect(resumed).toMatchObject({ status: 'done', rows: 51 });
    expect(await historyLogs(user.id)).toHaveLength(250);
  });

  test('an inconsistent page (out of order) stops the run with the cursor kept', async () => {
    const user = await faultUser('unordered', 4_100_014, 57_000, 3);
    const rows = [...plex.library.history].reverse();
    plex.faults = [
      {
        path: /^\/status\/sessions\/history\/all$/,
        answer: {
          kind: 'raw',
          body: JSON.stringify({ MediaContainer: { size: 3, totalSize: 3, offset: 0, Metadata: rows } }),
        },
      },
    ];
    const r = await runSync({ userId: user.id, mode: 'import' });
    expect(!r.ok && r.reason).toMatch(/inconsistent/);
    expect(await historyLogs(user.id)).toHaveLength(0);
    expect(await cursorOf(user.id)).toBeNull();
  });
});

test('continuous sync: a manual mark (view count up, no history row) is a plex_mark watch; an unmark is reported, no watch deleted', async () => {
  const user = await userWithServer('marks');
  // Only this user's show in the library for the scan.
  for (const [k, v] of plex.library.items)
    if (v.type === 'episode' && !String(v.grandparentRatingKey).startsWith('58'))
      plex.library.items.delete(k);
  const { built, episodes } = await smallShow(4_100_020, 58_000);
  const [e1, e2] = built.episodes;
  // First scan: the baseline only.
  const first = await okSync({ userId: user.id, mode: 'sync' });
  expect(first).toMatchObject({ marks: 0, unmarks: 0 });
  // A play with a history row (viewCount up by one, explained) and a manual mark of e2.
  e1!.viewCount = 1;
  e1!.lastViewedAt = T0 + 60 * DAY;
  plex.library.history = [historyRow(e1!, { viewedAt: T0 + 60 * DAY, historyId: 580_001 })];
  e2!.viewCount = 1;
  e2!.lastViewedAt = T0 + 61 * DAY;
  const second = await okSync({ userId: user.id, mode: 'sync' });
  expect(second).toMatchObject({ marks: 1, unmarks: 0 });
  const watches = await p.db.episodeWatch.findMany({
    where: { userId: user.id },
    orderBy: { episodeId: 'asc' },
  });
  expect(watches.map((w) => [w.episodeId, w.source])).toEqual([
    [episodes[0]!.id, 'plex_history'],
    [episodes[1]!.id, 'plex_mark'],
  ]);
  expect(watches[1]!.watchedAt.getTime()).toBe((T0 + 61 * DAY) * 1000);
  // Unmark e2 in Plex: reported, the watch stays.
  e2!.viewCount = 0;
  delete e2!.lastViewedAt;
  const third = await okSync({ userId: user.id, mode: 'sync' });
  expect(third).toMatchObject({ marks: 0, unmarks: 1 });
  const unmark = await p.db.plexWebhookLog.findFirstOrThrow({
    where: { userId: user.id, actionTaken: 'unmark_reported' },
  });
  expect(unmark.errorMessage).toMatch(/view count 1 -> 0/);
  expect(await p.db.episodeWatch.count({ where: { userId: user.id } })).toBe(2);
  // Nothing changed: nothing new.
  const fourth = await okSync({ userId: user.id, mode: 'sync' });
  expect(fourth).toMatchObject({ marks: 0, unmarks: 0, rows: 0 });
});

test('the job schedulers follow plex_config: one per user with a server and sync on', async () => {
  const user = await userWithServer('scheduled', { historySyncIntervalMinutes: 7 });
  await history.refreshSchedulers();
  const schedulers = await history.queue.getJobSchedulers(0, -1);
  const mine = schedulers.find((s) => (s.key ?? s.id) === `history-sync-user-${user.id}`);
  expect(mine?.every).toBe(7 * 60_000);
  await p.db.plexConfig.update({ where: { userId: user.id }, data: { historySyncEnabled: false } });
  await history.refreshSchedulers();
  const after = await history.queue.getJobSchedulers(0, -1);
  expect(after.find((s) => (s.key ?? s.id) === `history-sync-user-${user.id}`)).toBeUndefined();
});
