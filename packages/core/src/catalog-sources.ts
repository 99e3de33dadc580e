// Catalogue entries from Sonarr and Radarr (API v3), in the catalogue import format
// (ARCHITECTURE.md, "Catalogue"). Pure: the caller fetches, this only reads what was fetched.
//
// A third party's data is taken field by field: a field we cannot use (an id of 0, an imdb id
// of "", a date that is not one) is left unknown rather than failing the show, because an
// import never erases what the catalogue knows and a missing fact only makes matching more
// careful. A show or movie without a usable title is skipped, with the reason.
import { z } from 'zod';
import { parseNumericId } from './guid';
import { isInformativeEpisodeTitle } from './match';
import { int4Index } from './plex-payload';
import { isoDay, text as sourceText } from './source-fields';

export type SourceCatalogEpisode = { number: number; title: string | null; airDate: string | null };
export type SourceCatalogShow = {
  title: string;
  originalTitle: string | null;
  firstAired: string | null;
  lastAired: string | null;
  tmdbId: number | null;
  tvdbId: number | null;
  imdbId: string | null;
  seasons: { number: number; episodes: SourceCatalogEpisode[] }[];
};
export type SourceCatalogMovie = {
  title: string;
  originalTitle: string | null;
  year: number | null;
  tmdbId: number | null;
  imdbId: string | null;
};
export type FromSource<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A positive id that fits int4, a number or its decimal text (`parseNumericId`), else null. */
const externalId = z
  .unknown()
  .optional()
  .transform((v) => {
    const raw = sourceText(v);
    return (raw === undefined ? undefined : parseNumericId(raw)) ?? null;
  });
const imdbId = z
  .unknown()
  .optional()
  .transform((v) => {
    const s = typeof v === 'string' ? v.trim() : '';
    return /^tt\d{7,10}$/.test(s) ? s : null;
  });
/** `YYYY-MM-DD`, or the day of an ISO timestamp (Sonarr's `firstAired` is UTC midnight-ish:
 * the day is within the matcher's date tolerance of the local air date). */
const day = z
  .unknown()
  .optional()
  .transform((v) => {
    const d = isoDay(v);
    const y = Number(d?.slice(0, 4));
    return d !== undefined && y >= 1870 && y <= 2100 ? d : null;
  });
