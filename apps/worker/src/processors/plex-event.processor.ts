import { parsePlexPayload, sanitizeJson } from '@plexhook/core';
import { PlexWebhookJobSchema, type PlexWebhookResult } from '@plexhook/queue';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { WorkerDeps } from '../deps';
import { type EventContext, loadEventContext } from '../handlers/event-context';
import { describeItem, handlePlexEvent, logRatingKey } from '../handlers/handle-plex-event';
import type { Outcome } from '../handlers/outcome';
import { isDatabaseUnavailable } from '../health';
import { insertLogSql, type LogWrite, logWriterFor } from './log-writer';

type LogContext = {
  jobId: string;
  userId: number | null;
  receivedAt: Date;
  payload: unknown;
  started: number;
};

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** Best-effort fields for the log row, read from the raw payload (it may not have parsed). */
function rawFields(payload: unknown) {
  const p = (payload ?? {}) as { event?: unknown; Metadata?: Record<string, unknown> };
  const m = p.Metadata && typeof p.Metadata === 'object' ? p.Metadata : undefined;
  const key = m?.type === 'episode' ? m?.grandparentRatingKey : m?.ratingKey;
  return {
    eventType: str(p.event),
    plexRatingKey: typeof key === 'number' ? String(key) : str(key),
  };
}

type LoggedItem = { plexRatingKey: string | null; plexTitle: string | null; eventType: string | null };

/**
 * Writes the one log row for this job, and the watch in the same statement. The unique job_id
 * makes a second run of the same job (after a crash or stall) a no-op that answers with what the
 * first run recorded.
 */
async function recordOutcome(
  deps: WorkerDeps,
  ctx: LogContext,
  outcome: Outcome,
  item: LoggedItem,
): Promise<PlexWebhookResult> {
  const write: LogWrite = {
    jobId: ctx.jobId,
    userId: ctx.userId,
    receivedAt: ctx.receivedAt,
    payload: ctx.payload,
    outcome,
    ...item,
    durationMs: Math.round(performance.now() - ctx.started),
  };
  let id: number | null;
  if (
    outcome.conflictId &&
    (outcome.action === 'conflict_pending' || outcome.action === 'conflict_created')
  ) {
    id = await deps.db.$transaction(async (tx) => {
      // Holding a scrobble on a conflict races with its resolution, which replays the rows held
      // at commit time. FOR SHARE waits for a resolving transaction; if it resolved the
      // conflict meanwhile, this row would never be replayed, so handle the webhook again.
      const [conflict] = await tx.$queryRaw<{ resolved: boolean }[]>`
        SELECT resolved FROM plex_conflicts WHERE id = ${outcome.conflictId} FOR SHARE`;
      if (conflict?.resolved) throw new ConflictResolvedMeanwhile();
      const [row] = await tx.$queryRaw<{ id: number }[]>(insertLogSql(write));
      return row?.id ?? null;
    });
  } else {
    // Concurrent jobs share one statement here (group commit): see LogWriter.
    id = await logWriterFor(deps.db).submit(write);
  }
  if (id !== null)
    return { logId: id, status: outcome.status, action: outcome.action, message: outcome.message };
  // Nothing inserted: another run of this job logged it first. Answer with what it recorded.
  const existing = await deps.db.plexWebhookLog.findUnique({ where: { jobId: ctx.jobId } });
  if (existing) return fromLog(existing);
  throw new Error(`job ${ctx.jobId}: its log row was neither inserted nor found`);
}

class ConflictResolvedMeanwhile extends Error {
  constructor() {
    super('the conflict was resolved while this webhook was being held on it');
  }
}

