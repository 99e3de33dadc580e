// Single rows by id, for the dashboard's checks and messages (does it exist, is it resolved,
// what is it called). Lists and writes live in the repository of their table.
import type { DbOrTx } from '../client';
import type { PlexConflict } from '../generated/client';

/** The conflict row alone (no held-webhook count: see getConflict for that), or null. */
export function findConflictRow(db: DbOrTx, id: number): Promise<PlexConflict | null> {
  return db.plexConflict.findUnique({ where: { id } });
}

export type ShowRef = { id: number; title: string; showStartDate: Date | null };
export type MovieRef = { id: number; title: string; year: number | null };

/** A show's id, title and first air date, or null when there is no such show. */
export function findShowRef(db: DbOrTx, id: number): Promise<ShowRef | null> {
  return db.tvShow.findUnique({ where: { id }, select: { id: true, title: true, showStartDate: true } });
}

/** A movie's id, title and year, or null when there is no such movie. */
export function findMovieRef(db: DbOrTx, id: number): Promise<MovieRef | null> {
  return db.movie.findUnique({ where: { id }, select: { id: true, title: true, year: true } });
}
