import type { ExternalIds } from './guid';
import type { PlexMetadata } from './plex-payload';
import { normalizeTitle, splitTitleYear, titleSimilarity } from './title';
import { episodeQuery, plexEpisode } from './watch-event';

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
  /** Another title for the same show, e.g. the original title when Plex shows a localised one. */
  originalTitle?: string;
  titleYear?: number;
  /** The show's first-aired year as Plex's own metadata gives it (from the Plex server). */
  showYear?: number;
  /** YYYY-MM-DD */
  episodeAirDate?: string;
  episodeYear?: number;
  season?: number;
  episode?: number;
  episodeTitle?: string;
  /** The SHOW's external ids as Plex gave them (legacy guid or the Plex server), never an episode's. */
  ids?: ExternalIds;
};

export type CandidateShow = {
  id: number;
  title: string;
  originalTitle?: string | null;
  showStartDate?: Date | null;
  showEndDate?: Date | null;
  /** The catalogue's episode at the query's season/episode, if any. */
  episode?: { title?: string | null; airDate?: Date | null } | null;
  tmdbId?: number | null;
  tvdbId?: number | null;
  imdbId?: string | null;
  /** The highest season number the catalogue has for the show (null: no episodes at all). */
  maxSeason?: number | null;
};

export type EvidenceKind =
  | 'title'
  | 'title_year'
  | 'show_year'
  | 'year'
  | 'external_id'
  | 'episode_air_date'
  | 'episode_year'
  | 'episode_exists'
  | 'episode_title'
  | 'episode_date'
  | 'season_range';

/**
 * `weight` is what this piece of evidence added to (or took from) the confidence. `hard` marks a
 * contradiction that vetoes an automatic mapping whatever the confidence (see HARD RULE below).
 */
export type Evidence = { kind: EvidenceKind; ok: boolean; detail: string; weight: number; hard?: boolean };

/**
 * THE HARD RULE. An automatic mapping (or an auto-resolve hint) needs positive evidence and no
 * hard contradiction. A hard contradiction is a fact that says "this is another show/movie":
 * - an external id of the same kind (tmdb vs tmdb, tvdb vs tvdb, imdb vs imdb) that differs;
 * - the catalogue's own episode at the played S/E aired more than
 *   EPISODE_DATE_TOLERANCE_DAYS away from the date Plex gives;
 * - the catalogue's episode at S/E has another title and no date corroborates it;
 * - the episode's air date (or, without one, its year) outside the show's run, unless the
 *   catalogue's episode at S/E corroborates the date (then the run's end is merely stale);
 * - the year in Plex's title or Plex's own show year not the show's first-aired year (one year
 *   off is tolerated for Plex's show year, which comes from another source);
 * - a played season beyond the last season the catalogue has for the show;
 * - for movies: a release year more than one year off.
 * Specials (season 0) are dated and numbered loosely by every source, so their dates only hint.
 * A contradicted candidate may still be offered in a conflict, ranked below every candidate
 * without one, with the contradiction shown.
 */
export const EPISODE_DATE_TOLERANCE_DAYS = 3;

export function hasHardContradiction(candidate: { evidence: Evidence[] }): boolean {
  return candidate.evidence.some((e) => e.hard === true && !e.ok);
}

/** A catalogue entry scored against a query, whatever its kind (the kind adds its id). */
export type ScoredEntry = {
  title: string;
  year: number | null;
  /** 0..1 */
  confidence: number;
  titleScore: number;
  evidence: Evidence[];
};

/** Listed so in a conflict's potential_matches (jsonb): `tvshowId` for a show. */
export type ScoredCandidate = ScoredEntry & { tvshowId: number };

export type MatchDecision = Decision<ScoredCandidate>;

