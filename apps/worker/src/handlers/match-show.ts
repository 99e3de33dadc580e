import {
  type CandidateShow,
  decideByExternalIds,
  decideMatch,
  type ExternalIds,
  externalIdLookups,
  type IdDecision,
  type ShowQuery,
  scoreCandidates,
} from '@plexhook/core';
import { type MatchMethod, type PlexShowMapping, upsertMapping as saveMapping } from '@plexhook/db';
import type { WorkerDeps } from '../deps';
import { type ConflictDraft, openConflict, recordAutoResolved } from './conflicts';
import { bestTitleHits, type CandidateScope, mayBeIncomplete, searchedTitles } from './title-candidates';

export type ShowRef = {
  userId: number;
  ratingKey: string;
  guid: string | undefined;
  title: string;
  year: number | undefined;
};

export type ShowResolution =
  | { kind: 'mapped'; mapping: PlexShowMapping; conflictId?: number }
  | { kind: 'conflict'; conflictId: number; created: boolean };

/** Looks the show up by its unique external ids (one query), most trusted first. */
async function findByExternalIds(deps: WorkerDeps, ids: ExternalIds): Promise<IdDecision> {
  const lookups = externalIdLookups(ids);
  if (lookups.length === 0) return { kind: 'none' };
  const rows = await deps.db.tvShow.findMany({
    where: { OR: lookups.map((l) => ({ [l.field]: l.value })) },
    select: { id: true, tmdbId: true, tvdbId: true, imdbId: true },
  });
  return decideByExternalIds(lookups, rows);
}

// Candidates by title (title-candidates.ts) with the catalogue's episode at the query's S/E.
// `complete` is false when a `contenders` search may have left out weaker candidates that the
// full list has (see CandidateScope). bench/matching-scale.ts EXPLAINs exactly the SQL this
// $queryRaw sends.
export async function findCandidates(
  deps: WorkerDeps,
  query: ShowQuery,
  scope: CandidateScope = 'contenders',
): Promise<{ candidates: CandidateShow[]; complete: boolean }> {
  const search = searchedTitles(query.title, query.originalTitle, scope);
  if (!search) return { candidates: [], complete: true };
  const rows = await deps.db.$queryRaw<
    {
      id: number;
      title: string;
      original_title: string | null;
      show_start_date: Date | null;
      show_end_date: Date | null;
      tmdb_id: number | null;
      tvdb_id: number | null;
      imdb_id: string | null;
      max_season: number | null;
    }[]
  >`${bestTitleHits('tvshows', search)}
    SELECT t.id, t.title, t.original_title, t.show_start_date, t.show_end_date,
           t.tmdb_id, t.tvdb_id, t.imdb_id,
           (SELECT max(e.season_number) FROM episodes e WHERE e.tvshow_id = t.id) AS max_season
      FROM best JOIN tvshows t ON t.id = best.id
     ORDER BY best.s DESC, t.id`;
  const complete = !mayBeIncomplete(search, rows.length);
  if (rows.length === 0) return { candidates: [], complete };
  const episodes =
    query.season !== undefined && query.episode !== undefined
      ? await deps.db.episode.findMany({
          where: {
            tvshowId: { in: rows.map((r) => r.id) },
            seasonNumber: query.season,
            episodeNumber: query.episode,
          },
          select: { tvshowId: true, title: true, airDate: true },
        })
      : [];
  const byShow = new Map(episodes.map((e) => [e.tvshowId, e]));
  const candidates = rows.map((r) => ({
    id: r.id,
    title: r.title,
    originalTitle: r.original_title,
    showStartDate: r.show_start_date,
    showEndDate: r.show_end_date,
    episode: byShow.get(r.id) ?? null,
    tmdbId: r.tmdb_id,
    tvdbId: r.tvdb_id,
    imdbId: r.imdb_id,
    maxSeason: r.max_season,
  }));
  return { candidates, complete };
}

async function loadCandidates(deps: WorkerDeps, ids: number[], query: ShowQuery): Promise<CandidateShow[]> {
  if (ids.length === 0) return [];
  const shows = await deps.db.tvShow.findMany({
    where: { id: { in: ids } },
    include:
      query.season !== undefined && query.episode !== undefined
        ? { episodes: { where: { seasonNumber: query.season, episodeNumber: query.episode } } }
        : undefined,
  });
  const seasons = await deps.db.episode.groupBy({
    by: ['tvshowId'],
    where: { tvshowId: { in: ids } },
    _max: { seasonNumber: true },
  });
  const maxSeason = new Map(seasons.map((g) => [g.tvshowId, g._max.seasonNumber]));
  return shows.map((s) => ({
    tmdbId: s.tmdbId,
    tvdbId: s.tvdbId,
    imdbId: s.imdbId,
    maxSeason: maxSeason.get(s.id) ?? null,
    id: s.id,
    title: s.title,
    originalTitle: s.originalTitle,
    showStartDate: s.showStartDate,
    showEndDate: s.showEndDate,
    episode:
      'episodes' in s ? ((s.episodes as { title: string | null; airDate: Date | null }[])[0] ?? null) : null,
  }));
}

