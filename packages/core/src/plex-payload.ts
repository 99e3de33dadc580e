import { type core, z } from 'zod';

// Plex is inconsistent across server versions and agents: numbers arrive as strings now and
// then, and a null shows up where a field is usually just absent. We coerce those cases and
// reject everything else, so the worker never has to guess at types.
const NUMERIC_STRING = /^\s*-?\d+(\.\d+)?\s*$/;

/** A numeric string as a number; null and "" as absent; anything else unchanged. */
export function toNumberIfNumeric(value: unknown): unknown {
  if (value === null || value === '') return undefined;
  if (typeof value === 'string' && NUMERIC_STRING.test(value)) return Number(value);
  return value;
}

function toStringIfNumber(value: unknown): unknown {
  if (value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return value;
}

function nullToUndefined(value: unknown): unknown {
  return value === null ? undefined : value;
}

const optionalNumber = z.preprocess(toNumberIfNumeric, z.number().optional()).optional();
// Season and episode numbers address `integer` columns: a value that cannot be one (a fraction,
// a negative, beyond int4) is no number at all, so the episode is simply not found, never a
// database error that would be retried.
const MAX_INT4 = 2_147_483_647;
const isInt4Index = (n: number) => Number.isInteger(n) && n >= 0 && n <= MAX_INT4;
const optionalIndex = z
  .preprocess((value) => {
    const n = toNumberIfNumeric(value);
    return typeof n === 'number' && !isInt4Index(n) ? undefined : n;
  }, z.number().optional())
  .optional();

/** A season or episode number (a number or a numeric string) that fits int4, else undefined. */
export function int4Index(value: unknown): number | undefined {
  const n = toNumberIfNumeric(value);
  return typeof n === 'number' && isInt4Index(n) ? n : undefined;
}
const optionalString = z.preprocess(nullToUndefined, z.string().optional()).optional();
const optionalBoolean = z.preprocess(nullToUndefined, z.boolean().optional()).optional();
/** Rating keys are opaque identifiers: always strings, even when Plex sends a number. */
const ratingKey = z.preprocess(toStringIfNumber, z.string().min(1));
const optionalRatingKey = z.preprocess(toStringIfNumber, z.string().min(1).optional()).optional();

export const PlexGuidEntrySchema = z.looseObject({ id: z.string() });
export type PlexGuidEntry = z.infer<typeof PlexGuidEntrySchema>;

export const PlexAccountSchema = z.looseObject({
  id: optionalNumber,
  title: optionalString,
  thumb: optionalString,
});
export type PlexAccount = z.infer<typeof PlexAccountSchema>;

export const PlexServerSchema = z.looseObject({
  title: optionalString,
  uuid: optionalString,
});
export type PlexServer = z.infer<typeof PlexServerSchema>;

export const PlexPlayerSchema = z.looseObject({
  local: optionalBoolean,
  publicAddress: optionalString,
  title: optionalString,
  uuid: optionalString,
});
export type PlexPlayer = z.infer<typeof PlexPlayerSchema>;

export const PlexMetadataSchema = z.looseObject({
  // Every Plex metadata item has these two; without them there is nothing to act on.
  ratingKey,
  type: z.string(),
  subtype: optionalString,
  extraType: z.preprocess(nullToUndefined, z.union([z.string(), z.number()]).optional()).optional(),
  librarySectionType: optionalString,
  // The library section an item is in (filters): Plex sends the id as a number or a string.
  librarySectionID: optionalRatingKey,
  librarySectionTitle: optionalString,
  // media.rate: the user's rating, 0-10 (absent or 0: the rating was cleared).
  userRating: optionalNumber,
  // Live TV sends `live: 1`; some clients send a boolean or "1".
  live: z.preprocess(nullToUndefined, z.union([z.boolean(), z.number(), z.string()]).optional()).optional(),
  key: optionalString,
  parentRatingKey: optionalRatingKey,
  grandparentRatingKey: optionalRatingKey,
  guid: optionalString,
  parentGuid: optionalString,
  grandparentGuid: optionalString,
  title: optionalString,
  parentTitle: optionalString,
  grandparentTitle: optionalString,
  originalTitle: optionalString,
  index: optionalIndex,
  parentIndex: optionalIndex,
  year: optionalNumber,
  originallyAvailableAt: optionalString,
  duration: optionalNumber,
  viewOffset: optionalNumber,
  lastViewedAt: optionalNumber,
  Guid: z.preprocess(nullToUndefined, z.array(PlexGuidEntrySchema).optional()).optional(),
});
export type PlexMetadata = z.infer<typeof PlexMetadataSchema>;

export const PlexPayloadSchema = z.looseObject({
  event: z.string().min(1),
  user: optionalBoolean,
  owner: optionalBoolean,
  // Server-level events (admin.database.backup, device.new) may come without any of these.
  Account: z.preprocess(nullToUndefined, PlexAccountSchema.optional()).optional(),
  Server: z.preprocess(nullToUndefined, PlexServerSchema.optional()).optional(),
  Player: z.preprocess(nullToUndefined, PlexPlayerSchema.optional()).optional(),
  Metadata: z.preprocess(nullToUndefined, PlexMetadataSchema.optional()).optional(),
});
export type PlexPayload = z.infer<typeof PlexPayloadSchema>;

export type ParsePlexPayloadResult = { ok: true; payload: PlexPayload } | { ok: false; error: string };

// Enough issues to fix a hand-written payload, few enough to stay one readable log line.
const MAX_REPORTED_ISSUES = 5;
const MAX_SHOWN_INPUT = 40;

export function parsePlexPayload(raw: unknown): ParsePlexPayloadResult {
  let input = raw;
  if (typeof raw === 'string') {
    try {
      input = JSON.parse(raw);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return { ok: false, error: `payload is not valid JSON: ${oneLine(reason)}` };
    }
  }
  const result = PlexPayloadSchema.safeParse(input, { reportInput: true });
  if (result.success) return { ok: true, payload: result.data };
  return { ok: false, error: formatIssues(result.error.issues) };
}

function formatIssues(issues: core.$ZodIssue[]): string {
  const shown = issues.slice(0, MAX_REPORTED_ISSUES).map(formatIssue);
  const hidden = issues.length - shown.length;
  return hidden > 0 ? `${shown.join('; ')}; and ${hidden} more` : shown.join('; ');
}

function formatIssue(issue: core.$ZodIssue): string {
  const where = formatPath(issue.path);
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return `${where}: required (expected ${issue.expected})`;
    return `${where}: expected ${issue.expected}, got ${describeInput(issue.input)}`;
  }
  return `${where}: ${oneLine(issue.message)}`;
}

function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return '(payload)';
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function describeInput(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  if (typeof input === 'object') return 'object';
  const text = typeof input === 'string' ? JSON.stringify(input) : String(input);
  return text.length > MAX_SHOWN_INPUT ? `${text.slice(0, MAX_SHOWN_INPUT)}…` : text;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
