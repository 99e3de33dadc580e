// `npm start`'s first step: are PostgreSQL and Redis there? One line per missing service,
// naming it, the URL tried (without its password) and how to start it, within a few seconds,
// instead of three processes retrying in a loop of JSON error lines.
import { IngestConfigSchema } from '@plexhook/ingest';
import { createRedis, REDIS_ENV, type RedisClient, redisTopology } from '@plexhook/queue';
import { Client } from 'pg';
import { z } from 'zod';

export type Missing = { service: 'PostgreSQL' | 'Redis'; url: string; reason: string; hint: string };

const TIMEOUT_MS = 4_000;

/** The URL as it may be printed: no password. */
export function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(not a URL)';
  }
}

function reasonOf(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: { code?: string }[] };
  return e.code ?? e.errors?.[0]?.code ?? e.message ?? String(err);
}

async function checkPostgres(url: string): Promise<Missing | null> {
  const hint =
    'start it (Debian: sudo pg_ctlcluster 15 main start; Docker: docker compose -f docker/compose.yml up -d postgres) or set DATABASE_URL';
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return {
      service: 'PostgreSQL',
      url: safeUrl(url),
      reason: 'DATABASE_URL is not a URL',
      hint: 'set DATABASE_URL',
    };
  }
  // The server, not the database: `npm start` creates a missing database itself.
  target.pathname = '/postgres';
  const client = new Client({ connectionString: target.toString(), connectionTimeoutMillis: TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return null;
  } catch (err) {
    return { service: 'PostgreSQL', url: safeUrl(url), reason: reasonOf(err), hint };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function checkRedis(env: NodeJS.ProcessEnv): Promise<Missing | null> {
  const hint =
    'start it (Debian: redis-server --daemonize yes --appendonly yes; Docker: docker compose -f docker/compose.yml up -d redis) or set REDIS_URL';
  const parsed = z.object(REDIS_ENV).safeParse(env);
  const url = env.REDIS_URL ?? (REDIS_ENV.REDIS_URL.parse(undefined) as string);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      service: 'Redis',
      url: safeUrl(url),
      reason: `${issue?.path.join('.')}: ${issue?.message}`,
      hint: 'fix the Redis variables',
    };
  }
  const config = parsed.data;
  let topology: ReturnType<typeof redisTopology>;
  try {
    topology = redisTopology(config);
  } catch (err) {
    return { service: 'Redis', url: safeUrl(url), reason: reasonOf(err), hint: 'fix the Redis variables' };
  }
  // Where the apps will connect: the URL, or the sentinels / cluster nodes it names.
  const shown = (() => {
    switch (topology) {
      case 'sentinel':
        return `sentinel ${config.REDIS_SENTINEL_NAME} via ${config.REDIS_SENTINELS?.map((n) => `${n.host}:${n.port}`).join(',')}`;
      case 'cluster':
        return `cluster ${config.REDIS_CLUSTER_NODES?.map((n) => `${n.host}:${n.port}`).join(',')}`;
      default:
        return safeUrl(url);
    }
  })();
  let redis: RedisClient;
  try {
    // The apps' own connection factory, so the check sees the topology they will use.
    redis = createRedis(config, 'producer');
  } catch (err) {
    return { service: 'Redis', url: shown, reason: reasonOf(err), hint: 'set REDIS_URL' };
  }
  // The socket's own error says why (the command's is only "Connection is closed.").
  let socketError: unknown;
  redis.on('error', (err) => (socketError ??= err));
  try {
    await new Promise<void>((resolve, reject) => {
      if (redis.status === 'ready') return resolve();
      const timer = setTimeout(
        () => reject(socketError ?? new Error(`no answer within ${TIMEOUT_MS} ms`)),
        TIMEOUT_MS,
      );
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
      // The first failure is the answer (a topology's own retries would only repeat it).
      redis.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    await redis.ping();
    return null;
  } catch (err) {
    return { service: 'Redis', url: shown, reason: reasonOf(socketError ?? err), hint };
  } finally {
    redis.disconnect();
  }
}

/** The URL the apps will use: the variable, else the apps' own default. */
function urlOf(name: 'DATABASE_URL', env: NodeJS.ProcessEnv): string {
  return env[name] ?? (IngestConfigSchema.shape[name].parse(undefined) as string);
}

/** Both services checked at once; what is missing, empty when all is well. */
export async function preflight(env: NodeJS.ProcessEnv): Promise<Missing[]> {
  const results = await Promise.all([checkPostgres(urlOf('DATABASE_URL', env)), checkRedis(env)]);
  return results.filter((m): m is Missing => m !== null);
}

export function describeMissing(m: Missing): string {
  return `${m.service} is not reachable at ${m.url} (${m.reason}): ${m.hint}`;
}
