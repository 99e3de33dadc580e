// What differs between the kinds of media, as data: one descriptor per kind drives the one
// resolve -> mapping-or-conflict -> mark flow (handle-watch-event.ts, resolve.ts).
import {
  type Decision,
  decideMatch,
  decideMovieMatch,
  type EpisodeMedia,
  type ExternalIds,
  episodeCode,
  episodeQuery,
  type IdMatchMethod,
  type MovieMedia,
  movieQuery,
  type ScoredCandidate,
  type ScoredMovieCandidate,
  type ShowQuery,
  scoreCandidates,
  scoreMovieCandidates,
  splitTitleYear,
  type WatchEvent,
  withPlexShowInfo,
} from '@plexhook/core';
import {
  type CandidateOf,
  type EventContext,
  type MediaType,
  type SourceScope,
  sourceScope,
  type UserConfig,
} from '@plexhook/db';
import type { WorkerDeps } from '../deps';
import type { MediaServerRef } from '../media-server/series-lookup-client';
import type { Outcome } from './outcome';

/** The source item a mapping or conflict is filed under, as they record it. */
export type Subject = {
  /** Which server the key belongs to (Plex: server_id ''; Jellyfin/Emby: the event's ServerId). */
  scope: SourceScope;
  /** The source's key (a show's for an episode, a movie's own). */
  key: string;
  guid: string | undefined;
  title: string;
  year: number | undefined;
  /** As the source shows it, for messages. */
  label: string;
};

/** What matching looks for: the query (titles, years, episode facts) and the item's own ids. */
export type Lookup<Q> = { ids: ExternalIds; query: Q };

export type MediaKind<M, Q, S> = {
  /** The mapping table, conflict media_type and catalogue table this kind uses. */
  mediaType: MediaType;
  /** What the subject is called in messages ("show", "movie"). */
  noun: string;
  /** The subject of a scrobble, or why it has none (a failed outcome). */
  subject(media: M, event: WatchEvent): Subject | Outcome;
  /** The subject in a conflict's message. */
  conflictLabel(s: Subject): string;
  /** The message when auto_mark_watched is off. */
  notMarked: string;
  /** The catalogue's external id kinds for this kind, most trusted first. */
  idKinds: IdMatchMethod[];
  lookup(deps: WorkerDeps, config: UserConfig, media: M, s: Subject): Promise<Lookup<Q>>;
  score(query: Q, candidates: CandidateOf[MediaType][]): S[];
  decide(scored: S[], opts: { threshold: number }): Decision<S>;
  targetOf(candidate: S): number;
  /**
   * The mark step on a mapped, syncing target. `context` is the event's context when the
   * mapping came from it (what it read with the mapping may be used), else null.
   */
  mark(
    deps: WorkerDeps,
    event: WatchEvent,
    media: M,
    targetId: number,
    context: EventContext | null,
    conflictId: number | undefined,
  ): Promise<Outcome>;
};

/** The user's Jellyfin or Emby server, when both its URL and API key are set. */
function mediaServerOf(config: UserConfig, source: 'jellyfin' | 'emby'): MediaServerRef | null {
  const [url, apiKey] =
    source === 'jellyfin'
      ? [config.jellyfinServerUrl, config.jellyfinApiKey]
      : [config.embyServerUrl, config.embyApiKey];
  return url && apiKey ? { source, url, apiKey } : null;
}

const hasIds = (ids: ExternalIds) =>
  ids.tmdb !== undefined || ids.tvdb !== undefined || ids.imdb !== undefined;

