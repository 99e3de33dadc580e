// Unmarks from Jellyfin and Emby (issue 16): a played tick taken off on the server is reported
// in the log, as issue 15's history sync reports Plex's, and never deletes a watch.
import {
  accountAllowed,
  isServerUnmark,
  SOURCE_NAMES,
  type SourceAccountLists,
  type WatchEvent,
} from '@plexhook/core';
import { ignored, type Outcome } from './outcome';

/** The outcome of an unmark, or null when the event is none. */
export function unmarkOutcome(event: WatchEvent, config: SourceAccountLists): Outcome | null {
  if (!isServerUnmark(event)) return null;
  const server = SOURCE_NAMES[event.source];
  if (!accountAllowed(event, config)) {
    const who = event.account?.name ?? event.account?.id ?? 'none';
    return ignored('ignored_account', `${server} account ${who} is not in the allow-list`);
  }
  return {
    status: 'success',
    action: 'unmark_reported',
    message: `${event.summary.label ?? 'item'} marked unwatched on ${server}; plexhook keeps its watches: delete one by hand if it was wrong`,
  };
}
