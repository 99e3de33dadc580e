-- Webhook log rows: keep a typical payload inline. A Plex scrobble payload is 3-4 kB as jsonb,
-- and with the default toast_tuple_target (about 2 kB) PostgreSQL compressed every one (pglz)
-- and, since it still did not fit, moved it out of line: one more insert into the TOAST table
-- and its index per webhook. With 4 kB the usual row (3.7 kB) is stored as it is, and a larger
-- one is still compressed and moved. Measured with pgbench on the e2e bench's log+watch
-- statement: 5,300-5,490 -> 5,600-5,740 statements/s (the pgbench client shares the 2 cores),
-- for about 1.7x the disk space per payload. Not expressible in schema.prisma (no table storage
-- parameters) and not read back by the schema engine, so `db:migrate:new` does not see drift.
ALTER TABLE "plex_webhook_logs" SET (toast_tuple_target = 4096);
