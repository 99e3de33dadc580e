import {
  type CandidateShow,
  decideByExternalIds,
  decideMatch,
  type ExternalIds,
  externalIdLookups,
  type IdDecision,
  normalizeTitle,
  type ShowQuery,
  scoreCandidates,
} from '@plexhook/core';
import { type MatchMethod, type PlexShowMapping, upsertMapping as saveMapping } from '@plexhook/db';
import type { WorkerDeps } from '../deps';
import { type ConflictDraft, openConflict, recordAutoResolved } from './conflicts';

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

// Trigram similarity over the indexed normalised titles (pg_trgm's `%` uses the GIN indexes), so
// the first match of a new show costs index probes, not a scan of the catalogue. One branch per
// (column, searched title), each answerable by its own index: an OR across columns makes the
// planner scan the whole table. The branches for Plex's original title are skipped (one-time
// filter) when it is the same as the title. A show found by several branches counts once, with
// its best similarity. `=` is kept only where a btree serves it (normalized_title): on the
// original title, `%` alone finds every equal title (a normalised title is letters, digits and
// spaces, so it has trigrams), and an OR with `=` there tempts the planner into a table scan.
// Ordering by the best matching branch equals the old GREATEST over all four similarities: a
// branch that did not match is below the threshold, hence below one that did.
// One tagged $queryRaw with plain values: bench/matching-scale.ts EXPLAINs exactly this SQL.
const MAX_CANDIDATES = 20;
export async function findCandidates(deps: WorkerDeps, query: ShowQuery): Promise<CandidateShow[]> {
  const normalized = normalizeTitle(query.title);
  if (!normalized) return [];
  // Plex's original title (from its server), when it has one, finds the show under that name.
  const original = query.originalTitle ? normalizeTitle(query.originalTitle) || normalized : normalized;
  const rows = await deps.db.$queryRaw<
    {
      id: number;
      title: string;
      original_title: string | null;
      show_start_date: Date | null;
      show_end_date: Date | null;
    }[]
  >`WITH hit AS (
      SELECT id, similarity(normalized_title, ${normalized}) AS s FROM tvshows
       WHERE normalized_title = ${normalized} OR normalized_title % ${normalized}
      UNION ALL
      SELECT id, similarity(normalized_original_title, ${normalized}) FROM tvshows
       WHERE normalized_original_title % ${normalized}
      UNION ALL
      SELECT id, similarity(normalized_title, ${original}) FROM tvshows
       WHERE ${original}::text <> ${normalized}::text
         AND (normalized_title = ${original} OR normalized_title % ${original})
      UNION ALL
      SELECT id, similarity(normalized_original_title, ${original}) FROM tvshows
       WHERE ${original}::text <> ${normalized}::text
         AND (normalized_original_title % ${original})
    ), best AS (
      SELECT id, max(s) AS s FROM hit GROUP BY id ORDER BY s DESC, id LIMIT ${MAX_CANDIDATES}
    )
    SELECT t.id, t.title, t.original_title, t.show_start_date, t.show_end_date
      FROM best JOIN tvshows t ON t.id = best.id
     ORDER BY best.s DESC, t.id`;
  if (rows.length === 0) return [];
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
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    originalTitle: r.original_title,
    showStartDate: r.show_start_date,
    showEndDate: r.show_end_date,
    episode: byShow.get(r.id) ?? null,
  }));
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
  return shows.map((s) => ({
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
  query: ShowQuery,
  settings: { threshold: number; autoResolve: boolean },
): Promise<ShowResolution> {
  const byId = await findByExternalIds(deps, showIds);
  if (byId.kind === 'match') {
    return { kind: 'mapped', mapping: await upsertMapping(deps, ref, byId.id, byId.method, 1) };
  }

  const candidates = await findCandidates(deps, query);
  if (byId.kind === 'disagree') {
    // Exact ids naming two shows: the catalogue (or Plex) has a wrong id. A person decides,
    // with the shows the ids name among the candidates.
    const missing = byId.hits.map((h) => h.id).filter((id) => !candidates.some((c) => c.id === id));
    candidates.push(...(await loadCandidates(deps, missing, query)));
  }
  const scored = scoreCandidates(query, candidates);
  if (byId.kind === 'disagree') {
    for (const hit of byId.hits) {
      scored
        .find((c) => c.tvshowId === hit.id)
        ?.evidence.push({
          kind: 'external_id',
          ok: true,
          detail: `Plex's ${hit.detail} is this show`,
          weight: 0,
        });
    }
  }
  const decision =
    byId.kind === 'disagree'
      ? ({ kind: 'conflict', conflictType: 'multiple_matches', candidates: scored, decisive: null } as const)
      : decideMatch(scored, { threshold: settings.threshold });
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
