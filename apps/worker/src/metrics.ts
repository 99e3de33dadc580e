import type { PlexWebhookResult } from '@plexhook/queue';
import type { Worker } from 'bullmq';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Webhooks handled by status/action and how long they took, fed from the worker's events. */
export function createWorkerMetrics(worker: Worker): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'plexhook_worker_' });
  const handled = new Counter({
    name: 'plexhook_worker_webhooks_total',
    help: 'Webhooks handled, by log status and action',
    labelNames: ['status', 'action'] as const,
    registers: [registry],
  });
  const failed = new Counter({
    name: 'plexhook_worker_job_failures_total',
    help: 'Job attempts that threw (retried or final)',
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'plexhook_worker_job_seconds',
    help: 'From job start to completion',
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });
  worker.on('completed', (job, result: PlexWebhookResult) => {
    handled.inc({ status: result.status, action: result.action ?? 'none' });
    if (job.processedOn && job.finishedOn) duration.observe((job.finishedOn - job.processedOn) / 1000);
  });
  worker.on('failed', () => failed.inc());
  return registry;
}
