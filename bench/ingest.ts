// Scenario 1: webhook ingest under load, side by side with its ceiling (bare Express route)
// and with the "inline" alternative (the worker's job done inside the request).
import { admin, deletePrefix, resetRunTables } from './lib/benchdb';
import { type BenchContext, ingestEnv } from './lib/context';
import { buildBodies, type LoadSummary, runLoad, summarize } from './lib/load';
import { fakeJpeg } from './lib/payload';
import { cpuSeconds, freePort, machineCpu, type Proc, sampleRss, spawnTs, waitHttp } from './lib/procs';
import { table } from './lib/report';

type TargetName = 'ceiling' | 'ingest' | 'inline';
export type IngestRow = LoadSummary & {
  variant: string;
  target: TargetName;
  maxRssMb: number;
  /** RSS after start-up and warm-up, before the measured run. */
  idleRssMb: number;
  /** CPU ms per request: the target process, redis-server, and the whole machine (all cores). */
  cpuMsPerRequest: { target: number; redis: number; machine: number };
  /** Ingest only: V8 heap and external memory right after the run (its /metrics), in MB. */
  heapMb?: { heapTotal: number; heapUsed: number; external: number };
  /** Distinct warn/error messages the target logged during the run (why a non-2xx happened). */
  problems?: string[];
  /** Inline only: how the handled webhooks were logged (duplicates once the pool wraps). */
  actions?: Record<string, number>;
};
export type IngestResult = {
  connections: number;
  durationSeconds: number;
  rows: IngestRow[];
  ratios: { variant: string; ingestOverCeiling: number; ingestOverInline: number }[];
};

const CONNECTIONS = 50;

