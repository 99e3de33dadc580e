import {
  crossSourceDedupeKey,
  dedupeKey,
  SOURCE_NAMES,
  type WatchEvent,
  type WatchSource,
} from '@plexhook/core';
import type { WorkerDeps } from '../deps';
import type { Outcome } from './outcome';

/**
 * Claims (user, event, item, account) for the dedupe window with one atomic SET NX, so two
 * worker processes racing on the same scrobble cannot both win. The claim holds the job id:
 * a retried job finds its own id and is not a duplicate of itself.
 * Returns null when this job owns the claim, else the job id that does.
 */
export async function claimEvent(
  deps: Pick<WorkerDeps, 'redis' | 'config'>,
  jobId: string,
  input: Parameters<typeof dedupeKey>[0],
): Promise<string | null> {
  const key = `${deps.config.QUEUE_PREFIX}:dedupe:${dedupeKey(input)}`;
  const won = await deps.redis.set(key, jobId, 'EX', deps.config.DEDUPE_WINDOW_SECONDS, 'NX');
  if (won === 'OK') return null;
  const owner = await deps.redis.get(key);
  // The claim expired between the two calls: nobody owns it any more, take it.
  if (owner === null) return claimEvent(deps, jobId, input);
  return owner === jobId ? null : owner;
}

/**
 * `dedupe_across_sources`: a play that marks a catalogue item another server of the user's
 * marked within the dedupe window is a duplicate of it. The claim (SET NX EX, like claimEvent)
 * holds the source, server and job that made it; a claim of the same source and server is never
 * a cross-source duplicate (that server's own repeats are claimEvent's business, and a rewatch
 * on it counts), nor is the job's own claim (a retry).
 */
export async function claimAcrossSources(
  deps: Pick<WorkerDeps, 'redis' | 'config'>,
  jobId: string,
  event: Pick<WatchEvent, 'userId' | 'source' | 'server'>,
  outcome: Outcome,
): Promise<Outcome> {
  const watch = outcome.watch;
  if (!watch) return outcome;
  const key = `${deps.config.QUEUE_PREFIX}:dedupe:${crossSourceDedupeKey({ userId: event.userId, kind: watch.kind, itemId: watch.itemId })}`;
  const origin = `${event.source}\t${event.server.id ?? ''}`;
  const claim = `${origin}\t${jobId}`;
  const won = await deps.redis.set(key, claim, 'EX', deps.config.DEDUPE_WINDOW_SECONDS, 'NX');
  if (won === 'OK') return outcome;
  const owner = await deps.redis.get(key);
  if (owner === null) return claimAcrossSources(deps, jobId, event, outcome);
  const [source, serverId, ownerJob] = owner.split('\t');
  if (`${source}\t${serverId}` === origin || ownerJob === jobId) return outcome;
  return {
    status: 'duplicate',
    action: 'duplicate',
    ...(outcome.conflictId !== undefined ? { conflictId: outcome.conflictId } : {}),
    message: `same play already reported by ${SOURCE_NAMES[source as WatchSource] ?? source}${serverId ? ` server ${serverId}` : ''} (job ${ownerJob}); dedupe_across_sources is on`,
  };
}
