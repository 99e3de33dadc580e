import { dedupeKey } from '@plexhook/core';
import type { WorkerDeps } from '../deps';

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
