import {
  classifyEvent,
  type ExternalIds,
  extractIds,
  hamaCustomNumbering,
  movieQueryFromMetadata,
  type PlexMetadata,
  type PlexPayload,
  type ShowQuery,
  showQueryFromMetadata,
  splitTitleYear,
  watchedAt,
  withPlexShowInfo,
} from '@plexhook/core';
import type { WorkerDeps } from '../deps';
import { conflictOutcome, holdOnOpenConflict } from './conflicts';
import { claimEvent } from './dedupe';
import { type EventContext, loadEventContext, type UserConfig } from './event-context';
import { resolveMovie } from './match-movie';
import { resolveShow } from './match-show';
import { ignored, type Outcome } from './outcome';

export type PlexEvent = {
  jobId: string;
  userId: number;
  receivedAt: Date;
  payload: PlexPayload;
  /** A held scrobble replayed after its conflict was resolved: not a duplicate of itself. */
  isReplay: boolean;
};

const pad = (n: number | undefined) => (n === undefined ? '??' : String(n).padStart(2, '0'));

/** A readable label for the log: "iCarly S01E01 · iStart Over". */
export function describeItem(m: PlexMetadata | undefined): string | null {
  if (!m) return null;
  if (m.type === 'episode') {
    return `${m.grandparentTitle ?? '?'} S${pad(m.parentIndex)}E${pad(m.index)}${m.title ? ` · ${m.title}` : ''}`;
  }
  return m.title ?? null;
}

/** The rating key a log row is filed under: the show's for an episode (what mappings use). */
export function logRatingKey(m: PlexMetadata | undefined): string | null {
  if (!m) return null;
  return (m.type === 'episode' ? m.grandparentRatingKey : m.ratingKey) ?? null;
}

/**
 * Authenticated job -> duplicate check -> ids -> match -> mapping or conflict -> mark.
 * `context` is what loadEventContext read for this event (the processor reads it first, for its
 * idempotency check); without it the handler reads it itself.
 */
export async function handlePlexEvent(
  deps: WorkerDeps,
  event: PlexEvent,
  context?: EventContext,
): Promise<Outcome> {
  const { payload } = event;
  const ctx = context ?? (await loadEventContext(deps, event.jobId, event.userId, payload));
  const config = ctx.config;
  if (!config) return ignored('ignored_disabled', 'user has no Plex configuration');

  const classified = classifyEvent(payload, config);
  if (classified.kind === 'ignore') return ignored(classified.action, classified.reason);
  const metadata = payload.Metadata as PlexMetadata;

  if (!event.isReplay) {
    const owner = await claimEvent(deps, event.jobId, {
      userId: event.userId,
      event: payload.event,
      ratingKey: metadata.ratingKey,
      accountId: payload.Account?.id ?? payload.Account?.title,
    });
    if (owner) {
      return {
        status: 'duplicate',
        action: 'duplicate',
        message: `same scrobble already handled by job ${owner}`,
      };
    }
  }

  if (classified.mediaType === 'movie') return handleMovie(deps, event, config, metadata, ctx);

  const ratingKey = metadata.grandparentRatingKey;
  const showTitle = metadata.grandparentTitle;
  if (!ratingKey || !showTitle) {
    return {
      status: 'failed',
      action: null,
      message: 'episode scrobble without grandparentRatingKey/grandparentTitle: cannot tell which show',
    };
  }

  // The mapping read with the config, when there is one; else today's read, just before the
  // open-conflict check (a resolution may have mapped the show a moment ago).
  const prefetched = ctx.showKey === ratingKey ? ctx.showMapping : null;
  let resolvedMapping: { tvshowId: number | null; syncEnabled: boolean } | null =
    prefetched ??
    (await deps.db.plexShowMapping.findUnique({
      where: { userId_plexRatingKey: { userId: event.userId, plexRatingKey: ratingKey } },
      select: { tvshowId: true, syncEnabled: true },
    }));
  let conflictId: number | undefined;
  if (!resolvedMapping) {
    const held = await holdOnOpenConflict(deps, event.userId, ratingKey);
    if (held) return held;
    const { title, year } = splitTitleYear(showTitle);
    const { ids, query } = await withPlexServerInfo(
      deps,
      config,
      ratingKey,
      extractIds(metadata).show,
      showQueryFromMetadata(metadata),
    );
    const resolution = await resolveShow(
      deps,
      { userId: event.userId, ratingKey, guid: metadata.grandparentGuid, title, year },
      ids,
      query,
      {
        threshold: config.matchThreshold ?? deps.config.DEFAULT_MATCH_THRESHOLD,
        autoResolve: config.autoResolve,
      },
    );
    if (resolution.kind === 'conflict') return conflictOutcome(resolution, `"${showTitle}"`);
    resolvedMapping = resolution.mapping;
    conflictId = resolution.conflictId;
  }

  if (!resolvedMapping.syncEnabled || resolvedMapping.tvshowId === null) {
    return ignored('ignored_show', `show "${showTitle}" is ignored (sync disabled on its mapping)`);
  }
  if (!config.autoMarkWatched) {
    return ignored('ignored_disabled', 'auto_mark_watched is off: show matched, episode not marked');
  }

  const season = metadata.parentIndex;
  const number = metadata.index;
  const numbering = hamaCustomNumbering(metadata);
  if (numbering) {
    // These modes number episodes absolutely or by AniDB entry; the catalogue has only
    // tvdb-style season/episode numbers, so the same numbers would name another episode.
    return {
      status: 'success',
      action: 'episode_not_found',
      conflictId,
      message: `S${pad(season)}E${pad(number)} of "${showTitle}" uses HAMA ${numbering} numbering, which the catalogue (season/episode only) cannot place`,
    };
  }
  const episodeFetched =
    prefetched !== null &&
    prefetched.tvshowId === resolvedMapping.tvshowId &&
    ctx.episodeAt !== null &&
    ctx.episodeAt.season === season &&
    ctx.episodeAt.number === number;
  const episode = episodeFetched
    ? ctx.episodeId === null
      ? null
      : { id: ctx.episodeId }
    : season === undefined || number === undefined
      ? null
      : await deps.db.episode.findUnique({
          where: {
            tvshowId_seasonNumber_episodeNumber: {
              tvshowId: resolvedMapping.tvshowId,
              seasonNumber: season,
              episodeNumber: number,
            },
          },
          select: { id: true },
        });
  if (!episode) {
    return {
      status: 'success',
      action: 'episode_not_found',
      conflictId,
      message: `S${pad(season)}E${pad(number)} of "${showTitle}" is not in the catalogue (tvshow ${resolvedMapping.tvshowId})`,
    };
  }
  return {
    status: 'success',
    action: 'episode_marked',
    conflictId,
    episodeWatch: { episodeId: episode.id, watchedAt: watchedAt(payload, event.receivedAt) },
  };
}

