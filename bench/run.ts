// npm run bench -- [ingest|e2e|matching-scale|all] [--quick] [--keep-db]
//
// Each run creates a fresh bench database (migrated by the project's runner, dropped at the
// end) and a Redis prefix of its own (deleted at the end), prints Markdown tables and the
// PASS/FAIL list of targets, and writes bench/results/latest.json. Not part of `npm test`.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchE2e, type E2eResult, printE2e } from './e2e';
import { benchIngest, type IngestResult, printIngest } from './ingest';
import { admin, benchRedis, createBenchDb, deletePrefix, seedCatalogue } from './lib/benchdb';
import { type BenchContext, spoolRoot } from './lib/context';
import { loadAverage, ROOT, stopAll } from './lib/procs';
import { type Target, target, targetsTable } from './lib/report';
import { benchMatching, type MatchingResult, printMatching } from './matching-scale';

const SCENARIOS = ['ingest', 'e2e', 'matching-scale'] as const;
type Scenario = (typeof SCENARIOS)[number];

function parseArgs(argv: string[]) {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const positional = argv.filter((a) => !a.startsWith('--'));
  for (const f of flags) {
    if (!['--quick', '--keep-db'].includes(f)) throw new Error(`unknown flag ${f}`);
  }
  const which = positional[0] ?? 'all';
  if (which !== 'all' && !SCENARIOS.includes(which as Scenario)) {
    throw new Error(`usage: npm run bench -- [${SCENARIOS.join('|')}|all] [--quick] [--keep-db]`);
  }
  return {
    scenarios: which === 'all' ? [...SCENARIOS] : [which as Scenario],
    quick: flags.has('--quick'),
    keepDb: flags.has('--keep-db'),
  };
}

function targets(r: { ingest?: IngestResult; e2e?: E2eResult; matching?: MatchingResult }): Target[] {
  const out: Target[] = [];
  if (r.ingest) {
    const ingest = r.ingest.rows.find((x) => x.target === 'ingest' && x.variant === '3 KB scrobble')!;
    const ratio = r.ingest.ratios.find((x) => x.variant === '3 KB scrobble')!;
    const rss = Math.max(...r.ingest.rows.filter((x) => x.target === 'ingest').map((x) => x.maxRssMb));
    out.push(
      target('ingest throughput (3 KB)', ingest.reqPerSec, '>=', 5_000, 'req/s'),
      target('ingest p99 latency (3 KB)', ingest.p99Ms, '<', 25, 'ms'),
      target('ingest / bare-route ceiling (3 KB)', ratio.ingestOverCeiling * 100, '>=', 50, '%'),
      target('ingest max RSS under load', rss, '<', 150, 'MB'),
    );
  }
  if (r.e2e) {
    const oneProc = r.e2e.rows.filter((x) => x.kind === 'worker' && x.processes === 1);
    const best = oneProc.reduce((a, b) => (b.perSecond > a.perSecond ? b : a), oneProc[0]!);
    if (best) {
      out.push(
        target(
          `e2e, 1 worker process (best: c${best.concurrency})`,
          best.perSecond,
          '>=',
          1_500,
          'scrobbles/s',
        ),
        target('e2e 1 process / no-op ceiling', (best.ratioToNoop ?? 0) * 100, '>=', 40, '%'),
      );
    }
    // Issue 18: the paced run sends the realistic mix (70 % progress), and every row counts.
    out.push(
      target('accept→recorded p99 at 200 webhooks/s, realistic mix', r.e2e.paced.p99Ms, '<', 50, 'ms'),
    );
  }
  if (r.matching) {
    const big = r.matching.rows.find((x) => x.catalogue === 100_000);
    out.push(target('first match p99, 100,000 shows', big?.resolveP99Ms, '<', 20, 'ms'));
    // At 10,000 shows the planner may rightly prefer a sequential scan; at 100,000 it must not.
    const bigTrgm = big?.explain.every((e) => e.usesTrigramIndex) ?? false;
    out.push(
      target('candidate query uses a trigram GIN index at 100,000', bigTrgm ? 1 : 0, '>=', 1, '(1 = yes)'),
    );
    // The fast contenders search must never change a decision: same outcome as the full list.
    const lookups = r.matching.rows.reduce((a, x) => a + x.lookups, 0);
    const same = r.matching.rows.reduce((a, x) => a + x.sameOutcome, 0);
    out.push(
      target('lookups decided as the full 0.3 list decides them', (same / lookups) * 100, '>=', 100, '%'),
    );
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const startedAt = new Date();
  const loadBefore = loadAverage();
  const pgVersion = await admin((c) =>
    c.query<{ v: string }>("SELECT current_setting('server_version') AS v"),
  ).then((r) => r.rows[0]!.v);
  log(`${args.quick ? 'quick' : 'full'} run of ${args.scenarios.join(', ')}; load average ${loadBefore}`);

  const redis = benchRedis();
  const prefix = `plexhook-bench-${randomBytes(3).toString('hex')}`;
  log('creating and migrating the bench database');
  const bench = await createBenchDb();
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    log('interrupted: stopping processes, dropping the bench database');
    void stopAll()
      .then(() => deletePrefix(redis, prefix))
      .then(() => (args.keepDb ? undefined : bench.drop()))
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const results: { ingest?: IngestResult; e2e?: E2eResult; matching?: MatchingResult } = {};
  let output = '';
  try {
    log(`seeding ${bench.name}: 50 users, 500 shows x 40 episodes, 25,000 mappings`);
    const seeded = await seedCatalogue(bench.db);
    const ctx: BenchContext = { quick: args.quick, bench, seeded, redis, prefix, log };
    for (const s of args.scenarios) {
      if (s === 'ingest') {
        results.ingest = await benchIngest(ctx);
        output += printIngest(results.ingest);
      } else if (s === 'e2e') {
        results.e2e = await benchE2e(ctx);
        output += printE2e(results.e2e);
      } else {
        results.matching = await benchMatching(ctx);
        output += printMatching(results.matching);
      }
    }
  } finally {
    await stopAll();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    rmSync(spoolRoot({ prefix }), { recursive: true, force: true });
    if (args.keepDb) log(`kept database ${bench.name}`);
    else await bench.drop();
  }

  const loadAfter = loadAverage();
  const list = targets(results);
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: pgVersion,
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadAfter,
  };
  const header = `## Bench ${args.quick ? '(quick) ' : ''}${startedAt.toISOString()}\n\n${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}, PostgreSQL ${machine.postgres}; load average before ${loadBefore}, after ${loadAfter} (1/5/15 min)\n`;
  console.log(header + output + targetsTable(list));

  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        mode: args.quick ? 'quick' : 'full',
        scenarios: args.scenarios,
        machine,
        ...results,
        targets: list,
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${file}`);
  process.exit(0);
}

main().catch(async (err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  await stopAll();
  process.exit(1);
});
