import { mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlexWebhookJobInput } from '@plexhook/queue';

export type SpoolEntry = { jobId: string; job: PlexWebhookJobInput };

export class SpoolFullError extends Error {
  constructor() {
    super('spool is full');
  }
}

type Pending = { line: string; resolve: () => void; reject: (err: Error) => void };
type Logger = { info(o: object, m: string): void; error(o: object, m: string): void };

const FILE = /^spool-(\d+)-(\d+)\.ndjson$/;

/**
 * A durable local queue for when Redis is unreachable: an accepted webhook is appended to an
 * ndjson file and fsync'ed before ingest answers 200, so a crash cannot lose it. Concurrent
 * appends are group-committed (one write + one fsync per batch). `drain` moves the entries to
 * BullMQ later; the job id travels with each entry, so an entry drained twice (crash between
 * enqueue and unlink) is the same job: BullMQ ignores a known job id and the worker logs a job
 * id only once.
 *
 * One spool directory per ingest process: files are not shared between processes.
 */
export class Spool {
  private pending: Pending[] = [];
  private handle: Awaited<ReturnType<typeof open>> | null = null;
  private activeFile: string | null = null;
  private bytes = 0;
  private seq = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private flushScheduled = false;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
    private readonly logger?: Logger,
  ) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const f of await this.files()) this.bytes += (await stat(join(this.dir, f))).size;
  }

  /** Bytes waiting in the spool (including what is being drained). */
  get size(): number {
    return this.bytes;
  }

  /** Resolves once the entry is on disk (fsync'ed). Rejects with SpoolFullError past maxBytes. */
  append(entry: SpoolEntry): Promise<void> {
    const line = `${JSON.stringify(entry)}\n`;
    const length = Buffer.byteLength(line);
    if (this.bytes + length > this.maxBytes) return Promise.reject(new SpoolFullError());
    this.bytes += length;
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ line, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        void this.locked(() => this.flush());
      }
    });
  }

  /** Serialises file operations (flushes, rotation) in this process. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      if (!this.handle) {
        this.activeFile = `spool-${Date.now()}-${String(this.seq++).padStart(6, '0')}.ndjson`;
        this.handle = await open(join(this.dir, this.activeFile), 'a');
      }
      await this.handle.write(batch.map((p) => p.line).join(''));
      await this.handle.datasync();
      for (const p of batch) p.resolve();
    } catch (err) {
      this.bytes -= batch.reduce((n, p) => n + Buffer.byteLength(p.line), 0);
      for (const p of batch) p.reject(err as Error);
    }
  }

  private async files(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => FILE.test(n)).sort();
  }

  /**
   * Enqueues every spooled entry, oldest first, and deletes each file once all of its entries
   * are in. Stops at the first enqueue failure (Redis gone again); the rest waits for the next
   * drain. Returns the number of entries enqueued.
   */
  async drain(enqueue: (entry: SpoolEntry) => Promise<void>): Promise<number> {
    // New appends go to a fresh file while the closed ones are drained.
    await this.locked(async () => {
      await this.handle?.close();
      this.handle = null;
      this.activeFile = null;
    });
    let drained = 0;
    for (const name of await this.files()) {
      if (name === this.activeFile) continue;
      const path = join(this.dir, name);
      const text = await readFile(path, 'utf8');
      for (const line of text.split('\n')) {
        if (!line) continue;
        let entry: SpoolEntry;
        try {
          entry = JSON.parse(line) as SpoolEntry;
        } catch {
          // A torn last line from a crash mid-write: its request never got its 200.
          this.logger?.error({ file: name }, 'skipping a torn spool line');
          continue;
        }
        await enqueue(entry);
        drained++;
      }
      const { size } = await stat(path);
      await unlink(path);
      this.bytes = Math.max(0, this.bytes - size);
      this.logger?.info({ file: name }, 'spool file drained');
    }
    return drained;
  }

  async close(): Promise<void> {
    await this.locked(async () => {
      await this.handle?.close();
      this.handle = null;
    });
  }
}
