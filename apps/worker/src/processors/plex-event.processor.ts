// The processor of a Plex webhook job, as a straight line: parse (the job, then Plex's payload
// into a source-neutral watch event) -> read the event's context once -> handle -> record the
// outcome as one log row (and the watch with it).
import { sanitizeJson } from '@plexhook/core';
import type { LoggedOutcome, LogWrite, ReconcileRole } from '@plexhook/db';
import { JOB_SOURCES, type JobSource, PlexWebhookJobSchema, type PlexWebhookResult } from '@plexhook/queue';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { WorkerDeps } from '../deps';
import { recordHeld } from '../handlers/conflicts';
import { contextKeys, handleWatchEvent } from '../handlers/handle-watch-event';
import type { Outcome } from '../handlers/outcome';
import { isDatabaseUnavailable } from '../health';
import { ADAPTERS, rawSummary } from './adapters';
import { jobReceivedAt } from './received-at';
import { reconcileRole, writeReconciled } from './reconcile';

/** The media server a job's row is filed under (its `source` column): Plex for Plex's own kinds. */
const logSource = (source: JobSource): 'plex' | 'jellyfin' | 'emby' =>
  source === 'jellyfin' || source === 'emby' ? source : 'plex';

/** The log row of this job, but for the outcome. */
type LogDraft = Omit<LogWrite, 'outcome' | 'durationMs'> & { started: number };

/**
 * Writes the one log row for this job, and the watch in the same statement. The unique job_id
 * makes a second run of the same job (after a crash or stall) a no-op that answers with what the
 * first run recorded.
 */
async function recordOutcome(
  deps: WorkerDeps,
  draft: LogDraft,
  outcome: Outcome,
  reconcile?: ReconcileRole,
): Promise<PlexWebhookResult> {
  const { started, ...row } = draft;
  const write: LogWrite = { ...row, outcome, durationMs: Math.round(performance.now() - started) };
  // Concurrent jobs share one statement (group commit); a row held on a conflict races with its
  // resolution, settled in conflicts.ts; a watch that a history row may also report is written
  // under the reconcile rule (reconcile.ts).
  const { id, outcome: recorded } = outcome.ifResolved
    ? await recordHeld(deps, write, outcome.ifResolved)
    : reconcile && outcome.watch
      ? ((await writeReconciled(deps, write, reconcile)) ?? { id: null, outcome })
      : { id: await deps.store.writeLog(write), outcome };
  if (id !== null)
    return { logId: id, status: recorded.status, action: recorded.action, message: recorded.message };
  // Nothing inserted: another run of this job logged it first. Answer with what it recorded.
  const existing = await deps.store.findLoggedOutcome(draft.jobId);
  if (existing) return fromLog(existing);
  throw new Error(`job ${draft.jobId}: its log row was neither inserted nor found`);
}

function fromLog(log: LoggedOutcome): PlexWebhookResult {
  return {
    logId: log.id,
    status: log.status,
    action: log.actionTaken,
    ...(log.errorMessage ? { message: log.errorMessage } : {}),
  };
}

function isFinalAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/**
 * The processor as the worker runs it. An unreachable database is not the webhook's fault: the
 * job goes back to the delayed set without spending an attempt (`moveToDelayed` skips the
 * attempt count) and the worker pauses until the database answers (health.ts). Anything else
 * is `processPlexEvent`'s to decide.
 */
export async function runPlexEventJob(
  deps: WorkerDeps,
  job: Job,
  token?: string,
): Promise<PlexWebhookResult> {
  try {
    return await processPlexEvent(deps, job);
  } catch (err) {
    if (!token || !isDatabaseUnavailable(err)) throw err;
    deps.dbHealth?.reportDown(err);
    deps.onDeferred?.();
    await job.moveToDelayed(Date.now() + deps.config.WORKER_DB_PROBE_INTERVAL_MS, token);
    throw new DelayedError();
  }
}

/**
 * A job that cannot be handled (malformed, or taken over from dying workers too often) is
 * logged `failed` from what it holds, and fails at once without a retry. It did not come
 * through the job schema, so its payload is cleaned here (PostgreSQL stores no NUL).
 */
