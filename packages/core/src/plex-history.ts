// Plex's play history and libraries, read from the user's server (history:import, the continuous
// sync, catalog:import --from-plex). Pure: the apps fetch, this reads what was fetched and turns
// a history row (or a manual mark) plus its show's metadata into the same WatchEvent a webhook
// becomes, so both go through one pipeline.
//
// Shapes (JSON, `Accept: application/json`), as python-plexapi and Tautulli read them:
// - `GET /status/sessions/history/all?sort=viewedAt:asc&viewedAt>=T&accountID=N` with
//   `X-Plex-Container-Start`/`-Size`: `{MediaContainer: {size, totalSize, offset, Metadata: [
//   {historyKey: "/status/sessions/history/123", key, ratingKey, librarySectionID, parentKey,
//   grandparentKey, grandparentRatingKey?, title, grandparentTitle, type, index, parentIndex,
//   originallyAvailableAt, viewedAt (epoch seconds), accountID, deviceID}]}}`.
// - `GET /accounts`: `{MediaContainer: {Account: [{id, key, name}]}}`.
// - `GET /library/sections`: `{MediaContainer: {Directory: [{key, type, title, agent}]}}`.
// - `GET /library/sections/{id}/all`, `/library/metadata/{key}`, `…/children`, `…/allLeaves`:
//   `{MediaContainer: {size, totalSize?, Metadata: [metadata items]}}`.
import { z } from 'zod';
import type { SourceCatalogMovie, SourceCatalogShow } from './catalog-sources';
import { extractIds } from './guid';
import { isInformativeEpisodeTitle } from './match';
import { type PlexMetadata, PlexMetadataSchema, toNumberIfNumeric } from './plex-payload';
import { splitTitleYear } from './title';
import { isValidIsoDate, plexEpisode, plexMedia, plexSummary, type WatchEvent } from './watch-event';

/** How Plex names the origins of these events in log rows (`event_type`). */
export const HISTORY_PLAY_EVENT = 'history.play';
export const HISTORY_MARK_EVENT = 'history.mark';

/**
 * One play reported twice: a webhook scrobble and a history row (or a manual mark) of the same
 * user and item whose times are at most this far apart are one play. Plex stamps both at the
 * moment it counts the view (the scrobble at ~90 %, the history row's viewedAt), so they agree
 * to the second; the window absorbs a webhook whose time fell back to its receipt (spooled
 * through an outage) without merging two real plays: two history rows are never merged.
 */
export const HISTORY_RECONCILE_WINDOW_SECONDS = 3 * 3600;

const optionalText = z.preprocess(
  (v) => (v === null || v === '' ? undefined : typeof v === 'number' ? String(v) : v),
  z.string().optional(),
);
const optionalNumber = z.preprocess(toNumberIfNumeric, z.number().optional());

export const PlexHistoryRowSchema = z.looseObject({
  historyKey: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().min(1)),
  ratingKey: optionalText,
  key: optionalText,
  type: z.string(),
  title: optionalText,
  grandparentTitle: optionalText,
  grandparentRatingKey: optionalText,
  grandparentKey: optionalText,
  librarySectionID: optionalText,
  index: optionalNumber,
  parentIndex: optionalNumber,
  originallyAvailableAt: optionalText,
  year: optionalNumber,
  viewedAt: optionalNumber,
  accountID: optionalNumber,
});
export type PlexHistoryRow = z.infer<typeof PlexHistoryRowSchema>;

const Container = <T extends z.ZodType>(field: string, item: T) =>
  z.looseObject({
    MediaContainer: z.looseObject({
      size: optionalNumber,
      totalSize: optionalNumber,
      offset: optionalNumber,
      [field]: z.preprocess((v) => (v === undefined || v === null ? [] : v), z.array(item)),
    }),
  });

export type PlexPage<T> = { items: T[]; totalSize: number | undefined; offset: number | undefined };

