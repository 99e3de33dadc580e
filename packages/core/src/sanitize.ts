/**
 * PostgreSQL rejects NUL characters (in text and in jsonb) and unpaired UTF-16 surrogates (in
 * jsonb), and Plex payloads are stored as jsonb. A webhook carrying either must still be
 * logged, so both become U+FFFD (the replacement character) in keys and string values.
 * Keys that mean something to JavaScript objects rather than to Plex (__proto__, constructor,
 * prototype) are dropped, so no payload can carry them into code that copies or merges it.
 */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const NUL = String.fromCharCode(0);
const REPLACEMENT = '\uFFFD';

export function sanitizeText(text: string): string {
  return text.replaceAll(NUL, REPLACEMENT).toWellFormed();
}

export function sanitizeJson(value: unknown): unknown {
  if (typeof value === 'string') return sanitizeText(value);
  if (Array.isArray(value)) return value.map(sanitizeJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (UNSAFE_KEYS.has(k)) continue;
      Object.defineProperty(out, sanitizeText(k), {
        value: sanitizeJson(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
