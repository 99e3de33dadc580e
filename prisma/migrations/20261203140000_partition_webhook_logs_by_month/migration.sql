-- plex_webhook_logs partitioned by month on received_at (issue 17, bounded storage): retention
-- drops whole months (apps/worker log retention job) instead of deleting row by row. The table is
-- converted with its data, in this one transaction:
--   1. the old table is renamed and loses its constraints and indexes (their names are reused),
--   2. the partitioned table is created with the same columns and the same id sequence,
--   3. one partition per month from the oldest row to two months ahead, and a DEFAULT partition
--      so an insert never fails (retention creates the months ahead from then on, and moves the
--      rows it keeps from a dropped month there),
--   4. the rows are copied, the old table dropped.
-- A partitioned table's primary key and unique constraints must include the partition key:
-- PK (id, received_at), unique (job_id, received_at). Every writer of a job's row uses the job's
-- own receivedAt, so the same job id always lands on the same key and logs once.
-- Foreign keys INTO this table (episode_watches/movie_watches.webhook_log_id) are dropped: a
-- watch outlives its log row, dropping a partition runs no ON DELETE action (and would be
-- refused while rows referenced it), and a composite key would put received_at on every watch.
-- Retention sets those columns to NULL before it drops a month. Foreign keys OUT of it (user_id,
-- conflict_id) stay.
-- toast_tuple_target (migration webhook_log_payload_inline) cannot be set on a partitioned
-- table: every partition is created WITH (toast_tuple_target = 4096).

-- 1.
ALTER TABLE "episode_watches" DROP CONSTRAINT "episode_watches_webhook_log_id_fkey";
ALTER TABLE "movie_watches" DROP CONSTRAINT "movie_watches_webhook_log_id_fkey";
ALTER TABLE "plex_webhook_logs" RENAME TO "plex_webhook_logs_unpartitioned";
ALTER TABLE "plex_webhook_logs_unpartitioned" DROP CONSTRAINT "plex_webhook_logs_user_id_fkey";
ALTER TABLE "plex_webhook_logs_unpartitioned" DROP CONSTRAINT "plex_webhook_logs_conflict_id_fkey";
ALTER TABLE "plex_webhook_logs_unpartitioned" DROP CONSTRAINT "plex_webhook_logs_pkey";
DROP INDEX "plex_webhook_logs_job_id_key";
DROP INDEX "plex_webhook_logs_received_at_idx";
DROP INDEX "plex_webhook_logs_status_received_at_idx";
DROP INDEX "plex_webhook_logs_conflict_id_idx";
DROP INDEX "plex_webhook_logs_user_id_received_at_idx";
ALTER SEQUENCE "plex_webhook_logs_id_seq" OWNED BY NONE;

-- 2.
CREATE TABLE "plex_webhook_logs" (
    "id" INTEGER NOT NULL DEFAULT nextval('plex_webhook_logs_id_seq'::regclass),
    "user_id" INTEGER,
    "job_id" TEXT,
    "event_type" TEXT,
    "plex_rating_key" TEXT,
    "plex_title" TEXT,
    "payload" JSONB,
    "status" "webhook_status" NOT NULL,
    "action_taken" "webhook_action",
    "error_message" TEXT,
    "conflict_id" INTEGER,
    "duration_ms" INTEGER,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source" "event_source" NOT NULL DEFAULT 'plex',

    CONSTRAINT "plex_webhook_logs_pkey" PRIMARY KEY ("id", "received_at")
) PARTITION BY RANGE ("received_at");
ALTER SEQUENCE "plex_webhook_logs_id_seq" OWNED BY "plex_webhook_logs"."id";

CREATE UNIQUE INDEX "plex_webhook_logs_job_id_received_at_key" ON "plex_webhook_logs"("job_id", "received_at");
CREATE INDEX "plex_webhook_logs_received_at_idx" ON "plex_webhook_logs"("received_at");
CREATE INDEX "plex_webhook_logs_status_received_at_idx" ON "plex_webhook_logs"("status", "received_at");
CREATE INDEX "plex_webhook_logs_conflict_id_idx" ON "plex_webhook_logs"("conflict_id");
CREATE INDEX "plex_webhook_logs_user_id_received_at_idx" ON "plex_webhook_logs"("user_id", "received_at");
ALTER TABLE "plex_webhook_logs" ADD CONSTRAINT "plex_webhook_logs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "plex_webhook_logs" ADD CONSTRAINT "plex_webhook_logs_conflict_id_fkey" FOREIGN KEY ("conflict_id") REFERENCES "plex_conflicts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- 3. Months in UTC, named plex_webhook_logs_yYYYYmMM (the retention job uses the same names).
CREATE TABLE "plex_webhook_logs_default" PARTITION OF "plex_webhook_logs" DEFAULT WITH (toast_tuple_target = 4096);
DO $$
DECLARE
  m timestamp := date_trunc('month', coalesce(
    (SELECT min("received_at") FROM "plex_webhook_logs_unpartitioned"), now()) AT TIME ZONE 'UTC');
  last timestamp := date_trunc('month', now() AT TIME ZONE 'UTC') + interval '2 months';
BEGIN
  WHILE m <= last LOOP
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF "plex_webhook_logs" FOR VALUES FROM (%L) TO (%L) WITH (toast_tuple_target = 4096)',
      'plex_webhook_logs_' || to_char(m, '"y"YYYY"m"MM'),
      to_char(m, 'YYYY-MM-DD') || ' 00:00:00+00',
      to_char(m + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00');
    m := m + interval '1 month';
  END LOOP;
END $$;

-- 4.
INSERT INTO "plex_webhook_logs"
       ("id", "user_id", "job_id", "event_type", "plex_rating_key", "plex_title", "payload", "status",
        "action_taken", "error_message", "conflict_id", "duration_ms", "received_at", "created_at", "source")
SELECT "id", "user_id", "job_id", "event_type", "plex_rating_key", "plex_title", "payload", "status",
       "action_taken", "error_message", "conflict_id", "duration_ms", "received_at", "created_at", "source"
  FROM "plex_webhook_logs_unpartitioned";
DROP TABLE "plex_webhook_logs_unpartitioned";
