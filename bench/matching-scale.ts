// Scenario 3: the first match of a new show (no mapping yet, no external ids: the title path)
// against a catalogue of 10,000 and 100,000 shows, timed through the worker's own resolveShow,
// plus its candidate query alone and PostgreSQL's plan for it.
import { normalizeTitle, showQueryFromMetadata, splitTitleYear } from '@plexhook/core';
import { buildPlexPayload } from '@plexhook/core/src/testing';
import { type Db, Prisma } from '@plexhook/db';
import pino from 'pino';
import { WorkerConfigSchema } from '../apps/worker/src/config';
import { findCandidates, resolveShow } from '../apps/worker/src/handlers/match-show';
import { inChunks } from './lib/benchdb';
import type { BenchContext } from './lib/context';
import { percentile, table } from './lib/report';
import { REAL_TITLES, showYear, syntheticTitle } from './lib/titles';

export type MatchingRow = {
  catalogue: number;
  lookups: number;
  resolveP50Ms: number;
  resolveP99Ms: number;
  resolveMeanMs: number;
  candidatesP50Ms: number;
  candidatesP99Ms: number;
  avgCandidates: number;
  outcomes: Record<string, number>;
  seedSeconds: number;
  explain: ExplainSummary[];
};
export type ExplainSummary = {
  query: string;
  usesTrigramIndex: boolean;
  nodes: string[];
  executionMs: number;
  planningMs: number;
  rowsMatched: number;
};
export type MatchingResult = { rows: MatchingRow[] };

/**
 * The worker's Prisma client, except that every $queryRaw is remembered: EXPLAIN then runs the
 * exact SQL and parameters of the worker's candidate query (findCandidates), never a copy
 * that could drift from it.
 */
