// The per-user library, server and player filters (plex_config's lists, issue 18). A filtered
// event is logged `ignored_library|server|player` with the reason and changes nothing.
import type { WatchEvent } from './watch-event';

/** Each list empty = no filter. Entries compare trimmed and case-insensitively. */
export type PlaybackFilters = {
  /** Library section ids or titles (`librarySectionID` / `librarySectionTitle`). */
  libraryAllowList: string[];
  libraryDenyList: string[];
  /** Server ids (`Server.uuid`). */
  serverAllowList: string[];
  /** Player ids or names (`Player.uuid` / `Player.title`). */
  playerDenyList: string[];
};

export type FilterAction = 'ignored_library' | 'ignored_server' | 'ignored_player';

const norm = (list: string[] | undefined) =>
  (list ?? []).map((entry) => entry.trim().toLowerCase()).filter((entry) => entry !== '');

/** Whether any of the event's names for a thing (id, title) is in the list. */
const named = (list: string[], ...names: (string | undefined)[]) =>
  names.some((n) => n !== undefined && list.includes(n.trim().toLowerCase()));

const describe = (id: string | undefined, title: string | undefined) =>
  title && id ? `"${title}" (${id})` : title ? `"${title}"` : (id ?? 'unknown');

/**
 * The first filter the event falls foul of, or null. An allow-list needs the event to say
 * where it came from (an event without a library or server is not in any allow-list); a deny
 * list only refuses what it names.
 */
export function filterPlayback(
  event: Pick<WatchEvent, 'library' | 'server' | 'player'>,
  filters: Partial<PlaybackFilters>,
): { kind: 'ignore'; action: FilterAction; reason: string } | null {
  const servers = norm(filters.serverAllowList);
  if (servers.length > 0 && !named(servers, event.server.id)) {
    return ignoreAs(
      'ignored_server',
      `server ${describe(event.server.id, event.server.name)} is not in the server allow-list`,
    );
  }
  const library = event.library;
  const what = `library ${describe(library?.id, library?.title)}`;
  const allowed = norm(filters.libraryAllowList);
  if (allowed.length > 0 && !named(allowed, library?.id, library?.title)) {
    return ignoreAs('ignored_library', `${what} is not in the library allow-list`);
  }
  const denied = norm(filters.libraryDenyList);
  if (denied.length > 0 && named(denied, library?.id, library?.title)) {
    return ignoreAs('ignored_library', `${what} is in the library deny-list`);
  }
  const players = norm(filters.playerDenyList);
  if (players.length > 0 && named(players, event.player?.id, event.player?.name)) {
    return ignoreAs(
      'ignored_player',
      `player ${describe(event.player?.id, event.player?.name)} is in the player deny-list`,
    );
  }
  return null;
}

const ignoreAs = (action: FilterAction, reason: string) => ({ kind: 'ignore' as const, action, reason });
