import type { Db } from '@plexhook/db';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WorkerConfig } from './config';

/** Everything a handler touches, as a plain object: main.ts builds the real one, tests their own. */
export type WorkerDeps = {
  db: Db;
  redis: Redis;
  logger: Logger;
  config: WorkerConfig;
};
