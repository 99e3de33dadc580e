// The user's Plex server, as the history sync reads it: history pages, accounts, libraries and
// metadata (JSON). The token goes in a header only and never into a message or a log line.
// Every failure throws a PlexServerError saying what happened in words a person can act on.
import {
  type PlexMetadata,
  type PlexPage,
  parseAccounts,
  parseHistoryPage,
  parseIdentity,
  parseMetadataList,
  parseSections,
} from '@plexhook/core';

export type PlexServer = { url: string; token: string };

export class PlexServerError extends Error {
  constructor(
    message: string,
    /** 401/403: the token is wrong or revoked; retrying will not help until it is changed. */
    readonly auth = false,
  ) {
    super(message);
    this.name = 'PlexServerError';
  }
}

// A history page of 500 rows is ~300 kB; a library list of 10,000 items ~10 MB.
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export type PlexServerClient = ReturnType<typeof createPlexServerClient>;

export function createPlexServerClient(server: PlexServer, opts: { timeoutMs: number }) {
  let base: URL;
  try {
    base = new URL(server.url);
  } catch {
    throw new PlexServerError('the Plex server URL is not a URL');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new PlexServerError('the Plex server URL must be http or https');
  const root = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;

  async function get(path: string, query: Record<string, string> = {}, headers: Record<string, string> = {}) {
    const extra = new URLSearchParams(query).toString();
    const url = `${root}${path}${extra ? `${path.includes('?') ? '&' : '?'}${extra}` : ''}`;
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { 'X-Plex-Token': server.token, Accept: 'application/json', ...headers },
        // A redirect could carry the token header to another host.
        redirect: 'error',
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (err) {
      const name = (err as { name?: unknown } | null)?.name;
      if (name === 'TimeoutError' || name === 'AbortError')
        throw new PlexServerError(
          `the Plex server did not answer ${path.split('?')[0]} within ${opts.timeoutMs} ms`,
        );
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new PlexServerError(`the Plex server is unreachable (${cause ?? (err as Error).message})`);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new PlexServerError(
        `the Plex server refused the token (HTTP ${res.status}): it was revoked or is wrong; set a new one in the user's Plex settings`,
        true,
      );
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new PlexServerError(`the Plex server answered HTTP ${res.status} for ${path.split('?')[0]}`);
    }
    const text = await res.text();
    if (text.length > MAX_BODY_BYTES)
      throw new PlexServerError(`the Plex server's answer to ${path} is too large`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new PlexServerError(`the Plex server answered ${path} with something that is not JSON`);
    }
  }

  const paging = (start: number, size: number) => ({
    'X-Plex-Container-Start': String(start),
    'X-Plex-Container-Size': String(size),
  });

  const need = <T>(value: T | null, path: string): T => {
    if (value === null)
      throw new PlexServerError(`the Plex server's answer to ${path} is not a MediaContainer`);
    return value;
  };

  return {
    /** One page of `/status/sessions/history/all`, oldest first, from viewedAt `since` (seconds). */
    async history(p: { since: number; accountId?: string; start: number; size: number }) {
      const path = '/status/sessions/history/all';
      // `viewedAt>=N` as Plex's filter grammar (and python-plexapi) writes it: the key `viewedAt>`,
      // unescaped; the query is built by hand so `>` is not percent-encoded.
      let query = `sort=viewedAt:asc&viewedAt>=${Math.max(0, Math.floor(p.since))}`;
      if (p.accountId !== undefined) query += `&accountID=${encodeURIComponent(p.accountId)}`;
      const raw = await get(`${path}?${query}`, {}, paging(p.start, p.size));
      return need(raw === null ? null : parseHistoryPage(raw), path);
    },
    /** The server's machineIdentifier (what webhooks call Server.uuid); null if it says none. */
    async identity(): Promise<string | null> {
      const raw = await get('/identity');
      return raw === null ? null : (parseIdentity(raw)?.id ?? null);
    },
    async accounts() {
      const raw = await get('/accounts');
      return need(raw === null ? null : parseAccounts(raw), '/accounts');
    },
    async sections() {
      const raw = await get('/library/sections');
      return need(raw === null ? null : parseSections(raw), '/library/sections');
    },
    /** One item (`/library/metadata/{key}`), or null when the server has no such item. */
    async metadata(ratingKey: string): Promise<PlexMetadata | null> {
      if (!/^\d{1,20}$/.test(ratingKey)) return null;
      const path = `/library/metadata/${ratingKey}`;
      const raw = await get(path);
      if (raw === null) return null;
      return need(parseMetadataList(raw), path).items[0] ?? null;
    },
    /** A page of a library's items of one type (1 movie, 2 show, 4 episode). */
    async sectionItems(
      sectionKey: string,
      type: number,
      start: number,
      size: number,
    ): Promise<PlexPage<PlexMetadata>> {
      const path = `/library/sections/${encodeURIComponent(sectionKey)}/all`;
      const raw = await get(path, { type: String(type), includeGuids: '1' }, paging(start, size));
      return need(raw === null ? null : parseMetadataList(raw), path);
    },
  };
}
