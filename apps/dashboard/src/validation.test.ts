import { z } from 'zod';
import { INT4_MAX, int4Param, parseInput, unstorable } from './validation';

describe('unstorable', () => {
  test.each([
    ['a NUL in a string', 'a\u0000b', [], /NUL/],
    [
      'a NUL deep in an object',
      { shows: [{ seasons: [{ episodes: [{ title: '\u0000' }] }] }] },
      ['shows', 0, 'seasons', 0, 'episodes', 0, 'title'],
      /NUL/,
    ],
    ['a NUL in a key', { 'a\u0000': 1 }, ['a\u0000'], /NUL/],
    ['int4 max + 1', { id: INT4_MAX + 1 }, ['id'], /2147483647/],
    ['int4 min - 1', [-2_147_483_649], [0], /2147483647/],
    ['1e20', { tmdbId: 1e20 }, ['tmdbId'], /2147483647/],
  ])('%s', (_what, input, path, message) => {
    expect(unstorable(input)).toMatchObject({ path, message: expect.stringMatching(message) });
  });

  test.each([
    ['int4 bounds', [INT4_MAX, -2_147_483_648, 0]],
    ['a fraction past int4 is no integer (the schema decides)', 3e9 + 0.5],
    ['text with U+FFFD and emoji', 'caf\u00e9 \ufffd \u{1f600}'],
    ['null, booleans, empty things', { a: null, b: true, c: [], d: {} }],
  ])('%s passes', (_what, input) => {
    expect(unstorable(input)).toBeNull();
  });
});

test('parseInput: a 400 naming the path, before the schema runs', () => {
  const schema = z.object({ name: z.string().max(1) });
  expect(() => parseInput(schema, { name: 'long\u0000' })).toThrow('name: must not contain NUL characters');
  expect(() => parseInput(schema, { name: 'long' })).toThrow(/^name: /);
});

test.each([
  ['2147483647', 2147483647],
  ['1', 1],
])('int4Param(%s)', (input, expected) => {
  expect(int4Param().parse(input)).toBe(expected);
});
test.each(['2147483648', '99999999999999999999', '0', '-1', 'abc', ''])('int4Param(%s) fails', (input) => {
  expect(int4Param().safeParse(input).success).toBe(false);
});
