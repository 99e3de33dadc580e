// One history sync run for one user (ARCHITECTURE.md, "History"): read the Plex server's play
// history from the user's cursor, page by page; put every row on the webhook queue as a
// `plex-history` job (deterministic id: a re-run adds nothing) with its show's metadata; wait
// until every row of the page is logged; only then move the cursor. Then (sync mode) scan the
// libraries' view counts for manual marks and unmarks.
import {
  HISTORY_MARK_EVENT,
  HISTORY_PLAY_EVENT,
  historyJobId,
  historyRowFacts,
  markJobId,
  type PlexHistoryJobPayload,
  type PlexMetadata,
} from '@plexhook/core';
import {
  advanceSyncCursor,
  countCreatedSince,
  countLoggedActions,
  type Db,
  findHistoryUser,
  finishSyncRun,
  readSyncState,
  readViewStates,
  saveViewStates,
  startSyncRun,
  type WorkerStore,
} from '@plexhook/db';
import {
  type HistorySyncJob,
  type HistorySyncProgress,
  type HistorySyncResult,
  type RedisClient,
  WEBHOOK_JOB,
  type WebhookQueue,
} from '@plexhook/queue';
import type { Logger } from 'pino';
import { createPlexServerClient, type PlexServerClient, PlexServerError } from './plex-server-client';

export type HistorySyncOptions = {
  /** Rows per history page (X-Plex-Container-Size). */
  pageSize: number;
  /** Each request to the Plex server. */
  requestTimeoutMs: number;
  /** How long a page's rows may take to be logged by the webhook workers. */
  logWaitMs: number;
  /** The next run re-reads this much before the cursor (late rows; re-reads are skipped). */
  overlapSeconds: number;
};

export const DEFAULT_HISTORY_SYNC_OPTIONS: HistorySyncOptions = {
  pageSize: 500,
  requestTimeoutMs: 30_000,
  logWaitMs: 10 * 60_000,
  overlapSeconds: 3600,
};

export type HistorySyncDeps = {
  db: Db;
  store: WorkerStore;
  redis: RedisClient;
  logger: Logger;
  prefix: string;
  webhookQueue: WebhookQueue;
  options: HistorySyncOptions;
};

export type RunControl = {
  progress(p: HistorySyncProgress): Promise<void>;
  /** True once the run was asked to stop (the CLI's Ctrl-C): it stops at a page boundary. */
  cancelled(): Promise<boolean>;
};

class RunError extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The account ids a run reads: one id (a filter Plex applies), or undefined (every account). */
function resolveAccounts(
  accounts: { id: string; name: string }[],
  wanted: string[],
): { ids: string[]; unknown: string[] } {
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const raw of wanted.map((w) => w.trim()).filter(Boolean)) {
    if (raw === '@me') {
      ids.push('1');
      continue;
    }
    const found = accounts.find((a) => a.id === raw || a.name.toLowerCase() === raw.toLowerCase());
    if (found) ids.push(found.id);
    else unknown.push(raw);
  }
  return { ids: [...new Set(ids)], unknown };
}

