-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- CreateIndex
CREATE INDEX "movies_normalized_title_trgm_idx" ON "movies" USING GIN ("normalized_title" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "tvshows_normalized_title_trgm_idx" ON "tvshows" USING GIN ("normalized_title" gin_trgm_ops);
