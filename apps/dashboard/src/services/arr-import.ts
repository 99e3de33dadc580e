// Catalogue import from a Sonarr or Radarr server (API v3, `X-Api-Key`): fetches, converts
// with @plexhook/core's catalog-sources, and imports through the same validated, idempotent
// path as a catalogue file. Shows are imported one per transaction as their episodes arrive,
// so a 5,000-series library needs neither one long transaction nor all of it in memory, and a
// second run only reports `unchanged`. The API key is sent as a header only; it never appears
// in a message.
import {
  catalogMovieFromRadarr,
  catalogShowFromSonarr,
  claimSourceIds,
  HttpError,
  type SourceCatalogMovie,
  sonarrSeriesId,
} from '@plexhook/core';
import type { Db } from '@plexhook/db';
import {
  emptySourceImportResult,
  importSourceMovies,
  importSourceShow,
  type SourceImportResult,
} from './catalog-import';

export type ArrKind = 'sonarr' | 'radarr';
export type ArrSource = { kind: ArrKind; url: string; apiKey: string };
export type ArrProgress = { start(total: number): void; tick(n?: number): void; stop(): void };
export type ArrImportResult = SourceImportResult;
export type ArrImportOptions = {
  progress?: ArrProgress;
  /** Per request. */
  timeoutMs?: number;
  /** Episode lists fetched at once. */
  concurrency?: number;
  fetch?: typeof fetch;
};

const NAMES: Record<ArrKind, string> = { sonarr: 'Sonarr', radarr: 'Radarr' };
const PAGE_SIZE = 1_000;

/** A source that cannot be read: a clear message, a non-zero exit in the CLI. */
export class ArrSourceError extends HttpError {
  constructor(message: string) {
    super(502, message);
  }
}

/** The base URL as given (Sonarr may run under a URL base such as /sonarr), http(s) only. */
export function arrBaseUrl(kind: ArrKind, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HttpError(
      400,
      `--from-${kind} needs a URL such as http://localhost:${kind === 'sonarr' ? 8989 : 7878}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HttpError(400, `--from-${kind} needs an http:// or https:// URL`);
  }
  if (url.username || url.password || url.search) {
    throw new HttpError(400, `--from-${kind}: give the base URL only (the API key goes in --api-key)`);
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** GET a v3 endpoint: an array, or every page of a paged `{ records, totalRecords }` answer. */
function client(source: ArrSource, options: ArrImportOptions) {
  const base = arrBaseUrl(source.kind, source.url);
  const name = NAMES[source.kind];
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const where = `${name} at ${base.origin}${base.pathname}`;

  async function getJson(path: string, query: Record<string, string | number>): Promise<unknown> {
    const url = new URL(path, base);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await doFetch(url, {
        headers: { 'X-Api-Key': source.apiKey, Accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why =
        (err as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs / 1000} s`
          : (cause?.code ?? cause?.message ?? (err as Error).message);
      throw new ArrSourceError(`cannot reach ${where}: ${why}`);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new ArrSourceError(
        `${where} refused the API key (${res.status}): copy it from ${name}'s Settings → General → Security`,
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new ArrSourceError(
        `${where} answered ${res.status} to ${url.pathname}: is this ${name}'s base URL?`,
      );
    }
    try {
      return await res.json();
    } catch {
      throw new ArrSourceError(
        `${where} did not answer JSON to ${url.pathname}: is this ${name}'s base URL?`,
      );
    }
  }

  return {
    async list(path: string, query: Record<string, string | number> = {}): Promise<unknown[]> {
      const first = await getJson(path, query);
      if (Array.isArray(first)) return first;
      const paged = first as { records?: unknown; totalRecords?: unknown } | null;
      if (!paged || !Array.isArray(paged.records)) {
        throw new ArrSourceError(`${where} answered ${path} with neither a list nor pages of one`);
      }
      const all = [...paged.records];
      const total = typeof paged.totalRecords === 'number' ? paged.totalRecords : all.length;
      for (let page = 2; all.length < total; page++) {
        const next = (await getJson(path, { ...query, page, pageSize: PAGE_SIZE })) as { records?: unknown };
        if (!Array.isArray(next?.records) || next.records.length === 0) break;
        all.push(...next.records);
      }
      return all;
    },
  };
}

const noProgress: ArrProgress = { start() {}, tick() {}, stop() {} };

/** Runs `fn` over `items` with at most `limit` at once, in order of start; after a failure
 * no new item is started. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (!failed && next < items.length) {
      try {
        await fn(items[next++] as T);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  });
  await Promise.all(lanes);
}

export async function importFromArr(
  db: Db,
  source: ArrSource,
  options: ArrImportOptions = {},
): Promise<ArrImportResult> {
  const api = client(source, options);
  const progress = options.progress ?? noProgress;
  const result: ArrImportResult = emptySourceImportResult();

  const taken = new Map<string, string>();
  if (source.kind === 'sonarr') {
    const series = await api.list('api/v3/series');
    progress.start(series.length);
    try {
      await eachLimited(series, options.concurrency ?? 4, async (s) => {
        const id = sonarrSeriesId(s);
        const title = (s as { title?: unknown } | null)?.title;
        const name = typeof title === 'string' && title ? title : `series ${id ?? '?'}`;
        // Ids are claimed in list order, before the first await: the earlier entry wins.
        const head = catalogShowFromSonarr(s, []);
        const duplicate = head.ok ? claimSourceIds(taken, name, head.value) : null;
        if (duplicate !== null) {
          result.skipped.push({ name, reason: duplicate });
          progress.tick();
          return;
        }
        const episodes = id === null || !head.ok ? [] : await api.list('api/v3/episode', { seriesId: id });
        const show = catalogShowFromSonarr(s, episodes);
        if (!show.ok) {
          result.skipped.push({ name, reason: show.reason });
        } else {
          await importSourceShow(db, result, name, show.value);
        }
        progress.tick();
      });
    } finally {
      progress.stop();
    }
    return result;
  }

  const raw = await api.list('api/v3/movie');
  const movies: SourceCatalogMovie[] = [];
  const label = (m: SourceCatalogMovie) => `${m.title}${m.year ? ` (${m.year})` : ''}`;
  for (const m of raw) {
    const movie = catalogMovieFromRadarr(m);
    if (!movie.ok) {
      result.skipped.push({ name: 'a movie', reason: movie.reason });
      continue;
    }
    const duplicate = claimSourceIds(taken, label(movie.value), movie.value);
    if (duplicate !== null) result.skipped.push({ name: label(movie.value), reason: duplicate });
    else movies.push(movie.value);
  }
  progress.start(movies.length);
  try {
    await importSourceMovies(db, result, movies, label, (size) => progress.tick(size));
  } finally {
    progress.stop();
  }
  return result;
}
