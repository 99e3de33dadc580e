-- AlterTable
ALTER TABLE "plex_show_mappings" ALTER COLUMN "tvshow_id" DROP NOT NULL;
