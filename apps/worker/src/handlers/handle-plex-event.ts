import {
  classifyEvent,
  extractIds,
  type PlexMetadata,
  type PlexPayload,
  showQueryFromMetadata,
  splitTitleYear,
  watchedAt,
} from '@plexhook/core';
import type { WorkerDeps } from '../deps';
import { claimEvent } from './dedupe';
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

/** Authenticated job -> duplicate check -> ids -> match -> mapping or conflict -> mark. */
export async function handlePlexEvent(deps: WorkerDeps, event: PlexEvent): Promise<Outcome> {
  const { payload } = event;
  const config = await deps.db.plexConfig.findUnique({ where: { userId: event.userId } });
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

  if (classified.mediaType === 'movie') {
    // Movies are matched by the matching-quality work (issue 8); until then they are logged.
    return ignored('ignored_event', 'movie scrobbles are not matched yet');
  }

  const ratingKey = metadata.grandparentRatingKey;
  const showTitle = metadata.grandparentTitle;
  if (!ratingKey || !showTitle) {
    return {
      status: 'failed',
      action: null,
      message: 'episode scrobble without grandparentRatingKey/grandparentTitle: cannot tell which show',
    };
  }

  const mapping = await deps.db.plexShowMapping.findUnique({
    where: { userId_plexRatingKey: { userId: event.userId, plexRatingKey: ratingKey } },
  });
  let resolvedMapping = mapping;
  let conflictId: number | undefined;
  if (!resolvedMapping) {
    const open = await deps.db.plexConflict.findFirst({
      where: { userId: event.userId, plexRatingKey: ratingKey, resolved: false },
      select: { id: true },
    });
    if (open) {
      return {
        status: 'success',
        action: 'conflict_pending',
        conflictId: open.id,
        message: `held on unresolved conflict ${open.id}; replayed when it is resolved`,
      };
    }
    const { title, year } = splitTitleYear(showTitle);
    const resolution = await resolveShow(
      deps,
      { userId: event.userId, ratingKey, guid: metadata.grandparentGuid, title, year },
      extractIds(metadata).show,
      showQueryFromMetadata(metadata),
      {
        threshold: config.matchThreshold ?? deps.config.DEFAULT_MATCH_THRESHOLD,
        autoResolve: config.autoResolve,
      },
    );
    if (resolution.kind === 'conflict') {
      return {
        status: 'success',
        action: resolution.created ? 'conflict_created' : 'conflict_pending',
        conflictId: resolution.conflictId,
        message: resolution.created
          ? `no unambiguous match for "${showTitle}": conflict ${resolution.conflictId} opened`
          : `held on unresolved conflict ${resolution.conflictId}; replayed when it is resolved`,
      };
    }
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
  const episode =
    season === undefined || number === undefined
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