export async function runHistorySync(
  deps: HistorySyncDeps,
  jobId: string,
  data: HistorySyncJob,
  control: RunControl,
): Promise<HistorySyncResult> {
  const { db, logger } = deps;
  const started = new Date();
  const result: HistorySyncResult = {
    status: 'done',
    rows: 0,
    actions: {},
    mappingsCreated: 0,
    conflictsCreated: 0,
    marks: 0,
    unmarks: 0,
    cursor: null,
  };
  const user = await findHistoryUser(db, data.userId);
  if (!user?.serverUrl || !user.token)
    return { ...result, status: 'skipped', message: `user ${data.userId} has no Plex server URL and token` };

  // One run per user at a time (several workers, a "sync now" during a scheduled run).
  const lockKey = `${deps.prefix}:history-lock:${data.userId}`;
  const lockTtl = Math.max(deps.options.logWaitMs * 2, 60_000);
  if ((await deps.redis.set(lockKey, jobId, 'PX', lockTtl, 'NX')) !== 'OK') {
    const owner = await deps.redis.get(lockKey);
    if (owner !== jobId)
      return {
        ...result,
        status: 'skipped',
        message: `another history sync of user ${data.userId} is running (${owner})`,
      };
  }
  const jobIds: string[] = [];
  try {
    await startSyncRun(db, data.userId, started);
    const plex = createPlexServerClient(
      { url: user.serverUrl, token: user.token },
      {
        timeoutMs: deps.options.requestTimeoutMs,
      },
    );
    const accounts = await plex.accounts();
    // Where the rows come from, for the user's server and library filters (issue 18's lists):
    // the server's identity is a webhook's Server.uuid, a section's title its librarySectionTitle.
    const serverId = await plex.identity();
    const sectionTitles = new Map((await plex.sections()).map((s) => [s.key, s.title]));
    const name = (id: string | undefined) => accounts.find((a) => a.id === id)?.name;

    // Which rows: one account (a filter on the server) when --account names one, or when the
    // allow-list is exactly one account; else every account's, and the pipeline's allow-list
    // check logs the others `ignored_account`.
    let accountId: string | undefined;
    let keepsCursor = true;
    if (data.account) {
      const { ids, unknown } = resolveAccounts(accounts, [data.account]);
      if (unknown.length > 0 || ids.length !== 1)
        throw new RunError(
          `account ${data.account} is not on the Plex server (accounts: ${accounts.map((a) => `${a.name || '?'} #${a.id}`).join(', ')})`,
        );
      accountId = ids[0];
      const allowed = resolveAccounts(accounts, user.plexUsernames).ids;
      // One account of several: the user's cursor is everyone's and must not move past the
      // others' unread rows.
      keepsCursor = allowed.length === 1 && allowed[0] === accountId;
    } else {
      const { ids } = resolveAccounts(accounts, user.plexUsernames);
      if (user.plexUsernames.length > 0 && ids.length === 1) accountId = ids[0];
    }

    const state = await readSyncState(db, data.userId);
    const sinceMs = data.since
      ? Date.parse(data.since)
      : state?.cursorViewedAt
        ? state.cursorViewedAt.getTime() - deps.options.overlapSeconds * 1000
        : 0;
    const showCache = new Map<string, Promise<PlexMetadata | null>>();
    const cached = (key: string | undefined) => {
      if (!key) return Promise.resolve(null);
      let hit = showCache.get(key);
      if (!hit) {
        hit = plex.metadata(key);
        showCache.set(key, hit);
        hit.catch(() => showCache.delete(key));
      }
      return hit;
    };

    // History rows per item new in this run: a view count they explain is no mark.
    const playsSinceScan = new Map<string, number>();

    let cursor = Math.floor(sinceMs / 1000);
    let offset = 0;
    let total = 0;
    let seen = 0;
    for (;;) {
      if (await control.cancelled()) {
        result.status = 'cancelled';
        break;
      }
      const page = await plex.history({
        since: cursor,
        accountId,
        start: offset,
        size: deps.options.pageSize,
      });
      if (offset === 0 && total === 0) total = page.totalSize ?? page.rows.length;
      const facts = page.rows.map((row) => ({ row, f: historyRowFacts(row)! }));
      // The pages must be what was asked for: oldest first, none before the cursor. Anything else
      // (the history changed under us in a way paging cannot follow, a server bug) stops the run
      // with the cursor where it is; the next run reads again from there.
      let last = cursor;
      for (const { f } of facts) {
        if (f.viewedAt === undefined) continue;
        if (f.viewedAt < cursor || f.viewedAt < last)
          throw new RunError(
            `the Plex server's history pages are inconsistent (viewedAt ${f.viewedAt} after ${last}, cursor ${cursor}); the cursor was kept, the next run reads again from it`,
          );
        last = f.viewedAt;
      }
      // Show metadata (cached per run): show-level ids from the show's own item.
      const metas = await Promise.all(
        facts.map(async ({ f }) => ({
          show: f.type === 'episode' ? await cached(f.showKey) : null,
          item: f.type === 'movie' ? await cached(f.ratingKey) : null,
        })),
      );
      const jobs = facts.map(({ row, f }, i) => {
        const payload: PlexHistoryJobPayload = {
          event: HISTORY_PLAY_EVENT,
          row,
          show: (metas[i]!.show as Record<string, unknown> | null) ?? null,
          item: (metas[i]!.item as Record<string, unknown> | null) ?? null,
          account: f.accountId === undefined ? null : { id: f.accountId, name: name(f.accountId) },
          ...(serverId ? { server: { id: serverId } } : {}),
          ...(f.sectionId ? { library: { id: f.sectionId, title: sectionTitles.get(f.sectionId) } } : {}),
        };
        return { id: historyJobId(data.userId, f.historyKey), payload, ratingKey: f.ratingKey };
      });
      const fresh = await enqueueUnlogged(deps, data.userId, 'plex-history', jobs);
      // Rows new to plexhook are the plays since the last run (and its mark scan).
      const freshIds = new Set(fresh);
      for (const j of jobs)
        if (j.ratingKey && freshIds.has(j.id))
          playsSinceScan.set(j.ratingKey, (playsSinceScan.get(j.ratingKey) ?? 0) + 1);
      jobIds.push(...fresh);
      await waitLogged(deps, fresh);
      seen += page.rows.length;
      result.rows += fresh.length;
      const newest = facts.reduce((m, { f }) => Math.max(m, f.viewedAt ?? m), cursor);
      if (keepsCursor && newest > 0)
        await advanceSyncCursor(db, data.userId, new Date(newest * 1000), fresh.length);
      result.cursor = newest > 0 ? new Date(newest * 1000).toISOString() : null;
      await control.progress({ rows: seen, total: Math.max(total, seen), phase: 'history' });
      await deps.redis.pexpire(lockKey, lockTtl);
      const pageFull = page.rows.length + page.invalid >= deps.options.pageSize;
      if (!pageFull) break;
      if (newest > cursor) {
        // Keyset on viewedAt: the next page starts at the newest second of this one (its rows at
        // that second are read again and skipped, already logged).
        cursor = newest;
        offset = 0;
      } else {
        // A whole page within one second: step through it by offset.
        offset += page.rows.length + page.invalid;
      }
    }

    let markScanAt: Date | undefined;
    if (result.status === 'done' && data.mode === 'sync') {
      await control.progress({ rows: seen, total: Math.max(total, seen), phase: 'marks' });
      const scan = await scanMarks(deps, plex, data.userId, {
        firstScan: !state?.lastMarkScanAt,
        playsSinceScan,
        cached,
        owner: { id: '1', name: name('1') },
        server: serverId ? { id: serverId } : undefined,
        sectionTitles,
      });
      jobIds.push(...scan.jobIds);
      result.marks = scan.marks;
      result.unmarks = scan.unmarks;
      markScanAt = new Date();
    }
    result.actions = await countLoggedActions(db, jobIds);
    const created = await countCreatedSince(db, data.userId, started);
    result.mappingsCreated = created.mappings;
    result.conflictsCreated = created.conflicts;
    await finishSyncRun(db, data.userId, { ok: true, at: new Date(), markScanAt });
    await control.progress({ rows: seen, total: Math.max(total, seen), phase: 'done' });
    return result;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    logger.warn({ userId: data.userId, err: message }, 'history sync failed; cursor kept');
    await finishSyncRun(db, data.userId, { ok: false, at: new Date(), error: message }).catch(
      () => undefined,
    );
    throw err instanceof PlexServerError || err instanceof RunError ? new Error(message) : err;
  } finally {
    if ((await deps.redis.get(lockKey)) === jobId) await deps.redis.del(lockKey);
  }
}

