// npm run bench:matching — the matching benchmark. Pure: runs @plexhook/core's id lookup,
// scoring and match decision over an in-memory copy of corpus.json's catalogue, the way the
// worker does over PostgreSQL (candidate retrieval emulates pg_trgm's `%` at its default 0.3),
// and reports precision and recall of automatic mappings and the conflict rate.
// Exits 1 when precision < 100 %, recall < 95 % or an ambiguous case is not a conflict with the
// right answer ranked first, so CI can run it as a check. Writes bench/results/matching.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CandidateMovie,
  type CandidateShow,
  DEFAULT_MATCH_THRESHOLD,
  decideByExternalIds,
  decideMatch,
  decideMovieMatch,
  type ExternalIds,
  externalIdLookups,
  extractIds,
  type MatchDecision,
  type MovieMatchDecision,
  movieQueryFromMetadata,
  normalizeTitle,
  type PlexMetadata,
  PlexMetadataSchema,
  parsePlexShowResponse,
  type ShowQuery,
  scoreCandidates,
  scoreMovieCandidates,
  showQueryFromMetadata,
  withPlexShowInfo,
} from '@plexhook/core';

type CorpusShow = {
  key: string;
  title: string;
  originalTitle: string | null;
  firstAired: string | null;
  lastAired: string | null;
  tmdbId: number | null;
  tvdbId: number | null;
  imdbId: string | null;
  seasons: { number: number; episodes: { number: number; title: string | null; airDate: string | null }[] }[];
};
type CorpusMovie = {
  key: string;
  title: string;
  originalTitle: string | null;
  year: number | null;
  tmdbId: number | null;
  imdbId: string | null;
};
type CorpusCase = {
  id: string;
  tags: string[];
  note: string;
  metadata: Record<string, unknown>;
  plexShow?: { title: string; originalTitle?: string; year?: number; guids: string[] } | null;
  expected: string;
  expectedTop?: string | null;
  truth: string | null;
};
type Corpus = { catalogue: { shows: CorpusShow[]; movies: CorpusMovie[] }; cases: CorpusCase[] };

type Result =
  | { kind: 'mapped'; key: string; method: string; confidence: number }
  | { kind: 'conflict'; conflictType: string; ranked: string[]; decisive: string | null };

const ROOT = join(__dirname, '..', '..');
const corpus = JSON.parse(readFileSync(join(__dirname, 'corpus.json'), 'utf8')) as Corpus;
const threshold = DEFAULT_MATCH_THRESHOLD;

// --- the in-memory catalogue, shaped like the tables --------------------------------------------
const date = (iso: string | null) => (iso ? new Date(`${iso}T00:00:00Z`) : null);
const shows = corpus.catalogue.shows.map((s, i) => ({
  ...s,
  id: i + 1,
  normalizedTitle: normalizeTitle(s.title),
  normalizedOriginalTitle: s.originalTitle ? normalizeTitle(s.originalTitle) : null,
}));
const movies = corpus.catalogue.movies.map((m, i) => ({
  ...m,
  id: i + 1,
  normalizedTitle: normalizeTitle(m.title),
  normalizedOriginalTitle: m.originalTitle ? normalizeTitle(m.originalTitle) : null,
}));
for (const [name, rows] of [
  ['shows', shows],
  ['movies', movies],
] as const) {
  for (const field of ['tmdbId', 'tvdbId', 'imdbId'] as const) {
    const seen = new Set<unknown>();
    for (const row of rows as { [k: string]: unknown }[]) {
      const v = row[field];
      if (v === null || v === undefined) continue;
      if (seen.has(v))
        throw new Error(`corpus: duplicate ${field} ${String(v)} in ${name} (unique in the database)`);
      seen.add(v);
    }
  }
}

// pg_trgm: words padded with two spaces before and one after, similarity = shared / union.
function trigrams(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of text.split(/[^\p{L}\p{N}]+/u).filter(Boolean)) {
    const padded = `  ${word} `;
    for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3));
  }
  return out;
}
function similarity(a: string | null, b: string): number {
  if (!a) return 0;
  const x = trigrams(a);
  const y = trigrams(b);
  let shared = 0;
  for (const t of x) if (y.has(t)) shared++;
  const union = x.size + y.size - shared;
  return union === 0 ? 0 : shared / union;
}
const TRGM_THRESHOLD = 0.3;
const MAX_CANDIDATES = 20;

