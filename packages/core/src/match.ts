import type { PlexMetadata } from './plex-payload';
import { splitTitleYear, titleSimilarity } from './title';

export const DEFAULT_MATCH_THRESHOLD = 0.85;
/**
 * Below this title similarity a candidate is never auto-matched, whatever its year evidence:
 * "Full House" vs "Fuller House" scores 0.83, and a right year must not turn that into a match.
 */
export const AUTO_MATCH_MIN_TITLE_SCORE = 0.9;
/** Candidates this close in title score are the same title as far as we can tell. */
export const TITLE_TIE_MARGIN = 0.05;

export type ShowQuery = {
  title: string;
  titleYear?: number;
  /** YYYY-MM-DD */
  episodeAirDate?: string;
  episodeYear?: number;
  season?: number;
  episode?: number;
  episodeTitle?: string;
};

export type CandidateShow = {
  id: number;
  title: string;
  originalTitle?: string | null;
  showStartDate?: Date | null;
  showEndDate?: Date | null;
  /** The catalogue's episode at the query's season/episode, if any. */
  episode?: { title?: string | null; airDate?: Date | null } | null;
};

export type EvidenceKind =
  | 'title'
  | 'title_year'
  | 'episode_air_date'
  | 'episode_year'
  | 'episode_exists'
  | 'episode_title';

/** `weight` is what this piece of evidence added to (or took from) the confidence. */
export type Evidence = { kind: EvidenceKind; ok: boolean; detail: string; weight: number };

export type ScoredCandidate = {
  tvshowId: number;
  title: string;
  year: number | null;
  /** 0..1 */
  confidence: number;
  titleScore: number;
  evidence: Evidence[];
};

export type MatchDecision =
  | { kind: 'match'; candidate: ScoredCandidate }
  | {
      kind: 'conflict';
      conflictType: 'multiple_matches' | 'no_match' | 'low_confidence';
      candidates: ScoredCandidate[];
      decisive: ScoredCandidate | null;
    };

// Evidence weights. Contradictions weigh more than confirmations: a wrong auto-match marks
// episodes of the wrong show as watched, a missed one only asks the user.
const WEIGHTS = {
  titleYearMatch: 0.15,
  titleYearMismatch: -0.3,
  airDateInside: 0.05,
  airDateOutside: -0.25,
  episodeYearInside: 0.03,
  episodeYearOutside: -0.2,
  episodeExists: 0.02,
  episodeTitleMatch: 0.1,
  // Episode titles differ between sources ("Pilot" vs "Pilot (1)"), so a mismatch is weak.
  episodeTitleMismatch: -0.05,
} as const;
// An exact title alone is likely but not certain (a remake missing from the catalogue shares
// it), so it starts just above the default threshold and evidence moves it from there. This
// also leaves room for confirmations to rank same-titled shows instead of all saturating at 1.
const TITLE_BASE_FACTOR = 0.9;
// Year evidence confirms a title match; it must not make one out of a merely similar title.
const WEAK_TITLE_POSITIVE_FACTOR = 0.25;
const EPISODE_TITLE_MIN_SIMILARITY = 0.9;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What to look for in the catalogue, from a Plex episode (or show/season) metadata item. */
export function showQueryFromMetadata(metadata: PlexMetadata): ShowQuery {
  const showTitle =
    metadata.type === 'episode'
      ? metadata.grandparentTitle
      : metadata.type === 'season'
        ? metadata.parentTitle
        : metadata.title;
  const { title, year } = splitTitleYear(showTitle ?? '');
  const query: ShowQuery = { title };
  if (year !== undefined) query.titleYear = year;
  if (metadata.type !== 'episode') return query;

  // For an episode these are the episode's own date and year, never the show's.
  const airDate = metadata.originallyAvailableAt?.trim().slice(0, 10);
  if (airDate && isValidIsoDate(airDate)) query.episodeAirDate = airDate;
  if (metadata.year !== undefined && Number.isInteger(metadata.year)) query.episodeYear = metadata.year;
  if (metadata.parentIndex !== undefined) query.season = metadata.parentIndex;
  if (metadata.index !== undefined) query.episode = metadata.index;
  if (metadata.title) query.episodeTitle = metadata.title;
  return query;
}