export const SHOW: MediaKind<EpisodeMedia, ShowQuery, ScoredCandidate> = {
  mediaType: 'show',
  noun: 'show',
  subject(media, event) {
    const key = media.show.key;
    const label = media.show.title;
    if (!key || !label) {
      const fields =
        event.source === 'plex' ? 'grandparentRatingKey/grandparentTitle' : 'SeriesId/SeriesName';
      return {
        status: 'failed',
        action: null,
        message: `episode scrobble without ${fields}: cannot tell which show`,
      };
    }
    const { title, year } = splitTitleYear(label);
    // A title without a year in it takes the year the source sends apart (Jellyfin's series Year).
    return {
      scope: sourceScope(event.source, event.server.id),
      key,
      guid: media.show.guid,
      title,
      year: year ?? media.show.year,
      label,
    };
  },
  conflictLabel: (s) => `"${s.label}"`,
  notMarked: 'auto_mark_watched is off: show matched, episode not marked',
  idKinds: ['tmdb_id', 'tvdb_id', 'imdb_id'],
  /**
   * A new-agent Plex episode, and every Jellyfin/Emby episode, carries only the episode's ids.
   * When the user gave us the server that sent it (Plex: URL and token; Jellyfin/Emby: URL and
   * API key), its metadata for the show has the show's ids (and its year and original title),
   * which turn a title guess into an exact match. Any failure leaves ids and query as they were:
   * title, year and the episode's own evidence.
   */
  async lookup(deps, config, media, s) {
    const ids = media.show.ids;
    const query = episodeQuery(media);
    if (hasIds(ids)) return { ids, query };
    if (s.scope.source !== 'plex') {
      const server = mediaServerOf(config, s.scope.source);
      if (!server || !deps.seriesLookup) return { ids, query };
      const found = await deps.seriesLookup.fetchSeries(server, s.key);
      return found.ok ? withPlexShowInfo(ids, query, found.show) : { ids, query };
    }
    if (!deps.plexMetadata || !config.plexServerUrl || !config.plexToken) return { ids, query };
    const found = await deps.plexMetadata.fetchShow(
      { url: config.plexServerUrl, token: config.plexToken },
      s.key,
    );
    return found.ok ? withPlexShowInfo(ids, query, found.show) : { ids, query };
  },
  score: (query, candidates) => scoreCandidates(query, candidates as CandidateOf['show'][]),
  decide: decideMatch,
  targetOf: (c) => c.tvshowId,
  async mark(deps, event, media, tvshowId, context, conflictId) {
    const { season, episode: number } = media;
    const code = episodeCode(season, number);
    const label = media.show.title;
    if (media.customNumbering) {
      // These modes number episodes absolutely or by AniDB entry; the catalogue has only
      // tvdb-style season/episode numbers, so the same numbers would name another episode.
      return {
        status: 'success',
        action: 'episode_not_found',
        conflictId,
        message: `${code} of "${label}" uses HAMA ${media.customNumbering} numbering, which the catalogue (season/episode only) cannot place`,
      };
    }
    const at = context?.keys.episodeAt;
    const episodeId =
      at && at.season === season && at.number === number
        ? (context?.episodeId ?? null)
        : season === undefined || number === undefined
          ? null
          : await deps.store.findEpisodeId(tvshowId, season, number);
    if (episodeId === null) {
      return {
        status: 'success',
        action: 'episode_not_found',
        conflictId,
        message: `${code} of "${label}" is not in the catalogue (tvshow ${tvshowId})`,
      };
    }
    // A multi-episode file (S01E01-E02, when the source says so): the same row marks the rest.
    const more = await moreEpisodes(deps, tvshowId, season, number, media.episodeEnd);
    return {
      status: 'success',
      action: 'episode_marked',
      conflictId,
      ...(more.message ? { message: more.message } : {}),
      watch: {
        kind: 'episode',
        itemId: episodeId,
        watchedAt: event.watchedAt,
        ...(more.ids.length > 0 ? { moreEpisodeIds: more.ids } : {}),
      },
    };
  },
};

/** The catalogue's episodes number+1..end of a multi-episode file; which of them it lacks. */
async function moreEpisodes(
  deps: WorkerDeps,
  tvshowId: number,
  season: number | undefined,
  number: number | undefined,
  end: number | undefined,
): Promise<{ ids: number[]; message?: string }> {
  if (season === undefined || number === undefined || end === undefined || end <= number) return { ids: [] };
  const ids: number[] = [];
  const missing: string[] = [];
  for (let n = number + 1; n <= end; n++) {
    const id = await deps.store.findEpisodeId(tvshowId, season, n);
    if (id === null) missing.push(episodeCode(season, n));
    else ids.push(id);
  }
  const range = `${episodeCode(season, number)}-E${String(end).padStart(2, '0')}`;
  return {
    ids,
    message: `multi-episode file ${range}: ${ids.length + 1} marked${missing.length ? `; not in the catalogue: ${missing.join(', ')}` : ''}`,
  };
}

export const MOVIE: MediaKind<MovieMedia, ReturnType<typeof movieQuery>, ScoredMovieCandidate> = {
  mediaType: 'movie',
  noun: 'movie',
  subject(media, event) {
    const query = movieQuery(media);
    return {
      scope: sourceScope(event.source, event.server.id),
      key: media.itemKey,
      guid: media.guid,
      title: query.title,
      year: query.year,
      label: media.title ?? '?',
    };
  },
  conflictLabel: (s) => `movie "${s.label}"`,
  notMarked: 'auto_mark_watched is off: movie matched, not marked',
  // Movies have no tvdb ids in the catalogue.
  idKinds: ['tmdb_id', 'imdb_id'],
  lookup: async (_deps, _config, media) => ({ ids: media.ids, query: movieQuery(media) }),
  score: (query, candidates) => scoreMovieCandidates(query, candidates as CandidateOf['movie'][]),
  decide: decideMovieMatch,
  targetOf: (c) => c.movieId,
  mark: async (_deps, event, _media, movieId, _context, conflictId) => ({
    status: 'success',
    action: 'movie_marked',
    conflictId,
    watch: { kind: 'movie', itemId: movieId, watchedAt: event.watchedAt },
  }),
};