/** The worker's candidate query (match-show.ts / match-movie.ts), over arrays. */
function retrieve<T extends { id: number; normalizedTitle: string; normalizedOriginalTitle: string | null }>(
  rows: T[],
  title: string,
  originalTitle: string | undefined,
): T[] {
  const n = normalizeTitle(title);
  if (!n) return [];
  const o = originalTitle ? normalizeTitle(originalTitle) || n : n;
  const scored = rows
    .map((r) => {
      const sims = [
        similarity(r.normalizedTitle, n),
        similarity(r.normalizedTitle, o),
        similarity(r.normalizedOriginalTitle, n),
        similarity(r.normalizedOriginalTitle, o),
      ];
      const equal = [r.normalizedTitle, r.normalizedOriginalTitle].some((t) => t === n || t === o);
      return { r, best: Math.max(...sims), hit: equal || sims.some((s) => s >= TRGM_THRESHOLD) };
    })
    .filter((x) => x.hit);
  scored.sort((a, b) => b.best - a.best || a.r.id - b.r.id);
  return scored.slice(0, MAX_CANDIDATES).map((x) => x.r);
}

function showCandidate(s: (typeof shows)[number], query: ShowQuery): CandidateShow {
  const episode =
    query.season !== undefined && query.episode !== undefined
      ? s.seasons.find((se) => se.number === query.season)?.episodes.find((e) => e.number === query.episode)
      : undefined;
  return {
    id: s.id,
    title: s.title,
    originalTitle: s.originalTitle,
    showStartDate: date(s.firstAired),
    showEndDate: date(s.lastAired),
    episode: episode ? { title: episode.title, airDate: date(episode.airDate) } : null,
  };
}

const hasIds = (ids: ExternalIds) =>
  ids.tmdb !== undefined || ids.tvdb !== undefined || ids.imdb !== undefined;

function conflictOf(
  decision: Extract<MatchDecision | MovieMatchDecision, { kind: 'conflict' }>,
  keyOf: (id: number) => string,
): Result {
  return {
    kind: 'conflict',
    conflictType: decision.conflictType,
    ranked: decision.candidates.map((c) => keyOf('tvshowId' in c ? c.tvshowId : c.movieId)),
    decisive: decision.decisive
      ? keyOf('tvshowId' in decision.decisive ? decision.decisive.tvshowId : decision.decisive.movieId)
      : null,
  };
}

const showKey = (id: number) => `tvshow:${shows[id - 1]!.key}`;
const movieKey = (id: number) => `movie:${movies[id - 1]!.key}`;

function matchShow(metadata: PlexMetadata, plexShow: CorpusCase['plexShow']): Result {
  let ids = extractIds(metadata).show;
  let query = showQueryFromMetadata(metadata);
  // The worker asks the Plex server only when the scrobble has no show ids of its own.
  if (plexShow && !hasIds(ids)) {
    const info = parsePlexShowResponse({
      MediaContainer: {
        Metadata: [
          {
            ratingKey: metadata.grandparentRatingKey,
            type: 'show',
            guid: 'plex://show/bench',
            title: plexShow.title,
            originalTitle: plexShow.originalTitle,
            year: plexShow.year,
            Guid: plexShow.guids.map((id) => ({ id })),
          },
        ],
      },
    });
    if (info) ({ ids, query } = withPlexShowInfo(ids, query, info));
  }
  const lookups = externalIdLookups(ids);
  const byId = decideByExternalIds(lookups, shows);
  if (byId.kind === 'match')
    return { kind: 'mapped', key: showKey(byId.id), method: byId.method, confidence: 1 };
  const candidates = retrieve(shows, query.title, query.originalTitle).map((s) => showCandidate(s, query));
  if (byId.kind === 'disagree') {
    for (const hit of byId.hits) {
      if (!candidates.some((c) => c.id === hit.id)) candidates.push(showCandidate(shows[hit.id - 1]!, query));
    }
    const scored = scoreCandidates(query, candidates);
    return {
      kind: 'conflict',
      conflictType: 'multiple_matches',
      ranked: scored.map((c) => showKey(c.tvshowId)),
      decisive: null,
    };
  }
  const decision = decideMatch(scoreCandidates(query, candidates), { threshold });
  if (decision.kind === 'match') {
    return {
      kind: 'mapped',
      key: showKey(decision.candidate.tvshowId),
      method: 'title_year',
      confidence: decision.candidate.confidence,
    };
  }
  return conflictOf(decision, showKey);
}

