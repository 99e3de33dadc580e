// npx tsx bench/capacity.ts [--rate N] [--seconds S] [--rows N]
//
// The capacity model's measurements (docs/PERFORMANCE.md, "Capacity model"): CPU per webhook of
// each process and bytes per webhook on disk.
//   1. A fresh bench database (50 users, 500 shows, every show mapped), one real ingest process
//      and one real worker process (concurrency 16), as `npm start` runs them.
//   2. Idle baseline: each process's CPU over a few quiet seconds (Redis and PostgreSQL are
//      shared with other work on this machine), subtracted from the run's at the same rate.
//   3. Two short paced runs (open loop, one webhook every 1/rate s): scrobbles only, then the
//      mix a Plex server sends per play (play, pause, resume, stop, scrobble: one in five is a
//      scrobble). CPU ms per webhook from /proc/<pid>/stat deltas: ingest, worker, the
//      PostgreSQL backends of the bench database (pg_stat_activity), every postgres process
//      (backends of other databases included: an upper bound), redis-server.
//   4. Bytes: the log rows and watches of the mix, multiplied with generate_series until the
//      table holds `rows` log rows; bytes per row are the marginal growth of
//      pg_total_relation_size (every partition of plex_webhook_logs, and the watch tables)
//      between a fifth of that and all of it, so fixed overhead (empty partitions, index roots)
//      is not counted. Redis: MEMORY USAGE of a completed job (BullMQ keeps 5,000 of them).
// Keep runs short: the CPU is shared. Defaults: 100 webhooks/s, 20 s per run, 200,000 rows.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { WEBHOOK_QUEUE } from '@plexhook/queue';
import { Queue } from 'bullmq';
import {
  admin,
  benchRedis,
  createBenchDb,
  deletePrefix,
  REDIS_URL,
  resetRunTables,
  seedCatalogue,
} from './lib/benchdb';
import { type BenchContext, ingestEnv, spoolRoot, webhookPath } from './lib/context';
import { type Bodies, runPaced } from './lib/load';
import { multipartBody, realisticPayload, scrobbleRef } from './lib/payload';
import {
  cpuSeconds,
  freePort,
  loadAverage,
  machineCpu,
  postgresCpuSeconds,
  sleep,
  spawnTs,
  stopAll,
  waitHttp,
} from './lib/procs';
import { table } from './lib/report';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}
const RATE = arg('rate', 100);
const SECONDS = arg('seconds', 20);
const ROWS = arg('rows', 200_000);

const PLAY_EVENTS = ['media.play', 'media.pause', 'media.resume', 'media.stop'] as const;

/** `count` webhooks from `offset`; with `mix`, four in five are play/pause/resume/stop of the same play. */
function bodies(ctx: BenchContext, count: number, offset: number, mix: boolean): Bodies {
  const out: Bodies = { bodies: [], paths: [] };
  for (let i = 0; i < count; i++) {
    // In the mix, five consecutive webhooks are one play of one episode by one user.
    const k = mix ? Math.floor(i / 5) : i;
    const ref = scrobbleRef(k);
    const payload = realisticPayload(k, ctx.seeded.showTitles[ref.show]!, offset) as { event: string };
    if (mix && i % 5 < 4) payload.event = PLAY_EVENTS[i % 5]!;
    out.bodies.push(multipartBody(payload));
    out.paths.push(webhookPath(ctx, ref.user));
  }
  return out;
}

