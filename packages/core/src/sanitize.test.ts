import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { inspectJson, sanitizeJson, sanitizeText } from './sanitize';

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

describe('sanitizeJson and objects', () => {
  test('keys that Object.prototype also has become own data properties', () => {
    const out = sanitizeJson(
      JSON.parse('{"toString":"x","hasOwnProperty":1,"valueOf":{"a":"\\u0000"}}'),
    ) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['toString', 'hasOwnProperty', 'valueOf']);
    expect(Object.getOwnPropertyDescriptor(out, 'toString')).toEqual({
      value: 'x',
      enumerable: true,
      writable: true,
      configurable: true,
    });
    expect(out.valueOf).toEqual({ a: '\uFFFD' });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  test('two keys that clean to the same key: the later one wins, as before', () => {
    expect(sanitizeJson(JSON.parse('{"a\\u0000":1,"a\\ufffd":2}'))).toEqual({ 'a\uFFFD': 2 });
  });
});

describe('inspectJson: the fast path of ingest', () => {
  const realistic = () => JSON.parse(JSON.stringify(buildPlexPayload()));

  test('a realistic payload is clean and sanitizeJson would copy it unchanged', () => {
    const payload = realistic();
    expect(inspectJson(payload, 32)).toBe('clean');
    expect(sanitizeJson(payload)).toStrictEqual(payload);
  });

  test.each([
    ['NUL in a value', '{"a":"x\\u0000"}'],
    ['NUL in a key', '{"k\\u0000":1}'],
    ['NUL in an array', '{"a":[1,["\\u0000"]]}'],
    ['lone high surrogate', '{"a":"\\ud800x"}'],
    ['lone low surrogate', '{"a":"x\\udc00"}'],
    ['reversed pair', '{"a":"\\udc00\\ud800"}'],
    ['lone surrogate in a key', '{"\\udfff":1}'],
    ['__proto__ at the root', '{"__proto__":{"polluted":true}}'],
    ['__proto__ written with an escape', '{"\\u005f_proto__":1}'],
    ['constructor written with escapes', '{"a":{"\\u0063onstructo\\u0072":1}}'],
    ['prototype deep in an array', '{"a":[{"b":[{"prototype":2}]}]}'],
    ['unsafe key with a clean value', '{"constructor":"x"}'],
    ['dirty at the last level allowed', `{"a":${'['.repeat(30)}"\\u0000"${']'.repeat(30)}}`],
  ])('%s: dirty, and sanitizing changes it', (_name, text) => {
    const value = JSON.parse(text);
    expect(inspectJson(value, 32)).toBe('dirty');
    expect(JSON.stringify(sanitizeJson(value))).not.toBe(JSON.stringify(value));
  });

  test.each([
    ['escaped characters that are not NUL nor surrogates', '{"a":"\\u0041\\u00e9\\n\\t\\"\\\\\\/"}'],
    ['an escaped surrogate pair', '{"a":"\\ud83d\\udca5"}'],
    ['a literal emoji and accents', '{"a":"💥 Pokémon ア"}'],
    ['unsafe names as values, not keys', '{"a":"__proto__","b":["constructor","prototype"]}'],
    ['names close to the unsafe ones', '{"__proto":1,"Constructor":2,"prototypes":3,"__proto__ ":4}'],
    ['escaped backslash before u0000 (no escape)', '{"a":"\\\\u0000"}'],
    ['keys of Object.prototype', '{"toString":1,"hasOwnProperty":2}'],
    ['empty object and array', '{"a":{},"b":[]}'],
  ])('%s: clean, and sanitizing would not change it', (_name, text) => {
    const value = JSON.parse(text);
    expect(inspectJson(value, 32)).toBe('clean');
    expect(sanitizeJson(value)).toStrictEqual(value);
  });

  const nestedObjects = (levels: number, leaf = '1') =>
    `${'{"a":'.repeat(levels - 1)}{"b":${leaf}}${'}'.repeat(levels - 1)}`;
  const nestedArrays = (levels: number, leaf = '1') => `${'['.repeat(levels)}${leaf}${']'.repeat(levels)}`;

  test.each([
    ['32 levels of objects', 'clean', nestedObjects(32)],
    ['33 levels of objects', 'too-deep', nestedObjects(33)],
    ['32 levels of arrays', 'clean', nestedArrays(32)],
    ['33 levels of arrays', 'too-deep', nestedArrays(33)],
    ['a string at level 33 does not count', 'clean', nestedArrays(32, '"deep"')],
    ['an empty array at level 33 counts', 'too-deep', nestedArrays(32, '[]')],
    ['dirty and too deep: too-deep wins', 'too-deep', `[ "\\u0000", ${nestedArrays(33)} ]`],
    ['too deep under an unsafe key', 'too-deep', `{"__proto__":${nestedArrays(32)}}`],
    ['dirty, then too deep in a later key', 'too-deep', `{"a":"\\u0000","b":${nestedObjects(32)}}`],
    ['50,000 levels: no stack overflow', 'too-deep', nestedArrays(50_000)],
  ])('%s -> %s', (_name, expected, text) => {
    expect(inspectJson(JSON.parse(text), 32)).toBe(expected);
  });

  test('the depth limit is the argument', () => {
    expect(inspectJson({ a: { b: 1 } }, 2)).toBe('clean');
    expect(inspectJson({ a: { b: {} } }, 2)).toBe('too-deep');
    expect(inspectJson('x\u0000', 0)).toBe('dirty');
    expect(inspectJson(1, 0)).toBe('clean');
  });

  // The previous implementation of ingest's depth check, kept as the reference.
  function depthExceeds(value: unknown, max: number): boolean {
    const stack: [unknown, number][] = [[value, 1]];
    while (stack.length > 0) {
      const [v, depth] = stack.pop() as [unknown, number];
      if (typeof v !== 'object' || v === null) continue;
      if (depth > max) return true;
      for (const child of Object.values(v)) stack.push([child, depth + 1]);
    }
    return false;
  }

  test('on random JSON it agrees with the full sanitizing walk and the old depth check', () => {
    let s = 20261127;
    const rand = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const KEYS = [
      'a',
      'event',
      'Metadata',
      '__proto__',
      'constructor',
      'prototype',
      'k\u0000',
      '\ud800',
      'toString',
    ];
    const STRINGS = ['', 'plain', 'Pokémon', '💥', '\u0000', 'a\ud800', '\udc00b', '\ud83d\udca5', '\\u0000'];
    const gen = (depth: number): unknown => {
      const r = rand();
      if (depth > 40 || r < 0.35) return pick([...STRINGS, 1, -0.5, true, false, null]);
      if (r < 0.6) return Array.from({ length: Math.floor(rand() * 3) }, () => gen(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = 0; i < Math.floor(rand() * 3); i++) {
        // Rare dirty keys, so that clean values are common too.
        const key = rand() < 0.9 ? `k${Math.floor(rand() * 5)}` : pick(KEYS);
        Object.defineProperty(o, key, {
          value: gen(depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return o;
    };
    const seen = { clean: 0, dirty: 0, 'too-deep': 0 };
    for (let i = 0; i < 5_000; i++) {
      // Through JSON text, as ingest gets it (JSON.parse makes __proto__ an own key).
      const value = JSON.parse(JSON.stringify(gen(0)) ?? 'null');
      for (const max of [4, 32]) {
        const state = inspectJson(value, max);
        seen[state]++;
        expect(state === 'too-deep').toBe(depthExceeds(value, max));
        if (state === 'too-deep') continue;
        const sanitized = sanitizeJson(value);
        if (state === 'clean') expect(sanitized).toStrictEqual(value);
        else expect(JSON.stringify(sanitized)).not.toBe(JSON.stringify(value));
      }
    }
    expect(Math.min(seen.clean, seen.dirty, seen['too-deep'])).toBeGreaterThan(100);
  });
});
