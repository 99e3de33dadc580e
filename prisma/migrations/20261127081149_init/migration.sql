-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "match_method" AS ENUM ('tmdb_id', 'tvdb_id', 'imdb_id', 'title_year', 'manual');

-- CreateEnum
CREATE TYPE "conflict_type" AS ENUM ('multiple_matches', 'no_match', 'low_confidence');

-- CreateEnum
CREATE TYPE "resolution_action" AS ENUM ('user_selected', 'user_created_new', 'auto_resolved', 'ignored');

-- CreateEnum
CREATE TYPE "webhook_status" AS ENUM ('success', 'failed', 'ignored', 'duplicate');

-- CreateEnum
CREATE TYPE "webhook_action" AS ENUM ('episode_marked', 'movie_marked', 'conflict_created', 'conflict_pending', 'episode_not_found', 'ignored_event', 'ignored_disabled', 'ignored_account', 'ignored_show', 'duplicate', 'replayed');

-- CreateEnum
CREATE TYPE "watch_source" AS ENUM ('plex_webhook', 'manual', 'import');

-- CreateTable
CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "plex_config" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "webhook_secret_hash" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "plex_usernames" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "auto_mark_watched" BOOLEAN NOT NULL DEFAULT true,
    "auto_resolve" BOOLEAN NOT NULL DEFAULT false,
    "match_threshold" DOUBLE PRECISION NOT NULL DEFAULT 0.85,
    "plex_server_url" TEXT,
    "plex_token" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "plex_config_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tvshows" (
    "id" SERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "original_title" TEXT,
    "normalized_title" TEXT NOT NULL,
    "show_start_date" DATE,
    "show_end_date" DATE,
    "tmdb_id" INTEGER,
    "tvdb_id" INTEGER,
    "imdb_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "tvshows_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "episodes" (
    "id" SERIAL NOT NULL,
    "tvshow_id" INTEGER NOT NULL,
    "season_number" INTEGER NOT NULL,
    "episode_number" INTEGER NOT NULL,
    "title" TEXT,
    "air_date" DATE,

    CONSTRAINT "episodes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "episode_watches" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "episode_id" INTEGER NOT NULL,
    "watched_at" TIMESTAMPTZ(3) NOT NULL,
    "source" "watch_source" NOT NULL DEFAULT 'plex_webhook',
    "webhook_log_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "episode_watches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "movies" (
    "id" SERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "original_title" TEXT,
    "normalized_title" TEXT NOT NULL,
    "year" INTEGER,
    "tmdb_id" INTEGER,
    "imdb_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "movies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "movie_watches" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "movie_id" INTEGER NOT NULL,
    "watched_at" TIMESTAMPTZ(3) NOT NULL,
    "source" "watch_source" NOT NULL DEFAULT 'plex_webhook',
    "webhook_log_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "movie_watches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "plex_show_mappings" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "plex_rating_key" TEXT NOT NULL,
    "plex_guid" TEXT,
    "plex_title" TEXT NOT NULL,
    "plex_year" INTEGER,
    "tvshow_id" INTEGER NOT NULL,
    "match_method" "match_method" NOT NULL,
    "match_confidence" DOUBLE PRECISION NOT NULL,
    "sync_enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "plex_show_mappings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "plex_conflicts" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "plex_rating_key" TEXT NOT NULL,
    "plex_guid" TEXT,
    "plex_title" TEXT NOT NULL,
    "plex_year" INTEGER,
    "conflict_type" "conflict_type" NOT NULL,
    "potential_matches" JSONB NOT NULL DEFAULT '[]',
    "resolved" BOOLEAN NOT NULL DEFAULT false,
    "resolution_action" "resolution_action",
    "resolved_tvshow_id" INTEGER,
    "resolved_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "plex_conflicts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "plex_webhook_logs" (
    "id" SERIAL NOT NULL,
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

    CONSTRAINT "plex_webhook_logs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "plex_config_user_id_key" ON "plex_config"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "plex_config_webhook_secret_hash_key" ON "plex_config"("webhook_secret_hash");

-- CreateIndex
CREATE UNIQUE INDEX "tvshows_tmdb_id_key" ON "tvshows"("tmdb_id");

-- CreateIndex
CREATE UNIQUE INDEX "tvshows_tvdb_id_key" ON "tvshows"("tvdb_id");

-- CreateIndex
CREATE UNIQUE INDEX "tvshows_imdb_id_key" ON "tvshows"("imdb_id");

-- CreateIndex
CREATE INDEX "tvshows_normalized_title_idx" ON "tvshows"("normalized_title");

-- CreateIndex
CREATE UNIQUE INDEX "episodes_tvshow_id_season_number_episode_number_key" ON "episodes"("tvshow_id", "season_number", "episode_number");

-- CreateIndex
CREATE UNIQUE INDEX "episode_watches_webhook_log_id_key" ON "episode_watches"("webhook_log_id");

-- CreateIndex
CREATE INDEX "episode_watches_user_id_episode_id_idx" ON "episode_watches"("user_id", "episode_id");

-- CreateIndex
CREATE UNIQUE INDEX "movies_tmdb_id_key" ON "movies"("tmdb_id");

-- CreateIndex
CREATE UNIQUE INDEX "movies_imdb_id_key" ON "movies"("imdb_id");

-- CreateIndex
CREATE INDEX "movies_normalized_title_idx" ON "movies"("normalized_title");

-- CreateIndex
CREATE UNIQUE INDEX "movie_watches_webhook_log_id_key" ON "movie_watches"("webhook_log_id");

-- CreateIndex
CREATE INDEX "movie_watches_user_id_movie_id_idx" ON "movie_watches"("user_id", "movie_id");

-- CreateIndex
CREATE UNIQUE INDEX "plex_show_mappings_user_id_plex_rating_key_key" ON "plex_show_mappings"("user_id", "plex_rating_key");

-- CreateIndex
CREATE INDEX "plex_conflicts_resolved_created_at_idx" ON "plex_conflicts"("resolved", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "plex_conflicts_one_open_per_key" ON "plex_conflicts"("user_id", "plex_rating_key") WHERE ("resolved" = false);

-- CreateIndex
CREATE UNIQUE INDEX "plex_webhook_logs_job_id_key" ON "plex_webhook_logs"("job_id");

-- CreateIndex
CREATE INDEX "plex_webhook_logs_received_at_idx" ON "plex_webhook_logs"("received_at");

-- CreateIndex
CREATE INDEX "plex_webhook_logs_status_received_at_idx" ON "plex_webhook_logs"("status", "received_at");

-- CreateIndex
CREATE INDEX "plex_webhook_logs_conflict_id_idx" ON "plex_webhook_logs"("conflict_id");

-- CreateIndex
CREATE INDEX "plex_webhook_logs_user_id_received_at_idx" ON "plex_webhook_logs"("user_id", "received_at");

-- AddForeignKey
ALTER TABLE "plex_config" ADD CONSTRAINT "plex_config_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "episodes" ADD CONSTRAINT "episodes_tvshow_id_fkey" FOREIGN KEY ("tvshow_id") REFERENCES "tvshows"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "episode_watches" ADD CONSTRAINT "episode_watches_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "episode_watches" ADD CONSTRAINT "episode_watches_episode_id_fkey" FOREIGN KEY ("episode_id") REFERENCES "episodes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "episode_watches" ADD CONSTRAINT "episode_watches_webhook_log_id_fkey" FOREIGN KEY ("webhook_log_id") REFERENCES "plex_webhook_logs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "movie_watches" ADD CONSTRAINT "movie_watches_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "movie_watches" ADD CONSTRAINT "movie_watches_movie_id_fkey" FOREIGN KEY ("movie_id") REFERENCES "movies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "movie_watches" ADD CONSTRAINT "movie_watches_webhook_log_id_fkey" FOREIGN KEY ("webhook_log_id") REFERENCES "plex_webhook_logs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "plex_show_mappings" ADD CONSTRAINT "plex_show_mappings_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "plex_show_mappings" ADD CONSTRAINT "plex_show_mappings_tvshow_id_fkey" FOREIGN KEY ("tvshow_id") REFERENCES "tvshows"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "plex_conflicts" ADD CONSTRAINT "plex_conflicts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "plex_conflicts" ADD CONSTRAINT "plex_conflicts_resolved_tvshow_id_fkey" FOREIGN KEY ("resolved_tvshow_id") REFERENCES "tvshows"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "plex_webhook_logs" ADD CONSTRAINT "plex_webhook_logs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "plex_webhook_logs" ADD CONSTRAINT "plex_webhook_logs_conflict_id_fkey" FOREIGN KEY ("conflict_id") REFERENCES "plex_conflicts"("id") ON DELETE SET NULL ON UPDATE CASCADE;
