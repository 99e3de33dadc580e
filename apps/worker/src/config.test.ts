import { WorkerConfigSchema } from './config';

test('defaults follow the documented environment table', () => {
  const c = WorkerConfigSchema.parse({});
  expect(c).toMatchObject({
    DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/plexhook',
    REDIS_URL: 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: 'plexhook',
    WORKER_CONCURRENCY: 16,
    WORKER_METRICS_PORT: 3002,
    DEDUPE_WINDOW_SECONDS: 3600,
    LOG_LEVEL: 'info',
    LOG_RETENTION_DAYS: 180,
    LOG_RETENTION_INTERVAL_MS: 3_600_000,
    LOG_PARTITIONS_AHEAD: 2,
  });
  expect(WorkerConfigSchema.parse({ LOG_RETENTION_DAYS: '0' }).LOG_RETENTION_DAYS).toBe(0);
  expect(() => WorkerConfigSchema.parse({ LOG_RETENTION_DAYS: '-1' })).toThrow();
});

test('strings from the environment are coerced, nonsense is refused', () => {
  expect(WorkerConfigSchema.parse({ WORKER_CONCURRENCY: '64' }).WORKER_CONCURRENCY).toBe(64);
  expect(() => WorkerConfigSchema.parse({ WORKER_CONCURRENCY: '0' })).toThrow();
  expect(() => WorkerConfigSchema.parse({ LOG_LEVEL: 'loud' })).toThrow();
  expect(() => WorkerConfigSchema.parse({ REDIS_URL: 'not a url' })).toThrow();
});
