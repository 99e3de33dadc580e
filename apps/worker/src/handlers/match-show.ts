import {
  type CandidateShow,
  decideMatch,
  type ExternalIds,
  normalizeTitle,
  type ScoredCandidate,
  type ShowQuery,
  scoreCandidates,
} from '@plexhook/core';
import { type MatchMethod, type PlexShowMapping, Prisma } from '@plexhook/db';
import type { WorkerDeps } from '../deps';

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

/** Looks the show up by its unique external ids, most trusted first. */
async function findByExternalId(
  deps: WorkerDeps,
  ids: ExternalIds,
): Promise<{ tvshowId: number; method: MatchMethod } | null> {
  const lookups: [MatchMethod, Prisma.TvShowWhereUniqueInput | null][] = [
    ['tmdb_id', ids.tmdb !== undefined ? { tmdbId: ids.tmdb } : null],
    ['tvdb_id', ids.tvdb !== undefined ? { tvdbId: ids.tvdb } : null],
    ['imdb_id', ids.imdb !== undefined ? { imdbId: ids.imdb } : null],
  ];
  for (const [method, where] of lookups) {
    if (!where) continue;
    const show = await deps.db.tvShow.findUnique({ where, select: { id: true } });
    if (show) return { tvshowId: show.id, method };
  }
  return null;
}

// Trigram similarity over the indexed normalised title (pg_trgm's `%` uses the GIN index), so the
// first match of a new show costs an index probe, not a scan of the catalogue.
const MAX_CANDIDATES = 20;
async function findCandidates(deps: WorkerDeps, query: ShowQuery): Promise<CandidateShow[]> {
  const normalized = normalizeTitle(query.title);
  if (!normalized) return [];
  const rows = await deps.db.$queryRaw<
    {
      id: number;
      title: string;
      original_title: string | null;
      show_start_date: Date | null;
      show_end_date: Date | null;
    }[]
  >`SELECT id, title, original_title, show_start_date, show_end_date
      FROM tvshows
     WHERE normalized_title = ${normalized} OR normalized_title % ${normalized}
     ORDER BY similarity(normalized_title, ${normalized}) DESC, id
     LIMIT ${MAX_CANDIDATES}`;
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

async function upsertMapping(
  deps: WorkerDeps,
  ref: ShowRef,
  tvshowId: number,
  method: MatchMethod,
  confidence: number,
): Promise<PlexShowMapping> {
  // Upsert: a concurrent worker may have mapped the same show a moment ago; both agree.
  return deps.db.plexShowMapping.upsert({
    where: { userId_plexRatingKey: { userId: ref.userId, plexRatingKey: ref.ratingKey } },
    create: {
      userId: ref.userId,
      plexRatingKey: ref.ratingKey,
      plexGuid: ref.guid ?? null,
      plexTitle: ref.title,
      plexYear: ref.year ?? null,
      tvshowId,
      matchMethod: method,
      matchConfidence: confidence,
    },
    update: {},
  });
}

function toJson(candidates: ScoredCandidate[]): Prisma.InputJsonValue {
  return candidates as unknown as Prisma.InputJsonValue;
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
  const byId = await findByExternalId(deps, showIds);
  if (byId) {
    return { kind: 'mapped', mapping: await upsertMapping(deps, ref, byId.tvshowId, byId.method, 1) };
  }

  const scored = scoreCandidates(query, await findCandidates(deps, query));
  const decision = decideMatch(scored, { threshold: settings.threshold });
  if (decision.kind === 'match') {
    const c = decision.candidate;
    return {
      kind: 'mapped',
      mapping: await upsertMapping(deps, ref, c.tvshowId, 'title_year', c.confidence),
    };
  }

  const base = {
    userId: ref.userId,
    plexRatingKey: ref.ratingKey,
    plexGuid: ref.guid ?? null,
    plexTitle: ref.title,
    plexYear: ref.year ?? null,
    conflictType: decision.conflictType,
    potentialMatches: toJson(decision.candidates),
  };

  if (settings.autoResolve && decision.decisive) {
    const chosen = decision.decisive;
    const conflict = await deps.db.plexConflict.create({
      data: {
        ...base,
        resolved: true,
        resolutionAction: 'auto_resolved',
        resolvedTvshowId: chosen.tvshowId,
        resolvedAt: new Date(),
      },
    });
    const mapping = await upsertMapping(deps, ref, chosen.tvshowId, 'title_year', chosen.confidence);
    return { kind: 'mapped', mapping, conflictId: conflict.id };
  }

  try {
    const conflict = await deps.db.plexConflict.create({ data: base });
    return { kind: 'conflict', conflictId: conflict.id, created: true };
  } catch (err) {
    // P2002 on the partial unique index: another worker opened this conflict a moment ago.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      const open = await deps.db.plexConflict.findFirst({
        where: { userId: ref.userId, plexRatingKey: ref.ratingKey, resolved: false },
      });
      if (open) return { kind: 'conflict', conflictId: open.id, created: false };
    }
    throw err;
  }
}