function page<T>(raw: unknown, field: string, item: z.ZodType<T>): PlexPage<T> | null {
  const parsed = Container(field, z.unknown()).safeParse(raw);
  if (!parsed.success) return null;
  const c = parsed.data.MediaContainer as Record<string, unknown> & {
    totalSize?: number;
    offset?: number;
  };
  const items: T[] = [];
  for (const entry of c[field] as unknown[]) {
    const one = item.safeParse(entry);
    if (one.success) items.push(one.data);
  }
  return { items, totalSize: c.totalSize, offset: c.offset };
}

/**
 * A history page: the rows as Plex sent them (kept raw: they go into the job unchanged), with
 * the size Plex reports. Null when the answer is not a MediaContainer at all. A row without a
 * historyKey cannot be told apart from a rewatch and is dropped (counted by the caller).
 */
export function parseHistoryPage(
  raw: unknown,
): { rows: Record<string, unknown>[]; invalid: number; totalSize: number | undefined } | null {
  const parsed = page(raw, 'Metadata', z.record(z.string(), z.unknown()));
  if (!parsed) return null;
  const rows = parsed.items.filter((r) => PlexHistoryRowSchema.safeParse(r).success);
  return { rows, invalid: parsed.items.length - rows.length, totalSize: parsed.totalSize };
}

/** The row's history key (its play's identity) and viewedAt in epoch seconds. */
export function historyRowFacts(row: unknown): {
  historyKey: string;
  viewedAt: number | undefined;
  showKey: string | undefined;
  ratingKey: string | undefined;
  type: string;
  accountId: string | undefined;
  sectionId: string | undefined;
} | null {
  const parsed = PlexHistoryRowSchema.safeParse(row);
  if (!parsed.success) return null;
  const r = parsed.data;
  return {
    historyKey: r.historyKey,
    viewedAt: r.viewedAt !== undefined && Number.isFinite(r.viewedAt) ? r.viewedAt : undefined,
    showKey: r.type === 'episode' ? showKeyOf(r) : undefined,
    ratingKey: r.ratingKey ?? lastSegment(r.key),
    type: r.type,
    accountId: r.accountID === undefined ? undefined : String(r.accountID),
    sectionId: r.librarySectionID,
  };
}

const lastSegment = (path: string | undefined) => {
  const m = path ? /\/library\/metadata\/(\d+)/.exec(path) : null;
  return m ? m[1] : undefined;
};

function showKeyOf(r: PlexHistoryRow): string | undefined {
  return r.grandparentRatingKey ?? lastSegment(r.grandparentKey);
}

/**
 * A BullMQ job id for one history row of one user: deterministic, so a re-run of an import
 * adds the same job (ignored while it is kept) and finds its log row (never a second one).
 * BullMQ ids may not hold `:` nor be all digits.
 */
export function historyJobId(userId: number, historyKey: string): string {
  const m = /(\d+)\s*$/.exec(historyKey);
  const id = m ? m[1] : historyKey.replace(/[^A-Za-z0-9_-]/g, '_');
  return `plexhist-${userId}-${id}`;
}

/** A manual mark's job id: one per (item, view count it reached). */
export function markJobId(userId: number, ratingKey: string, viewCount: number): string {
  return `plexmark-${userId}-${ratingKey}-${viewCount}`;
}

export const PlexAccountEntrySchema = z.looseObject({
  id: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string()),
  name: z.preprocess((v) => (v === null ? '' : v), z.string()).optional(),
});

/** `GET /accounts`: id and name of every account of the server (id 0 is a system entry). */
export function parseAccounts(raw: unknown): { id: string; name: string }[] | null {
  const parsed = page(raw, 'Account', PlexAccountEntrySchema);
  return parsed ? parsed.items.map((a) => ({ id: a.id, name: a.name ?? '' })) : null;
}

const SectionSchema = z.looseObject({
  key: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string()),
  type: z.string(),
  title: optionalText,
});

