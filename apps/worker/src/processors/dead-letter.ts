// Every job that ends in BullMQ's failed set leaves a `failed` log row, whatever failed it:
// retries exhausted while the database was away (the processor could not write the row
// itself), a deferred stall failure (BullMQ fails those without running the processor), a job
// whose row write failed. BullMQ's failed set is the dead-letter: it is in Redis (AOF), kept
// 30 days (removeOnFail), and ordered by when each job failed, so a sweep from a cursor finds
// every job that failed since the last complete sweep. The write is `ON CONFLICT (job_id,
// received_at) DO NOTHING`: a job that did log its failure, or a second sweep, writes nothing.
import { parsePlexPayload, plexSummary, sanitizeJson } from '@plexhook/core';
import type { LogWrite, WorkerStore } from '@plexhook/db';
import { JOB_SOURCES, type JobSource, type RedisClient } from '@plexhook/queue';
import { Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import { rawSummary } from './adapters';
import { jobReceivedAt } from './received-at';

/** Clock skew between workers and jobs failing while a sweep runs: re-read this far back. */
const CURSOR_MARGIN_MS = 10 * 60_000;
const PAGE = 500;

type Deps = { store: WorkerStore; redis: RedisClient; logger: Logger; queue: Queue; prefix: string };

/** The failed row of one job, from what Redis kept of it. */
async function failedWrite(store: WorkerStore, job: Job): Promise<LogWrite> {
  const data = (job.data ?? {}) as {
    userId?: unknown;
    receivedAt?: unknown;
    payload?: unknown;
    source?: unknown;
  };
  // The row keeps the job's media server, so a retry reads the payload with the same adapter.
  const source: JobSource = JOB_SOURCES.includes(data.source as JobSource)
    ? (data.source as JobSource)
    : 'plex';
  const logSource = source === 'jellyfin' || source === 'emby' ? source : 'plex';
  const userId = typeof data.userId === 'number' ? data.userId : null;
  // A user deleted since (or a malformed job) is logged without one rather than not at all.
  const userExists = userId !== null && (await store.userExists(userId));
  // Whatever put the job in the queue, its row must be writable: cleaned here.
  const payload = sanitizeJson(data.payload);
  const parsed = source === 'plex' ? parsePlexPayload(payload) : null;
  const raw = rawSummary(source, payload);
  const reason = job.failedReason || 'unknown reason';
  return {
    jobId: job.id as string,
    userId: userExists ? userId : null,
    source: logSource,
    // The processor's rule: one job, one (job_id, received_at), so a row it wrote is found.
    receivedAt: jobReceivedAt(job),
    payload,
    outcome: {
      status: 'failed',
      action: null,
      message: `job failed after ${job.attemptsMade} attempt(s), ${job.stalledCounter} stall(s): ${reason}`,
    },
    eventType: parsed?.ok ? parsed.payload.event : raw.eventType,
    itemKey: parsed?.ok ? plexSummary(parsed.payload.Metadata).key : parsed ? null : raw.key,
    itemTitle: parsed?.ok ? plexSummary(parsed.payload.Metadata).label : null,
    durationMs: 0,
  };
}

export type DeadLetterSweep = { sweep(): Promise<number>; start(): void; stop(): void; kick(): void };

export function createDeadLetterSweep(deps: Deps, intervalMs: number): DeadLetterSweep {
  const failedKey = deps.queue.keys.failed as string;
  // Outside the queue's own key space (`prefix:queue:<job id>`), like the dedupe claims.
  const cursorKey = `${deps.prefix}:dead-letter-cursor:${deps.queue.name}`;
  let running: Promise<number> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;

  async function sweepOnce(): Promise<number> {
    const cursor = Number((await deps.redis.get(cursorKey)) ?? '0');
    let from = Math.max(0, cursor - CURSOR_MARGIN_MS);
    let highest = cursor;
    let written = 0;
    for (;;) {
      const page = await deps.redis.zrangebyscore(failedKey, from, '+inf', 'WITHSCORES', 'LIMIT', 0, PAGE);
      const ids: string[] = [];
      let last = from;
      for (let i = 0; i < page.length; i += 2) {
        ids.push(page[i] as string);
        last = Number(page[i + 1]);
      }
      if (ids.length === 0) break;
      const done = await deps.store.loggedJobIds(ids);
      for (const id of ids) {
        if (done.has(id)) continue;
        const job = await Job.fromId(deps.queue, id);
        if (!job) continue; // removed meanwhile (retention, or retried and completed)
        const logId = await deps.store.writeLogAlone(await failedWrite(deps.store, job));
        if (logId !== null) {
          written++;
          deps.logger.warn(
            { jobId: id, logId, reason: job.failedReason },
            'failed job logged from the dead-letter',
          );
        }
      }
      highest = Math.max(highest, last);
      if (ids.length < PAGE) break;
      // Scores can repeat: the next page starts at the last score, re-reading its ties (idempotent).
      if (last === from) break;
      from = last;
    }
    // Only a sweep that got through moves the cursor: an error above leaves it for the next one.
    if (highest > cursor) await deps.redis.set(cursorKey, String(highest));
    return written;
  }

  async function sweep(): Promise<number> {
    if (running !== null) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      do {
        again = false;
        total += await sweepOnce();
      } while (again);
      return total;
    })().finally(() => {
      running = null;
    });
    return running;
  }

  const quiet = () =>
    sweep().catch((err: unknown) =>
      // The database or Redis is away: the failed set keeps the jobs, the next sweep logs them.
      deps.logger.debug(
        { err: err instanceof Error ? err.message : String(err) },
        'dead-letter sweep postponed',
      ),
    );

  return {
    sweep,
    start() {
      void quiet();
      timer = setInterval(() => void quiet(), intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
    kick() {
      void quiet();
    },
  };
}