function capturingDb(db: Db): { db: Db; last(): { sql: string; values: unknown[] } | null } {
  let last: { sql: string; values: unknown[] } | null = null;
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === '$queryRaw') {
        return (strings: TemplateStringsArray, ...values: unknown[]) => {
          // Prisma.sql flattens nested fragments (the shared candidate CTE) into $n placeholders.
          const query = Prisma.sql(strings, ...values);
          last = { sql: query.text, values: query.values };
          return target.$queryRaw(strings, ...values);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return { db: proxy, last: () => last };
}

type PlanNode = {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
};

function walk(node: PlanNode, out: PlanNode[] = []): PlanNode[] {
  out.push(node);
  for (const child of node.Plans ?? []) walk(child, out);
  return out;
}

async function growCatalogue(ctx: BenchContext, size: number): Promise<number> {
  const started = performance.now();
  const have = await ctx.bench.db.tvShow.count();
  const rows = [];
  for (let i = have; i < size; i++) {
    const title = syntheticTitle(i);
    rows.push({
      title,
      normalizedTitle: normalizeTitle(title),
      showStartDate: new Date(Date.UTC(showYear(i), 0, 1)),
    });
  }
  // createMany in chunks: see CHUNK_ROWS (PostgreSQL's 65,535 bind-parameter limit).
  await inChunks(rows, (chunk) => ctx.bench.db.tvShow.createMany({ data: chunk }));
  // What autovacuum's autoanalyze would do after a bulk import: the planner needs the stats.
  await ctx.bench.db.$executeRawUnsafe('ANALYZE tvshows');
  return (performance.now() - started) / 1000;
}

/** Titles of new shows, in four kinds: exact (real), exact (synthetic), misspelt, unknown. */
function lookupTitles(size: number, count: number): { title: string; year?: number }[] {
  const out: { title: string; year?: number }[] = [];
  for (let k = 0; k < count; k++) {
    const kind = k % 4;
    if (kind === 0) {
      const s = k % REAL_TITLES.length;
      out.push({ title: REAL_TITLES[s]!, year: showYear(s) });
    } else if (kind === 1) {
      const i = 500 + ((k * 7919) % (size - 500));
      out.push({ title: syntheticTitle(i), year: showYear(i) });
    } else if (kind === 2) {
      const t = syntheticTitle(500 + ((k * 104_729) % (size - 500)));
      const cut = 3 + (k % (t.length - 4));
      out.push({ title: t.slice(0, cut) + t.slice(cut + 1) });
    } else {
      out.push({ title: `Zorblax Quintessence ${k}` });
    }
  }
  return out;
}

async function explain(
  ctx: BenchContext,
  deps: Parameters<typeof findCandidates>[0],
  capture: ReturnType<typeof capturingDb>,
  title: string,
): Promise<ExplainSummary> {
  await findCandidates(deps, { title, season: 1, episode: 1 });
  const q = capture.last();
  if (!q) throw new Error('findCandidates ran no $queryRaw: the bench needs updating');
  const rows = await ctx.bench.db.$queryRawUnsafe<
    { 'QUERY PLAN': { Plan: PlanNode; 'Execution Time': number; 'Planning Time': number }[] }[]
  >(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${q.sql}`, ...q.values);
  const plan = rows[0]!['QUERY PLAN'][0]!;
  const nodes = walk(plan.Plan);
  const trgm = nodes.filter((n) => n['Index Name']?.endsWith('_trgm_idx'));
  return {
    query: normalizeTitle(title),
    usesTrigramIndex: trgm.length > 0,
    nodes: nodes.map((n) => (n['Index Name'] ? `${n['Node Type']} on ${n['Index Name']}` : n['Node Type'])),
    executionMs: plan['Execution Time'],
    planningMs: plan['Planning Time'],
    rowsMatched: trgm.reduce((a, n) => a + (n['Actual Rows'] ?? 0), 0),
  };
}

export async function benchMatching(ctx: BenchContext): Promise<MatchingResult> {
  const lookups = ctx.quick ? 50 : 200;
  const capture = capturingDb(ctx.bench.db);
  const deps = {
    db: capture.db,
    redis: ctx.redis,
    logger: pino({ level: 'silent' }),
    config: WorkerConfigSchema.parse({ QUEUE_PREFIX: `${ctx.prefix}-matching` }),
  };
  const userId = ctx.seeded.users[0]!.id;
  const rows: MatchingRow[] = [];
  for (const size of [10_000, 100_000]) {
    ctx.log(`matching: growing the catalogue to ${size.toLocaleString('en-US')} shows`);
    const seedSeconds = await growCatalogue(ctx, size);
    const titles = lookupTitles(size, lookups);
    const resolveMs: number[] = [];
    const candidateMs: number[] = [];
    let candidateRows = 0;
    const outcomes: Record<string, number> = {};
    const warm = 10;
    for (let k = -warm; k < titles.length; k++) {
      const t = titles[(k + titles.length) % titles.length]!;
      const plexTitle = t.year ? `${t.title} (${t.year})` : t.title;
      const metadata = buildPlexPayload({
        Metadata: {
          grandparentTitle: plexTitle,
          grandparentRatingKey: `bench-${size}-${k}`,
          year: t.year ?? 2021,
          originallyAvailableAt: t.year ? `${t.year}-03-01` : '2021-03-01',
          title: 'Episode 1',
          Guid: [],
        },
      }).Metadata!;
      const { title, year } = splitTitleYear(plexTitle);
      const q0 = performance.now();
      const r = await resolveShow(
        deps,
        { userId, ratingKey: `bench-${size}-${k}`, guid: undefined, title, year },
        {},
        showQueryFromMetadata(metadata),
        { threshold: deps.config.DEFAULT_MATCH_THRESHOLD, autoResolve: false },
      );
      const q1 = performance.now();
      // The worker's candidate lookup alone (trigram query + episode query), second.
      const found = await findCandidates(deps, showQueryFromMetadata(metadata));
      const q2 = performance.now();
      if (k < 0) continue;
      resolveMs.push(q1 - q0);
      candidateMs.push(q2 - q1);
      candidateRows += found.length;
      const outcome = r.kind === 'mapped' ? `mapped (${r.mapping.matchMethod})` : 'conflict';
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    const sortedResolve = [...resolveMs].sort((a, b) => a - b);
    const sortedCand = [...candidateMs].sort((a, b) => a - b);
    rows.push({
      catalogue: size,
      lookups: resolveMs.length,
      resolveP50Ms: percentile(sortedResolve, 0.5)!,
      resolveP99Ms: percentile(sortedResolve, 0.99)!,
      resolveMeanMs: resolveMs.reduce((a, b) => a + b, 0) / resolveMs.length,
      candidatesP50Ms: percentile(sortedCand, 0.5)!,
      candidatesP99Ms: percentile(sortedCand, 0.99)!,
      avgCandidates: candidateRows / candidateMs.length,
      outcomes,
      seedSeconds,
      explain: [
        await explain(ctx, deps, capture, titles[0]!.title),
        await explain(ctx, deps, capture, titles[1]!.title),
        await explain(ctx, deps, capture, titles[2]!.title),
        await explain(ctx, deps, capture, titles[3]!.title),
      ],
    });
  }
  return { rows };
}

export function printMatching(r: MatchingResult): string {
  return (
    table(
      'Matching at scale: first match of a new show (resolveShow: candidates + scoring + mapping/conflict write)',
      [
        'catalogue',
        'lookups',
        'resolve p50 ms',
        'p99 ms',
        'mean ms',
        'findCandidates p50 ms',
        'p99 ms',
        'avg candidates',
        'outcomes',
      ],
      r.rows.map((x) => [
        x.catalogue,
        x.lookups,
        x.resolveP50Ms,
        x.resolveP99Ms,
        x.resolveMeanMs,
        x.candidatesP50Ms,
        x.candidatesP99Ms,
        x.avgCandidates,
        Object.entries(x.outcomes)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', '),
      ]),
    ) +
    table(
      'EXPLAIN ANALYZE of the candidate query',
      ['catalogue', 'normalized title', 'trigram GIN index used', 'rows via index', 'exec ms', 'plan'],
      r.rows.flatMap((x) =>
        x.explain.map((e) => [
          x.catalogue,
          e.query,
          e.usesTrigramIndex ? 'yes' : 'NO',
          e.rowsMatched,
          e.executionMs,
          e.nodes.join(' > '),
        ]),
      ),
    )
  );
}
