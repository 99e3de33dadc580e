import { badRequest, HttpError, type SourceCatalogMovie, type SourceCatalogShow } from '@plexhook/core';
import {
  type Catalog,
  CatalogSchema,
  type Db,
  type ImportCounts,
  type ImportReport,
  importCatalog,
  inTransaction,
} from '@plexhook/db';
import { parseInput } from '../validation';

// Big catalogues take a while; Prisma's default interactive-transaction timeout is 5 s.
const IMPORT_TIMEOUT_MS = 10 * 60_000;

export function parseCatalog(input: unknown): Catalog {
  return parseInput(CatalogSchema, input);
}

/** Validates and imports a catalogue, all or nothing. Shared by the API and the CLI. */
export async function runCatalogImport(db: Db, input: unknown): Promise<ImportReport> {
  const catalog = parseCatalog(input);
  try {
    return await inTransaction(db, (tx) => importCatalog(tx, catalog), {
      timeout: IMPORT_TIMEOUT_MS,
      maxWait: 10_000,
    });
  } catch (err) {
    // Two catalogue entries claiming the same external id for different shows.
    if ((err as { code?: string }).code === 'P2002') {
      throw badRequest(
        `catalogue contradicts itself or the database: ${(err as Error).message.split('\n').pop()}`,
      );
    }
    throw err;
  }
}

// Imports from a server (plex-import.ts: Plex; arr-import.ts: Sonarr, Radarr) share the rest.

/** What an import from a server reports: the counts, and the entries it skipped with why (no
 * external id, no title, an id another entry already has, or refused by the catalogue). */
export type SourceImportResult = ImportReport & { skipped: { name: string; reason: string }[] };

const zero = (): ImportCounts => ({ created: 0, updated: 0, unchanged: 0 });

export function emptySourceImportResult(): SourceImportResult {
  return { shows: zero(), episodes: zero(), movies: zero(), skipped: [] };
}

function add(into: ImportReport, r: ImportReport) {
  for (const part of ['shows', 'episodes', 'movies'] as const) {
    into[part].created += r[part].created;
    into[part].updated += r[part].updated;
    into[part].unchanged += r[part].unchanged;
  }
}

/** The catalogue's own validation or an id conflict (a 400): this entry is skipped, the rest goes on. */
function refused(err: unknown): string | null {
  return err instanceof HttpError && err.status === 400 ? err.message : null;
}

/** One show (with its episodes) in its own transaction; a refused show is skipped with the reason. */
export async function importSourceShow(
  db: Db,
  result: SourceImportResult,
  name: string,
  show: SourceCatalogShow,
): Promise<void> {
  try {
    add(result, await runCatalogImport(db, { shows: [show] }));
  } catch (err) {
    const reason = refused(err);
    if (reason === null) throw err;
    result.skipped.push({ name, reason });
  }
}

const MOVIE_CHUNK = 500;

/**
 * Movies 500 per transaction. One refused movie fails its chunk's transaction: that chunk is
 * imported one by one, and the refused movies are skipped under `name(movie)` with the reason.
 * `onChunk` is told each chunk's size once it is done.
 */
export async function importSourceMovies(
  db: Db,
  result: SourceImportResult,
  movies: SourceCatalogMovie[],
  name: (movie: SourceCatalogMovie) => string,
  onChunk?: (size: number) => void,
): Promise<void> {
  for (let i = 0; i < movies.length; i += MOVIE_CHUNK) {
    const chunk = movies.slice(i, i + MOVIE_CHUNK);
    try {
      add(result, await runCatalogImport(db, { movies: chunk }));
    } catch (err) {
      if (refused(err) === null) throw err;
      for (const movie of chunk) {
        try {
          add(result, await runCatalogImport(db, { movies: [movie] }));
        } catch (e) {
          const reason = refused(e);
          if (reason === null) throw e;
          result.skipped.push({ name: name(movie), reason });
        }
      }
    }
    onChunk?.(chunk.length);
  }
}