function matchMovie(metadata: PlexMetadata): Result {
  const query = movieQueryFromMetadata(metadata);
  const byId = decideByExternalIds(
    externalIdLookups(extractIds(metadata).movie, ['tmdb_id', 'imdb_id']),
    movies,
  );
  if (byId.kind === 'match')
    return { kind: 'mapped', key: movieKey(byId.id), method: byId.method, confidence: 1 };
  const candidates: CandidateMovie[] = retrieve(movies, query.title, query.originalTitle);
  if (byId.kind === 'disagree') {
    for (const hit of byId.hits)
      if (!candidates.some((c) => c.id === hit.id)) candidates.push(movies[hit.id - 1]!);
    const scored = scoreMovieCandidates(query, candidates);
    return {
      kind: 'conflict',
      conflictType: 'multiple_matches',
      ranked: scored.map((c) => movieKey(c.movieId)),
      decisive: null,
    };
  }
  const decision = decideMovieMatch(scoreMovieCandidates(query, candidates), { threshold });
  if (decision.kind === 'match') {
    return {
      kind: 'mapped',
      key: movieKey(decision.candidate.movieId),
      method: 'title_year',
      confidence: decision.candidate.confidence,
    };
  }
  return conflictOf(decision, movieKey);
}

// --- run ----------------------------------------------------------------------------------------
const started = performance.now();
const rows = corpus.cases.map((c) => {
  const metadata = PlexMetadataSchema.parse(c.metadata);
  const result = metadata.type === 'movie' ? matchMovie(metadata) : matchShow(metadata, c.plexShow);
  return { c, result };
});
const elapsedMs = performance.now() - started;

const pct = (n: number, d: number) => (d === 0 ? 100 : Math.round((n / d) * 10_000) / 100);
const mapped = rows.filter((r) => r.result.kind === 'mapped');
const wrong = mapped.filter((r) => r.result.kind === 'mapped' && r.result.key !== r.c.expected);
const decisive = rows.filter((r) => r.c.expected !== 'conflict');
const found = decisive.filter((r) => r.result.kind === 'mapped' && r.result.key === r.c.expected);
const missed = decisive.filter((r) => r.result.kind !== 'mapped');
const conflicts = rows.filter((r) => r.result.kind === 'conflict');
const ambiguous = rows.filter((r) => r.c.expected === 'conflict');
const ambiguousNotConflict = ambiguous.filter((r) => r.result.kind !== 'conflict');
const withTop = ambiguous.filter((r) => r.c.expectedTop);
const topWrong = withTop.filter(
  (r) => r.result.kind !== 'conflict' || r.result.ranked[0] !== r.c.expectedTop,
);
// A missed decisive case is still a conflict: the right answer should be first there too.
const missedTopWrong = missed.filter(
  (r) => r.result.kind === 'conflict' && r.result.ranked[0] !== r.c.expected,
);
const hinted = conflicts.filter((r) => r.result.kind === 'conflict' && r.result.decisive);
// Hints are what auto_resolve acts on: measured against what the scrobble really is.
const hintWrong = hinted.filter((r) => r.result.kind === 'conflict' && r.result.decisive !== r.c.truth);

const byTag: Record<string, { cases: number; mapped: number; wrong: number; conflicts: number }> = {};
for (const r of rows) {
  for (const tag of r.c.tags) {
    const t = byTag[tag] ?? { cases: 0, mapped: 0, wrong: 0, conflicts: 0 };
    byTag[tag] = t;
    t.cases++;
    if (r.result.kind === 'mapped') t.mapped++;
    if (r.result.kind === 'mapped' && r.result.key !== r.c.expected) t.wrong++;
    if (r.result.kind === 'conflict') t.conflicts++;
  }
}

