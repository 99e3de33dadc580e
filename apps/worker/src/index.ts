// The worker app's entry point for code outside it (tests, bench, reliability): the factories
// that main.ts wires together. main.ts itself is the process and is not exported.
export { loadWorkerConfig, type WorkerConfig, WorkerConfigSchema } from './config';
export type { WorkerDeps } from './deps';
// The one match flow and its per-kind descriptors (bench/matching-scale.ts times them).
export { MOVIE, SHOW } from './handlers/media-kinds';
export { type MatchSettings, type Resolution, resolveMedia } from './handlers/resolve';
export { DEFAULT_HISTORY_SYNC_OPTIONS, type HistorySyncOptions } from './history/history-sync';
export {
  createHistoryWorker,
  type HistoryWorker,
  type HistoryWorkerDeps,
} from './processors/history-sync.processor';
export { processPlexEvent } from './processors/plex-event.processor';
export { createWebhookWorker, type WebhookWorker, type WebhookWorkerDeps, type WorkerHealth } from './worker';
