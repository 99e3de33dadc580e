import { normalizeTitle, splitTitleYear, titleSimilarity } from './title';

describe('normalizeTitle', () => {
  it.each([
    ['iCarly', 'icarly'],
    ['The Office (US)', 'office us'],
    ['The Office', 'office'],
    ["Marvel's Agents of S.H.I.E.L.D.", 'marvels agents of shield'],
    ['Agents of S.H.I.E.L.D.', 'agents of shield'],
    ["Grey's Anatomy", 'greys anatomy'],
    ['Grey’s Anatomy', 'greys anatomy'],
    ['Law & Order: SVU', 'law and order svu'],
    ['Law & Order: Special Victims Unit', 'law and order special victims unit'],
    ['Pokémon', 'pokemon'],
    ['Shōgun', 'shogun'],
    ['Shōgun (2024)', 'shogun'],
    ['Doctor Who (2005)', 'doctor who'],
    ['Doctor Who', 'doctor who'],
    ['Bluey (2018)', 'bluey'],
    ['1883', '1883'],
    ['9-1-1', '911'],
    ['9-1-1: Lone Star', '911 lone star'],
    ['Stargate SG-1', 'stargate sg 1'],
    ['House of the Dragon', 'house of the dragon'],
    ['The Last of Us', 'last of us'],
    ['THE LAST OF US', 'last of us'],
    ['Mr. Robot', 'mr robot'],
    ['M*A*S*H', 'm a s h'],
    ['Brooklyn Nine-Nine', 'brooklyn nine nine'],
    ['Star Trek: Picard', 'star trek picard'],
    ['Star Trek: The Next Generation', 'star trek the next generation'],
    ['Théâtre  des   Opérations', 'theatre des operations'],
    ['Skam Norge – Ørnen', 'skam norge ornen'],
    ['Dark (DE)', 'dark de'],
    ['Money Heist (La Casa de Papel)', 'money heist la casa de papel'],
    ['Ｆｕｌｌ Ｍｅｔａｌ', 'full metal'],
    ['進撃の巨人', '進撃の巨人'],
    ['The', 'the'],
    ['Theodosia', 'theodosia'],
    ['  What We Do in the Shadows  ', 'what we do in the shadows'],
    ['!!!', ''],
  ])('%s -> %s', (title, expected) => {
    expect(normalizeTitle(title)).toBe(expected);
  });
});

describe('splitTitleYear', () => {
  it.each([
    ['Bluey (2018)', { title: 'Bluey', year: 2018 }],
    ['Doctor Who (2005)', { title: 'Doctor Who', year: 2005 }],
    ['Doctor Who (1963)', { title: 'Doctor Who', year: 1963 }],
    ['Battlestar Galactica(2003)', { title: 'Battlestar Galactica', year: 2003 }],
    ['  iCarly (2021)  ', { title: 'iCarly', year: 2021 }],
    ['1883', { title: '1883' }],
    ['1923', { title: '1923' }],
    ['(2018)', { title: '(2018)' }],
    ['The Office (US)', { title: 'The Office (US)' }],
    ['Blade Runner 2049', { title: 'Blade Runner 2049' }],
    ['Space: 1999', { title: 'Space: 1999' }],
    ['Show (1234)', { title: 'Show (1234)' }],
    ['Show (2021) Reloaded', { title: 'Show (2021) Reloaded' }],
  ])('%s', (title, expected) => {
    expect(splitTitleYear(title)).toEqual(expected);
  });
});

describe('titleSimilarity', () => {
  it.each([
    ['punctuation variant', 'Agents of S.H.I.E.L.D.', 'Agents of SHIELD', 1],
    ['apostrophe variant', "Grey's Anatomy", 'Greys Anatomy', 1],
    ['accent variant', 'Pokémon', 'Pokemon', 1],
    ['ampersand variant', 'Law & Order', 'Law and Order', 1],
    ['year suffix ignored', 'Doctor Who (2005)', 'Doctor Who', 1],
    ['leading article', 'The Last of Us', 'Last of Us', 1],
    ['digits spelled with hyphens', '9-1-1', '911', 1],
  ])('%s: %s ~ %s = %d', (_name, a, b, expected) => {
    expect(titleSimilarity(a, b)).toBe(expected);
  });

  it.each([
    ['Chicago Fire', 'Chicago Med'],
    ['Chicago P.D.', 'Chicago Med'],
    ['Star Trek: Picard', 'Star Trek: Discovery'],
    ['Full House', 'Fuller House'],
    ['The Office (US)', 'The Office'],
    ['9-1-1', '9-1-1: Lone Star'],
    ['Teenage Mutant Ninja Turtles', 'Teenage Mutant Ninja Turtles 2'],
    ['Avatar: The Last Airbender', 'Avatar: The Last Airbender 2'],
    ['Dragon Ball Z', 'Dragon Ball GT'],
    ['American Horror Story', 'American Horror Stories'],
    ['Star Wars: The Clone Wars', 'Star Wars: Clone Wars'],
  ])('near miss %s ~ %s stays below 0.9', (a, b) => {
    const score = titleSimilarity(a, b);
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThan(0.9);
  });

  it('is symmetric and strictly below 1 for a one-letter difference', () => {
    expect(titleSimilarity('Bluey', 'Blue')).toBeCloseTo(0.8);
    expect(titleSimilarity('Blue', 'Bluey')).toBeCloseTo(0.8);
  });

  it('caps titles one digit apart but keeps close matches with the same numbers', () => {
    expect(titleSimilarity('Part 1', 'Part 2')).toBeLessThanOrEqual(0.8);
    expect(titleSimilarity('Stargate SG-1', 'Stargate SG1')).toBeGreaterThan(0.9);
  });

  it('gives 0 when a title normalises to nothing', () => {
    expect(titleSimilarity('!!!', '???')).toBe(0);
    expect(titleSimilarity('', 'iCarly')).toBe(0);
  });
});
