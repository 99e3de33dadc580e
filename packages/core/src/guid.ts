import type { PlexMetadata } from './plex-payload';

export type ExternalIds = { tmdb?: number; tvdb?: number; imdb?: string; anidb?: number };

export type GuidAgent =
  | 'plex'
  | 'imdb'
  | 'tmdb'
  | 'tvdb'
  | 'legacy-thetvdb'
  | 'legacy-themoviedb'
  | 'legacy-imdb'
  | 'legacy-hama'
  | 'unknown';

export type ParsedGuid = { agent: GuidAgent; ids: ExternalIds; season?: number; episode?: number };

// A fresh object each time: callers may fill in the ids they get back.
const unknown = (): ParsedGuid => ({ agent: 'unknown', ids: {} });

/**
 * Parses one Plex guid. A guid whose scheme we know but whose id is garbage (`tmdb://abc`)
 * comes back as `unknown` with no ids, so callers can never act on a half-parsed id.
 *
 * Note the legacy TV agents put the SHOW id in an episode's guid, while new-agent ids
 * (`tmdb://...` in `Guid[]`) belong to the item itself: see `extractIds`.
 */
export function parseGuid(guid: string): ParsedGuid {
  const match = /^([a-z0-9.+-]+):\/\/([^?#]*)/i.exec(guid.trim());
  if (!match) return unknown();
  const scheme = match[1]!.toLowerCase();
  const segments = match[2]!.split('/');
  const [first = '', ...rest] = segments;

  switch (scheme) {
    case 'plex':
      // plex://show/5d9c086c... identifies an item in Plex's own metadata, no external id.
      return { agent: 'plex', ids: {} };
    case 'imdb':
      return singleId('imdb', 'imdb', first, rest);
    case 'tmdb':
      return singleId('tmdb', 'tmdb', first, rest);
    case 'tvdb':
      return singleId('tvdb', 'tvdb', first, rest);
    case 'com.plexapp.agents.thetvdb':
    // The DVD-order variant of the same agent: same show ids, DVD season/episode numbers.
    case 'com.plexapp.agents.thetvdbdvdorder':
      return legacyTv('legacy-thetvdb', parseNumericId(first), 'tvdb', rest);
    case 'com.plexapp.agents.themoviedb':
      return legacyTv('legacy-themoviedb', parseNumericId(first), 'tmdb', rest);
    case 'com.plexapp.agents.imdb':
      return singleId('legacy-imdb', 'imdb', first, rest);
    case 'com.plexapp.agents.hama':
    case 'hama':
      return parseHama(first, rest);
    default:
      return unknown();
  }
}

function singleId(agent: GuidAgent, kind: 'imdb' | 'tmdb' | 'tvdb', raw: string, rest: string[]): ParsedGuid {
  if (rest.some((segment) => segment !== '')) return unknown();
  if (kind === 'imdb') {
    const imdb = normalizeImdbId(raw);
    return imdb ? { agent, ids: { imdb } } : unknown();
  }
  const id = parseNumericId(raw);
  return id === undefined ? unknown() : { agent, ids: { [kind]: id } };
}

function legacyTv(
  agent: GuidAgent,
  id: number | undefined,
  kind: 'tvdb' | 'tmdb' | 'anidb',
  rest: string[],
): ParsedGuid {
  if (id === undefined) return unknown();
  const [seasonRaw, episodeRaw, ...extra] = rest;
  const parsed: ParsedGuid = { agent, ids: { [kind]: id } };
  if (extra.some((segment) => segment !== '')) return unknown();
  if (seasonRaw !== undefined && seasonRaw !== '') {
    const season = parseIndex(seasonRaw);
    if (season === undefined) return unknown();
    parsed.season = season;
  }
  if (episodeRaw !== undefined && episodeRaw !== '') {
    const episode = parseIndex(episodeRaw);
    if (episode === undefined || parsed.season === undefined) return unknown();
    parsed.episode = episode;
  }
  return parsed;
}

// HAMA (the anime agent) prefixes the id with its source: anidb-69, tvdb-81797, and
// tvdb2-..tvdb6- for its alternative episode-numbering modes, which still name a tvdb show.
function parseHama(first: string, rest: string[]): ParsedGuid {
  const match = /^(anidb|tvdb[2-6]?|tmdb|imdb)-(.+)$/i.exec(first);
  if (!match) return unknown();
  const source = match[1]!.toLowerCase();
  const raw = match[2]!;
  if (source === 'imdb') {
    const imdb = normalizeImdbId(raw);
    return imdb ? { agent: 'legacy-hama', ids: { imdb } } : unknown();
  }
  const kind = source === 'anidb' ? 'anidb' : source === 'tmdb' ? 'tmdb' : 'tvdb';
  return legacyTv('legacy-hama', parseNumericId(raw), kind, rest);
}

/**
 * HAMA's numbering mode for an episode, when it is not the tvdb season/episode numbering the
 * catalogue uses: `anidb` (AniDB's own episode numbers) and `tvdb2`..`tvdb6` (absolute or
 * custom-arc numbering). Null for plain `tvdb-`/`tmdb-` and for every other agent.
 */
export function hamaCustomNumbering(metadata: PlexMetadata | undefined): string | null {
  if (!metadata?.guid) return null;
  const match = /^(?:com\.plexapp\.agents\.hama|hama):\/\/(anidb|tvdb[2-6])-/i.exec(metadata.guid.trim());
  return match ? match[1]!.toLowerCase() : null;
}

/** Catalogue ids are PostgreSQL `integer`s: a larger number cannot name anything we store. */
export const MAX_EXTERNAL_ID = 2_147_483_647;

/** A positive decimal id that fits int4 (`MAX_EXTERNAL_ID`), else undefined. */
export function parseNumericId(raw: string): number | undefined {
  if (!/^\d{1,10}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id > 0 && id <= MAX_EXTERNAL_ID ? id : undefined;
}

function parseIndex(raw: string): number | undefined {
  if (!/^\d{1,5}$/.test(raw)) return undefined;
  return Number(raw);
}

/** `tt` + at least 7 digits, the form IMDb uses; bare digits are zero-padded to 7. */
export function normalizeImdbId(raw: string): string | undefined {
  const match = /^(?:tt)?(\d{1,10})$/i.exec(raw.trim());
  if (!match) return undefined;
  const digits = match[1]!;
  if (/^0+$/.test(digits)) return undefined;
  return `tt${digits.padStart(7, '0')}`;
}

export type ExtractedIds = { show: ExternalIds; episode: ExternalIds; movie: ExternalIds };

const LEGACY_TV_AGENTS: ReadonlySet<GuidAgent> = new Set([
  'legacy-thetvdb',
  'legacy-themoviedb',
  'legacy-hama',
]);
const LEGACY_MOVIE_AGENTS: ReadonlySet<GuidAgent> = new Set(['legacy-imdb', 'legacy-themoviedb']);
const NEW_AGENT_SCHEMES: ReadonlySet<GuidAgent> = new Set(['imdb', 'tmdb', 'tvdb']);

/**
 * Sorts the ids in a metadata item by what they identify. For an episode the new agent's
 * `Guid[]` ids are the EPISODE's (tmdb://3053218 is an episode id, never a show id), while the
 * legacy agents' guid carries the SHOW's id; mixing the two up would match the wrong show.
 */
export function extractIds(metadata: PlexMetadata | undefined): ExtractedIds {
  const result: ExtractedIds = { show: {}, episode: {}, movie: {} };
  if (!metadata) return result;
  const own = parseGuidIfPresent(metadata.guid);
  const newAgentIds = (metadata.Guid ?? [])
    .map((entry) => parseGuid(entry.id))
    .filter((parsed) => NEW_AGENT_SCHEMES.has(parsed.agent));

  switch (metadata.type) {
    case 'episode': {
      if (LEGACY_TV_AGENTS.has(own.agent)) mergeInto(result.show, own.ids);
      const grandparent = parseGuidIfPresent(metadata.grandparentGuid);
      if (LEGACY_TV_AGENTS.has(grandparent.agent) || NEW_AGENT_SCHEMES.has(grandparent.agent)) {
        mergeInto(result.show, grandparent.ids);
      }
      for (const parsed of newAgentIds) mergeInto(result.episode, parsed.ids);
      break;
    }
    case 'season': {
      const parent = parseGuidIfPresent(metadata.parentGuid);
      for (const parsed of [own, parent]) {
        if (LEGACY_TV_AGENTS.has(parsed.agent) || NEW_AGENT_SCHEMES.has(parsed.agent)) {
          mergeInto(result.show, parsed.ids);
        }
      }
      break;
    }
    case 'show': {
      if (LEGACY_TV_AGENTS.has(own.agent)) mergeInto(result.show, own.ids);
      for (const parsed of newAgentIds) mergeInto(result.show, parsed.ids);
      break;
    }
    case 'movie': {
      if (LEGACY_MOVIE_AGENTS.has(own.agent) || NEW_AGENT_SCHEMES.has(own.agent)) {
        mergeInto(result.movie, own.ids);
      }
      for (const parsed of newAgentIds) mergeInto(result.movie, parsed.ids);
      break;
    }
    default:
      break;
  }
  return result;
}

function parseGuidIfPresent(guid: string | undefined): ParsedGuid {
  return guid ? parseGuid(guid) : unknown();
}

/** The first source to name an id wins: callers pass the most specific source first. */
function mergeInto(target: ExternalIds, ids: ExternalIds): void {
  if (target.tmdb === undefined && ids.tmdb !== undefined) target.tmdb = ids.tmdb;
  if (target.tvdb === undefined && ids.tvdb !== undefined) target.tvdb = ids.tvdb;
  if (target.imdb === undefined && ids.imdb !== undefined) target.imdb = ids.imdb;
  if (target.anidb === undefined && ids.anidb !== undefined) target.anidb = ids.anidb;
}
