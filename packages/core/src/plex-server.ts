import { z } from 'zod';
import { type ExternalIds, extractIds } from './guid';
import type { ShowQuery } from './match';
import { PlexMetadataSchema } from './plex-payload';
import { httpServerBase } from './server-url';
import { splitTitleYear } from './title';

/** What the Plex server says about a show: its own ids (not the episode's) and names. */
export type PlexShowInfo = {
  ratingKey: string;
  title: string;
  originalTitle?: string;
  year?: number;
  ids: ExternalIds;
};

const ResponseSchema = z.looseObject({
  MediaContainer: z.looseObject({
    Metadata: z.array(z.unknown()).min(1),
  }),
});

/**
 * Reads `GET /library/metadata/{ratingKey}` (JSON) of a show. Returns null for anything that is
 * not a show item with a rating key: the caller then matches by title as before.
 */
export function parsePlexShowResponse(raw: unknown): PlexShowInfo | null {
  const container = ResponseSchema.safeParse(raw);
  if (!container.success) return null;
  const item = PlexMetadataSchema.safeParse(container.data.MediaContainer.Metadata[0]);
  if (!item.success || item.data.type !== 'show') return null;
  const metadata = item.data;
  const { title } = splitTitleYear(metadata.title ?? '');
  const info: PlexShowInfo = { ratingKey: metadata.ratingKey, title, ids: extractIds(metadata).show };
  const original = metadata.originalTitle?.trim();
  if (original && original !== title) info.originalTitle = original;
  if (metadata.year !== undefined && Number.isInteger(metadata.year)) info.year = metadata.year;
  return info;
}

/** `{server}/library/metadata/{key}`, tolerating a trailing slash and rejecting odd keys. */
export function plexMetadataUrl(serverUrl: string, ratingKey: string): string | null {
  if (!/^\d{1,20}$/.test(ratingKey)) return null;
  const base = httpServerBase(serverUrl);
  return base && `${base.origin}${base.path}/library/metadata/${ratingKey}`;
}

/**
 * Adds what the Plex server knows about the show to what the scrobble said: its ids (the
 * scrobble's own show ids, from a legacy agent, win), its original title and its year.
 */
export function withPlexShowInfo(
  ids: ExternalIds,
  query: ShowQuery,
  show: PlexShowInfo,
): { ids: ExternalIds; query: ShowQuery } {
  const enriched: ShowQuery = { ...query };
  if (show.originalTitle) enriched.originalTitle = show.originalTitle;
  if (show.year !== undefined) enriched.showYear = show.year;
  return { ids: { ...show.ids, ...ids }, query: enriched };
}
