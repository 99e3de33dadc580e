// media.rate (issue 18): the user's rating of an episode, show or movie. Stored by the source's
// keys (ids resolve through the mappings when read), latest event wins, a clear keeps its time.
import type { WatchEvent } from '@plexhook/core';
import type { WorkerDeps } from '../deps';
import type { Outcome } from './outcome';

export async function handleRating(deps: WorkerDeps, event: WatchEvent): Promise<Outcome> {
  const rating = event.rating;
  if (!rating)
    return { status: 'ignored', action: 'ignored_event', message: 'rating event without a rating' };
  const { target, value } = rating;
  const applied = await deps.store.saveRating({
    userId: event.userId,
    source: event.source,
    serverId: event.source === 'plex' ? '' : (event.server.id ?? ''),
    mediaType: target.kind,
    itemKey: target.itemKey,
    showKey: target.showKey ?? null,
    title: target.title ?? null,
    season: target.season ?? null,
    episode: target.episode ?? null,
    rating: value,
    ratedAt: event.receivedAt,
  });
  const what = `${target.kind} "${target.title ?? target.itemKey}"`;
  if (!applied) {
    return {
      status: 'ignored',
      action: 'ignored_event',
      message: `rating of ${what} older than the stored one (delivered out of order): not applied`,
    };
  }
  return value === null
    ? { status: 'success', action: 'rating_cleared', message: `rating of ${what} cleared` }
    : { status: 'success', action: 'rating_saved', message: `${what} rated ${value}/10` };
}
