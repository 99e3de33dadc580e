// Which accounts of a media server count for a user: one allow-list per source
// (plex_config.plex_usernames, jellyfin_usernames, emby_usernames; empty = every account).
// Jellyfin and Emby webhooks are server-wide, so their list is how a household keeps one
// person's plays apart from another's.
import type { WatchSource } from './watch-event';

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

/** The allow-list of the source the event came from. */
export function accountAllowList(source: WatchSource, lists: SourceAccountLists): string[] {
  if (source === 'jellyfin') return lists.jellyfinUsernames ?? [];
  if (source === 'emby') return lists.embyUsernames ?? [];
  return lists.plexUsernames;
}