/** `GET /identity`: the server's machineIdentifier (a webhook's `Server.uuid`), or null. */
export function parseIdentity(raw: unknown): { id: string; version?: string } | null {
  const c = (raw as { MediaContainer?: { machineIdentifier?: unknown; version?: unknown } } | null)
    ?.MediaContainer;
  if (!c || typeof c.machineIdentifier !== 'string' || c.machineIdentifier === '') return null;
  return { id: c.machineIdentifier, ...(typeof c.version === 'string' ? { version: c.version } : {}) };
}

/** `GET /library/sections`: each library's key, type (`show`, `movie`, …) and title. */
export function parseSections(raw: unknown): { key: string; type: string; title?: string }[] | null {
  const parsed = page(raw, 'Directory', SectionSchema);
  return parsed ? parsed.items : null;
}

/** A list of metadata items (`/library/sections/{id}/all`, `/children`, `/allLeaves`). */
export function parseMetadataList(raw: unknown): PlexPage<PlexMetadata> | null {
  return page(raw, 'Metadata', PlexMetadataSchema);
}

/** What the history job carries: the row as Plex sent it and the metadata the importer read. */
export type PlexHistoryJobPayload = {
  /**
   * `history.play`: a row of the play history; `history.mark`: a view count without one. Named
   * `event` like a webhook's, so a stored row's payload (a conflict's replay, a retry) is read by
   * the history adapter again even where it is filed under source `plex`.
   */
  event: typeof HISTORY_PLAY_EVENT | typeof HISTORY_MARK_EVENT;
  /** The history row (play), or the library item with its viewCount/lastViewedAt (mark). */
  row: Record<string, unknown>;
  /** `GET /library/metadata/{grandparentRatingKey}`'s show (episodes), or null if none. */
  show: Record<string, unknown> | null;
  /** `GET /library/metadata/{ratingKey}`'s movie (movies: the ids), or null. */
  item: Record<string, unknown> | null;
  /** The account the row is of, resolved with `GET /accounts`. */
  account: { id: string; name?: string } | null;
  /** The server read (`GET /identity`'s machineIdentifier: the webhook's Server.uuid), for the
   * server allow-list. */
  server?: { id?: string; name?: string };
  /** The row's library section (id, and its title from `/library/sections`), for the library
   * filters. */
  library?: { id?: string; title?: string };
};

/**
 * What a history event carries beyond a WatchEvent: the row's historyKey (its play's identity;
 * null for a manual mark, which has no row). Such events are deduplicated by that key and
 * reconciled with webhook watches (HISTORY_RECONCILE_WINDOW_SECONDS), not by the webhook claim.
 */
export type HistoryOrigin = { key: string | null; kind: 'play' | 'mark' };
export type HistoryWatchEvent = WatchEvent & { history: HistoryOrigin };

/** Whether a payload is a history job's (`event` history.play or history.mark). */
export function isHistoryPayload(payload: unknown): boolean {
  const event = (payload as { event?: unknown } | null)?.event;
  return event === HISTORY_PLAY_EVENT || event === HISTORY_MARK_EVENT;
}

/** The history origin of an event made by plexHistoryWatchEvent; undefined for a webhook's. */
export function historyOrigin(event: WatchEvent): HistoryOrigin | undefined {
  return (event as Partial<HistoryWatchEvent>).history;
}

type Input = { userId: number; receivedAt: Date; payload: Record<string, unknown> };

/** The string fields `a` and `b` of an object from a job payload (anything else is absent). */
function textFields<A extends string, B extends string>(v: unknown, a: A, b: B): { [K in A | B]?: string } {
  const o = (v ?? {}) as Record<string, unknown>;
  const out: { [K in A | B]?: string } = {};
  for (const k of [a, b] as (A | B)[]) if (typeof o[k] === 'string' && o[k] !== '') out[k] = o[k] as string;
  return out;
}
type Adapted =
  | { ok: true; event: WatchEvent }
  | { ok: false; error: string; eventType: string | null; itemKey: string | null };

