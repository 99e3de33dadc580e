// Scenario 3: the first match of a new show (no mapping yet, no external ids: the title path)
// against a catalogue of 10,000 and 100,000 shows, timed through the worker's own resolveMedia (SHOW),
// plus its candidate query alone and PostgreSQL's plan for it. Every lookup is also checked
// against the full candidate list (threshold 0.3, what the worker searched before M2): resolveMedia
// must give the same mapping, or the same conflict with the same candidates in the same order.
import {
  DEFAULT_MATCH_THRESHOLD,
  decideMatch,
  normalizeTitle,
  type ShowQuery,
  scoreCandidates,
  showQueryFromMetadata,
  splitTitleYear,
} from '@plexhook/core';
import {
  type CandidateQuery,
  type CandidateScope,
  createWorkerStore,
  type Db,
  findTitleCandidates,
  PLEX_SCOPE,
  Prisma,
  searchedTitles,
} from '@plexhook/db';
import { type Resolution, resolveMedia, SHOW, WorkerConfigSchema } from '@plexhook/worker';
import pino from 'pino';
import { buildPlexPayload } from '../test/helpers/plex-payload';
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
  /** Rows of the `contenders` search (what every lookup runs) and of the full list. */
  avgCandidates: number;
  avgFullCandidates: number;
  /** Lookups whose resolveMedia ran the full-list search too (conflicts the contenders left incomplete). */
  fullSearches: number;
  /** Lookups whose outcome equals the one the full candidate list gives. */
  sameOutcome: number;
  mismatches: string[];
  outcomes: Record<string, number>;
  seedSeconds: number;
  slowest: SlowLookup[];
  explain: ExplainSummary[];
};
export type SlowLookup = {
  query: string;
  threshold: number;
  contenders: number;
  fullSearch: boolean;
  resolveMs: number;
  outcome: string;
};
export type ExplainSummary = {
  query: string;
  scope: CandidateScope;
  threshold: number;
  usesTrigramIndex: boolean;
  nodes: string[];
  executionMs: number;
  planningMs: number;
  rowsMatched: number;
};
export type MatchingResult = { rows: MatchingRow[] };

/**
 * The worker's Prisma client, except that every $queryRaw is remembered: EXPLAIN then runs the
 * exact SQL and parameters of the worker's candidate query (packages/db findTitleCandidates), never a copy
 * that could drift from it. Candidate searches (the statements that set the trigram threshold)
 * are counted.
 */
