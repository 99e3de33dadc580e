// The worker app's entry point for code outside it (tests, bench, reliability): the factories
// that main.ts wires together. main.ts itself is the process and is not exported.
export { loadWorkerConfig, type WorkerConfig, WorkerConfigSchema } from './config';
export type { WorkerDeps } from './deps';
export { processPlexEvent } from './processors/plex-event.processor';
export { createWebhookWorker, type WebhookWorker, type WorkerHealth } from './worker';