const hasIds = (ids: ExternalIds) =>
  ids.tmdb !== undefined || ids.tvdb !== undefined || ids.imdb !== undefined;

/**
 * A new-agent episode carries only the episode's ids. When the user gave us their Plex server,
 * its metadata for the show has the show's ids (and its year and original title), which turn
 * a title guess into an exact match. Any failure leaves ids and query as they were.
 */
async function withPlexServerInfo(
  deps: WorkerDeps,
  config: UserConfig,
  ratingKey: string,
  ids: ExternalIds,
  query: ShowQuery,
): Promise<{ ids: ExternalIds; query: ShowQuery }> {
  if (hasIds(ids) || !deps.plexMetadata || !config.plexServerUrl || !config.plexToken) return { ids, query };
  const found = await deps.plexMetadata.fetchShow(
    { url: config.plexServerUrl, token: config.plexToken },
    ratingKey,
  );
  if (!found.ok) return { ids, query };
  return withPlexShowInfo(ids, query, found.show);
}

/** A movie scrobble: mapping (by its own rating key) or conflict, then the watch. */
async function handleMovie(
  deps: WorkerDeps,
  event: PlexEvent,
  config: UserConfig,
  metadata: PlexMetadata,
  ctx: EventContext,
): Promise<Outcome> {
  const ratingKey = metadata.ratingKey;
  const label = metadata.title ?? '?';
  let mapping: { movieId: number | null; syncEnabled: boolean } | null =
    (ctx.movieKey === ratingKey ? ctx.movieMapping : null) ??
    (await deps.db.plexMovieMapping.findUnique({
      where: { userId_plexRatingKey: { userId: event.userId, plexRatingKey: ratingKey } },
      select: { movieId: true, syncEnabled: true },
    }));
  let conflictId: number | undefined;
  if (!mapping) {
    const held = await holdOnOpenConflict(deps, event.userId, ratingKey);
    if (held) return held;
    const query = movieQueryFromMetadata(metadata);
    const resolution = await resolveMovie(
      deps,
      { userId: event.userId, ratingKey, guid: metadata.guid, title: query.title, year: query.year },
      extractIds(metadata).movie,
      query,
      {
        threshold: config.matchThreshold ?? deps.config.DEFAULT_MATCH_THRESHOLD,
        autoResolve: config.autoResolve,
      },
    );
    if (resolution.kind === 'conflict') return conflictOutcome(resolution, `movie "${label}"`);
    mapping = resolution.mapping;
    conflictId = resolution.conflictId;
  }
  if (!mapping.syncEnabled || mapping.movieId === null) {
    return ignored('ignored_show', `movie "${label}" is ignored (sync disabled on its mapping)`);
  }
  if (!config.autoMarkWatched) {
    return ignored('ignored_disabled', 'auto_mark_watched is off: movie matched, not marked');
  }
  return {
    status: 'success',
    action: 'movie_marked',
    conflictId,
    movieWatch: { movieId: mapping.movieId, watchedAt: watchedAt(event.payload, event.receivedAt) },
  };
}
