-- CreateEnum
CREATE TYPE "event_source" AS ENUM ('plex', 'jellyfin', 'emby');

-- CreateEnum
CREATE TYPE "playback_state" AS ENUM ('playing', 'paused', 'stopped');

-- CreateEnum
CREATE TYPE "item_kind" AS ENUM ('show', 'episode', 'movie');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "watch_source" ADD VALUE 'plex_history';
ALTER TYPE "watch_source" ADD VALUE 'plex_mark';
ALTER TYPE "watch_source" ADD VALUE 'jellyfin_webhook';
ALTER TYPE "watch_source" ADD VALUE 'emby_webhook';

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "webhook_action" ADD VALUE 'progress_updated';
ALTER TYPE "webhook_action" ADD VALUE 'rating_saved';
ALTER TYPE "webhook_action" ADD VALUE 'rating_cleared';
ALTER TYPE "webhook_action" ADD VALUE 'ignored_library';
ALTER TYPE "webhook_action" ADD VALUE 'ignored_server';
ALTER TYPE "webhook_action" ADD VALUE 'ignored_player';
ALTER TYPE "webhook_action" ADD VALUE 'unmark_reported';

-- DropIndex
DROP INDEX "episode_watches_user_id_episode_id_idx";

-- DropIndex
DROP INDEX "episode_watches_webhook_log_id_key";

-- DropIndex
DROP INDEX "movie_watches_user_id_movie_id_idx";

-- DropIndex
DROP INDEX "plex_conflicts_one_open_per_key";

-- DropIndex
DROP INDEX "plex_movie_mappings_user_id_plex_rating_key_key";

-- DropIndex
DROP INDEX "plex_show_mappings_user_id_plex_rating_key_key";

-- AlterTable
ALTER TABLE "episode_watches" ADD COLUMN     "plex_history_key" TEXT;

-- AlterTable
ALTER TABLE "movie_watches" ADD COLUMN     "plex_history_key" TEXT;

-- AlterTable
ALTER TABLE "plex_config" ADD COLUMN     "dedupe_across_sources" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "emby_api_key" TEXT,
ADD COLUMN     "emby_server_url" TEXT,
ADD COLUMN     "emby_usernames" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "history_sync_enabled" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "history_sync_interval_minutes" INTEGER NOT NULL DEFAULT 15,
ADD COLUMN     "jellyfin_api_key" TEXT,
ADD COLUMN     "jellyfin_server_url" TEXT,
ADD COLUMN     "jellyfin_usernames" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "library_allow_list" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "library_deny_list" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "player_deny_list" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "server_allow_list" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "watched_threshold" INTEGER;

-- AlterTable
ALTER TABLE "plex_conflicts" ADD COLUMN     "server_id" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "source" "event_source" NOT NULL DEFAULT 'plex';

-- AlterTable
ALTER TABLE "plex_movie_mappings" ADD COLUMN     "server_id" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "source" "event_source" NOT NULL DEFAULT 'plex';

-- AlterTable
ALTER TABLE "plex_show_mappings" ADD COLUMN     "server_id" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "source" "event_source" NOT NULL DEFAULT 'plex';

-- AlterTable
ALTER TABLE "plex_webhook_logs" ADD COLUMN     "source" "event_source" NOT NULL DEFAULT 'plex';

-- CreateTable
CREATE TABLE "playback_sessions" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "source" "event_source" NOT NULL DEFAULT 'plex',
    "server_id" TEXT NOT NULL DEFAULT '',
    "session_key" TEXT NOT NULL,
    "media_type" "item_kind" NOT NULL,
    "item_key" TEXT NOT NULL,
    "show_key" TEXT,
    "title" TEXT NOT NULL,
    "show_title" TEXT,
    "season" INTEGER,
    "episode" INTEGER,
    "state" "playback_state" NOT NULL,
    "position_ms" INTEGER NOT NULL DEFAULT 0,
    "duration_ms" INTEGER,
    "player" TEXT,
    "account" TEXT,
    "last_event_at" TIMESTAMPTZ(3) NOT NULL,
    "play_counted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "playback_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ratings" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "source" "event_source" NOT NULL DEFAULT 'plex',
    "server_id" TEXT NOT NULL DEFAULT '',
    "media_type" "item_kind" NOT NULL,
    "item_key" TEXT NOT NULL,
    "show_key" TEXT,
    "title" TEXT,
    "season" INTEGER,
    "episode" INTEGER,
    "rating" DOUBLE PRECISION,
    "rated_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ratings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "plex_sync_state" (
    "user_id" INTEGER NOT NULL,
    "cursor_viewed_at" TIMESTAMPTZ(3),
    "last_sync_at" TIMESTAMPTZ(3),
    "last_success_at" TIMESTAMPTZ(3),
    "rows_imported" INTEGER NOT NULL DEFAULT 0,
    "last_run_rows" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "last_error_at" TIMESTAMPTZ(3),
    "last_mark_scan_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "plex_sync_state_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "plex_view_states" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "rating_key" TEXT NOT NULL,
    "view_count" INTEGER NOT NULL,
    "last_viewed_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "plex_view_states_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "playback_sessions_user_id_state_last_event_at_idx" ON "playback_sessions"("user_id", "state", "last_event_at");

-- CreateIndex
CREATE UNIQUE INDEX "playback_sessions_user_id_source_server_id_session_key_key" ON "playback_sessions"("user_id", "source", "server_id", "session_key");

-- CreateIndex
CREATE UNIQUE INDEX "ratings_user_id_source_server_id_media_type_item_key_key" ON "ratings"("user_id", "source", "server_id", "media_type", "item_key");

-- CreateIndex
CREATE UNIQUE INDEX "plex_view_states_user_id_rating_key_key" ON "plex_view_states"("user_id", "rating_key");

-- CreateIndex
CREATE INDEX "episode_watches_user_id_episode_id_watched_at_idx" ON "episode_watches"("user_id", "episode_id", "watched_at");

-- CreateIndex
CREATE UNIQUE INDEX "episode_watches_webhook_log_id_episode_id_key" ON "episode_watches"("webhook_log_id", "episode_id");

-- CreateIndex
CREATE UNIQUE INDEX "episode_watches_one_per_history_key" ON "episode_watches"("user_id", "plex_history_key") WHERE (plex_history_key IS NOT NULL);

-- CreateIndex
CREATE INDEX "movie_watches_user_id_movie_id_watched_at_idx" ON "movie_watches"("user_id", "movie_id", "watched_at");

-- CreateIndex
CREATE UNIQUE INDEX "movie_watches_one_per_history_key" ON "movie_watches"("user_id", "plex_history_key") WHERE (plex_history_key IS NOT NULL);

-- CreateIndex
CREATE UNIQUE INDEX "plex_conflicts_one_open_per_key" ON "plex_conflicts"("user_id", "source", "server_id", "plex_rating_key") WHERE ("resolved" = false);

-- CreateIndex
CREATE UNIQUE INDEX "plex_movie_mappings_user_id_source_server_id_plex_rating_ke_key" ON "plex_movie_mappings"("user_id", "source", "server_id", "plex_rating_key");

-- CreateIndex
CREATE UNIQUE INDEX "plex_show_mappings_user_id_source_server_id_plex_rating_key_key" ON "plex_show_mappings"("user_id", "source", "server_id", "plex_rating_key");

-- AddForeignKey
ALTER TABLE "playback_sessions" ADD CONSTRAINT "playback_sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "plex_sync_state" ADD CONSTRAINT "plex_sync_state_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "plex_view_states" ADD CONSTRAINT "plex_view_states_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