// Evidence weights. Contradictions weigh more than confirmations: a wrong auto-match marks
// episodes of the wrong show as watched, a missed one only asks the user.
const WEIGHTS = {
  titleYearMatch: 0.15,
  titleYearMismatch: -0.3,
  showYearMatch: 0.1,
  showYearMismatch: -0.25,
  airDateInside: 0.05,
  airDateOutside: -0.25,
  // Specials (season 0) include pre-air promos and reunion shows long after the finale, so an
  // air date outside the run only hints.
  specialAirDateOutside: -0.1,
  episodeYearInside: 0.03,
  episodeYearOutside: -0.2,
  episodeExists: 0.02,
  episodeTitleMatch: 0.1,
  // Episode titles differ between sources ("Pilot" vs "Pilot (1)"), so a mismatch with a
  // corroborating date is weak; without one it is a hard contradiction.
  episodeTitleMismatch: -0.05,
  episodeTitleMismatchUncorroborated: -0.3,
  episodeDateMatch: 0.05,
  episodeDateMismatch: -0.4,
  seasonBeyondCatalogue: -0.3,
  externalIdMatch: 0.1,
  externalIdMismatch: -0.5,
} as const;
// An exact title alone is likely but not certain (a remake missing from the catalogue shares
// it), so it starts just above the default threshold and evidence moves it from there. This
// also leaves room for confirmations to rank same-titled shows instead of all saturating at 1.
const TITLE_BASE_FACTOR = 0.9;
// Year evidence confirms a title match; it must not make one out of a merely similar title.
const WEAK_TITLE_POSITIVE_FACTOR = 0.25;
const EPISODE_TITLE_MIN_SIMILARITY = 0.9;

/** What to look for in the catalogue, from a Plex episode (or show/season) metadata item. */
export function showQueryFromMetadata(metadata: PlexMetadata): ShowQuery {
  if (metadata.type === 'episode') return episodeQuery(plexEpisode(metadata));
  const showTitle = metadata.type === 'season' ? metadata.parentTitle : metadata.title;
  const { title, year } = splitTitleYear(showTitle ?? '');
  const query: ShowQuery = { title };
  if (year !== undefined) query.titleYear = year;
  return query;
}

/** Scores every candidate against the query, best first (confidence desc, then id). */
export function scoreCandidates(query: ShowQuery, candidates: CandidateShow[]): ScoredCandidate[] {
  // Ranked with hard contradictions last (see byRank).
  return candidates.map((candidate) => scoreCandidate(query, candidate)).sort(byRank);
}

