import { readToken, tokenMatches } from './auth';

test('tokenMatches compares whole tokens of any length', () => {
  expect(tokenMatches('secret-token', 'secret-token')).toBe(true);
  expect(tokenMatches('secret-token', 'secret-tokeN')).toBe(false);
  expect(tokenMatches('secret', 'secret-token')).toBe(false);
  expect(tokenMatches('', 'secret-token')).toBe(false);
});

test.each([
  ['Bearer abc', false, 'abc'],
  ['bearer abc', false, 'abc'],
  [`Basic ${Buffer.from('user:pa:ss').toString('base64')}`, true, 'pa:ss'],
  [`Basic ${Buffer.from(':tok').toString('base64')}`, true, 'tok'],
  [`Basic ${Buffer.from('user:tok').toString('base64')}`, false, null],
  [`Basic ${Buffer.from('no-colon').toString('base64')}`, true, null],
  ['Bearer', false, null],
  ['Token abc', true, null],
  [undefined, true, null],
])('readToken(%j, basic=%s) -> %j', (header, basic, expected) => {
  expect(readToken(header, basic)).toBe(expected);
});
