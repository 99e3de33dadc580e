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
 * goes to a temporary directory. The failed-authentication limiter keeps its default: it counts
 * only failures now, so 50 connections of valid webhooks must never see a 429 (finding I1).
 */
export function ingestEnv(ctx: BenchContext, prefix: string, port: number): Record<string, string> {
  return {
    DATABASE_URL: ctx.bench.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    INGEST_PORT: String(port),
    SPOOL_DIR: mkdtempSync(join(mkdirSync(spoolRoot(ctx), { recursive: true }) ?? spoolRoot(ctx), 'ingest-')),
    // Ingest as `npm start` and docker run it (bounded heap); BENCH_INGEST_NODE_OPTIONS replaces
    // the flags for experiments (a single space: Node's defaults).
    NODE_OPTIONS: process.env.BENCH_INGEST_NODE_OPTIONS ?? '--max-old-space-size=96 --max-semi-space-size=8',
  };
}

/** Parent of the bench's spool directories, removed at the end of the run. */
export function spoolRoot(ctx: Pick<BenchContext, 'prefix'>): string {
  return join(tmpdir(), `${ctx.prefix}-spool`);
}