async function failUnhandled(
  deps: WorkerDeps,
  job: Job,
  jobId: string,
  started: number,
  message: string,
  receivedAt: Date,
): Promise<never> {
  const raw = (job.data ?? {}) as { userId?: unknown; payload?: unknown; source?: unknown };
  const payload = sanitizeJson(raw.payload);
  const source: JobSource = JOB_SOURCES.includes(raw.source as JobSource)
    ? (raw.source as JobSource)
    : 'plex';
  const userId = typeof raw.userId === 'number' ? raw.userId : null;
  // A user deleted since (or a malformed id) is logged without one rather than not at all.
  const known = userId !== null && (await deps.store.userExists(userId));
  const { eventType, key } = rawSummary(source, payload);
  await recordOutcome(
    deps,
    {
      jobId,
      userId: known ? userId : null,
      source: logSource(source),
      receivedAt,
      payload,
      eventType,
      itemKey: key,
      itemTitle: null,
      started,
    },
    { status: 'failed', action: null, message },
  );
  throw new UnrecoverableError(message);
}

/** parse -> handle -> record. Throws only to retry (transient) or to fail a bad job. */
export async function processPlexEvent(deps: WorkerDeps, job: Job): Promise<PlexWebhookResult> {
  const started = performance.now();
  const jobId = job.id ?? `anonymous-${job.timestamp}`;

  // Taken over from dying workers too often (BullMQ's maxStalledCount is set one above, so this
  // is where it ends): a job that kills its worker must not crash-loop every worker. Logged as
  // failed, retryable from the page.
  if (job.stalledCounter > deps.config.WORKER_MAX_STALLS) {
    return failUnhandled(
      deps,
      job,
      jobId,
      started,
      `the worker processing this webhook stopped ${job.stalledCounter} times (killed, or blocked past its lock)`,
      jobReceivedAt(job),
    );
  }

  // Parse. Ingest validated and cleaned the payload before it enqueued the job (so did the
  // dashboard's replay, from a stored row): the job schema is checked, the payload not cleaned
  // again.
  const data = PlexWebhookJobSchema.safeParse(job.data);
  if (!data.success) {
    const message = `malformed job: ${data.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
    // The job's time, not now: a second run (a stall after the write) must find the same key.
    return failUnhandled(deps, job, jobId, started, message, jobReceivedAt(job));
  }
  const { userId, payload, replayOfLogId, source } = data.data;
  const receivedAt = jobReceivedAt(job);
  const base = { jobId, userId, source: logSource(source), receivedAt, payload, started };
  const adapted = ADAPTERS[source]({ userId, receivedAt, payload });
  if (!adapted.ok) {
    // A payload that can never succeed: logged as failed at once, never retried.
    return recordOutcome(
      deps,
      { ...base, eventType: adapted.eventType, itemKey: adapted.itemKey, itemTitle: null },
      { status: 'failed', action: null, message: adapted.error },
    );
  }
  const { event } = adapted;
  const draft: LogDraft = {
    ...base,
    eventType: event.sourceEvent,
    itemKey: event.summary.key,
    itemTitle: event.summary.label,
  };

  try {
    // One statement reads the log row of an earlier run, the config, the mapping and the episode.
    const context = await deps.store.readContext(contextKeys(jobId, event));
    // Already handled (the worker died between commit and ack): answer with what was recorded,
    // before doing any of the work (a Plex server lookup, a conflict) a second time.
    if (context.done) return fromLog(context.done);
    const outcome = await handleWatchEvent(deps, event, context, {
      jobId,
      isReplay: replayOfLogId !== undefined,
    });
    return await recordOutcome(deps, draft, outcome, reconcileRole(event, context.config));
  } catch (err) {
    // The database is away: runPlexEventJob puts the job back without spending an attempt.
    if (isDatabaseUnavailable(err)) throw err;
    const message = err instanceof Error ? err.message : String(err);
    // A RangeError (stack overflow on a pathological payload) fails the same way every time.
    const permanent = err instanceof RangeError;
    if (!permanent && !isFinalAttempt(job)) {
      deps.logger.warn({ jobId, attempt: job.attemptsMade + 1, err: message }, 'webhook failed, will retry');
      throw err;
    }
    // Retries exhausted: the failure itself is the record. Should this write fail, the job
    // still ends in BullMQ's failed set, and the dead-letter sweep writes the row later.
    deps.logger.error({ jobId, err: message }, 'webhook failed, retries exhausted');
    await recordOutcome(deps, draft, { status: 'failed', action: null, message });
    throw permanent ? new UnrecoverableError(message) : err;
  }
}
