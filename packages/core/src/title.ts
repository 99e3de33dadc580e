import { distance } from 'fastest-levenshtein';

// Plausible first-air years; a wider range would read "(1234)" in a title as a year.
const MIN_TITLE_YEAR = 1870;
const MAX_TITLE_YEAR = 2100;
const TRAILING_YEAR = /^(.*?\S)\s*\((\d{4})\)\s*$/;

/**
 * Splits Plex's disambiguating year suffix off a show title: "Bluey (2018)" -> Bluey, 2018.
 * A title that is only a year ("1883") stays a title.
 */
export function splitTitleYear(title: string): { title: string; year?: number } {
  const trimmed = title.trim();
  const match = TRAILING_YEAR.exec(trimmed);
  if (!match) return { title: trimmed };
  const year = Number(match[2]);
  if (year < MIN_TITLE_YEAR || year > MAX_TITLE_YEAR) return { title: trimmed };
  return { title: match[1]!, year };
}

// Letters that NFKD leaves alone but every catalogue spells in plain ASCII too.
const FOLDED_LETTERS: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', þ: 'th' };

/**
 * A comparison key for show titles, not a display form. Apostrophes and dots join their
 * neighbours so "Grey's" = "Greys" and "S.H.I.E.L.D." = "SHIELD"; other punctuation separates
 * words. Qualifiers other than a year, like "(US)", are kept: they tell remakes apart.
 */
export function normalizeTitle(title: string): string {
  let text = splitTitleYear(title).title.normalize('NFKD').toLowerCase();
  text = text.replace(/\p{M}/gu, '');
  text = text.replace(/[ßæœøłđþ]/g, (letter) => FOLDED_LETTERS[letter] ?? letter);
  text = text.replace(/&/g, ' and ');
  // "9-1-1" is how the show is listed, "911" how people type it.
  text = text.replace(/(\d)-(?=\d)/g, '$1');
  text = text.replace(/['’‘ʼ`´.]/g, '');
  text = text.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  // Only when something follows: a show called "The" is still a show.
  text = text.replace(/^the (?=\S)/, '');
  return text;
}

/**
 * Similarity of two titles in [0, 1] on their normalised forms: 1 minus the Levenshtein
 * distance over the longer length, capped when the titles' numbers differ. Exactly 1 only when
 * the normalised titles are equal (and not empty).
 */
export function titleSimilarity(a: string, b: string): number {
  const left = normalizeTitle(a);
  const right = normalizeTitle(b);
  // An empty key (a title of only punctuation) says nothing about the show.
  if (left === '' || right === '') return 0;
  if (left === right) return 1;
  const score = 1 - distance(left, right) / Math.max(left.length, right.length);
  // One character apart yet another show: "Teenage Mutant Ninja Turtles 2", "Part 1"/"Part 2".
  return digitsOf(left) === digitsOf(right) ? score : Math.min(score, NUMBER_MISMATCH_CAP);
}

/** Titles whose numbers differ are sequels or spin-offs, however close the letters are. */
const NUMBER_MISMATCH_CAP = 0.8;

function digitsOf(text: string): string {
  return text.replace(/\D+/g, ' ').trim();
}