const metadataOf = (v: unknown): PlexMetadata | null => {
  const parsed = PlexMetadataSchema.safeParse(v);
  return parsed.success ? parsed.data : null;
};

/**
 * The history adapter: a history row (or a manual mark) and its show's metadata as a watch
 * event. The show's ids come from the show's own metadata (`Guid[]` of the show item), never
 * from the episode's. watchedAt is viewedAt (epoch seconds, so UTC: never a local time).
 */
export function plexHistoryWatchEvent({ userId, receivedAt, payload }: Input): Adapted {
  const kind = payload.event === HISTORY_MARK_EVENT ? 'mark' : 'play';
  const eventType = kind === 'mark' ? HISTORY_MARK_EVENT : HISTORY_PLAY_EVENT;
  const fail = (error: string, itemKey: string | null = null): Adapted => ({
    ok: false,
    error,
    eventType,
    itemKey,
  });
  const show = metadataOf(payload.show);
  const account = (payload.account ?? null) as PlexHistoryJobPayload['account'];
  const server = textFields(payload.server, 'id', 'name');
  const library = textFields(payload.library, 'id', 'title');
  let metadata: PlexMetadata;
  let historyKey: string | null = null;
  let seconds: number | undefined;
  if (kind === 'play') {
    const parsed = PlexHistoryRowSchema.safeParse(payload.row);
    if (!parsed.success) return fail('invalid history row: no historyKey or type');
    const r = parsed.data;
    historyKey = r.historyKey;
    seconds = r.viewedAt;
    const ratingKey = r.ratingKey ?? lastSegment(r.key);
    if (!ratingKey) return fail(`history row ${r.historyKey} has no ratingKey`);
    const item = metadataOf(payload.item);
    const showKey = showKeyOf(r);
    metadata =
      r.type === 'movie' && item
        ? { ...item, ratingKey, type: 'movie' }
        : {
            ratingKey,
            type: r.type,
            key: r.key,
            title: r.title,
            grandparentRatingKey: showKey,
            grandparentTitle: show?.title ?? r.grandparentTitle,
            grandparentGuid: show?.guid,
            index: r.index !== undefined && Number.isInteger(r.index) && r.index >= 0 ? r.index : undefined,
            parentIndex:
              r.parentIndex !== undefined && Number.isInteger(r.parentIndex) && r.parentIndex >= 0
                ? r.parentIndex
                : undefined,
            originallyAvailableAt: r.originallyAvailableAt,
            year: r.year,
            librarySectionID: r.librarySectionID,
          };
  } else {
    const item = metadataOf(payload.row);
    if (!item) return fail('invalid marked item: no ratingKey or type');
    metadata =
      item.type === 'episode' ? { ...item, grandparentGuid: show?.guid ?? item.grandparentGuid } : item;
    if (item.type === 'episode' && show?.title) metadata.grandparentTitle = show.title;
    seconds = item.lastViewedAt;
  }
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0)
    return fail(
      `${kind === 'mark' ? 'marked item' : 'history row'} without a viewedAt`,
      plexSummary(metadata).key,
    );

  let media = plexMedia(metadata);
  if (media?.kind === 'episode') {
    // plexMedia reads the episode's own Guid[] as the episode's; the show's ids are the show
    // item's (new agent: its Guid[]; legacy: its guid), read from the show's metadata.
    const episode = plexEpisode(metadata);
    const showIds = show ? extractIds({ ...show, type: 'show' }).show : {};
    media = { ...episode, show: { ...episode.show, ids: { ...episode.show.ids, ...showIds } } };
  }
  const event: HistoryWatchEvent = {
    source: 'plex',
    sourceEvent: eventType,
    action: 'scrobble',
    server,
    ...(library.id || library.title ? { library } : {}),
    userId,
    account: account ? { id: account.id, name: account.name } : undefined,
    // The server owner's account is id 1 on the server itself: the webhook's `user: true`.
    ownAccount: account?.id === '1',
    media,
    receivedAt,
    watchedAt: new Date(seconds * 1000),
    summary: plexSummary(metadata),
    history: { key: historyKey, kind },
  };
  return { ok: true, event };
}