/** Scores every candidate against the query, best first (confidence desc, then id). */
export function scoreCandidates(query: ShowQuery, candidates: CandidateShow[]): ScoredCandidate[] {
  return candidates.map((candidate) => scoreCandidate(query, candidate)).sort(byRank);
}

function scoreCandidate(query: ShowQuery, candidate: CandidateShow): ScoredCandidate {
  const byTitle = titleSimilarity(query.title, candidate.title);
  const byOriginal = candidate.originalTitle ? titleSimilarity(query.title, candidate.originalTitle) : 0;
  const titleScore = round(Math.max(byTitle, byOriginal));
  const strongTitle = titleScore >= AUTO_MATCH_MIN_TITLE_SCORE;
  const scale = (weight: number) =>
    weight > 0 && !strongTitle ? weight * WEAK_TITLE_POSITIVE_FACTOR : weight;

  const start = toIsoDate(candidate.showStartDate);
  const end = toIsoDate(candidate.showEndDate);
  const startYear = start ? Number(start.slice(0, 4)) : null;
  const endYear = end ? Number(end.slice(0, 4)) : null;
  const run = startYear === null ? '' : `${startYear}–${endYear ?? ''}`;

  const evidence: Evidence[] = [];
  const add = (kind: EvidenceKind, ok: boolean, detail: string, weight: number) =>
    evidence.push({ kind, ok, detail, weight: round(scale(weight)) });

  const titleShown =
    byOriginal > byTitle ? `"${candidate.originalTitle}" (original title)` : `"${candidate.title}"`;
  add(
    'title',
    strongTitle,
    `title "${query.title}" vs ${titleShown}: similarity ${titleScore.toFixed(2)}`,
    0,
  );

  if (query.titleYear !== undefined && startYear !== null) {
    if (query.titleYear === startYear) {
      add(
        'title_year',
        true,
        `title year ${query.titleYear} = first aired ${startYear}`,
        WEIGHTS.titleYearMatch,
      );
    } else {
      add(
        'title_year',
        false,
        `title year ${query.titleYear}, but show first aired ${startYear}`,
        WEIGHTS.titleYearMismatch,
      );
    }
  }

  if (query.episodeAirDate !== undefined && start !== null) {
    // ISO dates compare correctly as strings.
    const inside = query.episodeAirDate >= start && (end === null || query.episodeAirDate <= end);
    add(
      'episode_air_date',
      inside,
      `episode aired ${query.episodeAirDate}, ${inside ? 'inside' : 'outside'} run ${run}`,
      inside ? WEIGHTS.airDateInside : WEIGHTS.airDateOutside,
    );
  } else if (query.episodeYear !== undefined && startYear !== null) {
    // The year is only a fallback: the air date already says everything the year could.
    const inside = query.episodeYear >= startYear && (endYear === null || query.episodeYear <= endYear);
    add(
      'episode_year',
      inside,
      `episode year ${query.episodeYear}, ${inside ? 'inside' : 'outside'} run ${run}`,
      inside ? WEIGHTS.episodeYearInside : WEIGHTS.episodeYearOutside,
    );
  }

  if (query.season !== undefined && query.episode !== undefined) {
    const code = episodeCode(query.season, query.episode);
    // A missing episode costs nothing: catalogues are often incomplete.
    if (candidate.episode) add('episode_exists', true, `catalogue has ${code}`, WEIGHTS.episodeExists);
    else add('episode_exists', false, `catalogue has no ${code}`, 0);

    const catalogueTitle = candidate.episode?.title;
    if (query.episodeTitle && catalogueTitle) {
      const same = titleSimilarity(query.episodeTitle, catalogueTitle) >= EPISODE_TITLE_MIN_SIMILARITY;
      add(
        'episode_title',
        same,
        same
          ? `catalogue's ${code} is "${catalogueTitle}" too`
          : `catalogue's ${code} is "${catalogueTitle}", Plex says "${query.episodeTitle}"`,
        same ? WEIGHTS.episodeTitleMatch : WEIGHTS.episodeTitleMismatch,
      );
    }
  }

  const adjustment = evidence.reduce((sum, item) => sum + item.weight, 0);
  return {
    tvshowId: candidate.id,
    title: candidate.title,
    year: startYear,
    confidence: round(Math.min(1, Math.max(0, titleScore * TITLE_BASE_FACTOR + adjustment))),
    titleScore,
    evidence,
  };
}

