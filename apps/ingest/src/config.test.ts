import { IngestConfigSchema } from './config';

test('defaults follow the documented environment table', () => {
  expect(IngestConfigSchema.parse({})).toMatchObject({
    DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/plexhook',
    REDIS_URL: 'redis://127.0.0.1:6379',
    INGEST_PORT: 3000,
    QUEUE_PREFIX: 'plexhook',
    LOG_LEVEL: 'info',
    SPOOL_DIR: 'spool',
  });
});

test('strings from the environment are coerced, nonsense is refused', () => {
  expect(IngestConfigSchema.parse({ INGEST_PORT: '8080' }).INGEST_PORT).toBe(8080);
  expect(() => IngestConfigSchema.parse({ INGEST_PORT: '70000' })).toThrow();
  expect(() => IngestConfigSchema.parse({ PAYLOAD_MAX_BYTES: '-1' })).toThrow();
});