const summary = {
  cases: rows.length,
  automaticMappings: mapped.length,
  wrongMappings: wrong.length,
  precisionPct: pct(mapped.length - wrong.length, mapped.length),
  decisiveCases: decisive.length,
  recallPct: pct(found.length, decisive.length),
  conflicts: conflicts.length,
  conflictRatePct: pct(conflicts.length, rows.length),
  ambiguousCases: ambiguous.length,
  ambiguousBecameConflictPct: pct(ambiguous.length - ambiguousNotConflict.length, ambiguous.length),
  ambiguousWithKnownAnswer: withTop.length,
  rightAnswerRankedFirstPct: pct(withTop.length - topWrong.length, withTop.length),
  missedDecisiveRankedFirstPct: pct(missed.length - missedTopWrong.length, missed.length),
  autoResolveHints: hinted.length,
  autoResolveHintPrecisionPct: pct(hinted.length - hintWrong.length, hinted.length),
  elapsedMs: Math.round(elapsedMs),
};
const describe = (r: (typeof rows)[number]) => ({
  id: r.c.id,
  note: r.c.note,
  expected: r.c.expected,
  expectedTop: r.c.expectedTop ?? null,
  truth: r.c.truth,
  got: r.result,
});
const targets = {
  precision100: summary.precisionPct === 100,
  recallAtLeast95: summary.recallPct >= 95,
  everyAmbiguousIsConflict: ambiguousNotConflict.length === 0,
  rightAnswerFirst: topWrong.length === 0,
  // auto_resolve acts on hints without asking: they are held to the same bar as mappings.
  autoResolveHintsRight: hintWrong.length === 0,
};

mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
const outFile = join(ROOT, 'bench', 'results', 'matching.json');
writeFileSync(
  outFile,
  `${JSON.stringify(
    {
      generatedAt: new Date().toISOString(),
      threshold,
      summary,
      targets,
      byTag,
      wrongMappings: wrong.map(describe),
      missedDecisive: missed.map(describe),
      ambiguousNotConflict: ambiguousNotConflict.map(describe),
      rightAnswerNotFirst: topWrong.map(describe),
      wrongAutoResolveHints: hintWrong.map(describe),
    },
    null,
    2,
  )}\n`,
);

const line = (label: string, value: string) => console.log(`${label.padEnd(44)} ${value}`);
console.log(
  `matching benchmark: ${rows.length} cases from bench/matching/corpus.json (threshold ${threshold})`,
);
line(
  'precision of automatic mappings',
  `${summary.precisionPct}% (${mapped.length - wrong.length}/${mapped.length})`,
);
line('recall on cases with a decisive answer', `${summary.recallPct}% (${found.length}/${decisive.length})`);
line('conflict rate', `${summary.conflictRatePct}% (${conflicts.length}/${rows.length})`);
line(
  'ambiguous cases that became conflicts',
  `${summary.ambiguousBecameConflictPct}% (${ambiguous.length - ambiguousNotConflict.length}/${ambiguous.length})`,
);
line(
  '  ... with the right answer ranked first',
  `${summary.rightAnswerRankedFirstPct}% (${withTop.length - topWrong.length}/${withTop.length})`,
);
line(
  'missed decisive cases, right answer first',
  `${summary.missedDecisiveRankedFirstPct}% (${missed.length - missedTopWrong.length}/${missed.length})`,
);
line(
  'auto-resolve hints that are right',
  `${summary.autoResolveHintPrecisionPct}% (${hinted.length - hintWrong.length}/${hinted.length})`,
);
line('time', `${summary.elapsedMs} ms`);
for (const r of [...wrong, ...missed, ...ambiguousNotConflict, ...topWrong, ...hintWrong].slice(0, 30)) {
  console.log(
    `  ! ${r.c.id}: expected ${r.c.expected}${r.c.expectedTop ? ` (top ${r.c.expectedTop})` : ''}, got ${JSON.stringify(r.result)}`,
  );
}
console.log(`wrote ${outFile}`);
const failed = Object.entries(targets).filter(([, ok]) => !ok);
if (failed.length > 0) {
  console.log(`targets missed: ${failed.map(([name]) => name).join(', ')}`);
  process.exitCode = 1;
}
