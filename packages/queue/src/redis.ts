import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { OutageLog } from './outage-log';
import { type RedisConfig, redisTopology } from './redis-config';

export type RedisRole = 'worker' | 'producer';

/** A connection as createRedis makes it: one server (also behind Sentinel) or a Cluster. Both
 * speak the commands the apps use, and BullMQ takes either as its `connection`. */
export type RedisClient = Redis | Cluster;

type ErrorLogger = { error(obj: object, msg: string): void; info(obj: object, msg: string): void };

/**
 * After a failover the old master may still be connected as a replica for a moment and refuse
 * writes with READONLY: reconnect (Sentinel then names the new master) and resend the command.
 */
function reconnectOnReadOnly(err: Error): 2 | false {
  return err.message.startsWith('READONLY') ? 2 : false;
}

/** How many replicas must hold a write before ingest answers 200 (REDIS_WAIT_REPLICAS). */
const waitReplicas = new WeakMap<object, number>();

/** The REDIS_WAIT_REPLICAS the connection was made with (0: no WAIT). */
export function replicasToWaitFor(redis: object): number {
  return waitReplicas.get(redis) ?? 0;
}

/** The parts of REDIS_URL that Sentinel and Cluster mode use: TLS, user, password, database. */
function urlParts(raw: string): Pick<RedisOptions, 'username' | 'password' | 'db' | 'tls'> {
  const url = new URL(raw);
  const db = Number(url.pathname.replace(/^\//, '') || '0');
  return {
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(Number.isInteger(db) && db > 0 ? { db } : {}),
    // Certificates are checked against Node's CAs; a private CA goes in NODE_EXTRA_CA_CERTS.
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * One Redis connection, for any topology (REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES:
 * redis-config.ts); everything in the apps that talks to Redis is made here.
 *
 * Workers block on Redis and must retry forever (`maxRetriesPerRequest: null`, as BullMQ
 * requires); a producer inside an HTTP request must fail fast instead of queueing commands
 * while Redis is away (`enableOfflineQueue: false`), so the request can answer (or spool) at
 * once. A plain URL string is a single server.
 */
export function createRedis(url: string, role: RedisRole, logger?: ErrorLogger, outage?: OutageLog): Redis;
export function createRedis(
  target: string | RedisConfig,
  role: RedisRole,
  logger?: ErrorLogger,
  outage?: OutageLog,
): RedisClient;
export function createRedis(
  target: string | RedisConfig,
  role: RedisRole,
  logger?: ErrorLogger,
  /** Where connection errors go (one line per outage and interval); pass the same one to the
   * queue's and worker's `error` handlers, so the whole process reports an outage once. */
  outage: OutageLog | undefined = logger ? new OutageLog(logger, 'redis') : undefined,
): RedisClient {
  const config: RedisConfig = typeof target === 'string' ? { REDIS_URL: target } : target;
  const roleOptions: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 };
  const redis = connect(config, roleOptions, role);
  // WAIT counts the replicas of the server the connection writes to: one server or a Sentinel
  // master. A Cluster routes a keyless WAIT to any node, so there it is not used.
  if (!(redis instanceof Cluster)) waitReplicas.set(redis, config.REDIS_WAIT_REPLICAS ?? 0);
  // An ioredis client without an error listener crashes the process on the first outage.
  redis.on('error', (err: Error) =>
    outage
      ? outage.handle(err, (e) => logger?.error({ err: e.message, role }, 'redis error'), { role })
      : undefined,
  );
  redis.on('ready', () => outage?.recovered());
  return redis;
}

function connect(config: RedisConfig, roleOptions: RedisOptions, role: RedisRole): RedisClient {
  const topology = redisTopology(config);
  if (topology === 'standalone') {
    return new Redis(config.REDIS_URL, {
      ...roleOptions,
      reconnectOnError: reconnectOnReadOnly,
      lazyConnect: false,
    });
  }
  const parts = urlParts(config.REDIS_URL);
  if (topology === 'sentinel') {
    const tls = parts.tls !== undefined;
    return new Redis({
      ...parts,
      ...roleOptions,
      sentinels: config.REDIS_SENTINELS ?? [],
      name: config.REDIS_SENTINEL_NAME ?? 'mymaster',
      ...(config.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: config.REDIS_SENTINEL_PASSWORD } : {}),
      // rediss:// means TLS everywhere: to the sentinels as well as to the master.
      ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      // No `failoverDetector`: in ioredis 5.11 its +switch-master handler disconnects the
      // connector, and when that lands while the client is still asking the sentinels for a
      // master (the old one just died) the connect loop throws "Connection is closed." and the
      // client ends for good (status `end`, never reconnecting): seen in the failover test.
      // A dead master closes the socket and a demoted one answers READONLY (below), and both
      // reconnect through the sentinels.
      reconnectOnError: reconnectOnReadOnly,
      lazyConnect: false,
    });
  }
  const { db: _ignored, ...nodeParts } = parts; // a Cluster has database 0 only
  const options: ClusterOptions = {
    redisOptions: { ...nodeParts, ...roleOptions },
    // The cluster's own offline queue: a producer fails fast as with one server.
    enableOfflineQueue: role === 'worker',
    enableReadyCheck: true,
    ...(role === 'producer' ? { maxRedirections: 16, retryDelayOnFailover: 100 } : {}),
    lazyConnect: false,
  };
  return new Cluster(config.REDIS_CLUSTER_NODES ?? [], options);
}
