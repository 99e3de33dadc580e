// Issue 15, the dashboard's half: the catalogue from a user's Plex libraries
// (catalog:import --from-plex), and starting / following a history sync run (history:import,
// the page's and the API's "sync now"). The run itself is the worker's (processors/
// history-sync.processor.ts): this only enqueues it on the plex-history-sync queue and reads its
// progress, so the CLI, the API and the scheduler share one implementation.
import {
  catalogMovieFromPlex,
  catalogShowFromPlex,
  claimSourceIds,
  HttpError,
  type PlexMetadata,
  parseMetadataList,
  parseSections,
  type SourceCatalogMovie,
} from '@plexhook/core';
import { type Db, findHistoryUser } from '@plexhook/db';
import {
  createHistoryQueue,
  HISTORY_JOB,
  type HistoryQueue,
  type HistorySyncJobInput,
  type HistorySyncProgress,
  type HistorySyncResult,
  type WebhookQueue,
} from '@plexhook/queue';
import {
  emptySourceImportResult,
  importSourceMovies,
  importSourceShow,
  type SourceImportResult,
} from './catalog-import';

export type PlexImportProgress = { start(total: number): void; tick(n?: number): void; stop(): void };
export type PlexCatalogResult = SourceImportResult;

/** The Plex server cannot be read: one clear line (the token never in it). */
export class PlexSourceError extends HttpError {
  constructor(message: string) {
    super(502, message);
  }
}

const PAGE = 500;

async function plexServerOf(db: Db, userId: number): Promise<{ url: string; token: string }> {
  const user = await findHistoryUser(db, userId);
  if (!user) throw new HttpError(404, `user ${userId} not found (or has no Plex configuration)`);
  if (!user.serverUrl || !user.token)
    throw new HttpError(
      409,
      `user ${userId} has no Plex server: set plexServerUrl and plexToken (PATCH /api/users/${userId}/plex-config)`,
    );
  return { url: user.serverUrl, token: user.token };
}

function plexClient(server: { url: string; token: string }, timeoutMs: number) {
  let base: URL;
  try {
    base = new URL(server.url);
  } catch {
    throw new PlexSourceError('the Plex server URL is not a URL');
  }
  const root = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  return async function get(path: string, start?: number): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${root}${path}`, {
        headers: {
          'X-Plex-Token': server.token,
          Accept: 'application/json',
          ...(start !== undefined
            ? { 'X-Plex-Container-Start': String(start), 'X-Plex-Container-Size': String(PAGE) }
            : {}),
        },
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      const why =
        (err as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs / 1000} s`
          : (cause ?? (err as Error).message);
      throw new PlexSourceError(`cannot reach the Plex server at ${base.origin}: ${why}`);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new PlexSourceError(
        `the Plex server refused the token (${res.status}): it was revoked or is wrong`,
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new PlexSourceError(`the Plex server answered ${res.status} to ${path.split('?')[0]}`);
    }
    try {
      return await res.json();
    } catch {
      throw new PlexSourceError(`the Plex server did not answer JSON to ${path.split('?')[0]}`);
    }
  };
}

async function allItems(
  get: (path: string, start?: number) => Promise<unknown>,
  path: string,
): Promise<PlexMetadata[]> {
  const items: PlexMetadata[] = [];
  for (let start = 0; ; start += PAGE) {
    const page = parseMetadataList(await get(path, start));
    if (!page)
      throw new PlexSourceError(`the Plex server's answer to ${path.split('?')[0]} is not a MediaContainer`);
    items.push(...page.items);
    if (page.items.length < PAGE || (page.totalSize !== undefined && items.length >= page.totalSize))
      return items;
  }
}

/**
 * Every show (with its episodes, `/allLeaves`) and movie of the user's Plex libraries into the
 * catalogue, through the same validated, idempotent import as a file: one show per
 * transaction, movies 500 at a time. A show or movie Plex has not matched (no external id) is
 * skipped with the reason; so is an id listed twice.
 */
