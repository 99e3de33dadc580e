import { z } from 'zod';

// Where Redis is, read from the environment by every app's config.ts (one shape, spread into
// each schema) and turned into one of three topologies by createRedis:
// - a single server: REDIS_URL (redis:// or rediss:// for TLS);
// - Sentinel: REDIS_SENTINELS=host:port,… and REDIS_SENTINEL_NAME; REDIS_URL then gives only
//   the scheme (rediss:// = TLS to the master, the replicas and the sentinels), the user, the
//   password and the database number;
// - Cluster: REDIS_CLUSTER_NODES=host:port,… (seed nodes); REDIS_URL gives scheme, user and
//   password. BullMQ's keys must share one hash slot, so the queue prefix is hash-tagged
//   (`plexhook` -> `{plexhook}`) whenever cluster mode is on (clusterQueuePrefix).

export type HostPort = { host: string; port: number };

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** `host:port,host:port` (IPv6 as `[::1]:26379`); a missing port is `defaultPort`. */
export function parseHostPorts(list: string, defaultPort: number): HostPort[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((entry) => {
      const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(entry);
      if (!m) throw new Error(`"${entry}" is not host:port`);
      const port = m[2] === undefined ? defaultPort : Number(m[2]);
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new Error(`"${entry}": port out of range`);
      return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
    });
}

const hostPortList = (defaultPort: number) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .transform((s, ctx) => {
        try {
          const list = parseHostPorts(s, defaultPort);
          if (list.length === 0) throw new Error('no host:port in the list');
          return list;
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      })
      .optional(),
  );

/** The Redis variables every app reads; spread into each app's config schema. */
export const REDIS_ENV = {
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Sentinel mode: the sentinels to ask where the master is. */
  REDIS_SENTINELS: hostPortList(26379),
  /** The master's name as the sentinels know it (`sentinel monitor NAME …`). */
  REDIS_SENTINEL_NAME: z.preprocess(emptyToUndefined, z.string().min(1).default('mymaster')),
  /** The sentinels' own password (`requirepass` on the sentinels), when they have one. */
  REDIS_SENTINEL_PASSWORD: z.preprocess(emptyToUndefined, z.string().optional()),
  /** Cluster mode: seed nodes (any of the cluster's nodes; the rest are discovered). */
  REDIS_CLUSTER_NODES: hostPortList(6379),
  /**
   * Ingest answers 200 only once this many replicas hold the job (`WAIT`), else the webhook is
   * spooled: with Sentinel, a write acknowledged by a master that dies before replicating it
   * is otherwise lost in the failover. 0 (the default) does not wait.
   */
  REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(16).default(0),
};

/** What createRedis needs: the parsed REDIS_ENV fields (a parsed app config has them). */
export type RedisConfig = {
  REDIS_URL: string;
  REDIS_SENTINELS?: HostPort[] | undefined;
  REDIS_SENTINEL_NAME?: string | undefined;
  REDIS_SENTINEL_PASSWORD?: string | undefined;
  REDIS_CLUSTER_NODES?: HostPort[] | undefined;
  REDIS_WAIT_REPLICAS?: number | undefined;
};

export type RedisTopology = 'standalone' | 'sentinel' | 'cluster';

/** Which topology the configuration names; both Sentinel and Cluster set is an error. */
export function redisTopology(config: RedisConfig): RedisTopology {
  if (config.REDIS_SENTINELS?.length && config.REDIS_CLUSTER_NODES?.length) {
    throw new Error('REDIS_SENTINELS and REDIS_CLUSTER_NODES are both set: choose one Redis topology');
  }
  if (config.REDIS_SENTINELS?.length) return 'sentinel';
  if (config.REDIS_CLUSTER_NODES?.length) return 'cluster';
  return 'standalone';
}

/** `{…}` somewhere in the prefix: BullMQ's keys already share one slot. */
const HASH_TAGGED = /\{[^}]+\}/;

/**
 * BullMQ's Lua scripts touch several keys of a queue at once (`prefix:queue:wait`, `:active`,
 * the job hashes…); in a Redis Cluster they must hash to one slot, or every script fails with
 * CROSSSLOT. A prefix without a hash tag gets one: `plexhook` -> `{plexhook}`.
 */
export function hashTagPrefix(prefix: string): string {
  return HASH_TAGGED.test(prefix) ? prefix : `{${prefix}}`;
}

/**
 * An app config with its QUEUE_PREFIX as it must be used: hash-tagged in cluster mode, as is
 * otherwise. Every app's load*Config applies it, so the queue, the worker, Bull Board, the
 * dedupe claims and the dead-letter cursor all use the same prefix.
 */
export function clusterQueuePrefix<C extends RedisConfig & { QUEUE_PREFIX: string }>(config: C): C {
  if (redisTopology(config) !== 'cluster') return config;
  return { ...config, QUEUE_PREFIX: hashTagPrefix(config.QUEUE_PREFIX) };
}
