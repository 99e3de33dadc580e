import { Redis, type RedisOptions } from 'ioredis';
import { OutageLog } from './outage-log';

export type RedisRole = 'worker' | 'producer';

type ErrorLogger = { error(obj: object, msg: string): void; info(obj: object, msg: string): void };

/**
 * Workers block on Redis and must retry forever (`maxRetriesPerRequest: null`, as BullMQ
 * requires); a producer inside an HTTP request must fail fast instead of queueing commands
 * while Redis is away, so the request can answer (or spool) at once.
 */
export function createRedis(
  url: string,
  role: RedisRole,
  logger?: ErrorLogger,
  /** Where connection errors go (one line per outage and interval); pass the same one to the
   * queue's and worker's `error` handlers, so the whole process reports an outage once. */
  outage: OutageLog | undefined = logger ? new OutageLog(logger, 'redis') : undefined,
): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 };
  const redis = new Redis(url, { ...options, lazyConnect: false });
  // An ioredis client without an error listener crashes the process on the first outage.
  redis.on('error', (err: Error) =>
    outage
      ? outage.handle(err, (e) => logger?.error({ err: e.message, role }, 'redis error'), { role })
      : undefined,
  );
  redis.on('ready', () => outage?.recovered());
  return redis;
}