/**
 * Precision first: a wrong automatic match silently marks the wrong show as watched, so
 * anything ambiguous becomes a conflict for the user (with `decisive` as a hint the worker
 * may act on when the user enabled auto-resolve).
 */
export function decideMatch(scored: ScoredCandidate[], opts: { threshold: number }): MatchDecision {
  const ranked = [...scored].sort(byRank);
  if (ranked.length === 0) return conflict('no_match', [], null);

  const contenders = ranked.filter((c) => c.titleScore >= AUTO_MATCH_MIN_TITLE_SCORE);
  if (contenders.length === 0) return conflict('low_confidence', ranked, null);

  const topTitleScore = Math.max(...contenders.map((c) => c.titleScore));
  const sameTitle = contenders.filter((c) => c.titleScore >= topTitleScore - TITLE_TIE_MARGIN);
  if (sameTitle.length === 1) {
    const only = sameTitle[0]!;
    return only.confidence >= opts.threshold
      ? { kind: 'match', candidate: only }
      : conflict('low_confidence', ranked, null);
  }

  // Remakes and reboots share a title ("Doctor Who" 1963 and 2005). Only the year Plex puts
  // in the title ("Doctor Who (2005)") is explicit enough to pick one without asking.
  const byTitleYear = sameTitle.filter((c) => isConfirmed(c, 'title_year'));
  if (byTitleYear.length === 1 && byTitleYear[0]!.confidence >= opts.threshold) {
    return { kind: 'match', candidate: byTitleYear[0]! };
  }
  return conflict('multiple_matches', ranked, findDecisive(sameTitle, opts.threshold));
}

// Evidence that can single out one of several same-titled shows, strongest first (a title
// year that singles one out has already matched above). For the date kinds the others must
// positively exclude the episode: a show without dates might still be the right one.
const DECISIVE_KINDS: { kind: EvidenceKind; othersMustContradict: boolean }[] = [
  { kind: 'episode_title', othersMustContradict: false },
  { kind: 'episode_air_date', othersMustContradict: true },
  { kind: 'episode_year', othersMustContradict: true },
];

function findDecisive(sameTitle: ScoredCandidate[], threshold: number): ScoredCandidate | null {
  for (const { kind, othersMustContradict } of DECISIVE_KINDS) {
    const confirmed = sameTitle.filter((c) => isConfirmed(c, kind));
    if (confirmed.length !== 1) continue;
    const winner = confirmed[0]!;
    const others = sameTitle.filter((c) => c !== winner);
    if (othersMustContradict && !others.every((c) => isContradicted(c, kind))) continue;
    const contradicted = winner.evidence.some((e) => !e.ok && e.weight < 0);
    if (contradicted || winner.confidence < threshold) continue;
    return winner;
  }
  return null;
}

function isConfirmed(candidate: ScoredCandidate, kind: EvidenceKind): boolean {
  return candidate.evidence.some((e) => e.kind === kind && e.ok);
}

function isContradicted(candidate: ScoredCandidate, kind: EvidenceKind): boolean {
  return candidate.evidence.some((e) => e.kind === kind && !e.ok);
}

function conflict(
  conflictType: 'multiple_matches' | 'no_match' | 'low_confidence',
  candidates: ScoredCandidate[],
  decisive: ScoredCandidate | null,
): MatchDecision {
  return { kind: 'conflict', conflictType, candidates, decisive };
}

function byRank(a: ScoredCandidate, b: ScoredCandidate): number {
  return b.confidence - a.confidence || a.tvshowId - b.tvshowId;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function episodeCode(season: number, episode: number): string {
  return `S${String(season).padStart(2, '0')}E${String(episode).padStart(2, '0')}`;
}

function toIsoDate(date: Date | null | undefined): string | null {
  if (!date || Number.isNaN(date.getTime())) return null;
  // Catalogue dates are calendar dates stored at UTC midnight; local time would shift them.
  return date.toISOString().slice(0, 10);
}

function isValidIsoDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}
