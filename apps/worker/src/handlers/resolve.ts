// The one match flow, for every kind of media (media-kinds.ts says what differs): the item's
// external ids first (exact, trusted), then candidates by title, scored and decided by core. A
// clear answer becomes a mapping; anything ambiguous becomes a conflict for a person (or, with
// auto_resolve on and decisive evidence, an auto-resolved one).
import { decideByExternalIds, externalIdLookups } from '@plexhook/core';
import type { CandidateQuery, ConflictDraft, MappingTarget, MatchMethod } from '@plexhook/db';
import type { WorkerDeps } from '../deps';
import type { Lookup, MediaKind, Subject } from './media-kinds';

export type Resolution =
  | {
      kind: 'mapped';
      mapping: MappingTarget & { matchMethod: MatchMethod; matchConfidence: number };
      conflictId?: number;
    }
  | { kind: 'conflict'; conflictId: number; created: boolean };

export type MatchSettings = { threshold: number; autoResolve: boolean };

export async function resolveMedia<M, Q extends CandidateQuery, S extends { confidence: number }>(
  deps: Pick<WorkerDeps, 'store'>,
  kind: MediaKind<M, Q, S>,
  userId: number,
  subject: Subject,
  lookup: Lookup<Q>,
  settings: MatchSettings,
): Promise<Resolution> {
  const { store } = deps;
  const save = (targetId: number, method: MatchMethod, confidence: number) =>
    store.saveMatchedMapping(
      kind.mediaType,
      {
        ...subject.scope,
        userId,
        plexRatingKey: subject.key,
        plexGuid: subject.guid ?? null,
        plexTitle: subject.title,
        plexYear: subject.year ?? null,
        matchMethod: method,
        matchConfidence: confidence,
        syncEnabled: true,
      },
      targetId,
    );

  // The item's own ids go into the scoring too: a candidate whose id of the same kind differs is
  // another show or movie, never auto-mapped (core's hard rule).
  const query = { ...lookup.query, ids: lookup.ids } as Q;
  const lookups = externalIdLookups(lookup.ids, kind.idKinds);
  const byId = decideByExternalIds(lookups, await store.findByExternalIds(kind.mediaType, lookups));
  if (byId.kind === 'match') return { kind: 'mapped', mapping: await save(byId.id, byId.method, 1) };

  // Ids that disagree always end in a conflict: its list is the full one.
  let found = await store.findTitleCandidates(
    kind.mediaType,
    query,
    byId.kind === 'disagree' ? 'full' : 'contenders',
  );
  const candidates = found.candidates;
  let decision: ReturnType<typeof kind.decide>;
  if (byId.kind === 'disagree') {
    // Exact ids naming two entries: the catalogue (or the source) has a wrong id. A person
    // decides, with the entries the ids name among the candidates. Scoring lists which of the
    // ids each candidate carries or contradicts (the disagreement itself is the evidence).
    const missing = byId.hits.map((h) => h.id).filter((id) => !candidates.some((c) => c.id === id));
    candidates.push(...(await store.loadCandidates(kind.mediaType, missing, query)));
    decision = {
      kind: 'conflict',
      conflictType: 'multiple_matches',
      candidates: kind.score(query, candidates),
      decisive: null,
    };
  } else {
    decision = kind.decide(kind.score(query, candidates), { threshold: settings.threshold });
  }
  if (decision.kind === 'conflict' && !found.complete) {
    // A conflict on the full list too (it adds only titles that cannot be matched or tie), and
    // the full list is what a person picks from: decided again on it, exactly as before.
    found = await store.findTitleCandidates(kind.mediaType, query, 'full');
    decision = kind.decide(kind.score(query, found.candidates), { threshold: settings.threshold });
  }
  if (decision.kind === 'match') {
    const c = decision.candidate;
    return { kind: 'mapped', mapping: await save(kind.targetOf(c), 'title_year', c.confidence) };
  }

  const draft: ConflictDraft = {
    ...subject.scope,
    userId,
    plexRatingKey: subject.key,
    plexGuid: subject.guid ?? null,
    plexTitle: subject.title,
    plexYear: subject.year ?? null,
    mediaType: kind.mediaType,
    conflictType: decision.conflictType,
    potentialMatches: decision.candidates,
  };
  if (settings.autoResolve && decision.decisive) {
    const chosen = decision.decisive;
    const conflictId = await store.recordAutoResolvedConflict(draft, kind.targetOf(chosen));
    const mapping = await save(kind.targetOf(chosen), 'title_year', chosen.confidence);
    return { kind: 'mapped', mapping, conflictId };
  }
  return { kind: 'conflict', ...(await store.openConflict(draft)) };
}
