// Scenario 2: end to end. N scrobbles through a real ingest process, the queue, and real worker
// processes, until the last log row; the same with a no-op BullMQ worker as the ceiling; and a
// paced run at a steady 200 webhooks/s for latency.
import { WEBHOOK_QUEUE } from '@plexhook/queue';
import { Queue } from 'bullmq';
import {
  counterDelta,
  deletePrefix,
  type PgCounters,
  REDIS_URL,
  resetRunTables,
  settledCounters,
} from './lib/benchdb';
import { type BenchContext, ingestEnv } from './lib/context';
import {
  type Bodies,
  buildBodies,
  type LoadSummary,
  runLoad,
  runPaced as steadyLoad,
  summarize,
} from './lib/load';
import { buildMixedBodies, type MixCounts } from './lib/mix';
import {
  cpuSeconds,
  freePort,
  machineCpu,
  type Proc,
  postgresCpuSeconds,
  sleep,
  spawnTs,
  waitHttp,
} from './lib/procs';
import { table } from './lib/report';

export type E2eRow = {
  name: string;
  kind: 'worker' | 'noop';
  processes: number;
  concurrency: number;
  scrobbles: number;
  logged: number;
  seconds: number;
  perSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  acceptPerSec: number;
  ingestNon2xx: number;
  actions?: Record<string, number>;
  perScrobble?: {
    xacts: number;
    idxScans: number;
    seqScans: number;
    tupInserted: number;
    tupFetched: number;
  };
  counters?: PgCounters;
  ratioToNoop?: number;
  /** CPU milliseconds per scrobble: worker processes (all), ingest, PostgreSQL (all its
   * processes), redis-server, and the whole machine. */
  cpuMsPerScrobble: { workers: number; ingest: number; postgres: number; redis: number; machine: number };
  /** Share of the machine's CPU (all cores) busy during the run. */
  machineBusy: number;
};
export type PacedResult = {
  rate: number;
  seconds: number;
  sent: number;
  logged: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  ingest: LoadSummary;
  /** The warm-up right after the worker started (cold JIT and connections), not in the above. */
  warmup: { seconds: number; p50Ms: number | null; p99Ms: number | null };
  /** What was sent (the realistic mix, bench/lib/mix.ts) and accept→recorded by event. */
  mix?: MixCounts;
  byEvent?: { event: string; n: number; p50Ms: number | null; p99Ms: number | null }[];
  actions?: Record<string, number>;
  workerCpuMsPerWebhook?: number;
};
export type E2eResult = {
  scrobbles: number;
  connections: number;
  rows: E2eRow[];
  noopBest: number;
  paced: PacedResult;
};

const CONNECTIONS = 50;

type Config = { kind: 'worker' | 'noop'; processes: number; concurrency: number };

async function waitDrained(queue: Queue, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const c = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children');
    if (Object.values(c).every((n) => n === 0)) return;
    await sleep(100);
  }
  throw new Error(`queue not drained within ${timeoutMs} ms`);
}

type LogStats = {
  logged: number;
  seconds: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
};

/** From the log rows: first accept (received_at) to last row (created_at), and its latencies. */
async function logStats(ctx: BenchContext): Promise<{ stats: LogStats; actions: Record<string, number> }> {
  const [s] = await ctx.bench.db.$queryRaw<
    { n: number; seconds: number | null; p50: number | null; p99: number | null; max: number | null }[]
  >`SELECT count(*)::int AS n,
           extract(epoch FROM max(created_at) - min(received_at))::float8 AS seconds,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM created_at - received_at) * 1000) AS p50,
           percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM created_at - received_at) * 1000) AS p99,
           max(extract(epoch FROM created_at - received_at) * 1000)::float8 AS max
      FROM plex_webhook_logs`;
  const actions = await ctx.bench.db.$queryRaw<{ action: string; n: number }[]>`
    SELECT coalesce(action_taken::text, status::text) AS action, count(*)::int AS n FROM plex_webhook_logs GROUP BY 1`;
  return {
    stats: { logged: s!.n, seconds: s!.seconds ?? 0, p50: s!.p50, p99: s!.p99, max: s!.max },
    actions: Object.fromEntries(actions.map((a) => [a.action, a.n])),
  };
}

async function startWorkers(ctx: BenchContext, cfg: Config, prefix: string, expect: number): Promise<Proc[]> {
  const procs: Proc[] = [];
  for (let k = 0; k < cfg.processes; k++) {
    const env = {
      DATABASE_URL: ctx.bench.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      WORKER_CONCURRENCY: String(cfg.concurrency),
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      EXPECT: String(expect),
    };
    procs.push(
      cfg.kind === 'noop'
        ? spawnTs(`noop-worker-${k}`, 'bench/noop-worker.ts', env)
        : spawnTs(`worker-${k}`, 'apps/worker/src/main.ts', env),
    );
  }
  await Promise.all(procs.map((p) => p.waitForOutput(cfg.kind === 'noop' ? /READY/ : /worker started/)));
  return procs;
}

