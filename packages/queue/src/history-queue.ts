// The Plex history sync: its own queue, so a long import never holds a webhook slot. One job is
// one run for one user (read the server's history from the user's cursor, enqueue each row on
// the webhook queue as a `plex-history` job, wait for their log rows, move the cursor on; then
// the library scan for manual marks). Runs come from a job scheduler per user (continuous
// sync), from `history:import` and from the dashboard's "sync now".
import { type ConnectionOptions, type DefaultJobOptions, Queue } from 'bullmq';
import { z } from 'zod';

export const HISTORY_QUEUE = 'plex-history-sync';
export const HISTORY_JOB = 'plex-history-sync' as const;

export const HistorySyncJobSchema = z.object({
  userId: z.number().int().positive(),
  /** `sync`: scheduled or "sync now" (history from the cursor, then the mark scan); `import`: history:import. */
  mode: z.enum(['sync', 'import']).default('sync'),
  /** history:import --since: start here instead of the cursor (ISO-8601). */
  since: z.iso.datetime().optional(),
  /** history:import --account: one account's rows only (a name or an id). */
  account: z.string().min(1).optional(),
});
export type HistorySyncJob = z.infer<typeof HistorySyncJobSchema>;
export type HistorySyncJobInput = z.input<typeof HistorySyncJobSchema>;

/** What a run did, as its job's return value (the CLI prints it). */
export type HistorySyncResult = {
  status: 'done' | 'skipped' | 'cancelled';
  message?: string;
  rows: number;
  /** Log rows of this run's jobs by action (episode_marked, duplicate, ignored_account, …). */
  actions: Record<string, number>;
  mappingsCreated: number;
  conflictsCreated: number;
  marks: number;
  unmarks: number;
  cursor: string | null;
};

/** Job progress while a run is under way: rows taken in of about `total` (Plex's totalSize). */
export type HistorySyncProgress = { rows: number; total: number; phase: 'history' | 'marks' | 'done' };

export const HISTORY_JOB_OPTIONS: DefaultJobOptions = {
  // A failed run is retried a few times; the scheduler starts the next one anyway, from the
  // persisted cursor, so nothing is lost by giving up.
  attempts: 3,
  backoff: { type: 'exponential', delay: 30_000 },
  removeOnComplete: { count: 1_000, age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

export type HistoryQueue = Queue<HistorySyncJobInput, HistorySyncResult, string>;

export function createHistoryQueue(connection: ConnectionOptions, prefix: string): HistoryQueue {
  return new Queue<HistorySyncJobInput, HistorySyncResult, string>(HISTORY_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: HISTORY_JOB_OPTIONS,
  });
}

/** The scheduler id of a user's continuous sync. */
export const historySchedulerId = (userId: number) => `history-sync-user-${userId}`;

/** A Redis key a CLI sets to ask a running import to stop at the next page boundary. */
export const historyCancelKey = (prefix: string, jobId: string) => `${prefix}:history-cancel:${jobId}`;
