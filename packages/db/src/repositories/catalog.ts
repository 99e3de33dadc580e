import { normalizeTitle } from '@plexhook/core';
import { z } from 'zod';
import type { DbOrTx } from '../client';

// Catalogue format (ARCHITECTURE.md). `null` or a missing field means "unknown": an import
// never erases what the catalogue already knows, it only adds and corrects.
const IsoDate = z.iso.date({ error: 'dates must be YYYY-MM-DD' });
const PositiveInt = z.number().int().positive();

export const CatalogEpisodeSchema = z.object({
  number: z.number().int().min(0),
  title: z.string().min(1).nullish(),
  airDate: IsoDate.nullish(),
});
export const CatalogSeasonSchema = z.object({
  number: z.number().int().min(0),
  episodes: z.array(CatalogEpisodeSchema).default([]),
});
export const CatalogShowSchema = z.object({
  title: z.string().trim().min(1),
  originalTitle: z.string().trim().min(1).nullish(),
  firstAired: IsoDate.nullish(),
  lastAired: IsoDate.nullish(),
  tmdbId: PositiveInt.nullish(),
  tvdbId: PositiveInt.nullish(),
  imdbId: z
    .string()
    .regex(/^tt\d{7,10}$/, 'imdbId must look like tt0903747')
    .nullish(),
  seasons: z.array(CatalogSeasonSchema).default([]),
});
export const CatalogMovieSchema = z.object({
  title: z.string().trim().min(1),
  originalTitle: z.string().trim().min(1).nullish(),
  year: z.number().int().min(1870).max(2100).nullish(),
  tmdbId: PositiveInt.nullish(),
  imdbId: z
    .string()
    .regex(/^tt\d{7,10}$/, 'imdbId must look like tt0113277')
    .nullish(),
});
export const CatalogSchema = z.object({
  shows: z.array(CatalogShowSchema).default([]),
  movies: z.array(CatalogMovieSchema).default([]),
});
export type CatalogEpisode = z.infer<typeof CatalogEpisodeSchema>;
export type CatalogShow = z.infer<typeof CatalogShowSchema>;
export type CatalogMovie = z.infer<typeof CatalogMovieSchema>;
export type Catalog = z.infer<typeof CatalogSchema>;

export type ImportCounts = { created: number; updated: number; unchanged: number };
export type ImportReport = { shows: ImportCounts; episodes: ImportCounts; movies: ImportCounts };
export type Outcome = keyof ImportCounts;

const emptyCounts = (): ImportCounts => ({ created: 0, updated: 0, unchanged: 0 });

const toDate = (iso: string) => new Date(`${iso}T00:00:00.000Z`);
/** Date columns come back at UTC midnight; compare them as calendar dates. */
const isoDay = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 10) : null);

