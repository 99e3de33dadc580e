import type { ExternalIds } from './guid';
import {
  AUTO_MATCH_MIN_TITLE_SCORE,
  bestTitlePair,
  compareExternalIds,
  describeTitlePair,
  type Evidence,
  type EvidenceKind,
  hasHardContradiction,
  rankContradictions,
  TITLE_TIE_MARGIN,
} from './match';
import type { PlexMetadata } from './plex-payload';
import { splitTitleYear } from './title';

export type MovieQuery = {
  title: string;
  originalTitle?: string;
  year?: number;
  /** The movie's own external ids as Plex gave them. */
  ids?: ExternalIds;
};

export type CandidateMovie = {
  id: number;
  title: string;
  originalTitle?: string | null;
  year?: number | null;
  tmdbId?: number | null;
  imdbId?: string | null;
};

export type ScoredMovieCandidate = {
  movieId: number;
  title: string;
  year: number | null;
  /** 0..1 */
  confidence: number;
  titleScore: number;
  evidence: Evidence[];
};

export type MovieMatchDecision =
  | { kind: 'match'; candidate: ScoredMovieCandidate }
  | {
      kind: 'conflict';
      conflictType: 'multiple_matches' | 'no_match' | 'low_confidence';
      candidates: ScoredMovieCandidate[];
      decisive: ScoredMovieCandidate | null;
    };

// Remakes keep their titles ("Dune" 1984/2021, "The Thing" 1982/2011), so for movies the year
// is the evidence. Release years differ by one between sources (festival vs theatrical,
// December releases), so one year off neither confirms nor contradicts.
const WEIGHTS = {
  yearMatch: 0.1,
  yearOffByOne: 0,
  yearMismatch: -0.3,
  externalIdMatch: 0.1,
  externalIdMismatch: -0.5,
} as const;
const TITLE_BASE_FACTOR = 0.9;
const WEAK_TITLE_POSITIVE_FACTOR = 0.25;

/** What to look for in the catalogue, from a Plex movie metadata item. */
export function movieQueryFromMetadata(metadata: PlexMetadata): MovieQuery {
  const { title, year: titleYear } = splitTitleYear(metadata.title ?? '');
  const query: MovieQuery = { title };
  const original = metadata.originalTitle?.trim();
  if (original && original !== title) query.originalTitle = original;
  const year = metadata.year !== undefined && Number.isInteger(metadata.year) ? metadata.year : titleYear;
  if (year !== undefined) query.year = year;
  return query;
}

export function scoreMovieCandidates(
  query: MovieQuery,
  candidates: CandidateMovie[],
): ScoredMovieCandidate[] {
  return candidates.map((c) => scoreMovie(query, c)).sort(byRank);
}

function scoreMovie(query: MovieQuery, candidate: CandidateMovie): ScoredMovieCandidate {
  const best = bestTitlePair([query.title, query.originalTitle], [candidate.title, candidate.originalTitle]);
  const titleScore = round(best.score);
  const strongTitle = titleScore >= AUTO_MATCH_MIN_TITLE_SCORE;
  const evidence: Evidence[] = [];
  const add = (kind: EvidenceKind, ok: boolean, detail: string, weight: number, hard = false) =>
    evidence.push({
      kind,
      ok,
      detail,
      weight: round(weight > 0 && !strongTitle ? weight * WEAK_TITLE_POSITIVE_FACTOR : weight),
      ...(hard && !ok ? { hard } : {}),
    });
  add('title', strongTitle, describeTitlePair(best, titleScore), 0);
  // The hard rule of match.ts: a differing id of the same kind, or a year more than one off.
  for (const item of compareExternalIds(query.ids, candidate, 'movie')) {
    add(
      'external_id',
      item.ok,
      item.detail,
      item.ok ? WEIGHTS.externalIdMatch : WEIGHTS.externalIdMismatch,
      true,
    );
  }

  const year = candidate.year ?? null;
  if (query.year !== undefined && year !== null) {
    const diff = Math.abs(query.year - year);
    if (diff === 0) add('year', true, `year ${query.year} = catalogue year ${year}`, WEIGHTS.yearMatch);
    else if (diff === 1)
      add('year', true, `year ${query.year}, catalogue says ${year} (one off)`, WEIGHTS.yearOffByOne);
    else add('year', false, `year ${query.year}, but catalogue says ${year}`, WEIGHTS.yearMismatch, true);
  }
  const adjustment = evidence.reduce((sum, e) => sum + e.weight, 0);
  return {
    movieId: candidate.id,
    title: candidate.title,
    year,
    confidence: round(Math.min(1, Math.max(0, titleScore * TITLE_BASE_FACTOR + adjustment))),
    titleScore,
    evidence,
  };
}

const exactYear = (c: ScoredMovieCandidate) =>
  c.evidence.some((e) => e.kind === 'year' && e.ok && e.weight > 0);
const yearContradicted = (c: ScoredMovieCandidate) => c.evidence.some((e) => e.kind === 'year' && !e.ok);

/**
 * Same rules as shows: only a near-exact title can match, and several of them need the year
 * to rule every other one out (a remake one year apart, or one without a year, stays a
 * conflict, with the exact-year one as the auto-resolve hint).
 */
export function decideMovieMatch(
  scored: ScoredMovieCandidate[],
  opts: { threshold: number },
): MovieMatchDecision {
  const ranked = [...scored].sort(byRank);
  if (ranked.length === 0)
    return { kind: 'conflict', conflictType: 'no_match', candidates: [], decisive: null };
  const contenders = ranked.filter((c) => c.titleScore >= AUTO_MATCH_MIN_TITLE_SCORE);
  if (contenders.length === 0) {
    return { kind: 'conflict', conflictType: 'low_confidence', candidates: ranked, decisive: null };
  }
  const top = Math.max(...contenders.map((c) => c.titleScore));
  const sameTitle = contenders.filter((c) => c.titleScore >= top - TITLE_TIE_MARGIN);
  if (sameTitle.length === 1) {
    const only = sameTitle[0]!;
    return only.confidence >= opts.threshold && !hasHardContradiction(only)
      ? { kind: 'match', candidate: only }
      : { kind: 'conflict', conflictType: 'low_confidence', candidates: ranked, decisive: null };
  }
  const byYear = sameTitle.filter(exactYear);
  const winner =
    byYear.length === 1 && byYear[0]!.confidence >= opts.threshold && !hasHardContradiction(byYear[0]!)
      ? byYear[0]!
      : null;
  if (winner && sameTitle.every((c) => c === winner || yearContradicted(c))) {
    return { kind: 'match', candidate: winner };
  }
  return { kind: 'conflict', conflictType: 'multiple_matches', candidates: ranked, decisive: winner };
}

function byRank(a: ScoredMovieCandidate, b: ScoredMovieCandidate): number {
  return rankContradictions(a, b) || b.confidence - a.confidence || a.movieId - b.movieId;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