async function waitLogged(ctx: BenchContext, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [r] = await ctx.bench.db.$queryRaw<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM plex_webhook_logs`;
    if ((r?.n ?? 0) >= n) return;
    await sleep(200);
  }
  throw new Error(`fewer than ${n} log rows after ${timeoutMs} ms`);
}

/** CPU seconds of the PostgreSQL backends connected to the bench database right now. */
async function benchBackendCpu(ctx: BenchContext): Promise<{ seconds: number; pids: number[] }> {
  const rows = await admin((c) =>
    c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [ctx.bench.name]),
  );
  const pids = rows.rows.map((r) => r.pid);
  return { seconds: pids.reduce((a, p) => a + (cpuSeconds(p) || 0), 0), pids };
}

type Sample = {
  ingest: number;
  worker: number;
  pgBench: number;
  pgAll: number;
  redis: number;
  machine: number;
  at: number;
};

async function sample(pids: { ingest: number; worker: number; redis: number }, backends: number[]) {
  const pgBench = backends.reduce((a, p) => a + (cpuSeconds(p) || 0), 0);
  return {
    ingest: cpuSeconds(pids.ingest),
    worker: cpuSeconds(pids.worker),
    pgBench,
    pgAll: postgresCpuSeconds(),
    redis: cpuSeconds(pids.redis),
    machine: machineCpu().busy / 100,
    at: performance.now() / 1000,
  } satisfies Sample;
}
const delta = (a: Sample, b: Sample) =>
  Object.fromEntries(Object.keys(a).map((k) => [k, b[k as keyof Sample] - a[k as keyof Sample]])) as Sample;

async function main(): Promise<void> {
  const log = (line: string) => console.error(`[capacity ${new Date().toISOString().slice(11, 19)}] ${line}`);
  log(`load average ${loadAverage()}; ${RATE}/s x ${SECONDS} s per run, ${ROWS} rows for bytes`);
  const redis = benchRedis();
  const prefix = `plexhook-capacity-${randomBytes(3).toString('hex')}`;
  const queuePrefix = `${prefix}-q`;
  const bench = await createBenchDb();
  const out: string[] = [];
  try {
    const seeded = await seedCatalogue(bench.db);
    const ctx: BenchContext = { quick: false, bench, seeded, redis, prefix, log };
    const port = await freePort();
    const common = { REDIS_ALLOW_NO_PERSISTENCE: 'true' };
    const ingest = spawnTs('ingest', 'apps/ingest/src/main.ts', {
      ...ingestEnv(ctx, queuePrefix, port),
      ...common,
    });
    const worker = spawnTs('worker', 'apps/worker/src/main.ts', {
      ...common,
      DATABASE_URL: bench.url,
      REDIS_URL,
      QUEUE_PREFIX: queuePrefix,
      WORKER_CONCURRENCY: '16',
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
    });
    const url = `http://127.0.0.1:${port}`;
    await waitHttp(`${url}/healthz`, ingest);
    await worker.waitForOutput(/worker started/, 30_000);
    const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1] ?? 0);
    const pids = { ingest: ingest.pid, worker: worker.pid, redis: redisPid };
    const queue = new Queue(WEBHOOK_QUEUE, { connection: redis, prefix: queuePrefix });

    // Warm-up (JIT, pools, secret cache), then wiped.
    log('warm-up');
    await runPaced({ url, rate: RATE, seconds: 3 }, bodies(ctx, RATE * 3, 9_000_000, false));
    await waitLogged(ctx, RATE * 3, 60_000);
    await resetRunTables(bench.name);

    // Idle baseline over 5 s, with the backends that exist now.
    const { pids: backends0 } = await benchBackendCpu(ctx);
    const i0 = await sample(pids, backends0);
    await sleep(5_000);
    const idle = delta(i0, await sample(pids, backends0));
    const idleRate = (k: keyof Sample) => idle[k] / idle.at;

    type Row = { name: string; webhooks: number; seconds: number; cpu: Sample; p99: number; logged: number };
    const rows: Row[] = [];
    for (const [name, mix, offset] of [
      ['scrobbles only', false, 1_000_000],
      ['Plex play mix (1 in 5 a scrobble)', true, 2_000_000],
    ] as const) {
      await resetRunTables(bench.name);
      const b = bodies(ctx, RATE * SECONDS, offset, mix);
      const { pids: backends } = await benchBackendCpu(ctx);
      log(`${name}: ${b.bodies.length} webhooks`);
      const s0 = await sample(pids, backends);
      const load = await runPaced({ url, rate: RATE, seconds: SECONDS }, b);
      await waitLogged(ctx, b.bodies.length, 120_000);
      const used = delta(s0, await sample(pids, backends));
      // Minus what each process spends idle over the same time (shared Redis/PostgreSQL).
      const net = Object.fromEntries(
        Object.entries(used).map(([k, v]) => [
          k,
          k === 'at' ? v : Math.max(0, v - idleRate(k as keyof Sample) * used.at),
        ]),
      ) as Sample;
      const [{ n }] = (await bench.db.$queryRaw<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM plex_webhook_logs`) as [{ n: number }];
      rows.push({ name, webhooks: b.bodies.length, seconds: used.at, cpu: net, p99: load.p99Ms, logged: n });
    }
    const ms = (r: Row, k: keyof Sample) => Math.round((r.cpu[k] * 1000 * 1000) / r.webhooks) / 1000;
    out.push(
      table(
        `CPU ms per webhook, paced ${RATE}/s for ${SECONDS} s, 1 ingest + 1 worker (c16); idle baseline subtracted`,
        [
          'run',
          'webhooks',
          'logged',
          'ingest',
          'worker',
          'PostgreSQL (bench backends)',
          'PostgreSQL (all processes)',
          'Redis',
          'machine',
          'ingest p99 ms',
        ],
        rows.map((r) => [
          r.name,
          r.webhooks,
          r.logged,
          ms(r, 'ingest'),
          ms(r, 'worker'),
          ms(r, 'pgBench'),
          ms(r, 'pgAll'),
          ms(r, 'redis'),
          ms(r, 'machine'),
          Math.round(r.p99 * 10) / 10,
        ]),
      ),
    );
    out.push(
      `Idle CPU per second during the baseline: ${(
        ['ingest', 'worker', 'pgBench', 'pgAll', 'redis', 'machine'] as const
      )
        .map((k) => `${k} ${(idleRate(k) * 1000).toFixed(1)} ms`)
        .join(', ')}\n`,
    );

    // Redis: a completed job as BullMQ keeps it (removeOnComplete keeps 5,000).
    const done = await queue.getCompleted(0, 49);
    let jobBytes = 0;
    let dataBytes = 0;
    for (const j of done) {
      const key = `${queuePrefix}:${WEBHOOK_QUEUE}:${j.id}`;
      jobBytes += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) || 0;
      dataBytes += await redis.hstrlen(key, 'data');
    }
    const perJob = done.length ? Math.round(jobBytes / done.length) : 0;
    const perJobData = done.length ? Math.round(dataBytes / done.length) : 0;
    await queue.close();
    await ingest.stop();
    await worker.stop();

    // Bytes, from the mix's rows (the last run), multiplied.
    log('bytes: multiplying the mix');
    const sizes = async () => {
      const [s] = await bench.db.$queryRaw<
        { logs: bigint; ew: bigint; mw: bigint; nlogs: number; new: number; nmw: number }[]
      >`
        SELECT (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('plex_webhook_logs'))::bigint AS logs,
               pg_total_relation_size('episode_watches') AS ew, pg_total_relation_size('movie_watches') AS mw,
               (SELECT count(*)::int FROM plex_webhook_logs) AS nlogs,
               (SELECT count(*)::int FROM episode_watches) AS new,
               (SELECT count(*)::int FROM movie_watches) AS nmw`;
      return { logs: Number(s!.logs), ew: Number(s!.ew), nlogs: s!.nlogs, nwatches: s!.new };
    };
    const base = await sizes();
    const copy = async (times: number, from: number) => {
      await admin(async (c) => {
        await c.query(
          `WITH src AS (SELECT * FROM plex_webhook_logs WHERE job_id NOT LIKE '%-copy-%'),
                g AS (SELECT generate_series($1::int, $2::int) AS g),
                logs AS (
                  INSERT INTO plex_webhook_logs (user_id, job_id, event_type, plex_rating_key, plex_title, payload, status,
                         action_taken, error_message, conflict_id, duration_ms, received_at, source)
                  SELECT user_id, job_id || '-copy-' || g, event_type, plex_rating_key, plex_title, payload, status,
                         action_taken, error_message, conflict_id, duration_ms, received_at, source
                    FROM src, g RETURNING 1)
           SELECT count(*) FROM logs`,
          [from, from + times - 1],
        );
        await c.query(
          `INSERT INTO episode_watches (user_id, episode_id, watched_at, source, webhook_log_id)
           SELECT w.user_id, w.episode_id, w.watched_at, w.source, w.webhook_log_id + g * 10000000
             FROM (SELECT * FROM episode_watches WHERE webhook_log_id < 10000000) w, generate_series($1::int, $2::int) g`,
          [from, from + times - 1],
        );
      }, bench.name);
    };
    const factor = Math.max(5, Math.ceil(ROWS / Math.max(1, base.nlogs)));
    const fifth = Math.ceil(factor / 5);
    await copy(fifth - 1, 1);
    await admin((c) => c.query('VACUUM ANALYZE plex_webhook_logs, episode_watches'), bench.name);
    const a = await sizes();
    await copy(factor - fifth, fifth);
    await admin((c) => c.query('VACUUM ANALYZE plex_webhook_logs, episode_watches'), bench.name);
    const z = await sizes();
    const logBytes = (z.logs - a.logs) / (z.nlogs - a.nlogs);
    const watchBytes = (z.ew - a.ew) / Math.max(1, z.nwatches - a.nwatches);
    const perWebhook = (z.logs - a.logs + z.ew - a.ew) / (z.nlogs - a.nlogs);
    out.push(
      table(
        `Bytes on disk (pg_total_relation_size: heap, TOAST, indexes), marginal from ${a.nlogs} to ${z.nlogs} log rows of the play mix`,
        ['what', 'bytes'],
        [
          ['per log row (plex_webhook_logs, all partitions)', Math.round(logBytes)],
          ['per episode watch (episode_watches)', Math.round(watchBytes)],
          ['per webhook of the mix (log row + 1/5 of a watch)', Math.round(perWebhook)],
          ['Redis: one completed job kept by BullMQ (MEMORY USAGE … SAMPLES 0, mean of 50)', perJob],
          ['Redis: of which the job data (HSTRLEN data)', perJobData],
        ],
      ),
    );
    console.log(out.join('\n'));
    console.log(
      `JSON ${JSON.stringify({ rate: RATE, seconds: SECONDS, rows: rows.map((r) => ({ name: r.name, webhooks: r.webhooks, msPerWebhook: Object.fromEntries((['ingest', 'worker', 'pgBench', 'pgAll', 'redis', 'machine'] as const).map((k) => [k, ms(r, k)])) })), logBytes, watchBytes, perWebhook, redisJobBytes: perJob })}`,
    );
  } finally {
    await stopAll();
    await deletePrefix(redis, queuePrefix);
    redis.disconnect();
    rmSync(spoolRoot({ prefix }), { recursive: true, force: true });
    await bench.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
