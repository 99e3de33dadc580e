import type { Job } from 'bullmq';

/**
 * The receivedAt a job's log row is written with, by every writer of that row: the processor
 * (its normal path, a malformed job, a job that stalled too often) and the dead-letter sweep.
 * plex_webhook_logs is partitioned on received_at, so its unique key is (job_id, received_at):
 * two writers taking different times for one job would log it twice. The job's own receivedAt
 * when it is a date, else when the job was added; both stay the same on every run of the job.
 */
export function jobReceivedAt(job: Job): Date {
  const given = (job.data as { receivedAt?: unknown } | undefined)?.receivedAt;
  const at = typeof given === 'string' ? new Date(given) : new Date(job.timestamp);
  return Number.isNaN(at.getTime()) ? new Date(job.timestamp) : at;
}