function fromLog(log: {
  id: number;
  status: string;
  actionTaken: string | null;
  errorMessage: string | null;
}) {
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

/** parse -> handlePlexEvent -> record. Throws only to retry (transient) or to fail a bad job. */
export async function processPlexEvent(deps: WorkerDeps, job: Job): Promise<PlexWebhookResult> {
  const started = performance.now();
  const jobId = job.id ?? `anonymous-${job.timestamp}`;

  // Taken over from dying workers too often (BullMQ's maxStalledCount is set one above, so this
  // is where it ends): a job that kills its worker must not crash-loop every worker. Logged as
  // failed, retryable from the page.
  if (job.stalledCounter > deps.config.WORKER_MAX_STALLS) {
    const message = `the worker processing this webhook stopped ${job.stalledCounter} times (killed, or blocked past its lock)`;
    const raw = (job.data ?? {}) as { userId?: unknown; payload?: unknown; receivedAt?: unknown };
    const payload = sanitizeJson(raw.payload);
    const userId = typeof raw.userId === 'number' && Number.isSafeInteger(raw.userId) ? raw.userId : null;
    const userExists =
      userId !== null && userId <= 2_147_483_647 && (await deps.db.user.count({ where: { id: userId } })) > 0;
    const receivedAt =
      typeof raw.receivedAt === 'string' ? new Date(raw.receivedAt) : new Date(job.timestamp);
    await recordOutcome(
      deps,
      {
        jobId,
        userId: userExists ? userId : null,
        receivedAt: Number.isNaN(receivedAt.getTime()) ? new Date(job.timestamp) : receivedAt,
        payload,
        started,
      },
      { status: 'failed', action: null, message },
      { ...rawFields(payload), plexTitle: null },
    );
    throw new UnrecoverableError(message);
  }

  const data = PlexWebhookJobSchema.safeParse(job.data);
  if (!data.success) {
    const raw = (job.data ?? {}) as { userId?: unknown; payload?: unknown };
    const userId = typeof raw.userId === 'number' ? raw.userId : null;
    const userExists = userId !== null && (await deps.db.user.count({ where: { id: userId } })) > 0;
    const ctx = {
      jobId,
      userId: userExists ? userId : null,
      receivedAt: new Date(),
      payload: sanitizeJson(raw.payload),
      started,
    };
    const message = `malformed job: ${data.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
    await recordOutcome(
      deps,
      ctx,
      { status: 'failed', action: null, message },
      {
        ...rawFields(raw.payload),
        plexTitle: null,
      },
    );
    throw new UnrecoverableError(message);
  }

  const { userId, receivedAt, replayOfLogId } = data.data;
  // Ingest already cleans payloads; a job from elsewhere (an old spool, a manual add) may not be.
  const rawPayload = sanitizeJson(data.data.payload);
  const ctx: LogContext = { jobId, userId, receivedAt: new Date(receivedAt), payload: rawPayload, started };
  const parsed = parsePlexPayload(rawPayload);
  if (!parsed.ok) {
    // A payload that can never succeed: logged as failed at once, never retried.
    return recordOutcome(
      deps,
      ctx,
      { status: 'failed', action: null, message: `invalid payload: ${parsed.error}` },
      {
        ...rawFields(rawPayload),
        plexTitle: null,
      },
    );
  }
  const item = {
    eventType: parsed.payload.event,
    plexRatingKey: logRatingKey(parsed.payload.Metadata),
    plexTitle: describeItem(parsed.payload.Metadata),
  };

  try {
    const event = {
      jobId,
      userId,
      receivedAt: ctx.receivedAt,
      payload: parsed.payload,
      isReplay: replayOfLogId !== undefined,
    };
    // One statement reads the log row of an earlier run, the config, the mapping and the episode.
    let context: EventContext | undefined = await loadEventContext(deps, jobId, userId, parsed.payload);
    // Already handled (the worker died between commit and ack): answer with what was recorded,
    // before doing any of the work (a Plex server lookup, a conflict) a second time.
    if (context.done) return fromLog(context.done);
    // Twice at most: a conflict resolved under us leaves a mapping for the second pass.
    for (let pass = 1; ; pass++) {
      const outcome = await handlePlexEvent(deps, event, context);
      // A second pass reads everything again: the resolution changed it.
      context = undefined;
      try {
        return await recordOutcome(deps, ctx, outcome, item);
      } catch (err) {
        if (!(err instanceof ConflictResolvedMeanwhile) || pass >= 3) throw err;
      }
    }
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
    await recordOutcome(deps, ctx, { status: 'failed', action: null, message }, item);
    throw permanent ? new UnrecoverableError(message) : err;
  }
}
