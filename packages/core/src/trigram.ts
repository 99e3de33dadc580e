import { AUTO_MATCH_MIN_TITLE_SCORE } from './match';

// The catalogue search finds candidates with pg_trgm (`%`: trigram similarity at least
// pg_trgm.similarity_threshold), while the scoring ranks them by titleSimilarity (Levenshtein).
// This file links the two: how low can the trigram similarity of a title be that scores high
// enough to be auto-matched? Below that, the search may leave titles out without changing any
// match decision.

/**
 * pg_trgm's trigrams of a normalised title: each word (a run of letters and digits) padded with
 * two spaces in front and one behind, every three consecutive characters, as a set. pg_trgm
 * does the same with its own idea of a letter (the database's ctype), lower-cased, and stores a
 * trigram of multibyte characters as a 3-byte hash: for normalised titles in a UTF-8 database
 * with a Unicode-aware ctype the counts agree, and the worker lets PostgreSQL confirm the count
 * (show_trgm) before relying on it.
 */
export function titleTrigrams(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (!word) continue;
    const padded = [' ', ' ', ...word, ' '];
    for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3).join(''));
  }
  return out;
}

/** pg_trgm's similarity(): shared trigrams over the union of both sets. */
export function trigramSimilarity(a: string, b: string): number {
  const x = titleTrigrams(a);
  const y = titleTrigrams(b);
  let shared = 0;
  for (const t of x) if (y.has(t)) shared++;
  const union = x.size + y.size - shared;
  return union === 0 ? 0 : shared / union;
}

/**
 * The most edits (Levenshtein distance, in UTF-16 units as titleSimilarity counts them) between
 * a normalised title of `length` units and any title whose rounded titleSimilarity to it is at
 * least `minTitleScore`. A distance d costs d / max(both lengths), so the other title is at most
 * d longer and the most generous case is d insertions: the same arithmetic and rounding as the
 * scoring's, run up from zero.
 */
export function maxEditsWithin(length: number, minTitleScore: number): number {
  const score = (d: number) => Math.round((1 - d / (length + d)) * 1000) / 1000;
  let d = 0;
  while (score(d + 1) >= minTitleScore) d++;
  return d;
}

/**
 * A lower bound on pg_trgm's similarity between `normalized` (a normalizeTitle() result) and any
 * title that could be auto-matched to it, i.e. that scores at least AUTO_MATCH_MIN_TITLE_SCORE:
 * a pg_trgm threshold at or below it keeps every candidate that can be matched or make a case
 * ambiguous (decideMatch and decideMovieMatch look only at those), whatever else it leaves out.
 *
 * Why: one edit (substitution, insertion or deletion of a character, a space included) changes
 * at most the three trigrams that cover its position: it removes at most three of the title's
 * trigrams and adds at most three new ones. After d edits at most 3d of the T trigrams of
 * `normalized` are gone and at most 3d are new, so similarity = shared / union
 * >= (T - 3d) / (T + 3d), with d at most maxEditsWithin(length). Repeated trigrams only make
 * the true similarity higher. 0 when the bound says nothing (a title that repeats itself a lot).
 */
export function autoMatchTrigramFloor(
  normalized: string,
  trigramCount = titleTrigrams(normalized).size,
  minTitleScore = AUTO_MATCH_MIN_TITLE_SCORE,
): number {
  const d = maxEditsWithin(normalized.length, minTitleScore);
  const t = trigramCount;
  return t > 3 * d ? (t - 3 * d) / (t + 3 * d) : 0;
}

/**
 * The trigram threshold of the full candidate list: pg_trgm's default, what the worker's search
 * has always used. Conflicts list these candidates for a person to pick from.
 */
export const FULL_LIST_TRIGRAM_THRESHOLD = 0.3;

/**
 * The pg_trgm threshold at which a search for these normalised titles still finds every title
 * that could be auto-matched (autoMatchTrigramFloor of each), in two decimals rounded down with a
 * margin (similarity() is a float4, compared with a float8), never below the full list's: the
 * contenders are the best of the full list, so the search returns a prefix of it.
 */
export function contendersTrigramThreshold(titles: { normalized: string; trigramCount?: number }[]): number {
  const floor = Math.min(...titles.map((t) => autoMatchTrigramFloor(t.normalized, t.trigramCount)));
  return Math.max(FULL_LIST_TRIGRAM_THRESHOLD, Math.floor(floor * 100 - 1e-6) / 100);
}
