import type { LoggedResult, WebhookAction } from '@plexhook/db';

/**
 * What handling one webhook decided; the processor turns it into the log row (and the watch, in
 * the same statement). A scrobble held on a conflict also says what it becomes should the
 * conflict turn out resolved by the time its row is written (conflicts.ts recordHeld).
 */
export type Outcome = LoggedResult & { ifResolved?: () => Promise<Outcome> };

export const ignored = (action: WebhookAction, message: string): Outcome => ({
  status: 'ignored',
  action,
  message,
});
