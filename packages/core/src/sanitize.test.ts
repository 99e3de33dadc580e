import { sanitizeJson, sanitizeText } from './sanitize';

test.each([
  ['plain', 'iCarly', 'iCarly'],
  ['NUL', 'a\u0000b', 'a\uFFFDb'],
  ['lone high surrogate', 'x\ud800y', 'x\uFFFDy'],
  ['lone low surrogate', '\udc00', '\uFFFD'],
  ['valid pair kept', '💥', '💥'],
  ['accents kept', 'Pokémon', 'Pokémon'],
])('%s', (_name, input, expected) => {
  expect(sanitizeText(input)).toBe(expected);
});

test('keys and nested values are cleaned, structure and other types kept', () => {
  const out = sanitizeJson({ 'k\u0000': ['\ud800', 1, null, true, { deep: 'a\u0000' }] });
  expect(out).toEqual({ 'k\uFFFD': ['\uFFFD', 1, null, true, { deep: 'a\uFFFD' }] });
  expect(JSON.stringify(out)).not.toMatch(/\\u0000|\\ud800/);
});

test('__proto__, constructor and prototype keys are dropped at every level', () => {
  const out = sanitizeJson(
    JSON.parse(
      '{"__proto__":{"polluted":true},"a":{"constructor":{"prototype":{"x":1}},"b":1},"prototype":2}',
    ),
  ) as Record<string, unknown>;
  expect(out).toEqual({ a: { b: 1 } });
  expect(Object.keys(out)).toEqual(['a']);
  expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