function scoreCandidate(query: ShowQuery, candidate: CandidateShow): ScoredCandidate {
  const { titleScore, evidence, add } = beginEvidence(query, candidate, 'show');

  const start = toIsoDate(candidate.showStartDate);
  const end = toIsoDate(candidate.showEndDate);
  const startYear = start ? Number(start.slice(0, 4)) : null;
  const endYear = end ? Number(end.slice(0, 4)) : null;
  const run = startYear === null ? '' : `${startYear}–${endYear ?? ''}`;

  const special = query.season === 0;
  // The catalogue's own episode at S/E against the one Plex played: the strongest episode fact.
  const catalogueDate = toIsoDate(candidate.episode?.airDate);
  const code =
    query.season !== undefined && query.episode !== undefined
      ? episodeCode(query.season, query.episode)
      : null;
  let dateCorroborated = false;
  if (code !== null && query.episodeAirDate !== undefined && catalogueDate !== null) {
    const days = daysBetween(query.episodeAirDate, catalogueDate);
    dateCorroborated = days <= EPISODE_DATE_TOLERANCE_DAYS;
    add(
      'episode_date',
      dateCorroborated,
      dateCorroborated
        ? `catalogue's ${code} aired ${catalogueDate}, Plex says ${query.episodeAirDate}`
        : `catalogue's ${code} aired ${catalogueDate}, but Plex's aired ${query.episodeAirDate} (${days} days apart)`,
      dateCorroborated
        ? WEIGHTS.episodeDateMatch
        : special
          ? WEIGHTS.specialAirDateOutside
          : WEIGHTS.episodeDateMismatch,
      !special,
    );
  }

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
        true,
      );
    }
  }

  // Plex's show year and the catalogue's first-aired year come from different sources and
  // differ by one now and then (a premiere abroad first): one year off says nothing.
  if (query.showYear !== undefined && startYear !== null && Math.abs(query.showYear - startYear) !== 1) {
    const same = query.showYear === startYear;
    add(
      'show_year',
      same,
      same
        ? `Plex's show year ${query.showYear} = first aired ${startYear}`
        : `Plex's show year ${query.showYear}, but show first aired ${startYear}`,
      same ? WEIGHTS.showYearMatch : WEIGHTS.showYearMismatch,
      true,
    );
  }

  if (query.episodeAirDate !== undefined && start !== null) {
    // ISO dates compare correctly as strings.
    const inside = query.episodeAirDate >= start && (end === null || query.episodeAirDate <= end);
    add(
      'episode_air_date',
      inside,
      `${special ? 'special' : 'episode'} aired ${query.episodeAirDate}, ${inside ? 'inside' : 'outside'} run ${run}`,
      inside ? WEIGHTS.airDateInside : special ? WEIGHTS.specialAirDateOutside : WEIGHTS.airDateOutside,
      // A catalogue episode dated like Plex's says the run's end is stale, not the show wrong.
      !special && !dateCorroborated,
    );
  } else if (query.episodeYear !== undefined && startYear !== null) {
    // The year is only a fallback: the air date already says everything the year could.
    const inside = query.episodeYear >= startYear && (endYear === null || query.episodeYear <= endYear);
    add(
      'episode_year',
      inside,
      `${special ? 'special' : 'episode'} year ${query.episodeYear}, ${inside ? 'inside' : 'outside'} run ${run}`,
      inside
        ? WEIGHTS.episodeYearInside
        : special
          ? WEIGHTS.specialAirDateOutside
          : WEIGHTS.episodeYearOutside,
      !special,
    );
  }

  if (
    query.season !== undefined &&
    query.season > 0 &&
    candidate.maxSeason !== undefined &&
    candidate.maxSeason !== null &&
    candidate.maxSeason > 0 &&
    query.season > candidate.maxSeason
  ) {
    add(
      'season_range',
      false,
      `Plex plays season ${query.season}, the catalogue's seasons end at ${candidate.maxSeason}`,
      WEIGHTS.seasonBeyondCatalogue,
      true,
    );
  }

  if (code !== null) {
    // A missing episode costs nothing: catalogues are often incomplete.
    if (candidate.episode) add('episode_exists', true, `catalogue has ${code}`, WEIGHTS.episodeExists);
    else add('episode_exists', false, `catalogue has no ${code}`, 0);

    const catalogueTitle = candidate.episode?.title;
    if (
      query.episodeTitle &&
      catalogueTitle &&
      // Plex's placeholder ("Episode 1") says it knows no title: nothing to compare. The
      // catalogue's does not excuse a real title from Plex: British shows are titled so, and a
      // remake's "Hello Wilson" at the S/E of an "Episode 1" is another show's episode.
      isInformativeEpisodeTitle(query.episodeTitle)
    ) {
      const same = sameEpisodeTitle(query.episodeTitle, catalogueTitle);
      // Without a date that agrees, another title at the same S/E is another show's episode.
      const hard = !same && !dateCorroborated && !special;
      add(
        'episode_title',
        same,
        same
          ? `catalogue's ${code} is "${catalogueTitle}" too`
          : `catalogue's ${code} is "${catalogueTitle}", Plex says "${query.episodeTitle}"`,
        same
          ? WEIGHTS.episodeTitleMatch
          : hard
            ? WEIGHTS.episodeTitleMismatchUncorroborated
            : WEIGHTS.episodeTitleMismatch,
        hard,
      );
    }
  }

  return {
    tvshowId: candidate.id,
    title: candidate.title,
    year: startYear,
    confidence: confidenceOf(titleScore, evidence),
    titleScore,
    evidence,
  };
}

/** Adds one piece of evidence (see beginEvidence). */
export type AddEvidence = (
  kind: EvidenceKind,
  ok: boolean,
  detail: string,
  weight: number,
  hard?: boolean,
) => void;

/**
 * The evidence every kind of candidate starts with: the best pair of titles (original titles
 * included), then the query's external ids against the entry's, each a hard contradiction when
 * it differs. `add` scales a confirmation down when the title is weak: evidence confirms a title
 * match, it must not make one out of a merely similar title.
 */
