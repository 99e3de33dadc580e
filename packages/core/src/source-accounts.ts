// Which accounts of a media server count for a user: one allow-list per source
// (plex_config.plex_usernames, jellyfin_usernames, emby_usernames; empty = every account).
// Jellyfin and Emby webhooks are server-wide, so their list is how a household keeps one
// person's plays apart from another's.
import type { WatchEvent, WatchSource } from './watch-event';

export type SourceAccountLists = {
  plexUsernames: string[];
  jellyfinUsernames?: string[];
  embyUsernames?: string[];
};

/** The source's name in messages. */
export const SOURCE_NAMES: Record<WatchSource, string> = {
  plex: 'Plex',
  jellyfin: 'Jellyfin',
  emby: 'Emby',
};

const dashlessGuid = (entry: string) => {
  const trimmed = entry.trim();
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(trimmed)
    ? trimmed.replace(/-/g, '').toLowerCase()
    : entry;
};

/** The allow-list of the source the event came from. */
export function accountAllowList(source: WatchSource, lists: SourceAccountLists): string[] {
  // Jellyfin user ids arrive dashless (jellyfinKey); one pasted from the dashboard has dashes.
  if (source === 'jellyfin') return (lists.jellyfinUsernames ?? []).map(dashlessGuid);
  if (source === 'emby') return lists.embyUsernames ?? [];
  return lists.plexUsernames;
}

/** Whether the event's account is in its source's allow-list (names any case, or ids; empty = all). */
export function accountAllowed(
  event: Pick<WatchEvent, 'source' | 'account' | 'ownAccount'>,
  lists: SourceAccountLists,
): boolean {
  const allowed = accountAllowList(event.source, lists)
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '');
  if (allowed.length === 0) return true;
  if (event.ownAccount && allowed.includes('@me')) return true;
  const { account } = event;
  if (!account) return false;
  const name = account.name?.trim().toLowerCase();
  return allowed.some((entry) => entry === name || entry === account.id?.toLowerCase());
}

/**
 * An unmark on a Jellyfin or Emby server (a played tick taken off: Jellyfin's UserDataSaved
 * TogglePlayed with Played false, Emby's item.markunplayed) of an episode or a movie. It is
 * reported (`unmark_reported`), never acted on: a watch plexhook recorded is kept.
 */
export function isServerUnmark(event: WatchEvent): boolean {
  if (event.action !== 'other') return false;
  if (event.media?.kind !== 'episode' && event.media?.kind !== 'movie') return false;
  return (
    (event.source === 'jellyfin' && event.sourceEvent === 'UserDataSaved:TogglePlayed') ||
    (event.source === 'emby' && event.sourceEvent === 'item.markunplayed')
  );
}
