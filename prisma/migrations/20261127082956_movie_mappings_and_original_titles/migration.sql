-- CreateEnum
CREATE TYPE "media_type" AS ENUM ('show', 'movie');

-- AlterTable
ALTER TABLE "movies" ADD COLUMN     "normalized_original_title" TEXT;

-- AlterTable
ALTER TABLE "plex_conflicts" ADD COLUMN     "media_type" "media_type" NOT NULL DEFAULT 'show',
ADD COLUMN     "resolved_movie_id" INTEGER;

-- AlterTable
ALTER TABLE "tvshows" ADD COLUMN     "normalized_original_title" TEXT;

-- CreateTable
CREATE TABLE "plex_movie_mappings" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "plex_rating_key" TEXT NOT NULL,
    "plex_guid" TEXT,
    "plex_title" TEXT NOT NULL,
    "plex_year" INTEGER,
    "movie_id" INTEGER,
    "match_method" "match_method" NOT NULL,
    "match_confidence" DOUBLE PRECISION NOT NULL,
    "sync_enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "plex_movie_mappings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "plex_movie_mappings_user_id_plex_rating_key_key" ON "plex_movie_mappings"("user_id", "plex_rating_key");

-- CreateIndex
CREATE INDEX "movies_normalized_original_title_trgm_idx" ON "movies" USING GIN ("normalized_original_title" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "tvshows_normalized_original_title_trgm_idx" ON "tvshows" USING GIN ("normalized_original_title" gin_trgm_ops);

-- AddForeignKey
ALTER TABLE "plex_movie_mappings" ADD CONSTRAINT "plex_movie_mappings_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "plex_movie_mappings" ADD CONSTRAINT "plex_movie_mappings_movie_id_fkey" FOREIGN KEY ("movie_id") REFERENCES "movies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "plex_conflicts" ADD CONSTRAINT "plex_conflicts_resolved_movie_id_fkey" FOREIGN KEY ("resolved_movie_id") REFERENCES "movies"("id") ON DELETE SET NULL ON UPDATE CASCADE;
