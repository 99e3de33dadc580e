import type { Db, WorkerStore } from '@plexhook/db';
import type { OutageLog, RedisClient } from '@plexhook/queue';
import type { Logger } from 'pino';
import type { WorkerConfig } from './config';
import type { DbHealth } from './health';
import type { SeriesLookupClient } from './media-server/series-lookup-client';
import type { PlexMetadataClient } from './plex/plex-metadata-client';

/** Everything a handler touches, as a plain object: main.ts builds the real one, tests their own. */
export type WorkerDeps = {
  /** The database client the store was built on (closed by main.ts; the store runs every statement). */
  db: Db;
  /** Every statement the worker runs (packages/db createWorkerStore), with its group commits. */
  store: WorkerStore;
  redis: RedisClient;
  logger: Logger;
  config: WorkerConfig;
  /**
   * Reads show ids from a user's Plex server. `createWebhookWorker` builds one from `config`
   * when absent; without it (a bare handler call) matching goes straight to titles.
   */
  plexMetadata?: PlexMetadataClient;
  /** Reads series ids from a user's Jellyfin or Emby server; built like plexMetadata. */
  seriesLookup?: SeriesLookupClient;
  /** Set by `createWebhookWorker`: told when a job finds the database unreachable. */
  dbHealth?: DbHealth;
  /** Counts jobs put back because the database was away (metrics). */
  onDeferred?: () => void;
  /** Where Redis connection errors go (one line per outage and interval); the same one as the
   * connection's (createRedis). Built from config when absent. */
  redisOutage?: OutageLog;
};
