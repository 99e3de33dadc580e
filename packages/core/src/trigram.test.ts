import { AUTO_MATCH_MIN_TITLE_SCORE } from './match';
import { normalizeTitle, titleSimilarity } from './title';
import {
  autoMatchTrigramFloor,
  contendersTrigramThreshold,
  FULL_LIST_TRIGRAM_THRESHOLD,
  maxEditsWithin,
  titleTrigrams,
  trigramSimilarity,
} from './trigram';

describe('titleTrigrams / trigramSimilarity (pg_trgm)', () => {
  it("pads each word like pg_trgm's show_trgm", () => {
    expect([...titleTrigrams('cat')].sort()).toEqual(['  c', ' ca', 'at ', 'cat']);
    expect([...titleTrigrams('a b')].sort()).toEqual(['  a', '  b', ' a ', ' b ']);
    // A set: the repeated word counts once.
    expect(titleTrigrams('tora tora tora').size).toBe(5);
    expect(titleTrigrams('進撃の巨人').size).toBe(6);
  });

  it.each([
    ['breaking bad', 'breaking bad', 1],
    ['bad breaking', 'breaking bad', 1],
    ['star trek', 'star trek the next generation', 10 / 29],
    ['word', 'other', 0],
  ])('similarity(%s, %s)', (a, b, expected) => {
    expect(trigramSimilarity(a, b)).toBeCloseTo(expected, 6);
  });
});

describe('maxEditsWithin', () => {
  it.each([
    [8, 0], // 1 - 1/9 = 0.889: one edit on a title of 8 never scores 0.9
    [9, 1], // 1 - 1/10 = 0.9
    [17, 1],
    [18, 2],
    [27, 3],
    [100, 11],
  ])('a title of %i characters: %i edits', (length, edits) => {
    expect(maxEditsWithin(length, AUTO_MATCH_MIN_TITLE_SCORE)).toBe(edits);
  });
});

// A deterministic pseudo-random sequence, so a failure is reproducible.
function rng(seed: number) {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    return x / 2 ** 32;
  };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789 éß';

function edit(text: string, n: number, random: () => number): string {
  let out = [...text];
  for (let k = 0; k < n; k++) {
    const at = Math.floor(random() * (out.length + 1));
    const ch = ALPHABET[Math.floor(random() * ALPHABET.length)]!;
    const op = random();
    if (op < 0.34 && out.length > 0) out.splice(Math.min(at, out.length - 1), 1);
    else if (op < 0.67) out.splice(at, 0, ch);
    else if (out.length > 0) out[Math.min(at, out.length - 1)] = ch;
    out = [...out.join('')];
  }
  return out.join('');
}

const TITLES = [
  'Breaking Bad',
  'Law & Order: Special Victims Unit',
  'Star Trek: The Next Generation',
  "It's Always Sunny in Philadelphia",
  'Bagream & Paibrean',
  'Gristeabain of Seattle',
  'House of the Dragon',
  'Tora! Tora! Tora!',
  'Baba Yaga Baba',
  'Mama Mia Mama Mia',
  'aaaa aaaa aaaa aaaa',
  'abab abab abab abab abab',
  'Sherlock',
  'Arrested Development',
  '9-1-1: Lone Star',
  'Der Tatortreiniger',
  'Haus des Geldes',
  '進撃の巨人 The Final Season',
  'The Lord of the Rings: The Rings of Power',
];

describe('autoMatchTrigramFloor', () => {
  it('is (T - 3d) / (T + 3d), or 0 when the title repeats itself too much to say anything', () => {
    // "breaking bad": 12 characters, 1 edit, 12 trigrams ("  b" twice).
    expect(autoMatchTrigramFloor('breaking bad')).toBeCloseTo(9 / 15, 6);
    // 8 characters: no edit keeps a title score of 0.9, so only an equal title (similarity 1).
    expect(autoMatchTrigramFloor('sherlock')).toBe(1);
    expect(autoMatchTrigramFloor('tora tora tora')).toBeCloseTo(2 / 8, 6);
    expect(autoMatchTrigramFloor('aaaa aaaa aaaa aaaa')).toBe(0);
  });

  // The premise of the worker's contenders search: a title that scores as a contender against
  // `q` has at least this trigram similarity to it. Random edit scripts of up to twice the
  // allowed number of edits (the scoring decides which ones are contenders), on real-looking,
  // repetitive and random titles.
  it('bounds the trigram similarity of every title that can be auto-matched', () => {
    const random = rng(20_261_127);
    const titles = [...TITLES];
    for (let k = 0; k < 60; k++) {
      const length = 3 + Math.floor(random() * 40);
      titles.push(Array.from({ length }, () => ALPHABET[Math.floor(random() * 30)]).join(''));
    }
    let contenders = 0;
    let tightest = 1;
    for (const title of titles) {
      const q = normalizeTitle(title);
      if (!q) continue;
      const floor = autoMatchTrigramFloor(q);
      const d = maxEditsWithin(q.length, AUTO_MATCH_MIN_TITLE_SCORE);
      for (let k = 0; k < 1_000; k++) {
        const c = normalizeTitle(edit(q, 1 + Math.floor(random() * Math.max(1, 2 * d)), random));
        // titleSimilarity normalises again: compare the strings it compares ("the x" loses "the").
        if (!c || normalizeTitle(c) !== c || normalizeTitle(q) !== q) continue;
        if (Math.round(titleSimilarity(q, c) * 1000) / 1000 < AUTO_MATCH_MIN_TITLE_SCORE) continue;
        contenders++;
        const similarity = trigramSimilarity(q, c);
        if (c !== q) tightest = Math.min(tightest, similarity - floor);
        if (similarity < floor) throw new Error(`"${q}" vs "${c}": ${similarity} < floor ${floor}`);
      }
    }
    expect(contenders).toBeGreaterThan(10_000);
    // The bound is tight enough to be worth having: some contender comes close to it.
    expect(tightest).toBeGreaterThanOrEqual(0);
    expect(tightest).toBeLessThan(0.1);
  });
});

describe('contendersTrigramThreshold', () => {
  it('takes the lowest floor of the searched titles, in two decimals rounded down', () => {
    // 0.6 exactly: rounded down with a margin.
    expect(contendersTrigramThreshold([{ normalized: 'breaking bad' }])).toBe(0.59);
    expect(
      contendersTrigramThreshold([{ normalized: 'breaking bad' }, { normalized: 'house of the dragon' }]),
    ).toBe(Math.floor(autoMatchTrigramFloor('house of the dragon') * 100) / 100);
  });

  it("never goes below the full list's 0.3", () => {
    expect(contendersTrigramThreshold([{ normalized: 'tora tora tora' }])).toBe(FULL_LIST_TRIGRAM_THRESHOLD);
    expect(contendersTrigramThreshold([{ normalized: 'aaaa aaaa aaaa aaaa' }])).toBe(0.3);
  });

  it('stays below the floor when the floor is a round number', () => {
    // "abcdefghi": 9 characters, 1 edit, 10 trigrams: (10 - 3) / (10 + 3) = 0.538...
    expect(contendersTrigramThreshold([{ normalized: 'abcdefghi' }])).toBe(0.53);
    // An exact 0.5 ((9 - 3) / (9 + 3)) goes down to 0.49: a float4 similarity of exactly the
    // floor must still pass.
    expect(contendersTrigramThreshold([{ normalized: 'abcdefghi', trigramCount: 9 }])).toBe(0.49);
  });
});
