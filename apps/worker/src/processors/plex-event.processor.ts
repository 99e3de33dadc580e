import { parsePlexPayload, sanitizeJson } from '@plexhook/core';
import { Prisma } from '@plexhook/db';
import { PlexWebhookJobSchema, type PlexWebhookResult } from '@plexhook/queue';
import { type Job, UnrecoverableError } from 'bullmq';
import type { WorkerDeps } from '../deps';
import { describeItem, handlePlexEvent, logRatingKey } from '../handlers/handle-plex-event';
import type { Outcome } from '../handlers/outcome';

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

/**
 * Writes the one log row for this job, and the watch in the same transaction. The unique
 * job_id makes a second run of the same job (after a crash or stall) a no-op.
 */
async function recordOutcome(
  deps: WorkerDeps,
  ctx: LogContext,
  outcome: Outcome,
  item: { plexRatingKey: string | null; plexTitle: string | null; eventType: string | null },
): Promise<PlexWebhookResult> {
  const data: Prisma.PlexWebhookLogUncheckedCreateInput = {
    userId: ctx.userId,
    jobId: ctx.jobId,
    eventType: item.eventType,
    plexRatingKey: item.plexRatingKey,
    plexTitle: item.plexTitle,
    payload: (ctx.payload ?? Prisma.DbNull) as Prisma.InputJsonValue,
    status: outcome.status,
    actionTaken: outcome.action,
    errorMessage: outcome.message ?? null,
    conflictId: outcome.conflictId ?? null,
    durationMs: Math.round(performance.now() - ctx.started),
    receivedAt: ctx.receivedAt,
  };
  try {
    const log = await deps.db.$transaction(async (tx) => {
      if (
        outcome.conflictId &&
        (outcome.action === 'conflict_pending' || outcome.action === 'conflict_created')
      ) {
        // Holding a scrobble on a conflict races with its resolution, which replays the rows held
        // at commit time. FOR SHARE waits for a resolving transaction; if it resolved the
        // conflict meanwhile, this row would never be replayed, so handle the webhook again.
        const [conflict] = await tx.$queryRaw<{ resolved: boolean }[]>`
          SELECT resolved FROM plex_conflicts WHERE id = ${outcome.conflictId} FOR SHARE`;
        if (conflict?.resolved) throw new ConflictResolvedMeanwhile();
      }
      const row = await tx.plexWebhookLog.create({ data, select: { id: true } });
      if (outcome.episodeWatch && ctx.userId !== null) {
        await tx.episodeWatch.create({
          data: {
            userId: ctx.userId,
            episodeId: outcome.episodeWatch.episodeId,
            watchedAt: outcome.episodeWatch.watchedAt,
            webhookLogId: row.id,
          },
        });
      }
      if (outcome.movieWatch && ctx.userId !== null) {
        await tx.movieWatch.create({
          data: {
            userId: ctx.userId,
            movieId: outcome.movieWatch.movieId,
            watchedAt: outcome.movieWatch.watchedAt,
            webhookLogId: row.id,
          },
        });
      }
      return row;
    });
    return { logId: log.id, status: outcome.status, action: outcome.action, message: outcome.message };
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      const existing = await deps.db.plexWebhookLog.findUnique({ where: { jobId: ctx.jobId } });
      if (existing) return fromLog(existing);
    }
    throw err;
  }
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

/** parse -> handlePlexEvent -> record. Throws only to retry (transient) or to fail a bad job. */
export async function processPlexEvent(deps: WorkerDeps, job: Job): Promise<PlexWebhookResult> {
  const started = performance.now();
  const jobId = job.id ?? `anonymous-${job.timestamp}`;

  // Already handled (the worker died between commit and ack): answer with what was recorded.
  const done = await deps.db.plexWebhookLog.findUnique({ where: { jobId } });
  if (done) return fromLog(done);

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
    // Twice at most: a conflict resolved under us leaves a mapping for the second pass.
    for (let pass = 1; ; pass++) {
      const outcome = await handlePlexEvent(deps, event);
      try {
        return await recordOutcome(deps, ctx, outcome, item);
      } catch (err) {
        if (!(err instanceof ConflictResolvedMeanwhile) || pass >= 3) throw err;
      }
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // A RangeError (stack overflow on a pathological payload) fails the same way every time.
    const permanent = err instanceof RangeError;
    if (!permanent && !isFinalAttempt(job)) {
      deps.logger.warn({ jobId, attempt: job.attemptsMade + 1, err: message }, 'webhook failed, will retry');
      throw err;
    }
    // Retries exhausted: the failure itself is the record. If the database is what failed,
    // this write fails too and the job stays in BullMQ's failed set for a manual retry.
    deps.logger.error({ jobId, err: message }, 'webhook failed, retries exhausted');
    await recordOutcome(deps, ctx, { status: 'failed', action: null, message }, item);
    throw permanent ? new UnrecoverableError(message) : err;
  }
}