const yearOf = (n: number | undefined) =>
  n !== undefined && Number.isInteger(n) && n >= 1870 && n <= 2100 ? n : null;
const dayOf = (s: string | undefined) => {
  const d = s?.trim().slice(0, 10);
  return d && isValidIsoDate(d) ? d : null;
};
const cleanTitle = (s: string | undefined) => {
  const t = s
    ?.replace(/\p{Cc}/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return t ? t : null;
};

/**
 * A Plex show and its episodes (`/allLeaves`) as a catalogue show. The show's ids are the show
 * item's; a show Plex has not matched (no tmdb/tvdb/imdb id) is skipped: it names nothing the
 * catalogue could be matched against, and an entry made of its title alone would compete with
 * the real shows of that title.
 */
export function catalogShowFromPlex(
  show: PlexMetadata,
  episodes: PlexMetadata[],
): { ok: true; value: SourceCatalogShow } | { ok: false; reason: string } {
  const name = cleanTitle(show.title);
  if (!name) return { ok: false, reason: 'no title' };
  const ids = extractIds({ ...show, type: 'show' }).show;
  if (ids.tmdb === undefined && ids.tvdb === undefined && ids.imdb === undefined)
    return { ok: false, reason: 'no tmdb, tvdb or imdb id (not matched in Plex)' };
  const { title } = splitTitleYear(name);
  const seasons = new Map<number, SourceCatalogShow['seasons'][number]>();
  const regularDays: string[] = [];
  for (const e of episodes) {
    if (e.type !== 'episode' || e.parentIndex === undefined || e.index === undefined) continue;
    const airDate = dayOf(e.originallyAvailableAt);
    if (airDate && e.parentIndex > 0) regularDays.push(airDate);
    const epTitle = cleanTitle(e.title);
    let season = seasons.get(e.parentIndex);
    if (!season) {
      season = { number: e.parentIndex, episodes: [] };
      seasons.set(e.parentIndex, season);
    }
    if (season.episodes.some((x) => x.number === e.index)) continue;
    season.episodes.push({
      number: e.index,
      title: epTitle && isInformativeEpisodeTitle(epTitle) ? epTitle : null,
      airDate,
    });
  }
  regularDays.sort();
  const year = yearOf(show.year);
  const firstAired = dayOf(show.originallyAvailableAt) ?? regularDays[0] ?? (year ? `${year}-01-01` : null);
  const original = cleanTitle(show.originalTitle);
  return {
    ok: true,
    value: {
      title,
      originalTitle: original && original !== title ? original : null,
      firstAired,
      lastAired: null,
      tmdbId: ids.tmdb ?? null,
      tvdbId: ids.tvdb ?? null,
      imdbId: ids.imdb ?? null,
      seasons: [...seasons.values()]
        .sort((a, b) => a.number - b.number)
        .map((s) => ({ ...s, episodes: s.episodes.sort((a, b) => a.number - b.number) })),
    },
  };
}

/** A Plex movie as a catalogue movie (skipped without an external id, as shows are). */
export function catalogMovieFromPlex(
  movie: PlexMetadata,
): { ok: true; value: SourceCatalogMovie } | { ok: false; reason: string } {
  const name = cleanTitle(movie.title);
  if (!name) return { ok: false, reason: 'no title' };
  const ids = extractIds({ ...movie, type: 'movie' }).movie;
  if (ids.tmdb === undefined && ids.imdb === undefined)
    return { ok: false, reason: 'no tmdb or imdb id (not matched in Plex)' };
  const original = cleanTitle(movie.originalTitle);
  return {
    ok: true,
    value: {
      title: name,
      originalTitle: original && original !== name ? original : null,
      year: yearOf(movie.year),
      tmdbId: ids.tmdb ?? null,
      imdbId: ids.imdb ?? null,
    },
  };
}
