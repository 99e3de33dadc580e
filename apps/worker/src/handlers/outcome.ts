import type { WebhookAction, WebhookStatus } from '@plexhook/db';

/** What handling one webhook decided; the processor turns it into the log row (and watch). */
export type Outcome = {
  status: WebhookStatus;
  action: WebhookAction | null;
  message?: string;
  conflictId?: number;
  /** Written in the same transaction as the log row, so a crash cannot mark without logging. */
  episodeWatch?: { episodeId: number; watchedAt: Date };
  /** Likewise for a movie scrobble. */
  movieWatch?: { movieId: number; watchedAt: Date };
};

export const ignored = (action: WebhookAction, message: string): Outcome => ({
  status: 'ignored',
  action,
  message,
});
