// `npm start`'s first step: are PostgreSQL and Redis there? One line per missing service,
// naming it, the URL tried (without its password) and how to start it, within a few seconds,
// instead of three processes retrying in a loop of JSON error lines.
import { IngestConfigSchema } from '@plexhook/ingest';
import { Redis } from 'ioredis';
import { Client } from 'pg';

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

async function checkRedis(url: string): Promise<Missing | null> {
  const hint =
    'start it (Debian: redis-server --daemonize yes --appendonly yes; Docker: docker compose -f docker/compose.yml up -d redis) or set REDIS_URL';
  let redis: Redis;
  try {
    redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout: TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
  } catch (err) {
    return { service: 'Redis', url: safeUrl(url), reason: reasonOf(err), hint: 'set REDIS_URL' };
  }
  // connect() rejects with "Connection is closed."; the socket's own error says why.
  let socketError: unknown;
  redis.on('error', (err) => (socketError ??= err));
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (err) {
    return { service: 'Redis', url: safeUrl(url), reason: reasonOf(socketError ?? err), hint };
  } finally {
    redis.disconnect();
  }
}

/** The URL the apps will use: the variable, else the apps' own default. */
function urlOf(name: 'DATABASE_URL' | 'REDIS_URL', env: NodeJS.ProcessEnv): string {
  return env[name] ?? (IngestConfigSchema.shape[name].parse(undefined) as string);
}

/** Both services checked at once; what is missing, empty when all is well. */
export async function preflight(env: NodeJS.ProcessEnv): Promise<Missing[]> {
  const results = await Promise.all([
    checkPostgres(urlOf('DATABASE_URL', env)),
    checkRedis(urlOf('REDIS_URL', env)),
  ]);
  return results.filter((m): m is Missing => m !== null);
}

export function describeMissing(m: Missing): string {
  return `${m.service} is not reachable at ${m.url} (${m.reason}): ${m.hint}`;
}
