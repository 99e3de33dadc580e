import type { ExternalIds } from './guid';
import {
  beginEvidence,
  confidenceOf,
  type Decision,
  decideAmong,
  hasHardContradiction,
  rankContradictions,
  type ScoredEntry,
} from './match';
import type { PlexMetadata } from './plex-payload';
import { movieQuery, plexMovie } from './watch-event';

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

/** Listed so in a movie conflict's potential_matches: `movieId`. */
export type ScoredMovieCandidate = ScoredEntry & { movieId: number };

export type MovieMatchDecision = Decision<ScoredMovieCandidate>;

// Remakes keep their titles ("Dune" 1984/2021, "The Thing" 1982/2011), so for movies the year
// is the evidence. Release years differ by one between sources (festival vs theatrical,
// December releases), so one year off neither confirms nor contradicts.
// External ids weigh as for shows (match.ts beginEvidence).
const WEIGHTS = {
  yearMatch: 0.1,
  yearOffByOne: 0,
  yearMismatch: -0.3,
} as const;

/** What to look for in the catalogue, from a Plex movie metadata item. */
export function movieQueryFromMetadata(metadata: PlexMetadata): MovieQuery {
  return movieQuery(plexMovie(metadata));
}

export function scoreMovieCandidates(
  query: MovieQuery,
  candidates: CandidateMovie[],
): ScoredMovieCandidate[] {
  return candidates.map((c) => scoreMovie(query, c)).sort(byRank);
}

function scoreMovie(query: MovieQuery, candidate: CandidateMovie): ScoredMovieCandidate {
  // The hard rule of match.ts: a differing id of the same kind, or a year more than one off.
  const { titleScore, evidence, add } = beginEvidence(query, candidate, 'movie');
  const year = candidate.year ?? null;
  if (query.year !== undefined && year !== null) {
    const diff = Math.abs(query.year - year);
    if (diff === 0) add('year', true, `year ${query.year} = catalogue year ${year}`, WEIGHTS.yearMatch);
    else if (diff === 1)
      add('year', true, `year ${query.year}, catalogue says ${year} (one off)`, WEIGHTS.yearOffByOne);
    else add('year', false, `year ${query.year}, but catalogue says ${year}`, WEIGHTS.yearMismatch, true);
  }
  return {
    movieId: candidate.id,
    title: candidate.title,
    year,
    confidence: confidenceOf(titleScore, evidence),
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
  return decideAmong(scored, opts.threshold, byRank, (sameTitle, ranked) => {
    const byYear = sameTitle.filter(exactYear);
    const winner =
      byYear.length === 1 && byYear[0]!.confidence >= opts.threshold && !hasHardContradiction(byYear[0]!)
        ? byYear[0]!
        : null;
    if (winner && sameTitle.every((c) => c === winner || yearContradicted(c))) {
      return { kind: 'match', candidate: winner };
    }
    return { kind: 'conflict', conflictType: 'multiple_matches', candidates: ranked, decisive: winner };
  });
}

function byRank(a: ScoredMovieCandidate, b: ScoredMovieCandidate): number {
  return rankContradictions(a, b) || b.confidence - a.confidence || a.movieId - b.movieId;
}
