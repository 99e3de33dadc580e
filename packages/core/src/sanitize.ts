/**
 * PostgreSQL rejects NUL characters (in text and in jsonb) and unpaired UTF-16 surrogates (in
 * jsonb), and Plex payloads are stored as jsonb. A webhook carrying either must still be
 * logged, so both become U+FFFD (the replacement character) in keys and string values.
 * Keys that mean something to JavaScript objects rather than to Plex (__proto__, constructor,
 * prototype) are dropped, so no payload can carry them into code that copies or merges it.
 */
const NUL = String.fromCharCode(0);
const REPLACEMENT = '\uFFFD';

function isUnsafeKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

/** True when sanitizeText would return `text` unchanged. */
function isCleanText(text: string): boolean {
  return !text.includes(NUL) && text.isWellFormed();
}

export function sanitizeText(text: string): string {
  const noNul = text.includes(NUL) ? text.replaceAll(NUL, REPLACEMENT) : text;
  return noNul.isWellFormed() ? noNul : noNul.toWellFormed();
}

export function sanitizeJson(value: unknown): unknown {
  if (typeof value === 'string') return sanitizeText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = sanitizeJson(value[i]);
    return out;
  }
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(source)) {
    if (isUnsafeKey(k)) continue;
    // A cleaned key can never become __proto__ (it then holds U+FFFD). A plain assignment
    // creates an own data property exactly like defineProperty, and is ~8x cheaper, unless
    // Object.prototype has that name (toString, hasOwnProperty…): a frozen or tampered
    // prototype could then refuse or intercept the assignment, so those keep defineProperty.
    const key = sanitizeText(k);
    const v = sanitizeJson(source[k]);
    if (key in Object.prototype) {
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    } else {
      out[key] = v;
    }
  }
  return out;
}

/**
 * One walk, without allocating, over a JSON value (as JSON.parse returns it): `'too-deep'` when
 * an object or array sits deeper than `maxDepth` levels (the value itself is level 1),
 * otherwise `'dirty'` when sanitizeJson would change something (a NUL or lone surrogate in a
 * key or string, an unsafe key), else `'clean'`: sanitizeJson would return an equal copy, so
 * the value can be used as it is. The recursion stops at `maxDepth`, whatever the input.
 */
export function inspectJson(value: unknown, maxDepth: number): 'clean' | 'dirty' | 'too-deep' {
  const r = inspect(value, maxDepth);
  return r === TOO_DEEP ? 'too-deep' : r === DIRTY ? 'dirty' : 'clean';
}

const CLEAN = 0;
const DIRTY = 1;
const TOO_DEEP = 2;

/** `budget`: how many more levels of objects/arrays are allowed, this value's included. */
function inspect(value: unknown, budget: number): number {
  if (typeof value === 'string') return isCleanText(value) ? CLEAN : DIRTY;
  if (typeof value !== 'object' || value === null) return CLEAN;
  if (budget <= 0) return TOO_DEEP;
  let state = CLEAN;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const s = inspect(value[i], budget - 1);
      if (s === TOO_DEEP) return TOO_DEEP;
      state |= s;
    }
    return state;
  }
  const source = value as Record<string, unknown>;
  // A dirty value is still walked to the end: the depth limit must hold for all of it.
  for (const k of Object.keys(source)) {
    if (isUnsafeKey(k) || !isCleanText(k)) state = DIRTY;
    const s = inspect(source[k], budget - 1);
    if (s === TOO_DEEP) return TOO_DEEP;
    state |= s;
  }
  return state;
}