/** The worker's automatic mapping; if one exists already (a concurrent worker), it is kept. */
function upsertMapping(
  deps: WorkerDeps,
  ref: ShowRef,
  tvshowId: number,
  method: MatchMethod,
  confidence: number,
): Promise<PlexShowMapping> {
  const { userId, ratingKey, guid, title, year } = ref;
  return saveMapping(
    deps.db,
    {
      userId,
      plexRatingKey: ratingKey,
      plexGuid: guid ?? null,
      plexTitle: title,
      plexYear: year ?? null,
      tvshowId,
      matchMethod: method,
      matchConfidence: confidence,
      syncEnabled: true,
    },
    'keep',
  );
}

/**
 * Finds the tracker show for a Plex show: external ids first (exact, trusted), then title and
 * year. A clear answer becomes a mapping; anything ambiguous becomes a conflict for a person
 * (or, with auto_resolve on and decisive evidence, an auto-resolved one).
 */
export async function resolveShow(
  deps: WorkerDeps,
  ref: ShowRef,
  showIds: ExternalIds,
  plexQuery: ShowQuery,
  settings: { threshold: number; autoResolve: boolean },
): Promise<ShowResolution> {
  // Plex's show ids go into the scoring too: a candidate whose id of the same kind differs is
  // another show, never auto-mapped (core's hard rule).
  const query: ShowQuery = { ...plexQuery, ids: showIds };
  const byId = await findByExternalIds(deps, showIds);
  if (byId.kind === 'match') {
    return { kind: 'mapped', mapping: await upsertMapping(deps, ref, byId.id, byId.method, 1) };
  }

  // Ids that disagree always end in a conflict: its list is the full one.
  let found = await findCandidates(deps, query, byId.kind === 'disagree' ? 'full' : 'contenders');
  const candidates = found.candidates;
  if (byId.kind === 'disagree') {
    // Exact ids naming two shows: the catalogue (or Plex) has a wrong id. A person decides,
    // with the shows the ids name among the candidates.
    const missing = byId.hits.map((h) => h.id).filter((id) => !candidates.some((c) => c.id === id));
    candidates.push(...(await loadCandidates(deps, missing, query)));
  }
  // With the ids in the query, scoring lists which of Plex's ids each candidate carries or
  // contradicts (the disagreement itself is the evidence a person needs).
  const scored = scoreCandidates(query, candidates);
  let decision =
    byId.kind === 'disagree'
      ? ({ kind: 'conflict', conflictType: 'multiple_matches', candidates: scored, decisive: null } as const)
      : decideMatch(scored, { threshold: settings.threshold });
  if (decision.kind === 'conflict' && !found.complete) {
    // A conflict on the full list too (it adds only titles that cannot be matched or tie), and
    // the full list is what a person picks from: decided again on it, exactly as before.
    found = await findCandidates(deps, query, 'full');
    decision = decideMatch(scoreCandidates(query, found.candidates), { threshold: settings.threshold });
  }
  if (decision.kind === 'match') {
    const c = decision.candidate;
    return {
      kind: 'mapped',
      mapping: await upsertMapping(deps, ref, c.tvshowId, 'title_year', c.confidence),
    };
  }

  const base: ConflictDraft = {
    userId: ref.userId,
    plexRatingKey: ref.ratingKey,
    plexGuid: ref.guid ?? null,
    plexTitle: ref.title,
    plexYear: ref.year ?? null,
    conflictType: decision.conflictType,
    potentialMatches: decision.candidates,
  };

  if (settings.autoResolve && decision.decisive) {
    const chosen = decision.decisive;
    const conflictId = await recordAutoResolved(deps, base, { resolvedTvshowId: chosen.tvshowId });
    const mapping = await upsertMapping(deps, ref, chosen.tvshowId, 'title_year', chosen.confidence);
    return { kind: 'mapped', mapping, conflictId };
  }
  return { kind: 'conflict', ...(await openConflict(deps, base)) };
}