export function beginEvidence(
  query: { title: string; originalTitle?: string; ids?: ExternalIds },
  candidate: CatalogueEntry,
  noun: 'show' | 'movie',
): { titleScore: number; evidence: Evidence[]; add: AddEvidence } {
  const best = bestTitlePair([query.title, query.originalTitle], [candidate.title, candidate.originalTitle]);
  const titleScore = round(best.score);
  const strongTitle = titleScore >= AUTO_MATCH_MIN_TITLE_SCORE;
  const scale = (weight: number) =>
    weight > 0 && !strongTitle ? weight * WEAK_TITLE_POSITIVE_FACTOR : weight;
  const evidence: Evidence[] = [];
  const add: AddEvidence = (kind, ok, detail, weight, hard = false) =>
    evidence.push({ kind, ok, detail, weight: round(scale(weight)), ...(hard && !ok ? { hard } : {}) });

  add('title', strongTitle, describeTitlePair(best, titleScore), 0);
  for (const item of compareExternalIds(query.ids, candidate, noun)) {
    add(
      'external_id',
      item.ok,
      item.detail,
      item.ok ? WEIGHTS.externalIdMatch : WEIGHTS.externalIdMismatch,
      true,
    );
  }
  return { titleScore, evidence, add };
}

/** The title's base score moved by every piece of evidence, within 0..1. */
export function confidenceOf(titleScore: number, evidence: Evidence[]): number {
  const adjustment = evidence.reduce((sum, item) => sum + item.weight, 0);
  return round(Math.min(1, Math.max(0, titleScore * TITLE_BASE_FACTOR + adjustment)));
}

/** What scoring reads of a catalogue entry, whatever its kind. */
export type CatalogueEntry = {
  title: string;
  originalTitle?: string | null;
  tmdbId?: number | null;
  tvdbId?: number | null;
  imdbId?: string | null;
};

/**
 * Precision first: a wrong automatic match silently marks the wrong show as watched, so
 * anything ambiguous becomes a conflict for the user (with `decisive` as a hint the worker
 * may act on when the user enabled auto-resolve).
 */
export function decideMatch(scored: ScoredCandidate[], opts: { threshold: number }): MatchDecision {
  return decideAmong(scored, opts.threshold, byRank, (sameTitle, ranked) =>
    decideSameTitle(sameTitle, ranked, opts),
  );
}

export type Decision<C> =
  | { kind: 'match'; candidate: C }
  | {
      kind: 'conflict';
      conflictType: 'multiple_matches' | 'no_match' | 'low_confidence';
      candidates: C[];
      decisive: C | null;
    };

/**
 * The decision every kind shares: only a near-exact title can match; one such title matches if
 * confident and not contradicted; several of them are left to `amongSameTitle` (the kind's own
 * evidence that can tell same-titled entries apart), with the ranked list for a conflict.
 */
export function decideAmong<C extends ScoredEntry>(
  scored: C[],
  threshold: number,
  rank: (a: C, b: C) => number,
  amongSameTitle: (sameTitle: C[], ranked: C[]) => Decision<C>,
): Decision<C> {
  const ranked = [...scored].sort(rank);
  if (ranked.length === 0)
    return { kind: 'conflict', conflictType: 'no_match', candidates: [], decisive: null };

  const contenders = ranked.filter((c) => c.titleScore >= AUTO_MATCH_MIN_TITLE_SCORE);
  if (contenders.length === 0) {
    return { kind: 'conflict', conflictType: 'low_confidence', candidates: ranked, decisive: null };
  }

  const topTitleScore = Math.max(...contenders.map((c) => c.titleScore));
  const sameTitle = contenders.filter((c) => c.titleScore >= topTitleScore - TITLE_TIE_MARGIN);
  if (sameTitle.length === 1) {
    const only = sameTitle[0]!;
    return only.confidence >= threshold && !hasHardContradiction(only)
      ? { kind: 'match', candidate: only }
      : { kind: 'conflict', conflictType: 'low_confidence', candidates: ranked, decisive: null };
  }
  return amongSameTitle(sameTitle, ranked);
}