const text = z
  .unknown()
  .optional()
  .transform((v) => {
    if (typeof v !== 'string') return null;
    // NUL cannot be stored in PostgreSQL text; other control characters are noise in a title.
    const s = v
      .replace(/\p{Cc}/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    return s === '' ? null : s;
  });
const index = z
  .unknown()
  .optional()
  .transform((v) => int4Index(v) ?? null);
const year = z
  .unknown()
  .optional()
  .transform((v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1870 && v <= 2100 ? v : null));

/** What plexhook reads of Sonarr's `GET /api/v3/series` items. */
export const SonarrSeriesSchema = z.looseObject({
  id: z.unknown(),
  title: text,
  year,
  status: z
    .unknown()
    .optional()
    .transform((v) => (typeof v === 'string' ? v.toLowerCase() : null)),
  firstAired: day,
  lastAired: day,
  tvdbId: externalId,
  tmdbId: externalId,
  imdbId,
});
/** What plexhook reads of Sonarr's `GET /api/v3/episode?seriesId=` items. */
export const SonarrEpisodeSchema = z.looseObject({
  seasonNumber: index,
  episodeNumber: index,
  title: text,
  airDate: day,
  airDateUtc: day,
});
/** What plexhook reads of Radarr's `GET /api/v3/movie` items. */
export const RadarrMovieSchema = z.looseObject({
  title: text,
  originalTitle: text,
  year,
  tmdbId: externalId,
  imdbId,
});

function describe(item: unknown): string {
  const id = (item as { id?: unknown } | null)?.id;
  return typeof id === 'number' || typeof id === 'string' ? `id ${id}` : 'an entry';
}

/** Sonarr's id for a series (for its episodes' request), or null when it has none. */
export function sonarrSeriesId(series: unknown): number | null {
  const id = (series as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : null;
}

/**
 * One Sonarr series and its episodes as a catalogue show.
 * - `firstAired`: Sonarr's, else the earliest air date of a regular episode, else 1 January of
 *   its year (earlier than the real start at worst: the matcher's run check stays sound).
 * - `lastAired`: Sonarr's (v4), else for an ended series its last regular episode's air date;
 *   a continuing series has no end (a guessed one would veto its next episode).
 * - Episode titles Sonarr uses as placeholders ("TBA", "Episode 5") are left unknown, so they
 *   never contradict the real title Plex has.
 * - The same season/episode twice keeps the first.
 */
export function catalogShowFromSonarr(series: unknown, episodes: unknown[]): FromSource<SourceCatalogShow> {
  const s = SonarrSeriesSchema.safeParse(series);
  if (!s.success || s.data.title === null) return { ok: false, reason: `${describe(series)} has no title` };
  const seasons = new Map<number, Map<number, SourceCatalogEpisode>>();
  for (const raw of episodes) {
    const e = SonarrEpisodeSchema.safeParse(raw);
    if (!e.success || e.data.seasonNumber === null || e.data.episodeNumber === null) continue;
    const season = seasons.get(e.data.seasonNumber) ?? new Map<number, SourceCatalogEpisode>();
    seasons.set(e.data.seasonNumber, season);
    if (season.has(e.data.episodeNumber)) continue;
    const title = e.data.title !== null && isInformativeEpisodeTitle(e.data.title) ? e.data.title : null;
    season.set(e.data.episodeNumber, {
      number: e.data.episodeNumber,
      title,
      airDate: e.data.airDate ?? e.data.airDateUtc,
    });
  }
  const regularDates = [...seasons.entries()]
    .filter(([number]) => number > 0)
    .flatMap(([, eps]) => [...eps.values()].map((e) => e.airDate))
    .filter((d): d is string => d !== null)
    .sort();
  const firstAired =
    s.data.firstAired ?? regularDates[0] ?? (s.data.year !== null ? `${s.data.year}-01-01` : null);
  const lastAired =
    s.data.lastAired ?? (s.data.status === 'ended' ? (regularDates[regularDates.length - 1] ?? null) : null);
  return {
    ok: true,
    value: {
      title: s.data.title,
      originalTitle: null,
      firstAired,
      // An end before the start is a data error: unknown (it would veto every episode).
      lastAired: lastAired !== null && firstAired !== null && lastAired < firstAired ? null : lastAired,
      tmdbId: s.data.tmdbId,
      tvdbId: s.data.tvdbId,
      imdbId: s.data.imdbId,
      seasons: [...seasons.entries()]
        .sort(([a], [b]) => a - b)
        .map(([number, eps]) => ({
          number,
          episodes: [...eps.values()].sort((a, b) => a.number - b.number),
        })),
    },
  };
}

/**
 * Ids already taken in one source run, by `tmdb:N` / `tvdb:N` / `imdb:ttN`. The catalogue
 * import finds entries by external id and corrects them, so a second source entry with an id
 * the first one has would overwrite the first (its title, its dates). A source that lists one
 * id twice is wrong about one of them and we cannot tell which: the later entry is skipped
 * (returns the reason), the first is kept.
 */
export function claimSourceIds(
  taken: Map<string, string>,
  name: string,
  ids: { tmdbId?: number | null; tvdbId?: number | null; imdbId?: string | null },
): string | null {
  const keys = [
    ids.tmdbId != null ? `tmdb id ${ids.tmdbId}` : null,
    ids.tvdbId != null ? `tvdb id ${ids.tvdbId}` : null,
    ids.imdbId != null ? `imdb id ${ids.imdbId}` : null,
  ].filter((k): k is string => k !== null);
  for (const key of keys) {
    const owner = taken.get(key);
    if (owner !== undefined) return `${key} is also on "${owner}", listed earlier by the same source`;
  }
  for (const key of keys) taken.set(key, name);
  return null;
}

/** One Radarr movie as a catalogue movie. An original title equal to the title is dropped. */
export function catalogMovieFromRadarr(movie: unknown): FromSource<SourceCatalogMovie> {
  const m = RadarrMovieSchema.safeParse(movie);
  if (!m.success || m.data.title === null) return { ok: false, reason: `${describe(movie)} has no title` };
  const original = m.data.originalTitle;
  return {
    ok: true,
    value: {
      title: m.data.title,
      originalTitle:
        original !== null && original.toLowerCase() !== m.data.title.toLowerCase() ? original : null,
      year: m.data.year,
      tmdbId: m.data.tmdbId,
      imdbId: m.data.imdbId,
    },
  };
}