/** Adds the jobs that have no log row yet (a re-run adds none) and returns their ids. */
async function enqueueUnlogged(
  deps: HistorySyncDeps,
  userId: number,
  source: 'plex-history' | 'plex-mark',
  jobs: { id: string; payload: PlexHistoryJobPayload }[],
): Promise<string[]> {
  if (jobs.length === 0) return [];
  const unique = [...new Map(jobs.map((j) => [j.id, j])).values()];
  const logged = await deps.store.loggedJobIds(unique.map((j) => j.id));
  const fresh = unique.filter((j) => !logged.has(j.id));
  const receivedAt = new Date().toISOString();
  await deps.webhookQueue.addBulk(
    fresh.map((j) => ({
      name: WEBHOOK_JOB,
      data: { userId, source, receivedAt, payload: j.payload as unknown as Record<string, unknown> },
      opts: { jobId: j.id },
    })),
  );
  return fresh.map((j) => j.id);
}

/** Waits until every one of these jobs has its log row (written by the webhook workers). */
async function waitLogged(deps: HistorySyncDeps, ids: string[]): Promise<void> {
  let pending = ids;
  const deadline = Date.now() + deps.options.logWaitMs;
  while (pending.length > 0) {
    const logged = await deps.store.loggedJobIds(pending);
    pending = pending.filter((id) => !logged.has(id));
    if (pending.length === 0) return;
    if (Date.now() > deadline)
      throw new RunError(
        `${pending.length} history rows were not logged within ${deps.options.logWaitMs} ms (is a worker processing the webhook queue?); the cursor was kept`,
      );
    // Each check probes the log's job_id index once per pending row (and partition): check
    // rarely while many are pending, often near the end of the page.
    await sleep(Math.min(1_000, 20 + pending.length * 2));
  }
}

