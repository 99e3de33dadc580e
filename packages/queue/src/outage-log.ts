// One line per outage and interval, not one per retry. ioredis reconnects every second or so
// and every BullMQ object on the connection (queue, worker, its blocking client) reports each
// failed attempt: a Redis restart used to print ~3 lines a second per process, and ~160 lines
// in 20 s from ingest and a worker together. All of them report here instead: the first error
// is logged at once, then one "still unreachable" line per interval with the count, then one
// "reachable again" line.

type Logger = { error(o: object, m: string): void; info(o: object, m: string): void };

/** Node's socket error codes for a server that cannot be reached (the worker's database
 * health uses the same list). */
export const SOCKET_ERROR_CODES: readonly string[] = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
];
const CONNECTION_CODES = new Set([...SOCKET_ERROR_CODES, 'ECONNABORTED']);
/** ioredis often reports only a message ("connect ECONNREFUSED 127.0.0.1:6379"). */
const SOCKET_ERROR_IN_MESSAGE = new RegExp(`\\b(${SOCKET_ERROR_CODES.join('|')})\\b`);

/** An error that says the server cannot be reached (not one that it answered with). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return (
    SOCKET_ERROR_IN_MESSAGE.test(message) ||
    message === 'Connection is closed.' ||
    message.startsWith('Reached the max retries per request limit')
  );
}

export class OutageLog {
  private downSince: number | null = null;
  private lastLine = 0;
  private sinceLastLine = 0;
  private total = 0;

  constructor(
    private readonly logger: Logger,
    /** What is unreachable, as it appears in the lines ("redis"). */
    private readonly what: string,
    private readonly intervalMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  get down(): boolean {
    return this.downSince !== null;
  }

  /** A connection error: logged if it starts an outage or an interval has passed, else counted. */
  error(err: Error, context: object = {}): void {
    const t = this.now();
    this.total++;
    if (this.downSince === null) {
      this.downSince = t;
      this.lastLine = t;
      this.sinceLastLine = 0;
      this.logger.error(
        { err: err.message, ...context },
        `${this.what} unreachable: retrying, one line per ${Math.round(this.intervalMs / 1000)} s until it is back`,
      );
      return;
    }
    this.sinceLastLine++;
    if (t - this.lastLine < this.intervalMs) return;
    this.logger.error(
      { err: err.message, downForMs: t - this.downSince, errors: this.sinceLastLine, ...context },
      `${this.what} still unreachable`,
    );
    this.lastLine = t;
    this.sinceLastLine = 0;
  }

  /** Connection errors go to the outage; anything else to `other` (logged as it is). */
  handle(err: Error, other: (err: Error) => void, context: object = {}): void {
    if (isConnectionError(err)) this.error(err, context);
    else other(err);
  }

  /** Connected again: one line if an outage was under way. */
  recovered(): void {
    if (this.downSince === null) return;
    this.logger.info(
      { downForMs: this.now() - this.downSince, errors: this.total },
      `${this.what} reachable again`,
    );
    this.downSince = null;
    this.total = 0;
  }
}