export async function benchE2e(ctx: BenchContext, only?: 'paced'): Promise<E2eResult> {
  const n = ctx.quick ? 2_000 : 20_000;
  const prefix = `${ctx.prefix}-e2e`;
  const port = await freePort();
  const ingest = spawnTs('ingest', 'apps/ingest/src/main.ts', ingestEnv(ctx, prefix, port));
  const url = `http://127.0.0.1:${port}`;
  const queue = new Queue(WEBHOOK_QUEUE, { connection: ctx.redis, prefix });
  const rows: E2eRow[] = [];
  try {
    await waitHttp(`${url}/healthz`, ingest);
    const bodies = buildBodies(ctx, n, 0);
    // Warm ingest up (JIT, secret cache) on other scrobbles; their jobs are deleted below.
    await runLoad({ url, connections: CONNECTIONS, amount: 500 }, buildBodies(ctx, 500, 5_000_000));
    await deletePrefix(ctx.redis, prefix);

    // An idle backend may hold its statistics for up to 10 s before it reports them (the seed's
    // connections, the warm-up's): wait until the counters have been still for 11 s, once, so the
    // first configuration's deltas do not include them.
    await settledCounters(ctx.bench.name, { quietMs: 11_000 });

    const configs: Config[] = only
      ? []
      : [
          { kind: 'noop', processes: 1, concurrency: 16 },
          { kind: 'noop', processes: 1, concurrency: 64 },
          { kind: 'worker', processes: 1, concurrency: 1 },
          { kind: 'worker', processes: 1, concurrency: 16 },
          { kind: 'worker', processes: 1, concurrency: 64 },
          // Two processes at 64 would open 2 x 50 pooled connections: PostgreSQL's default
          // max_connections is 100, shared with everything else on the machine.
          { kind: 'worker', processes: 2, concurrency: 16 },
          { kind: 'worker', processes: 2, concurrency: 32 },
        ];
    // BENCH_CONFIGS="worker 1p x c16,..." runs only those (for profiling and development).
    const wanted = process.env.BENCH_CONFIGS?.split(',').map((x) => x.trim());
    for (const cfg of configs) {
      const name = `${cfg.kind === 'noop' ? 'no-op' : 'worker'} ${cfg.processes}p x c${cfg.concurrency}`;
      if (wanted && !wanted.includes(name)) continue;
      ctx.log(`e2e: ${name}, ${n} scrobbles`);
      rows.push(await runConfig(ctx, cfg, name, { url, prefix, queue, bodies, n, ingest }));
    }
    const noopBest = Math.max(0, ...rows.filter((r) => r.kind === 'noop').map((r) => r.perSecond));
    for (const r of rows) if (r.kind === 'worker' && noopBest > 0) r.ratioToNoop = r.perSecond / noopBest;

    ctx.log('e2e: paced 200 webhooks/s');
    const paced = await runPaced(ctx, { url, prefix, queue, ingest });
    return { scrobbles: n, connections: CONNECTIONS, rows, noopBest, paced };
  } finally {
    await queue.close();
    await ingest.stop();
    await deletePrefix(ctx.redis, prefix);
  }
}

type Run = { url: string; prefix: string; queue: Queue; bodies: Bodies; n: number; ingest: Proc };

