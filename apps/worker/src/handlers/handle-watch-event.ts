import {
  classifyWatchEvent,
  type EpisodeMedia,
  historyOrigin,
  type MovieMedia,
  type WatchEvent,
} from '@plexhook/core';
import {
  type CandidateQuery,
  type ContextKeys,
  type EventContext,
  type MappingTarget,
  sourceScope,
  type UserConfig,
} from '@plexhook/db';
import type { WorkerDeps } from '../deps';
import { conflictOutcome, heldOn } from './conflicts';
import { claimAcrossSources, claimEvent } from './dedupe';
import { type MediaKind, MOVIE, SHOW, type Subject } from './media-kinds';
import { ignored, type Outcome } from './outcome';
import { progressMapped, progressUnmapped, scrobbleSession } from './playback';
import { handleRating } from './ratings';
import { resolveMedia } from './resolve';
import { unmarkOutcome } from './unmark';

/** What the event's context is read by (the processor reads it once, before handling). */
export function contextKeys(jobId: string, event: WatchEvent): ContextKeys {
  const { media } = event;
  const userId = event.userId;
  const ids = { jobId, userId, ...sourceScope(event.source, event.server.id) };
  if (media?.kind === 'episode') {
    const { season, episode } = media;
    return {
      ...ids,
      mediaType: 'show',
      key: media.show.key ?? null,
      episodeAt: season !== undefined && episode !== undefined ? { season, number: episode } : null,
    };
  }
  if (media?.kind === 'movie') return { ...ids, mediaType: 'movie', key: media.itemKey, episodeAt: null };
  return { ...ids, mediaType: null, key: null, episodeAt: null };
}

export type HandleOptions = {
  jobId: string;
  /** A held scrobble replayed after its conflict was resolved: not a duplicate of itself. */
  isReplay: boolean;
};

/**
 * A watch event -> ignore or not -> duplicate check -> mapping (or resolve: a new mapping or a
 * conflict) -> mark. `context` is what the processor read for this event.
 */
export async function handleWatchEvent(
  deps: WorkerDeps,
  event: WatchEvent,
  context: EventContext,
  opts: HandleOptions,
): Promise<Outcome> {
  const { config } = context;
  if (!config) return ignored('ignored_disabled', 'user has no Plex configuration');

  const classified = classifyWatchEvent(event, config);
  if (classified.kind === 'ignore') {
    // A Jellyfin/Emby unmark is not a scrobble, but it is reported (never deletes a watch).
    const unmark = classified.action === 'ignored_event' ? unmarkOutcome(event, config) : null;
    return unmark ?? ignored(classified.action, classified.reason);
  }
  if (classified.action === 'rating') return handleRating(deps, event);
  const media = event.media as EpisodeMedia | MovieMedia;

  // Scrobbles only: progress is ordered by its session's event time, ratings by theirs.
  // A history row's play is its history key (reconciled when its row is written), not a claim:
  // two plays of one item in a dedupe window are two rows, both kept.
  if (!opts.isReplay && classified.action === 'scrobble' && !historyOrigin(event)) {
    const owner = await claimEvent(deps, opts.jobId, {
      userId: event.userId,
      event: event.sourceEvent,
      ratingKey: media.itemKey,
      accountId: event.account?.id ?? event.account?.name,
    });
    if (owner) {
      return {
        status: 'duplicate',
        action: 'duplicate',
        message: `same scrobble already handled by job ${owner}`,
      };
    }
  }
  const outcome = await (media.kind === 'episode'
    ? handleMedia(deps, event, SHOW, media, config, context)
    : handleMedia(deps, event, MOVIE, media, config, context));
  // One play reported by two of the household's servers: only when the user asked for it.
  return config.dedupeAcrossSources && !historyOrigin(event)
    ? claimAcrossSources(deps, opts.jobId, event, outcome)
    : outcome;
}

/** One media path: mapping or conflict for the subject, then the mark step. */
async function handleMedia<M, Q extends CandidateQuery, S extends { confidence: number }>(
  deps: WorkerDeps,
  event: WatchEvent,
  kind: MediaKind<M, Q, S>,
  media: M,
  config: UserConfig,
  context: EventContext,
): Promise<Outcome> {
  const subject = kind.subject(media, event);
  if (!('key' in subject)) return subject;
  const mapped = (mapping: MappingTarget, conflictId: number | undefined, prefetched: EventContext | null) =>
    afterMapping(deps, event, kind, media, subject, config, mapping, prefetched, conflictId);
  // Should a conflict this webhook is held on be resolved before its row is written: the
  // webhook is handled on the mapping the resolution made (conflicts.ts recordHeld).
  const ifResolved = async () => {
    const mapping = await deps.store.findMapping(kind.mediaType, event.userId, subject.key, subject.scope);
    if (!mapping) throw new Error(`conflict for ${kind.noun} "${subject.label}" resolved without a mapping`);
    return mapped(mapping, undefined, null);
  };

  // The mapping read with the context, when there is one: the common case ends here.
  const { keys } = context;
  if (
    context.mapping &&
    keys.mediaType === kind.mediaType &&
    keys.key === subject.key &&
    keys.source === subject.scope.source &&
    keys.serverId === subject.scope.serverId
  ) {
    return mapped(context.mapping, undefined, context);
  }
  // A missing mapping is read again right before the open-conflict check: a resolution may have
  // mapped the item a moment ago.
  const mapping = await deps.store.findMapping(kind.mediaType, event.userId, subject.key, subject.scope);
  if (mapping) return mapped(mapping, undefined, null);
  const open = await deps.store.findOpenConflictId(event.userId, subject.key, subject.scope);
  // A progress event is never held: its session is kept, and a conflict is opened only once.
  if (open !== null) {
    if (event.action === 'progress') return progressUnmapped(deps, event, open);
    await scrobbleSession(deps, event, config);
    return heldOn(open, ifResolved);
  }

  const resolution = await resolveMedia(
    deps,
    kind,
    event.userId,
    subject,
    await kind.lookup(deps, config, media, subject),
    { threshold: config.matchThreshold, autoResolve: config.autoResolve },
  );
  if (resolution.kind === 'conflict') {
    if (event.action === 'progress') return progressUnmapped(deps, event, resolution.conflictId);
    // A held scrobble ends its session now and claims its play there; its replay finds the claim.
    await scrobbleSession(deps, event, config);
    return conflictOutcome(resolution, kind.conflictLabel(subject), ifResolved);
  }
  return mapped(resolution.mapping, resolution.conflictId, null);
}

async function afterMapping<M, Q, S>(
  deps: WorkerDeps,
  event: WatchEvent,
  kind: MediaKind<M, Q, S>,
  media: M,
  subject: Subject,
  config: UserConfig,
  mapping: MappingTarget,
  prefetched: EventContext | null,
  conflictId: number | undefined,
): Promise<Outcome> {
  if (!mapping.syncEnabled || mapping.targetId === null) {
    return ignored(
      'ignored_show',
      `${kind.noun} "${subject.label}" is ignored (sync disabled on its mapping)`,
    );
  }
  const targetId = mapping.targetId;
  const mark = () => kind.mark(deps, event, media, targetId, prefetched, conflictId);
  if (event.action === 'progress') return progressMapped(deps, event, config, mark);
  // The scrobble ends its session, and the play is counted once per viewing (playback.ts).
  const counted = await scrobbleSession(deps, event, config);
  if (counted) return counted;
  if (!config.autoMarkWatched) return ignored('ignored_disabled', kind.notMarked);
  return mark();
}
