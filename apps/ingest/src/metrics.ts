import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;

export function createIngestMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'plexhook_ingest_' });
  return {
    registry,
    requests: new Counter({
      name: 'plexhook_ingest_webhook_requests_total',
      help: 'Webhook requests by HTTP status',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    enqueueSeconds: new Histogram({
      name: 'plexhook_ingest_enqueue_seconds',
      help: 'Time to put one webhook on the queue',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    }),
    spooled: new Counter({
      name: 'plexhook_ingest_spooled_total',
      help: 'Webhooks written to the local spool because Redis was unreachable',
      registers: [registry],
    }),
    secretStale: new Counter({
      name: 'plexhook_ingest_secret_stale_total',
      help: 'Known webhook secrets answered from an expired cache entry because the database was unreachable',
      registers: [registry],
    }),
    spoolBytes: new Gauge({
      name: 'plexhook_ingest_spool_bytes',
      help: 'Bytes waiting in the local spool',
      registers: [registry],
    }),
  };
}
