// `history:import` and `catalog:import --from-plex` (issue 15), called from cli.ts.
//
// history:import does not read Plex itself: it enqueues an `import` run on the worker's
// plex-history-sync queue and follows it (the worker pages through the history, enqueues each
// row and moves the cursor once a page is logged), so the CLI, "sync now" and the scheduler
// share one implementation and one cursor. With no worker connected it says so and exits 1
// without queueing anything. Ctrl-C asks the run to stop at the next page boundary; running the
// command again resumes from the persisted cursor.
import type { Db } from '@plexhook/db';
import {
  createHistoryQueue,
  createRedis,
  type HistorySyncProgress,
  type HistorySyncResult,
  historyCancelKey,
  type RedisConfig,
} from '@plexhook/queue';
import { Presets, SingleBar } from 'cli-progress';
import type { Logger } from 'pino';
import {
  enqueueHistoryRun,
  followHistoryRun,
  importFromPlex,
  type PlexCatalogResult,
} from './services/plex-import';

type Print = (line: string) => void;

/** The lines of a run's report: what the rows became. */
export function formatHistoryReport(r: HistorySyncResult): string[] {
  const a = r.actions;
  const n = (...keys: string[]) => keys.reduce((s, k) => s + (a[k] ?? 0), 0);
  const ignored = Object.entries(a)
    .filter(([k]) => k.startsWith('ignored_'))
    .reduce((s, [, v]) => s + v, 0);
  return [
    `history imported: ${r.rows} new rows${r.status === 'cancelled' ? ' (stopped early: run again to resume)' : ''}`,
    `  watches    ${n('episode_marked', 'movie_marked')}`,
    `  duplicates ${n('duplicate')} (plays already recorded, by webhook or an earlier import)`,
    `  conflicts  ${n('conflict_created', 'conflict_pending')} rows held (${r.conflictsCreated} conflicts created: resolve them on the page, the rows are replayed)`,
    `  mappings   ${r.mappingsCreated} created`,
    `  ignored    ${ignored}${
      ignored
        ? ` (${Object.entries(a)
            .filter(([k]) => k.startsWith('ignored_'))
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')})`
        : ''
    }`,
    `  not found  ${n('episode_not_found')} (episodes the catalogue lacks)`,
    `  failed     ${n('failed')}`,
    ...(r.marks || r.unmarks ? [`  marks      ${r.marks} manual marks, ${r.unmarks} unmarks reported`] : []),
    `  cursor     ${r.cursor ?? 'none'}`,
  ];
}

export async function historyImportCommand(opts: {
  db: Db;
  config: RedisConfig & { QUEUE_PREFIX: string };
  logger: Logger;
  userId: number;
  since?: string;
  account?: string;
  print: Print;
}): Promise<void> {
  const redis = createRedis(opts.config, 'producer', opts.logger);
  const queue = createHistoryQueue(redis, opts.config.QUEUE_PREFIX);
  queue.on('error', (err) => opts.logger.error({ err: err.message }, 'queue error'));
  let onSigint: (() => void) | undefined;
  try {
    const workers = await queue.getWorkersCount().catch(() => -1);
    if (workers === 0)
      throw new Error(
        'no worker is running: the import is run by the worker (npm start, or npm run start -w apps/worker); start one and run history:import again (nothing was queued)',
      );
    const { jobId } = await enqueueHistoryRun(opts.db, queue, {
      userId: opts.userId,
      mode: 'import',
      ...(opts.since ? { since: opts.since } : {}),
      ...(opts.account ? { account: opts.account } : {}),
    });
    const bar = process.stderr.isTTY
      ? new SingleBar(
          {
            stream: process.stderr,
            format: 'history {bar} {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}',
            etaBuffer: 50,
          },
          Presets.shades_classic,
        )
      : null;
    const started = Date.now();
    let barStarted = false;
    const onProgress = (p: HistorySyncProgress) => {
      const rate = Math.round(p.rows / Math.max(0.001, (Date.now() - started) / 1000));
      if (!bar) return;
      if (!barStarted) {
        bar.start(p.total, p.rows, { rate });
        barStarted = true;
      } else {
        bar.setTotal(p.total);
        bar.update(p.rows, { rate });
      }
    };
    onSigint = () => {
      process.stderr.write(
        '\nstopping at the next page; run history:import again to resume from the cursor\n',
      );
      void redis.set(historyCancelKey(opts.config.QUEUE_PREFIX, jobId), '1', 'EX', 3600);
    };
    process.on('SIGINT', onSigint);
    const end = await followHistoryRun(queue, jobId, onProgress);
    bar?.stop();
    if (end.state === 'failed') throw new Error(`history import failed: ${end.reason}`);
    if (end.result.status === 'skipped') throw new Error(`history import skipped: ${end.result.message}`);
    const seconds = (Date.now() - started) / 1000;
    for (const line of formatHistoryReport(end.result)) opts.print(line);
    opts.print(
      `  took       ${seconds.toFixed(1)} s (${Math.round(end.result.rows / Math.max(seconds, 0.001))} rows/s)`,
    );
  } finally {
    if (onSigint) process.off('SIGINT', onSigint);
    await queue.close().catch(() => undefined);
    redis.disconnect();
  }
}

export async function plexCatalogCommand(db: Db, userId: number, print: Print): Promise<PlexCatalogResult> {
  const bar = process.stderr.isTTY
    ? new SingleBar(
        { stream: process.stderr, format: 'importing {bar} {value}/{total} items ({eta_formatted} left)' },
        Presets.shades_classic,
      )
    : null;
  const result = await importFromPlex(db, userId, {
    progress: {
      start: (total) => bar?.start(total, 0),
      tick: (n = 1) => bar?.increment(n),
      stop: () => bar?.stop(),
    },
  });
  void print;
  return result;
}
