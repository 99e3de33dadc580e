// What the worker knows about its two backends, and what it does about an outage: an outage of
// PostgreSQL or a Redis at maxmemory is not a property of any webhook, so it must not spend a
// job's attempts or flood the log. Both pause the worker (it stops fetching jobs), probe, and
// resume by themselves.
import { type RedisClient, SOCKET_ERROR_CODES } from '@plexhook/queue';
import type { Worker } from 'bullmq';
import type { Logger } from 'pino';

const DB_UNAVAILABLE_CODES = new Set([
  ...SOCKET_ERROR_CODES,
  // PostgreSQL: connection exceptions, admin/crash shutdown, cannot connect now, too many clients
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  // Prisma: cannot reach, timed out, server closed the connection, pool timeout
  'P1001',
  'P1002',
  'P1017',
  'P2024',
]);
const DB_UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
const DB_UNAVAILABLE_MESSAGE =
  /connection terminated|timeout exceeded when trying to connect|not currently accepting connections|can't reach database|server closed the connection|terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode)|connect ECONNREFUSED/i;

/**
 * Whether an error says the database could not be reached (rather than that this webhook's
 * statement failed). Walks the chain of causes: Prisma and its pg adapter wrap pg's error.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const o = e as { code?: unknown; kind?: unknown; message?: unknown; cause?: unknown; meta?: unknown };
    if (typeof o.code === 'string' && DB_UNAVAILABLE_CODES.has(o.code)) return true;
    if (typeof o.kind === 'string' && DB_UNAVAILABLE_KINDS.has(o.kind)) return true;
    if (typeof o.message === 'string' && DB_UNAVAILABLE_MESSAGE.test(o.message)) return true;
    queue.push(o.cause);
    if (o.meta && typeof o.meta === 'object') {
      const meta = o.meta as { driverAdapterError?: unknown };
      queue.push(meta.driverAdapterError, o.meta);
    }
    if (Array.isArray((e as { errors?: unknown }).errors)) queue.push(...(e as { errors: unknown[] }).errors);
  }
  return false;
}

export function isRedisOom(err: unknown): boolean {
  return err instanceof Error && /^OOM command not allowed/.test(err.message);
}

/**
 * Pauses the worker while any reason holds (database down, Redis out of memory) and resumes it
 * when none does. Pausing stops fetching; jobs in flight finish or are put back.
 */
export class PauseGate {
  private readonly reasons = new Set<string>();
  private readonly workers: Pick<Worker, 'pause' | 'resume'>[];
  constructor(
    worker: Pick<Worker, 'pause' | 'resume'>,
    private readonly logger: Logger,
  ) {
    this.workers = [worker];
  }

  /**
   * Another BullMQ worker of this process (history sync, log retention): paused and resumed
   * with the webhook worker, since at maxmemory its loop would spin on Redis errors too.
   */
  attach(worker: Pick<Worker, 'pause' | 'resume'>): void {
    this.workers.push(worker);
    if (this.reasons.size > 0) this.pause(worker);
  }

  private pause(worker: Pick<Worker, 'pause' | 'resume'>): void {
    worker
      .pause(true)
      .catch((err: unknown) => this.logger.error({ err: String(err) }, 'worker pause failed'));
  }

  hold(reason: string): void {
    if (this.reasons.has(reason)) return;
    this.reasons.add(reason);
    if (this.reasons.size === 1) for (const w of this.workers) this.pause(w);
  }

  release(reason: string): void {
    if (!this.reasons.delete(reason) || this.reasons.size > 0) return;
    for (const w of this.workers) void w.resume();
  }

  get held(): string[] {
    return [...this.reasons];
  }
}

const probeTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`probe timed out after ${ms} ms`)), ms).unref(),
    ),
  ]);

/**
 * PostgreSQL's reachability: a `SELECT 1` every interval, and at once when a job reports an
 * unreachable database. While down the worker is paused and jobs that hit the outage are put
 * back without spending an attempt (processor); on the first answer it resumes.
 */
