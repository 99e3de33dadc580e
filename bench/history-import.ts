// History import throughput: N history rows from the fake Plex server through one worker
// (the webhook worker and the history worker in this process, as `npm start` runs them), until
// every row is logged; then a second run (nothing new). Not part of `npm test`.
//
//   npx tsx bench/history-import.ts [ROWS] [--concurrency N] [--page N]
import { createPrismaClient, createUserWithSecret, createWorkerStore } from '@plexhook/db';
import { createRedis, HISTORY_JOB, type HistorySyncResult } from '@plexhook/queue';
import { createHistoryWorker, createWebhookWorker, WorkerConfigSchema } from '@plexhook/worker';
import pino from 'pino';
import { addShow, historyRow, startFakePlex } from '../test/helpers/fake-plex-server';
import { createBenchDb, deletePrefix, REDIS_URL } from './lib/benchdb';
import { cpuSeconds, postgresCpuSeconds } from './lib/procs';

async function main() {
  const args = process.argv.slice(2);
  const flag = (name: string, def: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : def;
  };
  const rows = Number(args.find((a) => /^\d+$/.test(a)) ?? 10_000);
  const concurrency = flag('--concurrency', 16);
  const pageSize = flag('--page', 500);
  const bench = await createBenchDb();
  const prefix = `bench-history-${process.pid}`;
  const redis = createRedis(REDIS_URL, 'worker');
  const plex = await startFakePlex();
  const logger = pino({ level: 'warn' });
  const db = createPrismaClient(bench.url, { poolMax: Math.min(concurrency + 4, 50) });
  try {
    // 20 shows of 5 seasons x 20 episodes, all in the catalogue by tmdb id.
    const SHOWS = 20;
    const episodes: Record<string, unknown>[] = [];
    for (let s = 0; s < SHOWS; s++) {
      const tmdbId = 7_000_000 + s;
      const seasons = Array.from({ length: 5 }, (_, si) => ({
        index: si + 1,
        episodes: Array.from({ length: 20 }, (_, ei) => ({
          index: ei + 1,
          title: `Episode title ${si + 1}x${ei + 1}`,
        })),
      }));
      await db.tvShow.create({
        data: {
          title: `Bench Show ${s}`,
          normalizedTitle: `bench show ${s}`,
          tmdbId,
          showStartDate: new Date('2010-01-01'),
          episodes: {
            create: seasons.flatMap((se) =>
              se.episodes.map((e) => ({ seasonNumber: se.index, episodeNumber: e.index, title: e.title })),
            ),
          },
        },
      });
      episodes.push(
        ...addShow(plex.library, {
          ratingKey: 100_000 + s * 1000,
          title: `Bench Show ${s}`,
          guids: [`tmdb://${tmdbId}`],
          seasons,
        }).episodes,
      );
    }
    const t0 = Date.UTC(2020, 0, 1) / 1000;
    plex.library.history = Array.from({ length: rows }, (_, i) =>
      historyRow(episodes[i % episodes.length] as never, { viewedAt: t0 + i * 300, historyId: i + 1 }),
    );
    const user = await createUserWithSecret(db, 'bench');
    await db.plexConfig.update({
      where: { userId: user.id },
      data: { plexServerUrl: plex.url, plexToken: plex.token },
    });

    const config = WorkerConfigSchema.parse({
      QUEUE_PREFIX: prefix,
      WORKER_CONCURRENCY: String(concurrency),
      DATABASE_URL: bench.url,
    });
    const store = createWorkerStore(db);
    const worker = createWebhookWorker({ db, store, redis, logger, config });
    const history = createHistoryWorker({
      db,
      store,
      redis,
      logger,
      prefix,
      options: { pageSize },
      schedulerRefreshMs: 3_600_000,
    });
    const run = async (id: string) => {
      const cpu0 = cpuSeconds(process.pid);
      const pg0 = postgresCpuSeconds();
      const start = performance.now();
      const job = await history.queue.add(
        HISTORY_JOB,
        { userId: user.id, mode: 'import', since: new Date(0).toISOString() },
        { jobId: id, attempts: 1 },
      );
      for (;;) {
        const state = await job.getState();
        if (state === 'completed' || state === 'failed') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const seconds = (performance.now() - start) / 1000;
      const done = await history.queue.getJob(id);
      if (!done?.returnvalue) throw new Error(`run failed: ${done?.failedReason}`);
      const result = done.returnvalue as HistorySyncResult;
      return {
        seconds,
        result,
        workerCpuMsPerRow: ((cpuSeconds(process.pid) - cpu0) * 1000) / Math.max(1, rows),
        pgCpuMsPerRow: ((postgresCpuSeconds() - pg0) * 1000) / Math.max(1, rows),
      };
    };
    const first = await run('bench-first');
    const logged = await db.plexWebhookLog.count({ where: { userId: user.id } });
    const watches = await db.episodeWatch.count({ where: { userId: user.id } });
    const second = await run('bench-second');
    const report = {
      rows,
      concurrency,
      pageSize,
      first: {
        seconds: Number(first.seconds.toFixed(2)),
        rowsPerSecond: Math.round(rows / first.seconds),
        created: first.result.rows,
        actions: first.result.actions,
        workerCpuMsPerRow: Number(first.workerCpuMsPerRow.toFixed(2)),
        postgresCpuMsPerRow: Number(first.pgCpuMsPerRow.toFixed(2)),
      },
      logged,
      watches,
      second: { seconds: Number(second.seconds.toFixed(2)), created: second.result.rows },
    };
    console.log(JSON.stringify(report, null, 2));
    await history.close();
    await worker.close();
  } finally {
    await plex.close();
    await deletePrefix(redis, prefix).catch(() => undefined);
    redis.disconnect();
    await db.$disconnect();
    await bench.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