function capturingDb(db: Db): {
  db: Db;
  last(): { sql: string; values: unknown[] } | null;
  searches(): number;
} {
  let last: { sql: string; values: unknown[] } | null = null;
  let searches = 0;
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === '$queryRaw') {
        return (strings: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => {
          // Prisma.sql flattens nested fragments (the shared candidate CTE) into $n placeholders;
          // packages/db passes a built Prisma.Sql.
          const query = 'text' in strings ? strings : Prisma.sql(strings, ...values);
          last = { sql: query.text, values: query.values };
          if (query.text.includes('pg_trgm.similarity_threshold')) searches++;
          return 'text' in strings ? target.$queryRaw(strings) : target.$queryRaw(strings, ...values);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return { db: proxy, last: () => last, searches: () => searches };
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
  capture: ReturnType<typeof capturingDb>,
  title: string,
  scope: CandidateScope,
): Promise<ExplainSummary> {
  await findTitleCandidates(capture.db, 'show', { title, season: 1, episode: 1 }, scope);
  const q = capture.last();
  if (!q) throw new Error('findTitleCandidates ran no $queryRaw: the bench needs updating');
  const rows = await ctx.bench.db.$queryRawUnsafe<
    { 'QUERY PLAN': { Plan: PlanNode; 'Execution Time': number; 'Planning Time': number }[] }[]
  >(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${q.sql}`, ...q.values);
  const plan = rows[0]!['QUERY PLAN'][0]!;
  const nodes = walk(plan.Plan);
  const trgm = nodes.filter((n) => n['Index Name']?.endsWith('_trgm_idx'));
  return {
    query: normalizeTitle(title),
    scope,
    threshold: searchedTitles(title, undefined, scope)?.threshold ?? 0,
    usesTrigramIndex: trgm.length > 0,
    nodes: nodes.map((n) => (n['Index Name'] ? `${n['Node Type']} on ${n['Index Name']}` : n['Node Type'])),
    executionMs: plan['Execution Time'],
    planningMs: plan['Planning Time'],
    rowsMatched: trgm.reduce((a, n) => a + (n['Actual Rows'] ?? 0), 0),
  };
}

/**
 * Whether resolveMedia's outcome is the one the full candidate list (threshold 0.3) gives: the
 * same show and confidence, or a conflict of the same type listing the same candidates in the
 * same order with the same confidences. Returns a description of the difference, or null.
 */
async function differsFromFullList(
  db: Db,
  query: ShowQuery & CandidateQuery,
  r: Resolution,
  threshold: number,
): Promise<{ diff: string | null; fullCandidates: number }> {
  const full = await findTitleCandidates(db, 'show', query, 'full');
  const ref = decideMatch(scoreCandidates(query, full.candidates), { threshold });
  const fullCandidates = full.candidates.length;
  const key = (c: { tvshowId: number; confidence: number }) => `${c.tvshowId}:${c.confidence}`;
  const want =
    ref.kind === 'match' ? `match ${key(ref.candidate)}` : `${ref.conflictType} ${ref.candidates.map(key)}`;
  let got: string;
  if (r.kind === 'mapped') {
    got = `match ${r.mapping.targetId}:${r.mapping.matchConfidence}`;
  } else {
    const row = await db.plexConflict.findUniqueOrThrow({ where: { id: r.conflictId } });
    const listed = row.potentialMatches as { tvshowId: number; confidence: number }[];
    got = `${row.conflictType} ${listed.map(key)}`;
  }
  return {
    diff: got === want ? null : `${query.title}: got ${got}, full list gives ${want}`,
    fullCandidates,
  };
}

export async function benchMatching(ctx: BenchContext): Promise<MatchingResult> {
  const lookups = ctx.quick ? 50 : 200;
  const capture = capturingDb(ctx.bench.db);
  const deps = {
    db: capture.db,
    store: createWorkerStore(capture.db),
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
    let fullRows = 0;
    let fullSearches = 0;
    let sameOutcome = 0;
    const mismatches: string[] = [];
    const outcomes: Record<string, number> = {};
    const lookupsDone: SlowLookup[] = [];
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
      const query = showQueryFromMetadata(metadata);
      const searchesBefore = capture.searches();
      const q0 = performance.now();
      const r = await resolveMedia(
        deps,
        SHOW,
        userId,
        { scope: PLEX_SCOPE, key: `bench-${size}-${k}`, guid: undefined, title, year, label: plexTitle },
        { ids: {}, query },
        { threshold: DEFAULT_MATCH_THRESHOLD, autoResolve: false },
      );
      const q1 = performance.now();
      // The worker's candidate lookup alone (trigram query + episode query), second.
      const found = await findTitleCandidates(capture.db, 'show', query);
      const q2 = performance.now();
      if (k < 0) continue;
      const searches = capture.searches() - searchesBefore - 1;
      // Untimed: the outcome must be the one the full candidate list gives.
      const check = await differsFromFullList(capture.db, query, r, DEFAULT_MATCH_THRESHOLD);
      if (check.diff) mismatches.push(check.diff);
      else sameOutcome++;
      resolveMs.push(q1 - q0);
      candidateMs.push(q2 - q1);
      candidateRows += found.candidates.length;
      fullRows += check.fullCandidates;
      if (searches > 1) fullSearches++;
      const outcome = r.kind === 'mapped' ? `mapped (${r.mapping.matchMethod})` : 'conflict';
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      lookupsDone.push({
        query: normalizeTitle(query.title),
        threshold: searchedTitles(query.title, query.originalTitle)?.threshold ?? 0,
        contenders: found.candidates.length,
        fullSearch: searches > 1,
        resolveMs: q1 - q0,
        outcome,
      });
    }
    const sortedResolve = [...resolveMs].sort((a, b) => a - b);
    const sortedCand = [...candidateMs].sort((a, b) => a - b);
    const explainTitles = titles.slice(0, 4).map((t) => t.title);
    rows.push({
      catalogue: size,
      lookups: resolveMs.length,
      resolveP50Ms: percentile(sortedResolve, 0.5)!,
      resolveP99Ms: percentile(sortedResolve, 0.99)!,
      resolveMeanMs: resolveMs.reduce((a, b) => a + b, 0) / resolveMs.length,
      candidatesP50Ms: percentile(sortedCand, 0.5)!,
      candidatesP99Ms: percentile(sortedCand, 0.99)!,
      avgCandidates: candidateRows / candidateMs.length,
      avgFullCandidates: fullRows / candidateMs.length,
      fullSearches,
      sameOutcome,
      mismatches,
      outcomes,
      seedSeconds,
      slowest: [...lookupsDone].sort((a, b) => b.resolveMs - a.resolveMs).slice(0, 5),
      explain: [
        ...(await sequential(explainTitles, (t) => explain(ctx, capture, t, 'contenders'))),
        ...(await sequential(explainTitles, (t) => explain(ctx, capture, t, 'full'))),
      ],
    });
  }
  return { rows };
}

async function sequential<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await fn(item));
  return out;
}

export function printMatching(r: MatchingResult): string {
  return (
    table(
      'Matching at scale: first match of a new show (resolveMedia: candidates + scoring + mapping/conflict write)',
      [
        'catalogue',
        'lookups',
        'resolve p50 ms',
        'p99 ms',
        'mean ms',
        'findTitleCandidates p50 ms',
        'p99 ms',
        'avg candidates (full list)',
        'full-list searches',
        'same outcome as full list',
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
        `${x.avgCandidates.toFixed(2)} (${x.avgFullCandidates.toFixed(2)})`,
        x.fullSearches,
        `${x.sameOutcome}/${x.lookups}`,
        Object.entries(x.outcomes)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', '),
      ]),
    ) +
    (r.rows.some((x) => x.mismatches.length > 0)
      ? `\nOutcomes that differ from the full list:\n${r.rows.flatMap((x) => x.mismatches.map((m) => `- ${x.catalogue}: ${m}`)).join('\n')}\n`
      : '') +
    table(
      'Slowest lookups',
      [
        'catalogue',
        'normalized title',
        'threshold',
        'contenders',
        'full-list search',
        'resolve ms',
        'outcome',
      ],
      r.rows.flatMap((x) =>
        x.slowest.map((l) => [
          x.catalogue,
          l.query,
          l.threshold.toFixed(2),
          l.contenders,
          l.fullSearch ? 'yes' : 'no',
          l.resolveMs,
          l.outcome,
        ]),
      ),
    ) +
    table(
      'EXPLAIN ANALYZE of the candidate query',
      [
        'catalogue',
        'normalized title',
        'search',
        'threshold',
        'trigram GIN index used',
        'rows via index',
        'exec ms',
        'plan',
      ],
      r.rows.flatMap((x) =>
        x.explain.map((e) => [
          x.catalogue,
          e.query,
          e.scope,
          e.threshold.toFixed(2),
          e.usesTrigramIndex ? 'yes' : 'NO',
          e.rowsMatched,
          e.executionMs,
          e.nodes.join(' > '),
        ]),
      ),
    )
  );
}
