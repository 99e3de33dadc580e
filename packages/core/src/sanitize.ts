/**
 * PostgreSQL rejects NUL characters (in text and in jsonb) and unpaired UTF-16 surrogates (in
 * jsonb), and Plex payloads are stored as jsonb. A webhook carrying either must still be
 * logged, so both become U+FFFD (the replacement character) in keys and string values.
 */
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
      // defineProperty, not assignment: a "__proto__" key stays a plain own property.
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
