// One play once (ARCHITECTURE.md, "History"): which writes go through the reconciled write
// (db insertReconciledLog) instead of the group-committed one. A history row or a manual mark
// always does; a webhook scrobble only when its user has a Plex server configured, i.e. when a
// history row of the same play can arrive. Everyone else keeps the two-statement hot path.
import { HISTORY_RECONCILE_WINDOW_SECONDS, historyOrigin, type WatchEvent } from '@plexhook/core';
import {
  insertReconciledLog,
  type LoggedResult,
  type LogWrite,
  type ReconcileRole,
  type UserConfig,
} from '@plexhook/db';
import type { WorkerDeps } from '../deps';

export function reconcileRole(event: WatchEvent, config: UserConfig | null): ReconcileRole | undefined {
  const origin = historyOrigin(event);
  if (origin)
    return origin.kind === 'play' && origin.key ? { role: 'history', key: origin.key } : { role: 'mark' };
  // Plex's own webhooks only: a Jellyfin or Emby play of the same episode is another server's
  // report (dedupe_across_sources decides about those).
  return event.source === 'plex' && config?.plexServerUrl && config.plexToken
    ? { role: 'webhook' }
    : undefined;
}

/** The log row (and the watch, unless the play is recorded already) under the reconcile rule. */
export function writeReconciled(
  deps: WorkerDeps,
  write: LogWrite,
  role: ReconcileRole,
): Promise<{ id: number; outcome: LoggedResult } | null> {
  return insertReconciledLog(deps.db, write, role, HISTORY_RECONCILE_WINDOW_SECONDS);
}