export class DbHealth {
  up = true;
  downSince: number | null = null;
  outages = 0;
  private timer: NodeJS.Timeout | null = null;
  private probing = false;
  private readonly listeners: (() => void)[] = [];

  constructor(
    /** Resolves when the database answers (the store's `SELECT 1`). */
    private readonly ping: () => Promise<unknown>,
    private readonly gate: PauseGate,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.probe(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Called once the database answers again (the dead-letter drains then). */
  onUp(fn: () => void): void {
    this.listeners.push(fn);
  }

  reportDown(err: unknown): void {
    if (!this.up) return;
    this.up = false;
    this.downSince = Date.now();
    this.outages++;
    this.logger.error(
      { err: err instanceof Error ? err.message : String(err) },
      'database unreachable: worker paused, jobs put back without spending attempts',
    );
    this.gate.hold('database');
  }

  async probe(): Promise<boolean> {
    if (this.probing) return this.up;
    this.probing = true;
    try {
      await probeTimeout(this.ping(), Math.max(this.intervalMs, 1_000));
      if (!this.up) {
        const seconds = this.downSince ? Math.round((Date.now() - this.downSince) / 100) / 10 : 0;
        this.up = true;
        this.downSince = null;
        this.logger.warn({ downSeconds: seconds }, 'database reachable again: worker resumed');
        this.gate.release('database');
        for (const fn of this.listeners) fn();
      }
    } catch (err) {
      if (isDatabaseUnavailable(err) || /probe timed out/.test(String(err))) this.reportDown(err);
    } finally {
      this.probing = false;
    }
    return this.up;
  }
}

/**
 * Redis refusing writes at maxmemory (noeviction). BullMQ's loop would retry at once, forever
 * (226,590 error lines in 40 s in the issue): instead the worker pauses, probes with a write
 * under an exponential, capped backoff, logs one line per interval with the count of errors it
 * did not print, and resumes when a write succeeds again.
 */
export class RedisMemoryHealth {
  oom = false;
  oomSince: number | null = null;
  suppressed = 0;
  errorsTotal = 0;
  private lastLog = 0;
  private backoff: number;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: RedisClient,
    private readonly probeKey: string,
    private readonly gate: PauseGate,
    private readonly logger: Logger,
    private readonly opts: { minBackoffMs: number; maxBackoffMs: number; logIntervalMs: number },
  ) {
    this.backoff = opts.minBackoffMs;
  }

  /** Every OOM error from anywhere in the worker comes here; at most one line per interval. */
  report(err: Error): void {
    this.errorsTotal++;
    const now = Date.now();
    if (!this.oom) {
      this.oom = true;
      this.oomSince = now;
      this.backoff = this.opts.minBackoffMs;
      this.gate.hold('redis-oom');
      this.schedule();
    }
    if (now - this.lastLog >= this.opts.logIntervalMs) {
      this.logger.error(
        { err: err.message, suppressed: this.suppressed, nextProbeMs: this.backoff },
        'redis is at maxmemory: worker paused, backing off',
      );
      this.lastLog = now;
      this.suppressed = 0;
    } else {
      this.suppressed++;
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.probe();
    }, this.backoff);
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    try {
      // A write: reads still work at maxmemory, so only a write tells that memory is free.
      await this.redis.set(this.probeKey, '1', 'PX', 10_000);
      const seconds = this.oomSince ? Math.round((Date.now() - this.oomSince) / 100) / 10 : 0;
      this.logger.warn(
        { oomSeconds: seconds, suppressed: this.suppressed },
        'redis accepts writes again: worker resumed',
      );
      this.oom = false;
      this.oomSince = null;
      this.suppressed = 0;
      this.lastLog = 0;
      this.gate.release('redis-oom');
    } catch (err) {
      if (isRedisOom(err)) this.report(err as Error);
      this.backoff = Math.min(this.backoff * 2, this.opts.maxBackoffMs);
      this.schedule();
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