async function startTarget(
  ctx: BenchContext,
  target: TargetName,
  prefix: string,
): Promise<{ proc: Proc; url: string }> {
  const port = await freePort();
  const env = { ...ingestEnv(ctx, prefix, port), PORT: String(port) };
  const file =
    target === 'ingest'
      ? 'apps/ingest/src/main.ts'
      : target === 'ceiling'
        ? 'bench/ceiling-server.ts'
        : 'bench/inline-server.ts';
  const proc = spawnTs(target, file, env);
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/healthz`, proc);
  return { proc, url };
}

/** Where ingest's memory is: prom-client's default process metrics, read from /metrics. */
async function heapOf(url: string): Promise<IngestRow['heapMb']> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => {
    const m = new RegExp(`^plexhook_ingest_${name} (\\S+)$`, 'm').exec(text);
    return m ? Math.round(Number(m[1]) / 2 ** 20) : Number.NaN;
  };
  return {
    heapTotal: read('nodejs_heap_size_total_bytes'),
    heapUsed: read('nodejs_heap_size_used_bytes'),
    external: read('nodejs_external_memory_bytes'),
  };
}

/** Distinct messages of the pino lines a process wrote (at most 5), for the report. */
function problemLines(out: string): string[] {
  const seen = new Map<string, number>();
  for (const line of out.split('\n')) {
    if (!line.trim()) continue;
    let key = line.slice(0, 200);
    try {
      const j = JSON.parse(line) as { msg?: string; status?: number; err?: string; error?: string };
      key = [j.msg, j.status, j.err ?? j.error].filter((x) => x !== undefined).join(' ');
    } catch {
      // not JSON: keep the raw line
    }
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen.entries()].slice(0, 5).map(([k, n]) => `${n} x ${k}`);
}

export async function benchIngest(ctx: BenchContext): Promise<IngestResult> {
  const duration = ctx.quick ? 3 : 20;
  const warmup = ctx.quick ? 1 : 2;
  // Distinct scrobbles, so the inline variant does real work instead of logging duplicates
  // (ingest and the ceiling get the very same bodies). Built once, before any run.
  const pool = ctx.quick ? 4_000 : 20_000;
  const variants = [
    { name: '3 KB scrobble', bodies: buildBodies(ctx, pool, 1_000_000) },
    { name: '3 KB + 40 KB thumb', bodies: buildBodies(ctx, pool, 2_000_000, fakeJpeg(40 * 1024)) },
  ];
  const rows: IngestRow[] = [];
  // redis-server runs on this machine: its CPU is part of what a webhook costs.
  const redisPid = Number(/process_id:(\d+)/.exec(await ctx.redis.info('server'))?.[1] ?? 0);
  for (const variant of variants) {
    for (const target of ['ceiling', 'ingest', 'inline'] as const) {
      const prefix = `${ctx.prefix}-ingest-${target}`;
      ctx.log(`ingest: ${variant.name} -> ${target} (${duration} s, ${CONNECTIONS} connections)`);
      const { proc, url } = await startTarget(ctx, target, prefix);
      try {
        const idleRssMb = sampleRss(proc.pid).stop().maxMb;
        await runLoad({ url, connections: CONNECTIONS, duration: warmup }, variant.bodies);
        const logged = proc.output().length;
        const rss = sampleRss(proc.pid);
        const cpu0 = {
          target: cpuSeconds(proc.pid),
          redis: cpuSeconds(redisPid),
          machine: machineCpu().busy,
        };
        const result = await runLoad({ url, connections: CONNECTIONS, duration }, variant.bodies);
        const perReq = (seconds: number) => (seconds * 1000) / Math.max(1, result.requests.total);
        const cpuMsPerRequest = {
          target: perReq(cpuSeconds(proc.pid) - cpu0.target),
          redis: perReq(cpuSeconds(redisPid) - cpu0.redis),
          machine: perReq((machineCpu().busy - cpu0.machine) / 100),
        };
        const { maxMb } = rss.stop();
        const heapMb = target === 'ingest' ? await heapOf(url) : undefined;
        const row: IngestRow = {
          variant: variant.name,
          target,
          maxRssMb: maxMb,
          idleRssMb,
          cpuMsPerRequest,
          ...(heapMb ? { heapMb } : {}),
          ...summarize(result),
        };
        const problems = problemLines(proc.output().slice(logged));
        if (problems.length) row.problems = problems;
        if (target === 'inline') {
          const counts = await admin(
            (c) =>
              c.query<{ action: string | null; n: string }>(
                'SELECT coalesce(action_taken::text, status::text) AS action, count(*) AS n FROM plex_webhook_logs GROUP BY 1',
              ),
            ctx.bench.name,
          );
          row.actions = Object.fromEntries(counts.rows.map((r) => [r.action ?? 'none', Number(r.n)]));
        }
        rows.push(row);
      } finally {
        await proc.stop();
        // Drop the run's jobs and dedupe claims, and what the inline variant wrote.
        await deletePrefix(ctx.redis, prefix);
        if (target === 'inline') await resetRunTables(ctx.bench.name);
      }
    }
  }
  const ratios = variants.map((v) => {
    const get = (t: TargetName) => rows.find((r) => r.variant === v.name && r.target === t)!.reqPerSec;
    return {
      variant: v.name,
      ingestOverCeiling: get('ingest') / get('ceiling'),
      ingestOverInline: get('ingest') / get('inline'),
    };
  });
  return { connections: CONNECTIONS, durationSeconds: duration, rows, ratios };
}

export function printIngest(r: IngestResult): string {
  return (
    table(
      `Ingest: POST /api/plex/webhook, ${r.connections} connections, ${r.durationSeconds} s per run`,
      [
        'payload',
        'target',
        'req/s',
        'p50 ms',
        'p99 ms',
        'max ms',
        'non-2xx',
        'errors',
        'RSS idle MB',
        'RSS max MB',
        'CPU ms/req target',
        'redis',
        'machine',
      ],
      r.rows.map((x) => [
        x.variant,
        x.target,
        Math.round(x.reqPerSec),
        x.p50Ms,
        x.p99Ms,
        x.maxMs,
        x.non2xx,
        x.errors + x.timeouts,
        x.idleRssMb,
        x.maxRssMb,
        x.cpuMsPerRequest.target,
        x.cpuMsPerRequest.redis,
        x.cpuMsPerRequest.machine,
      ]),
    ) +
    r.rows
      .filter((x) => x.problems || x.non2xx)
      .map(
        (x) =>
          `\n${x.variant} -> ${x.target}: status codes ${JSON.stringify(x.statusCodes)}; logged: ${(x.problems ?? []).join(' | ')}\n`,
      )
      .join('') +
    r.rows
      .filter((x) => x.heapMb)
      .map(
        (x) =>
          `\n${x.variant} -> ingest memory after the run: RSS ${x.maxRssMb} MB max, V8 heap ${x.heapMb!.heapUsed} MB used of ${x.heapMb!.heapTotal} MB, external ${x.heapMb!.external} MB\n`,
      )
      .join('') +
    table(
      'Ingest ratios',
      ['payload', 'ingest / ceiling', 'ingest / inline'],
      r.ratios.map((x) => [
        x.variant,
        `${(x.ingestOverCeiling * 100).toFixed(0)}%`,
        `${x.ingestOverInline.toFixed(1)}x`,
      ]),
    )
  );
}
