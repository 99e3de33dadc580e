import type { PlexWebhookResult } from '@plexhook/queue';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { WebhookWorker } from './worker';

/** Webhooks handled by status/action and how long they took, fed from the worker's events. */
export function createWorkerMetrics(worker: WebhookWorker): Registry {
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
  const { health } = worker;
  new Gauge({
    name: 'plexhook_worker_db_up',
    help: '1 while PostgreSQL answers, 0 while it is unreachable (the worker is paused)',
    registers: [registry],
    collect() {
      this.set(health.db.up ? 1 : 0);
    },
  });
  new Counter({
    name: 'plexhook_worker_db_outages_total',
    help: 'Times the worker found PostgreSQL unreachable and paused',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(health.db.outages);
    },
  });
  new Counter({
    name: 'plexhook_worker_jobs_deferred_total',
    help: 'Jobs put back because PostgreSQL was unreachable (no attempt spent)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(health.deferred);
    },
  });
  new Gauge({
    name: 'plexhook_worker_redis_oom',
    help: '1 while Redis refuses writes at maxmemory (the worker is paused and backs off)',
    registers: [registry],
    collect() {
      this.set(health.redisMemory.oom ? 1 : 0);
    },
  });
  new Counter({
    name: 'plexhook_worker_redis_oom_errors_total',
    help: 'Redis OOM errors seen (most not logged: one line per interval)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(health.redisMemory.errorsTotal);
    },
  });
  new Gauge({
    name: 'plexhook_worker_ready',
    help: '1 when /readyz answers 200',
    registers: [registry],
    collect() {
      this.set(health.ready() ? 1 : 0);
    },
  });
  worker.on('completed', (job, result: PlexWebhookResult) => {
    handled.inc({ status: result.status, action: result.action ?? 'none' });
    if (job.processedOn && job.finishedOn) duration.observe((job.finishedOn - job.processedOn) / 1000);
  });
  worker.on('failed', () => failed.inc());
  return registry;
}
