// What every scenario shares: flags, the bench database and its seed, Redis, a prefix.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { type BenchDb, REDIS_URL, type Seeded } from './benchdb';

export type BenchContext = {
  quick: boolean;
  bench: BenchDb;
  seeded: Seeded;
  redis: Redis;
  /** Root of every Redis key this run creates: `<prefix>-<scenario>:...`, deleted at the end. */
  prefix: string;
  log(line: string): void;
};

export function webhookPath(ctx: BenchContext, user: number): string {
  return `/api/plex/webhook?secret=${encodeURIComponent(ctx.seeded.users[user]!.secret)}`;
}

/**
 * Environment of a real ingest process for the bench. Its spool (the Redis-outage fallback)
 * goes to a temporary directory, and the failed-authentication limiter is lifted: every bench
 * request authenticates, but express-rate-limit counts a request as it starts and forgives it
 * only when it ends, so 50 in-flight requests from one address trip the default of 30.
 */
export function ingestEnv(ctx: BenchContext, prefix: string, port: number): Record<string, string> {
  return {
    DATABASE_URL: ctx.bench.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    INGEST_PORT: String(port),
    SPOOL_DIR: mkdtempSync(join(mkdirSync(spoolRoot(ctx), { recursive: true }) ?? spoolRoot(ctx), 'ingest-')),
    AUTH_FAILURES_PER_MINUTE: String(1_000_000),
    // For experiments (e.g. --max-semi-space-size): node flags for the ingest process only.
    ...(process.env.BENCH_INGEST_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_INGEST_NODE_OPTIONS } : {}),
  };
}

/** Parent of the bench's spool directories, removed at the end of the run. */
export function spoolRoot(ctx: Pick<BenchContext, 'prefix'>): string {
  return join(tmpdir(), `${ctx.prefix}-spool`);
}
