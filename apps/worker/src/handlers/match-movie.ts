import {
  type CandidateMovie,
  decideByExternalIds,
  decideMovieMatch,
  type ExternalIds,
  externalIdLookups,
  type MovieMatchDecision,
  type MovieQuery,
  scoreMovieCandidates,
} from '@plexhook/core';
import { type MatchMethod, type PlexMovieMapping, upsertMovieMapping as saveMapping } from '@plexhook/db';
import type { WorkerDeps } from '../deps';
import { type ConflictDraft, openConflict, recordAutoResolved } from './conflicts';
import { bestTitleHits, type CandidateScope, mayBeIncomplete, searchedTitles } from './title-candidates';

export type MovieRef = {
  userId: number;
  ratingKey: string;
  guid: string | undefined;
  title: string;
  year: number | undefined;
};

export type MovieResolution =
  | { kind: 'mapped'; mapping: PlexMovieMapping; conflictId?: number }
  | { kind: 'conflict'; conflictId: number; created: boolean };

async function findCandidates(
  deps: WorkerDeps,
  query: MovieQuery,
  scope: CandidateScope = 'contenders',
): Promise<{ candidates: CandidateMovie[]; complete: boolean }> {
  const search = searchedTitles(query.title, query.originalTitle, scope);
  if (!search) return { candidates: [], complete: true };
  // The same index-friendly candidate search as for shows (title-candidates.ts).
  const candidates = await deps.db.$queryRaw<CandidateMovie[]>`${bestTitleHits('movies', search)}
    SELECT m.id, m.title, m.original_title AS "originalTitle", m.year,
           m.tmdb_id AS "tmdbId", m.imdb_id AS "imdbId"
      FROM best JOIN movies m ON m.id = best.id
     ORDER BY best.s DESC, m.id`;
  return { candidates, complete: !mayBeIncomplete(search, candidates.length) };
}

/** The worker's automatic mapping; if one exists already (a concurrent worker), it is kept. */
function upsertMapping(
  deps: WorkerDeps,
  ref: MovieRef,
  movieId: number,
  method: MatchMethod,
  confidence: number,
): Promise<PlexMovieMapping> {
  const { userId, ratingKey, guid, title, year } = ref;
  return saveMapping(
    deps.db,
    {
      userId,
      plexRatingKey: ratingKey,
      plexGuid: guid ?? null,
      plexTitle: title,
      plexYear: year ?? null,
      movieId,
      matchMethod: method,
      matchConfidence: confidence,
      syncEnabled: true,
    },
    'keep',
  );
}

/**
 * A Plex movie to a catalogue movie: its own tmdb/imdb ids first (exact), then title + year.
 * Ambiguity becomes a `plex_conflicts` row with media_type = movie, exactly like shows.
 */
export async function resolveMovie(
  deps: WorkerDeps,
  ref: MovieRef,
  ids: ExternalIds,
  plexQuery: MovieQuery,
  settings: { threshold: number; autoResolve: boolean },
): Promise<MovieResolution> {
  // As for shows: the movie's own ids are scored too, so a differing one vetoes a title match.
  const query: MovieQuery = { ...plexQuery, ids };
  // Movies have no tvdb ids in the catalogue.
  const lookups = externalIdLookups(ids, ['tmdb_id', 'imdb_id']);
  const rows =
    lookups.length === 0
      ? []
      : await deps.db.movie.findMany({
          where: { OR: lookups.map((l) => ({ [l.field]: l.value })) },
          select: { id: true, tmdbId: true, imdbId: true },
        });
  const byId = decideByExternalIds(lookups, rows);
  if (byId.kind === 'match') {
    return { kind: 'mapped', mapping: await upsertMapping(deps, ref, byId.id, byId.method, 1) };
  }

  // Ids that disagree always end in a conflict: its list is the full one.
  const found = await findCandidates(deps, query, byId.kind === 'disagree' ? 'full' : 'contenders');
  const candidates = found.candidates;
  let decision: MovieMatchDecision;
  if (byId.kind === 'disagree') {
    const missing = byId.hits.map((h) => h.id).filter((id) => !candidates.some((c) => c.id === id));
    if (missing.length > 0) {
      candidates.push(
        ...(await deps.db.movie.findMany({
          where: { id: { in: missing } },
          select: { id: true, title: true, originalTitle: true, year: true, tmdbId: true, imdbId: true },
        })),
      );
    }
    const scored = scoreMovieCandidates(query, candidates);
    decision = { kind: 'conflict', conflictType: 'multiple_matches', candidates: scored, decisive: null };
  } else {
    decision = decideMovieMatch(scoreMovieCandidates(query, candidates), { threshold: settings.threshold });
    if (decision.kind === 'conflict' && !found.complete) {
      // As for shows: a conflict on the full list too, which is what a person picks from.
      const full = await findCandidates(deps, query, 'full');
      decision = decideMovieMatch(scoreMovieCandidates(query, full.candidates), {
        threshold: settings.threshold,
      });
    }
  }

  if (decision.kind === 'match') {
    const c = decision.candidate;
    return { kind: 'mapped', mapping: await upsertMapping(deps, ref, c.movieId, 'title_year', c.confidence) };
  }

  const base: ConflictDraft = {
    userId: ref.userId,
    plexRatingKey: ref.ratingKey,
    plexGuid: ref.guid ?? null,
    plexTitle: ref.title,
    plexYear: ref.year ?? null,
    mediaType: 'movie' as const,
    conflictType: decision.conflictType,
    potentialMatches: decision.candidates,
  };
  if (settings.autoResolve && decision.decisive) {
    const chosen = decision.decisive;
    const conflictId = await recordAutoResolved(deps, base, { resolvedMovieId: chosen.movieId });
    const mapping = await upsertMapping(deps, ref, chosen.movieId, 'title_year', chosen.confidence);
    return { kind: 'mapped', mapping, conflictId };
  }
  return { kind: 'conflict', ...(await openConflict(deps, base)) };
}