/** Only the fields that differ, keeping known values when the catalogue says null/nothing. */
function changes<T extends Record<string, unknown>>(
  current: Record<string, unknown>,
  next: T,
  same: (key: string, a: unknown, b: unknown) => boolean = (_k, a, b) => a === b,
): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, value] of Object.entries(next)) {
    if (value === undefined || value === null) continue;
    if (!same(key, current[key], value)) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

/**
 * The key an original title is searched by (see the trigram indexes); null when there is none
 * or it normalises to nothing (a title of only punctuation says nothing).
 */
export const normalizeOriginalTitle = (originalTitle: string | null | undefined): string | null =>
  originalTitle ? normalizeTitle(originalTitle) || null : null;

const sameValue = (_key: string, a: unknown, b: unknown) =>
  a instanceof Date && b instanceof Date ? isoDay(a) === isoDay(b) : a === b;

/** Finds the show a catalogue entry describes: tmdb id, then tvdb id, then imdb id, then title + first aired. */
async function findShow(db: DbOrTx, show: CatalogShow) {
  if (show.tmdbId != null) {
    const found = await db.tvShow.findUnique({ where: { tmdbId: show.tmdbId } });
    if (found) return found;
  }
  if (show.tvdbId != null) {
    const found = await db.tvShow.findUnique({ where: { tvdbId: show.tvdbId } });
    if (found) return found;
  }
  if (show.imdbId != null) {
    const found = await db.tvShow.findUnique({ where: { imdbId: show.imdbId } });
    if (found) return found;
  }
  return db.tvShow.findFirst({
    where: {
      normalizedTitle: normalizeTitle(show.title),
      showStartDate: show.firstAired ? toDate(show.firstAired) : null,
    },
    orderBy: { id: 'asc' },
  });
}

export type ShowImportResult = { id: number; outcome: Outcome; episodes: ImportCounts };

/** Creates or updates one show and its episodes (matched by season + episode number). */
export async function importShow(db: DbOrTx, show: CatalogShow): Promise<ShowImportResult> {
  const fields = {
    title: show.title,
    originalTitle: show.originalTitle ?? null,
    normalizedTitle: normalizeTitle(show.title),
    normalizedOriginalTitle: normalizeOriginalTitle(show.originalTitle),
    showStartDate: show.firstAired ? toDate(show.firstAired) : null,
    showEndDate: show.lastAired ? toDate(show.lastAired) : null,
    tmdbId: show.tmdbId ?? null,
    tvdbId: show.tvdbId ?? null,
    imdbId: show.imdbId ?? null,
  };
  const existing = await findShow(db, show);
  let id: number;
  let outcome: Outcome;
  if (!existing) {
    id = (await db.tvShow.create({ data: fields, select: { id: true } })).id;
    outcome = 'created';
  } else {
    id = existing.id;
    const diff = changes(existing, fields, sameValue);
    if (Object.keys(diff).length > 0) {
      await db.tvShow.update({ where: { id }, data: diff });
      outcome = 'updated';
    } else {
      outcome = 'unchanged';
    }
  }
  return { id, outcome, episodes: await importEpisodes(db, id, show) };
}

async function importEpisodes(db: DbOrTx, tvshowId: number, show: CatalogShow): Promise<ImportCounts> {
  const counts = emptyCounts();
  const existing = await db.episode.findMany({ where: { tvshowId } });
  const byKey = new Map(existing.map((e) => [`${e.seasonNumber}x${e.episodeNumber}`, e]));
  const toCreate: {
    tvshowId: number;
    seasonNumber: number;
    episodeNumber: number;
    title: string | null;
    airDate: Date | null;
  }[] = [];
  const seen = new Set<string>();
  for (const season of show.seasons) {
    for (const episode of season.episodes) {
      const key = `${season.number}x${episode.number}`;
      // A catalogue listing the same episode twice: the first entry wins.
      if (seen.has(key)) continue;
      seen.add(key);
      const fields = {
        title: episode.title ?? null,
        airDate: episode.airDate ? toDate(episode.airDate) : null,
      };
      const current = byKey.get(key);
      if (!current) {
        toCreate.push({ tvshowId, seasonNumber: season.number, episodeNumber: episode.number, ...fields });
        continue;
      }
      const diff = changes(current, fields, sameValue);
      if (Object.keys(diff).length === 0) {
        counts.unchanged++;
      } else {
        await db.episode.update({ where: { id: current.id }, data: diff });
        counts.updated++;
      }
    }
  }
  if (toCreate.length > 0) {
    // skipDuplicates: an import racing another one must not fail on the unique key.
    counts.created += (await db.episode.createMany({ data: toCreate, skipDuplicates: true })).count;
  }
  return counts;
}

async function findMovie(db: DbOrTx, movie: CatalogMovie) {
  if (movie.tmdbId != null) {
    const found = await db.movie.findUnique({ where: { tmdbId: movie.tmdbId } });
    if (found) return found;
  }
  if (movie.imdbId != null) {
    const found = await db.movie.findUnique({ where: { imdbId: movie.imdbId } });
    if (found) return found;
  }
  return db.movie.findFirst({
    where: { normalizedTitle: normalizeTitle(movie.title), year: movie.year ?? null },
    orderBy: { id: 'asc' },
  });
}

export async function importMovie(
  db: DbOrTx,
  movie: CatalogMovie,
): Promise<{ id: number; outcome: Outcome }> {
  const fields = {
    title: movie.title,
    originalTitle: movie.originalTitle ?? null,
    normalizedTitle: normalizeTitle(movie.title),
    normalizedOriginalTitle: normalizeOriginalTitle(movie.originalTitle),
    year: movie.year ?? null,
    tmdbId: movie.tmdbId ?? null,
    imdbId: movie.imdbId ?? null,
  };
  const existing = await findMovie(db, movie);
  if (!existing) {
    return { id: (await db.movie.create({ data: fields, select: { id: true } })).id, outcome: 'created' };
  }
  const diff = changes(existing, fields);
  if (Object.keys(diff).length === 0) return { id: existing.id, outcome: 'unchanged' };
  await db.movie.update({ where: { id: existing.id }, data: diff });
  return { id: existing.id, outcome: 'updated' };
}

/**
 * Imports a validated catalogue. Idempotent: a second import of the same file reports every
 * row unchanged. Run it inside a transaction to make it all-or-nothing.
 */
export async function importCatalog(db: DbOrTx, catalog: Catalog): Promise<ImportReport> {
  const report: ImportReport = { shows: emptyCounts(), episodes: emptyCounts(), movies: emptyCounts() };
  for (const show of catalog.shows) {
    const result = await importShow(db, show);
    report.shows[result.outcome]++;
    for (const k of ['created', 'updated', 'unchanged'] as const) report.episodes[k] += result.episodes[k];
  }
  for (const movie of catalog.movies) {
    report.movies[(await importMovie(db, movie)).outcome]++;
  }
  return report;
}