async function runConfig(ctx: BenchContext, cfg: Config, name: string, run: Run): Promise<E2eRow> {
  await resetRunTables(ctx.bench.name);
  // Settled before the workers start: the TRUNCATE's and seeding's counts are all in.
  const before = await settledCounters(ctx.bench.name);
  const workers = await startWorkers(ctx, cfg, run.prefix, run.n);
  const redisPid = Number(/process_id:(\d+)/.exec(await ctx.redis.info('server'))?.[1] ?? 0);
  try {
    const cpu0 = {
      workers: workers.map((w) => cpuSeconds(w.pid)),
      ingest: cpuSeconds(run.ingest.pid),
      postgres: postgresCpuSeconds(),
      redis: cpuSeconds(redisPid),
      machine: machineCpu(),
    };
    const cpuUsed = () => {
      const m = machineCpu();
      const machineSeconds = (m.busy - cpu0.machine.busy) / 100;
      return {
        workers: workers.reduce((a, w, k) => a + cpuSeconds(w.pid) - cpu0.workers[k]!, 0),
        ingest: cpuSeconds(run.ingest.pid) - cpu0.ingest,
        postgres: postgresCpuSeconds() - cpu0.postgres,
        redis: cpuSeconds(redisPid) - cpu0.redis,
        machine: machineSeconds,
        busy: (m.busy - cpu0.machine.busy) / Math.max(1, m.total - cpu0.machine.total),
      };
    };
    const load = summarize(
      await runLoad({ url: run.url, connections: CONNECTIONS, amount: run.n }, run.bodies),
    );
    const base = {
      name,
      kind: cfg.kind,
      processes: cfg.processes,
      concurrency: cfg.concurrency,
      scrobbles: run.n,
      acceptPerSec: load.reqPerSec,
      ingestNon2xx: load.non2xx + load.errors + load.timeouts,
    };
    if (cfg.kind === 'noop') {
      const line = await workers[0]!.waitForOutput(/RESULT .*/, 300_000);
      const used = cpuUsed();
      const r = JSON.parse(line.slice('RESULT '.length)) as {
        count: number;
        seconds: number;
        perSecond: number;
        p50: number;
        p99: number;
        max: number;
      };
      return {
        ...base,
        logged: r.count,
        seconds: r.seconds,
        perSecond: r.perSecond,
        p50Ms: r.p50,
        p99Ms: r.p99,
        maxMs: r.max,
        cpuMsPerScrobble: perScrobbleCpu(used, r.count),
        machineBusy: used.busy,
      };
    }
    await waitDrained(run.queue, Math.max(120_000, run.n * 50));
    const used = cpuUsed();
    // Workers exit before the "after" read: a backend reports its counters when it exits.
    await Promise.all(workers.map((w) => w.stop()));
    const counters = counterDelta(before, await settledCounters(ctx.bench.name));
    const { stats, actions } = await logStats(ctx);
    const per = (v: number) => v / Math.max(1, stats.logged);
    return {
      ...base,
      logged: stats.logged,
      seconds: stats.seconds,
      perSecond: stats.logged / stats.seconds,
      p50Ms: stats.p50,
      p99Ms: stats.p99,
      maxMs: stats.max,
      actions,
      counters,
      cpuMsPerScrobble: perScrobbleCpu(used, stats.logged),
      machineBusy: used.busy,
      perScrobble: {
        xacts: per(counters.xacts),
        idxScans: per(counters.idxScan),
        seqScans: per(counters.seqScan),
        tupInserted: per(counters.tupInserted),
        tupFetched: per(counters.tupFetched),
      },
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await deletePrefix(ctx.redis, run.prefix);
  }
}

function perScrobbleCpu(used: E2eRow['cpuMsPerScrobble'], n: number): E2eRow['cpuMsPerScrobble'] {
  const ms = (s: number) => (s * 1000) / Math.max(1, n);
  return {
    workers: ms(used.workers),
    ingest: ms(used.ingest),
    postgres: ms(used.postgres),
    redis: ms(used.redis),
    machine: ms(used.machine),
  };
}

async function runPaced(ctx: BenchContext, run: Omit<Run, 'bodies' | 'n'>): Promise<PacedResult> {
  const rate = 200;
  const seconds = ctx.quick ? 5 : 15;
  const warmSeconds = ctx.quick ? 2 : 5;
  await resetRunTables(ctx.bench.name);
  const workers = await startWorkers(ctx, { kind: 'worker', processes: 1, concurrency: 16 }, run.prefix, 0);
  try {
    // Steady state, not a cold start: a freshly started worker compiles its hot path and opens
    // its connections during its first few hundred jobs. Those are sent, drained and wiped first.
    await steadyLoad(
      { url: run.url, rate, seconds: warmSeconds },
      buildMixedBodies(ctx, rate * warmSeconds, 4_000_000),
    );
    await waitDrained(run.queue, 60_000);
    const { stats: cold } = await logStats(ctx);
    await resetRunTables(ctx.bench.name);
    // The realistic mix (issue 18): ~70 % progress, ~20 % scrobbles, the rest rates and others.
    // BENCH_PACED_MIX=scrobbles sends scrobbles only, as before (for a before/after on one box).
    const scrobblesOnly = process.env.BENCH_PACED_MIX === 'scrobbles';
    const mixed = scrobblesOnly
      ? { ...buildBodies(ctx, rate * seconds, 3_000_000), counts: undefined }
      : buildMixedBodies(ctx, rate * seconds, 3_000_000);
    // The worker's own CPU per webhook: what the mix costs, whatever else the machine runs.
    const workerCpu0 = cpuSeconds(workers[0]!.pid);
    const load = await steadyLoad({ url: run.url, rate, seconds }, mixed);
    await waitDrained(run.queue, 60_000);
    const workerCpuMs = ((cpuSeconds(workers[0]!.pid) - workerCpu0) * 1000) / Math.max(1, load.requests);
    const { stats, actions } = await logStats(ctx);
    const byEvent = await ctx.bench.db.$queryRaw<
      { event: string; n: number; p50: number | null; p99: number | null }[]
    >`SELECT event_type AS event, count(*)::int AS n,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM created_at - received_at) * 1000) AS p50,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM created_at - received_at) * 1000) AS p99
        FROM plex_webhook_logs GROUP BY 1 ORDER BY 2 DESC`;
    return {
      rate,
      seconds,
      sent: load.requests,
      logged: stats.logged,
      p50Ms: stats.p50,
      p99Ms: stats.p99,
      maxMs: stats.max,
      ingest: load,
      warmup: { seconds: warmSeconds, p50Ms: cold.p50, p99Ms: cold.p99 },
      ...(mixed.counts ? { mix: mixed.counts } : {}),
      byEvent: byEvent.map((e) => ({ event: e.event, n: e.n, p50Ms: e.p50, p99Ms: e.p99 })),
      actions,
      workerCpuMsPerWebhook: workerCpuMs,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await deletePrefix(ctx.redis, run.prefix);
  }
}

export function printE2e(r: E2eResult): string {
  return (
    table(
      `End to end: ${r.scrobbles.toLocaleString('en-US')} scrobbles through ingest (${r.connections} connections) -> queue -> worker(s)`,
      [
        'run',
        'scrobbles/s',
        '% of no-op',
        'accept→marked p50 ms',
        'p99 ms',
        'max ms',
        'ingest accept/s',
        'logged',
        'xacts/scrobble',
        'idx scans/scrobble',
        'rows inserted/scrobble',
        'CPU ms/scrobble worker',
        'ingest',
        'postgres',
        'redis',
        'machine',
        'machine busy',
      ],
      r.rows.map((x) => [
        x.name,
        Math.round(x.perSecond),
        x.ratioToNoop === undefined ? null : `${(x.ratioToNoop * 100).toFixed(0)}%`,
        x.p50Ms === null ? null : Math.round(x.p50Ms),
        x.p99Ms === null ? null : Math.round(x.p99Ms),
        x.maxMs === null ? null : Math.round(x.maxMs),
        Math.round(x.acceptPerSec),
        x.logged,
        x.perScrobble?.xacts,
        x.perScrobble?.idxScans,
        x.perScrobble?.tupInserted,
        x.cpuMsPerScrobble.workers,
        x.cpuMsPerScrobble.ingest,
        x.cpuMsPerScrobble.postgres,
        x.cpuMsPerScrobble.redis,
        x.cpuMsPerScrobble.machine,
        `${Math.round(x.machineBusy * 100)}%`,
      ]),
    ) +
    table(
      'Per-table PostgreSQL activity per scrobble (pg_stat_user_tables deltas; index scans include FK checks)',
      ['run', 'table', 'idx scans', 'seq scans', 'rows inserted'],
      r.rows.flatMap((x) =>
        Object.entries(x.counters?.tables ?? {}).map(([t, c]) => [
          x.name,
          t,
          c.idxScan / x.logged,
          c.seqScan / x.logged,
          c.inserted / x.logged,
        ]),
      ),
    ) +
    table(
      `Paced: a steady ${r.paced.rate} webhooks/s for ${r.paced.seconds} s, one every ${1000 / r.paced.rate} ms (1 worker process, concurrency 16, after a warm-up); ${r.paced.mix ? `the realistic mix (${r.paced.mix.progress} progress, ${r.paced.mix.scrobble} scrobbles, ${r.paced.mix.rate} rates, ${r.paced.mix.other} other)` : 'scrobbles only'}`,
      [
        'sent',
        'logged',
        'accept→marked p50 ms',
        'p99 ms',
        'max ms',
        'ingest p99 ms',
        'warm-up (first seconds after start) p50 / p99 ms',
        'worker CPU ms/webhook',
      ],
      [
        [
          r.paced.sent,
          r.paced.logged,
          r.paced.p50Ms,
          r.paced.p99Ms,
          r.paced.maxMs,
          r.paced.ingest.p99Ms,
          `${r.paced.warmup.p50Ms?.toFixed(0)} / ${r.paced.warmup.p99Ms?.toFixed(0)} (${r.paced.warmup.seconds} s)`,
          r.paced.workerCpuMsPerWebhook,
        ],
      ],
    ) +
    table(
      'Paced, accept→recorded by event',
      ['event', 'webhooks', 'p50 ms', 'p99 ms'],
      (r.paced.byEvent ?? []).map((e) => [e.event, e.n, e.p50Ms, e.p99Ms]),
    )
  );
}