function decideSameTitle(
  sameTitle: ScoredCandidate[],
  ranked: ScoredCandidate[],
  opts: { threshold: number },
): MatchDecision {
  // Remakes and reboots share a title ("Doctor Who" 1963 and 2005). Only the year Plex puts
  // in the title ("Doctor Who (2005)") is explicit enough to pick one without asking.
  const byTitleYear = sameTitle.filter((c) => isConfirmed(c, 'title_year'));
  if (
    byTitleYear.length === 1 &&
    byTitleYear[0]!.confidence >= opts.threshold &&
    !hasHardContradiction(byTitleYear[0]!)
  ) {
    return { kind: 'match', candidate: byTitleYear[0]! };
  }
  // Plex's own show year is as explicit, but only when it rules every other one out: a show
  // without dates, or one a year off, might still be the right one.
  const byShowYear = sameTitle.filter((c) => isConfirmed(c, 'show_year'));
  if (
    byTitleYear.length === 0 &&
    byShowYear.length === 1 &&
    byShowYear[0]!.confidence >= opts.threshold &&
    !hasContradiction(byShowYear[0]!) &&
    sameTitle.every((c) => c === byShowYear[0] || isContradicted(c, 'show_year'))
  ) {
    return { kind: 'match', candidate: byShowYear[0]! };
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
    if (hasContradiction(winner) || winner.confidence < threshold) continue;
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

/** Any evidence against the candidate that cost it confidence. */
function hasContradiction(candidate: { evidence: Evidence[] }): boolean {
  return candidate.evidence.some((e) => !e.ok && e.weight < 0);
}

type TitlePair = { score: number; query: string; candidate: string; viaOriginal: boolean };

/** The best-matching pair of (Plex title, catalogue title), original titles included. */
export function bestTitlePair(
  queryTitles: (string | null | undefined)[],
  candidateTitles: (string | null | undefined)[],
): TitlePair {
  let best: TitlePair = {
    score: 0,
    query: queryTitles[0] ?? '',
    candidate: candidateTitles[0] ?? '',
    viaOriginal: false,
  };
  queryTitles.forEach((q, qi) => {
    if (!q) return;
    candidateTitles.forEach((c, ci) => {
      if (!c) return;
      const score = titleSimilarity(q, c);
      if (score > best.score) best = { score, query: q, candidate: c, viaOriginal: qi > 0 || ci > 0 };
    });
  });
  return best;
}

export function describeTitlePair(pair: TitlePair, score: number): string {
  const suffix = pair.viaOriginal ? ' (original title)' : '';
  return `title "${pair.query}" vs "${pair.candidate}"${suffix}: similarity ${score.toFixed(2)}`;
}

export type IdMatchMethod = 'tmdb_id' | 'tvdb_id' | 'imdb_id';
export type IdLookup =
  | { method: 'tmdb_id'; field: 'tmdbId'; value: number }
  | { method: 'tvdb_id'; field: 'tvdbId'; value: number }
  | { method: 'imdb_id'; field: 'imdbId'; value: string };

/** The catalogue lookups an item's external ids allow, most trusted first. */
export function externalIdLookups(
  ids: ExternalIds,
  kinds: IdMatchMethod[] = ['tmdb_id', 'tvdb_id', 'imdb_id'],
): IdLookup[] {
  const out: IdLookup[] = [];
  for (const kind of kinds) {
    if (kind === 'tmdb_id' && ids.tmdb !== undefined)
      out.push({ method: kind, field: 'tmdbId', value: ids.tmdb });
    if (kind === 'tvdb_id' && ids.tvdb !== undefined)
      out.push({ method: kind, field: 'tvdbId', value: ids.tvdb });
    if (kind === 'imdb_id' && ids.imdb !== undefined)
      out.push({ method: kind, field: 'imdbId', value: ids.imdb });
  }
  return out;
}

export type CatalogueIds = {
  id: number;
  tmdbId?: number | null;
  tvdbId?: number | null;
  imdbId?: string | null;
};

export type IdDecision =
  | { kind: 'none' }
  | { kind: 'match'; id: number; method: IdMatchMethod; detail: string }
  /** The ids point at different catalogue entries: the catalogue or Plex is wrong somewhere. */
  | { kind: 'disagree'; hits: { id: number; method: IdMatchMethod; detail: string }[] };

/**
 * Resolves external ids against the catalogue rows that carry any of them. Ids are exact, so
 * one hit is a match; ids naming two different entries are never guessed between.
 */
export function decideByExternalIds(lookups: IdLookup[], rows: CatalogueIds[]): IdDecision {
  const hits: { id: number; method: IdMatchMethod; detail: string }[] = [];
  for (const lookup of lookups) {
    const row = rows.find((r) => r[lookup.field] === lookup.value);
    if (row)
      hits.push({
        id: row.id,
        method: lookup.method,
        detail: `${lookup.method.replace('_id', '')} ${lookup.value}`,
      });
  }
  if (hits.length === 0) return { kind: 'none' };
  const first = hits[0]!;
  if (hits.every((h) => h.id === first.id)) {
    // One entry by one id, but another id of Plex's names something else on that same entry
    // (tvdb agrees, tmdb differs): the catalogue or Plex is wrong, and a person decides.
    const row = rows.find((r) => r.id === first.id)!;
    const contradicted = lookups.some((l) => {
      const own = row[l.field];
      return own !== undefined && own !== null && own !== l.value;
    });
    return contradicted ? { kind: 'disagree', hits } : { kind: 'match', ...first };
  }
  return { kind: 'disagree', hits };
}

function conflict(
  conflictType: 'multiple_matches' | 'no_match' | 'low_confidence',
  candidates: ScoredCandidate[],
  decisive: ScoredCandidate | null,
): MatchDecision {
  return { kind: 'conflict', conflictType, candidates, decisive };
}

function byRank(a: ScoredCandidate, b: ScoredCandidate): number {
  return rankContradictions(a, b) || b.confidence - a.confidence || a.tvshowId - b.tvshowId;
}

/** Candidates without a hard contradiction rank above every candidate with one. */
export function rankContradictions(a: { evidence: Evidence[] }, b: { evidence: Evidence[] }): number {
  return Number(hasHardContradiction(a)) - Number(hasHardContradiction(b));
}

type IdKind = 'tmdb' | 'tvdb' | 'imdb';
const ID_FIELDS: { kind: IdKind; field: 'tmdbId' | 'tvdbId' | 'imdbId' }[] = [
  { kind: 'tmdb', field: 'tmdbId' },
  { kind: 'tvdb', field: 'tvdbId' },
  { kind: 'imdb', field: 'imdbId' },
];

/**
 * Plex's ids against a catalogue entry's, kind by kind: an id only compares with an id of the
 * same kind, and a kind either side lacks says nothing.
 */
export function compareExternalIds(
  ids: ExternalIds | undefined,
  entry: { tmdbId?: number | null; tvdbId?: number | null; imdbId?: string | null },
  noun: 'show' | 'movie',
): { ok: boolean; detail: string }[] {
  if (!ids) return [];
  const out: { ok: boolean; detail: string }[] = [];
  for (const { kind, field } of ID_FIELDS) {
    const plex = ids[kind];
    const own = entry[field];
    if (plex === undefined || own === undefined || own === null) continue;
    out.push(
      plex === own
        ? { ok: true, detail: `Plex's ${kind} ${plex} is this ${noun}` }
        : { ok: false, detail: `Plex says ${kind} ${plex}, this ${noun} is ${kind} ${own}` },
    );
  }
  return out;
}

// Titles every source invents for an episode it knows nothing about: they compare with nothing.
const PLACEHOLDER_EPISODE_TITLE =
  /^(?:(?:episode|ep|chapter|part|folge|episodio|capitulo|aflevering|avsnitt|jakso|odcinek)\s*\d+(?:\s*\d+)?|\d+(?:\s*\d+)?|tba|tbd|untitled|unknown)$/;

export function isInformativeEpisodeTitle(title: string): boolean {
  const n = normalizeTitle(title);
  return n !== '' && !PLACEHOLDER_EPISODE_TITLE.test(n);
}

/**
 * The same episode title as far as sources go: near-equal, or one the other plus a part
 * ("Pilot" / "Pilot (1)", "The Beginning" / "The Beginning, Part 1").
 */
export function sameEpisodeTitle(a: string, b: string): boolean {
  if (titleSimilarity(a, b) >= EPISODE_TITLE_MIN_SIMILARITY) return true;
  const na = normalizeTitle(a);
  const nb = normalizeTitle(b);
  if (!na || !nb) return false;
  const [short, long] = na.length <= nb.length ? [na, nb] : [nb, na];
  return short.length >= 4 && (long.startsWith(`${short} `) || long.endsWith(` ${short}`));
}

function daysBetween(a: string, b: string): number {
  const ms = Math.abs(Date.parse(`${a}T00:00:00Z`) - Date.parse(`${b}T00:00:00Z`));
  return Math.round(ms / 86_400_000);
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
