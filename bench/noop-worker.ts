// The ceiling for the worker: a BullMQ worker on the same queue, prefix and Redis, whose
// processor does nothing. Whatever the real worker does on top of this costs throughput.
// Prints `READY` once connected and `RESULT {json}` when it has completed EXPECT jobs:
// first accept (the job's receivedAt) to last completion, and accept-to-done percentiles.
import { createRedis, type PlexWebhookJob, WEBHOOK_QUEUE } from '@plexhook/queue';
import { Worker } from 'bullmq';

const prefix = process.env.QUEUE_PREFIX ?? 'plexhook';
const concurrency = Number(process.env.WORKER_CONCURRENCY ?? 16);
const expect = Number(process.env.EXPECT ?? 0);
const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'worker');

const latencies: number[] = [];
let firstAccept = Number.POSITIVE_INFINITY;
let lastDone = 0;

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! : 0;
}

const worker = new Worker<PlexWebhookJob>(
  WEBHOOK_QUEUE,
  async (job) => {
    const now = Date.now();
    const accepted = Date.parse(job.data.receivedAt);
    if (accepted < firstAccept) firstAccept = accepted;
    lastDone = now;
    latencies.push(now - accepted);
    if (latencies.length === expect) {
      const sorted = [...latencies].sort((a, b) => a - b);
      const seconds = (lastDone - firstAccept) / 1000;
      console.log(
        `RESULT ${JSON.stringify({
          count: latencies.length,
          seconds,
          perSecond: latencies.length / seconds,
          p50: pct(sorted, 0.5),
          p99: pct(sorted, 0.99),
          max: sorted[sorted.length - 1],
        })}`,
      );
    }
    return { logId: 0, status: 'success', action: null };
  },
  { connection: redis, prefix, concurrency, stalledInterval: 30_000, maxStalledCount: 2 },
);
worker.on('error', (err) => console.error(`noop worker error: ${err.message}`));
void worker.waitUntilReady().then(() => console.log('READY'));
process.on('SIGTERM', () => {
  void worker.close().then(() => {
    redis.disconnect();
    process.exit(0);
  });
});
