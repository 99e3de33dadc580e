import { normalizeTitle } from '@plexhook/core';
import { Prisma } from '@plexhook/db';

// Trigram similarity over the indexed normalised titles (pg_trgm's `%` uses the GIN indexes), so
// the first match of a new show or movie costs index probes, not a scan of the catalogue. One
// branch per (column, searched title), each answerable by its own index: an OR across columns
// makes the planner scan the whole table. The branches for Plex's original title are skipped
// (one-time filter) when it is the same as the title. A row found by several branches counts
// once, with its best similarity. `=` is kept only where a btree serves it (normalized_title): on
// the original title, `%` alone finds every equal title (a normalised title is letters, digits and
// spaces, so it has trigrams), and an OR with `=` there tempts the planner into a table scan.
// Ordering by the best matching branch equals a GREATEST over all four similarities: a branch
// that did not match is below the threshold, hence below one that did.
export const MAX_CANDIDATES = 20;

/** The searched titles, normalised; null when the title normalises to nothing. */
export function searchedTitles(title: string, originalTitle: string | undefined) {
  const normalized = normalizeTitle(title);
  if (!normalized) return null;
  // Plex's original title (from its server), when it has one, finds the entry under that name.
  const original = originalTitle ? normalizeTitle(originalTitle) || normalized : normalized;
  return { normalized, original };
}

/**
 * `WITH hit AS (...), best AS (id, s)`: the ids of the best candidates of `table`, for a query
 * to join back to. The table comes from a closed set, never from input.
 */
export function bestTitleHits(
  table: 'tvshows' | 'movies',
  { normalized, original }: { normalized: string; original: string },
): Prisma.Sql {
  const t = Prisma.raw(table);
  return Prisma.sql`WITH hit AS (
      SELECT id, similarity(normalized_title, ${normalized}) AS s FROM ${t}
       WHERE normalized_title = ${normalized} OR normalized_title % ${normalized}
      UNION ALL
      SELECT id, similarity(normalized_original_title, ${normalized}) FROM ${t}
       WHERE normalized_original_title % ${normalized}
      UNION ALL
      SELECT id, similarity(normalized_title, ${original}) FROM ${t}
       WHERE ${original}::text <> ${normalized}::text
         AND (normalized_title = ${original} OR normalized_title % ${original})
      UNION ALL
      SELECT id, similarity(normalized_original_title, ${original}) FROM ${t}
       WHERE ${original}::text <> ${normalized}::text
         AND (normalized_original_title % ${original})
    ), best AS (
      SELECT id, max(s) AS s FROM hit GROUP BY id ORDER BY s DESC, id LIMIT ${MAX_CANDIDATES}
    )`;
}
