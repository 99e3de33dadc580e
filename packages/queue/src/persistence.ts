import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './redis';

export type RedisPersistence =
  /** AOF on: an acknowledged job survives a restart (up to `appendfsync`'s window). */
  | { status: 'aof'; appendfsync: string; save: string }
  /** RDB snapshots only: a restart loses what was queued since the last snapshot. */
  | { status: 'snapshots-only'; save: string }
  /** Neither: a restart loses the whole queued backlog. */
  | { status: 'none' }
  /** CONFIG disabled or renamed (managed Redis), or Redis not reachable in time. */
  | { status: 'unknown'; reason: string };

type Logger = {
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
  info(o: object, m: string): void;
};

export class RedisPersistenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisPersistenceError';
  }
}

function configValue(reply: unknown, name: string): string | undefined {
  if (!Array.isArray(reply)) return undefined;
  const i = reply.findIndex((v, k) => k % 2 === 0 && String(v).toLowerCase() === name);
  return i >= 0 ? String(reply[i + 1]) : undefined;
}

function waitReady(redis: RedisClient, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.once('ready', onReady);
  });
}

/** Worst first: a Cluster is as safe as its least persistent node. */
const RANK: Record<RedisPersistence['status'], number> = { none: 0, 'snapshots-only': 1, unknown: 2, aof: 3 };

/**
 * What Redis says about its persistence (`CONFIG GET appendonly`, `save`, `appendfsync`). Behind
 * Sentinel the connection is the master's, so that is the server asked; every node of a Cluster
 * (masters and replicas) is asked, and the least persistent one is the answer.
 */
export async function checkRedisPersistence(
  redis: RedisClient,
  timeoutMs = 5_000,
): Promise<RedisPersistence> {
  if (!(await waitReady(redis, timeoutMs))) {
    return { status: 'unknown', reason: `Redis not reachable within ${timeoutMs} ms` };
  }
  if (redis instanceof Cluster) {
    // Replicas too: a replica becomes the master its shard fails over to.
    const nodes = redis.nodes('all');
    if (nodes.length === 0) return { status: 'unknown', reason: 'the cluster reported no node' };
    const results = await Promise.all(nodes.map((node) => checkServer(node)));
    return results.reduce((worst, r) => (RANK[r.status] < RANK[worst.status] ? r : worst));
  }
  return checkServer(redis);
}

async function checkServer(redis: Redis): Promise<RedisPersistence> {
  let appendonly: string | undefined;
  let save: string | undefined;
  let appendfsync: string | undefined;
  try {
    const [a, s, f] = await Promise.all([
      redis.call('CONFIG', 'GET', 'appendonly'),
      redis.call('CONFIG', 'GET', 'save'),
      redis.call('CONFIG', 'GET', 'appendfsync'),
    ]);
    appendonly = configValue(a, 'appendonly');
    save = configValue(s, 'save');
    appendfsync = configValue(f, 'appendfsync');
  } catch (err) {
    return {
      status: 'unknown',
      reason: `CONFIG GET refused: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  if (appendonly === undefined || save === undefined) {
    return { status: 'unknown', reason: 'CONFIG GET did not report appendonly and save' };
  }
  if (appendonly === 'yes') return { status: 'aof', appendfsync: appendfsync ?? 'unknown', save };
  if (save.trim() !== '') return { status: 'snapshots-only', save };
  return { status: 'none' };
}

/**
 * Checks Redis persistence at start-up and says so: the queued backlog lives only in Redis, and
 * a Redis without persistence loses all of it on a restart. Without any persistence, in
 * production (unless `allowNoPersistence`) this throws RedisPersistenceError, and the caller
 * should refuse to start; elsewhere it logs one loud warning. Snapshots only, or a Redis that
 * cannot be asked (CONFIG disabled, not reachable yet), is logged and never refused.
 */
export async function enforceRedisPersistence(
  redis: RedisClient,
  options: { production: boolean; allowNoPersistence: boolean; logger: Logger; timeoutMs?: number },
): Promise<RedisPersistence> {
  const result = await checkRedisPersistence(redis, options.timeoutMs);
  const { logger } = options;
  switch (result.status) {
    case 'aof':
      logger.info({ appendfsync: result.appendfsync }, 'redis persistence: AOF on');
      break;
    case 'snapshots-only':
      logger.warn(
        { save: result.save },
        'REDIS PERSISTENCE: snapshots only (appendonly no): a Redis restart loses webhooks queued since the last snapshot; use appendonly yes, appendfsync everysec',
      );
      break;
    case 'unknown':
      logger.warn(
        { reason: result.reason },
        'redis persistence could not be checked: make sure Redis runs with appendonly yes',
      );
      break;
    case 'none': {
      const message =
        'REDIS PERSISTENCE OFF (appendonly no, save ""): a Redis restart loses every queued webhook; run Redis with appendonly yes, appendfsync everysec';
      if (options.production && !options.allowNoPersistence) {
        throw new RedisPersistenceError(
          `${message}. Refusing to start in production; set REDIS_ALLOW_NO_PERSISTENCE=true to start anyway`,
        );
      }
      logger.error(
        { allowNoPersistence: options.allowNoPersistence, production: options.production },
        message,
      );
      break;
    }
  }
  return result;
}
