// Retrying a failed webhook (issue 14 item 3): a job that ended failed left a `failed` log row
// (written by the worker, or later by its dead-letter sweep) with the payload as received. A
// retry puts that payload back on the queue as a new job, the way ingest does, for the same
// user and with the original receivedAt (the watch time is the scrobble's, not the retry's).
import { conflict as conflictError, HttpError, notFound } from '@plexhook/core';
import { type Db, findWebhookLogByJobId, getWebhookLog } from '@plexhook/db';
import { enqueueWebhook, type WebhookQueue } from '@plexhook/queue';
import type { Logger } from 'pino';

export type RetryDeps = { db: Db; queue: WebhookQueue; logger: Logger };

export type RetryResult = {
  status: 'queued';
  /** The retry's BullMQ job id (and, once processed, its log row's job_id). */
  id: string;
  logId: number;
  /** The retry was queued already (a second click): nothing was added. */
  alreadyQueued: boolean;
};

/**
 * One retry per log row: its job id is derived from the row, so a double click, two tabs or a
 * script run twice add one job (BullMQ ignores an add with a job id it holds), and once that
 * job has logged its own row the retry is refused. A retry that fails again leaves a failed row
 * of its own (job `retry-<id>`), which can be retried in turn.
 */
export const retryJobId = (logId: number) => `retry-${logId}`;

export async function retryWebhookLog(deps: RetryDeps, logId: number): Promise<RetryResult> {
  const row = await getWebhookLog(deps.db, logId);
  if (!row) throw notFound(`webhook log ${logId} not found`);
  if (row.status !== 'failed') {
    throw conflictError(`webhook log ${logId} is ${row.status}: only failed webhooks can be retried`);
  }
  const payload = row.payload;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw conflictError(`webhook log ${logId} kept no payload: there is nothing to retry`);
  }
  if (row.userId === null) {
    throw conflictError(`webhook log ${logId} has no user (unknown, or deleted since): it cannot be retried`);
  }

  const jobId = retryJobId(logId);
  const done = await findWebhookLogByJobId(deps.db, jobId);
  if (done) {
    throw conflictError(
      `webhook log ${logId} was retried already: see log ${done.id} (${done.status})` +
        (done.status === 'failed' ? `; retry that one` : ''),
    );
  }
  let alreadyQueued = false;
  try {
    const existing = await deps.queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (state === 'failed') {
        // Failed without a row yet: the worker's dead-letter sweep writes it shortly.
        throw conflictError(
          `the retry of webhook log ${logId} (job ${jobId}) failed; its log row appears shortly, retry that one`,
        );
      }
      alreadyQueued = true;
    } else {
      await enqueueWebhook(deps.queue, jobId, {
        userId: row.userId,
        // The row's source picks the adapter that reads its payload again.
        source: row.source,
        receivedAt: row.receivedAt.toISOString(),
        payload: payload as Record<string, unknown>,
        // The worker skips its duplicate check for a replay: the failed job claimed this
        // scrobble for the dedupe window, and its retry is not a duplicate of it.
        replayOfLogId: logId,
      });
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    deps.logger.error({ logId, jobId, err: message }, 'retrying a failed webhook: queue unavailable');
    throw new HttpError(503, `queue unavailable, webhook log ${logId} not retried: ${message}`);
  }
  deps.logger.info({ logId, jobId, userId: row.userId, alreadyQueued }, 'failed webhook retried');
  return { status: 'queued', id: jobId, logId, alreadyQueued };
}