const MARK_PAGE = 1000;

/**
 * Manual marks: an item's viewCount grew by more than the history rows read for it since the
 * last scan -> a `plex-mark` job (watched at lastViewedAt); it fell -> an `unmark_reported` log
 * row, and no watch is deleted. The first scan only records the counts (marks before it cannot
 * be told from the plays the history import brings in).
 */
async function scanMarks(
  deps: HistorySyncDeps,
  plex: PlexServerClient,
  userId: number,
  ctx: {
    firstScan: boolean;
    playsSinceScan: Map<string, number>;
    cached: (key: string | undefined) => Promise<PlexMetadata | null>;
    owner: { id: string; name?: string };
    server: { id: string } | undefined;
    sectionTitles: Map<string, string | undefined>;
  },
): Promise<{ marks: number; unmarks: number; jobIds: string[] }> {
  const sections = (await plex.sections()).filter((s) => s.type === 'show' || s.type === 'movie');
  const items: PlexMetadata[] = [];
  for (const section of sections) {
    const type = section.type === 'show' ? 4 : 1;
    for (let start = 0; ; start += MARK_PAGE) {
      const page = await plex.sectionItems(section.key, type, start, MARK_PAGE);
      items.push(...page.items);
      if (
        page.items.length < MARK_PAGE ||
        (page.totalSize !== undefined && start + MARK_PAGE >= page.totalSize)
      )
        break;
    }
  }
  const previous = await readViewStates(deps.db, userId);
  const marks: { id: string; payload: PlexHistoryJobPayload }[] = [];
  const unmarks: { item: PlexMetadata; from: number; to: number }[] = [];
  for (const item of items) {
    const count = viewCountOf(item);
    const before = previous.get(item.ratingKey)?.viewCount ?? 0;
    if (ctx.firstScan) continue;
    if (count > before) {
      const unexplained = count - before - (ctx.playsSinceScan.get(item.ratingKey) ?? 0);
      if (unexplained > 0 && item.lastViewedAt)
        marks.push({
          id: markJobId(userId, item.ratingKey, count),
          payload: {
            event: HISTORY_MARK_EVENT,
            row: item as Record<string, unknown>,
            show:
              item.type === 'episode'
                ? ((await ctx.cached(item.grandparentRatingKey)) as Record<string, unknown> | null)
                : null,
            item: null,
            account: ctx.owner,
            ...(ctx.server ? { server: ctx.server } : {}),
            ...(item.librarySectionID
              ? {
                  library: { id: item.librarySectionID, title: ctx.sectionTitles.get(item.librarySectionID) },
                }
              : {}),
          },
        });
    } else if (count < before) {
      unmarks.push({ item, from: before, to: count });
    }
  }
  const fresh = await enqueueUnlogged(deps, userId, 'plex-mark', marks);
  await waitLogged(deps, fresh);
  const unmarkIds: string[] = [];
  for (const u of unmarks) {
    const jobId = `plexunmark-${userId}-${u.item.ratingKey}-${u.from}-${u.to}`;
    unmarkIds.push(jobId);
    const label =
      u.item.type === 'episode'
        ? `${u.item.grandparentTitle ?? '?'} S${String(u.item.parentIndex ?? 0).padStart(2, '0')}E${String(u.item.index ?? 0).padStart(2, '0')}`
        : (u.item.title ?? null);
    await deps.store.writeLogAlone({
      jobId,
      userId,
      receivedAt: new Date(),
      payload: { event: 'history.unmark', item: u.item },
      eventType: 'history.unmark',
      itemKey: u.item.type === 'episode' ? (u.item.grandparentRatingKey ?? null) : u.item.ratingKey,
      itemTitle: label,
      durationMs: 0,
      outcome: {
        status: 'success',
        action: 'unmark_reported',
        message: `marked unwatched in Plex (view count ${u.from} -> ${u.to}); plexhook keeps its watches: delete one by hand if it was wrong`,
      },
    });
  }
  await saveViewStates(
    deps.db,
    userId,
    items.map((i) => ({
      ratingKey: i.ratingKey,
      viewCount: viewCountOf(i),
      lastViewedAt: i.lastViewedAt ? new Date(i.lastViewedAt * 1000) : null,
    })),
  );
  return { marks: fresh.length, unmarks: unmarks.length, jobIds: [...fresh, ...unmarkIds] };
}

function viewCountOf(item: PlexMetadata): number {
  const v = (item as { viewCount?: unknown }).viewCount;
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : 0;
}