export async function importFromPlex(
  db: Db,
  userId: number,
  options: { progress?: PlexImportProgress; timeoutMs?: number } = {},
): Promise<PlexCatalogResult> {
  const get = plexClient(await plexServerOf(db, userId), options.timeoutMs ?? 60_000);
  const progress = options.progress ?? { start() {}, tick() {}, stop() {} };
  const sections = parseSections(await get('/library/sections'));
  if (!sections)
    throw new PlexSourceError("the Plex server's answer to /library/sections is not a MediaContainer");
  const result: PlexCatalogResult = emptySourceImportResult();
  const taken = new Map<string, string>();
  const shows: PlexMetadata[] = [];
  const movies: PlexMetadata[] = [];
  for (const s of sections) {
    const key = encodeURIComponent(s.key);
    if (s.type === 'show')
      shows.push(...(await allItems(get, `/library/sections/${key}/all?type=2&includeGuids=1`)));
    if (s.type === 'movie')
      movies.push(...(await allItems(get, `/library/sections/${key}/all?type=1&includeGuids=1`)));
  }
  progress.start(shows.length + movies.length);
  try {
    for (const show of shows) {
      const name = show.title ?? `show ${show.ratingKey}`;
      const head = catalogShowFromPlex(show, []);
      if (!head.ok) {
        result.skipped.push({ name, reason: head.reason });
        progress.tick();
        continue;
      }
      const duplicate = claimSourceIds(taken, name, head.value);
      if (duplicate !== null) {
        result.skipped.push({ name, reason: duplicate });
        progress.tick();
        continue;
      }
      const episodes = await allItems(
        get,
        `/library/metadata/${encodeURIComponent(show.ratingKey)}/allLeaves`,
      );
      const full = catalogShowFromPlex(show, episodes);
      if (full.ok) await importSourceShow(db, result, name, full.value);
      progress.tick();
    }
    const catalogMovies: SourceCatalogMovie[] = [];
    for (const m of movies) {
      const movie = catalogMovieFromPlex(m);
      const name = m.title ?? `movie ${m.ratingKey}`;
      if (!movie.ok) result.skipped.push({ name, reason: movie.reason });
      else {
        const duplicate = claimSourceIds(taken, name, movie.value);
        if (duplicate !== null) result.skipped.push({ name, reason: duplicate });
        else catalogMovies.push(movie.value);
      }
    }
    await importSourceMovies(db, result, catalogMovies, (movie) => movie.title);
    progress.tick(movies.length);
  } finally {
    progress.stop();
  }
  return result;
}

/**
 * Starts a history run for a user: `import` (history:import, fails at once on an error) or
 * `sync` (sync now: the scheduled kind, history then the mark scan). Refused (409) for a user
 * without a Plex server. Answers the job id.
 */
export async function enqueueHistoryRun(
  db: Db,
  queue: HistoryQueue,
  data: HistorySyncJobInput,
): Promise<{ jobId: string }> {
  await plexServerOf(db, data.userId);
  const jobId = `${data.mode === 'import' ? 'import' : 'sync-now'}-${data.userId}-${Date.now()}`;
  await queue.add(HISTORY_JOB, data, { jobId, ...(data.mode === 'import' ? { attempts: 1 } : {}) });
  return { jobId };
}

export type HistoryRunEnd =
  | { state: 'completed'; result: HistorySyncResult }
  | { state: 'failed'; reason: string };

/** Follows a run until it ends, reporting its progress. */
export async function followHistoryRun(
  queue: HistoryQueue,
  jobId: string,
  onProgress: (p: HistorySyncProgress) => void,
  opts: { pollMs?: number; stopped?: () => boolean } = {},
): Promise<HistoryRunEnd> {
  for (;;) {
    const job = await queue.getJob(jobId);
    if (!job) return { state: 'failed', reason: `job ${jobId} is gone (removed from the queue)` };
    const state = await job.getState();
    const progress = job.progress as HistorySyncProgress | number;
    if (typeof progress === 'object' && progress !== null) onProgress(progress);
    if (state === 'completed') return { state, result: job.returnvalue as HistorySyncResult };
    if (state === 'failed') return { state, reason: job.failedReason };
    if (opts.stopped?.()) return { state: 'failed', reason: 'stopped' };
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  }
}

const historyQueues = new WeakMap<WebhookQueue, HistoryQueue>();

/**
 * The history sync queue next to the dashboard's webhook queue: the same Redis connection and
 * prefix, made once per webhook queue (the page's and the API's "sync now").
 */
export function historyQueueOf(queue: WebhookQueue): HistoryQueue {
  let found = historyQueues.get(queue);
  if (!found) {
    found = createHistoryQueue(queue.opts.connection, queue.opts.prefix ?? 'bull');
    found.on('error', () => undefined);
    historyQueues.set(queue, found);
  }
  return found;
}

/** "Sync now": a sync run for the user (history from the cursor, then the mark scan). */
export async function syncNow(db: Db, queue: WebhookQueue, userId: number): Promise<{ jobId: string }> {
  return enqueueHistoryRun(db, historyQueueOf(queue), { userId, mode: 'sync' });
}
