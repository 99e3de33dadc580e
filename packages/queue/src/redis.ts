import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole = 'worker' | 'producer';

type ErrorLogger = { error(obj: object, msg: string): void };

/**
 * Workers block on Redis and must retry forever (`maxRetriesPerRequest: null`, as BullMQ
 * requires); a producer inside an HTTP request must fail fast instead of queueing commands
 * while Redis is away, so the request can answer (or spool) at once.
 */
export function createRedis(url: string, role: RedisRole, logger?: ErrorLogger): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 };
  const redis = new Redis(url, { ...options, lazyConnect: false });
  // An ioredis client without an error listener crashes the process on the first outage.
  redis.on('error', (err: Error) => logger?.error({ err: err.message, role }, 'redis connection error'));
  return redis;
}
