// Every statement the worker runs, bound to one database client: built once per worker (its
// main.ts, or createWebhookWorker from the client it is given) and passed in its deps. The two
// hot-path statements (the context read, the log + watch write) are group-committed by batchers
// that belong to this store, so one store is one group commit; nothing is kept at module level.
import type { IdLookup } from '@plexhook/core';
import type { Db } from './client';
import type { MediaType } from './generated/client';
import {
  type CandidateQuery,
  type CandidateScope,
  findByExternalIds,
  findEpisodeId,
  findTitleCandidates,
  loadCandidates,
} from './repositories/candidates';
import {
  type ConflictDraft,
  findOpenConflictId,
  openConflict,
  recordAutoResolvedConflict,
} from './repositories/conflicts';
import { type ContextKeys, createEventContextReader } from './repositories/event-context';
import {
  createLogWriter,
  findLoggedOutcome,
  insertHeldLog,
  insertLog,
  type LogWrite,
  loggedJobIds,
  userExists,
} from './repositories/log-writes';
import {
  findMappingTarget,
  type MappingFields,
  type SourceScope,
  saveMatchedMapping,
} from './repositories/mappings';

import { type PlaybackWrite, upsertPlayback } from './repositories/playback';
import { type RatingWrite, saveRating } from './repositories/ratings';

export type WorkerStore = ReturnType<typeof createWorkerStore>;

export function createWorkerStore(db: Db) {
  const contexts = createEventContextReader(db);
  const logs = createLogWriter(db);
  return {
    /** The hot path's read (batched): earlier log row, config, mapping, episode. */
    readContext: (keys: ContextKeys) => contexts.read(keys),
    /** The hot path's write (batched): the log row and the watch in one statement. */
    writeLog: (write: LogWrite) => logs.submit(write),
    /** A row held on a conflict, under FOR SHARE on it (see insertHeldLog). */
    writeHeldLog: (write: LogWrite) => insertHeldLog(db, write),
    /** One row on its own, outside the group commit (the dead-letter's). */
    writeLogAlone: (write: LogWrite) => insertLog(db, write),
    findLoggedOutcome: (jobId: string) => findLoggedOutcome(db, jobId),
    loggedJobIds: (jobIds: string[]) => loggedJobIds(db, jobIds),
    userExists: (userId: number) => userExists(db, userId),

    findMapping: (mediaType: MediaType, userId: number, key: string, scope: SourceScope) =>
      findMappingTarget(db, mediaType, userId, key, scope),
    saveMatchedMapping: (mediaType: MediaType, fields: MappingFields, targetId: number) =>
      saveMatchedMapping(db, mediaType, fields, targetId),
    findOpenConflictId: (userId: number, key: string, scope: SourceScope) =>
      findOpenConflictId(db, userId, key, scope),
    openConflict: (draft: ConflictDraft) => openConflict(db, draft),
    recordAutoResolvedConflict: (draft: ConflictDraft, targetId: number) =>
      recordAutoResolvedConflict(db, draft, targetId),

    findByExternalIds: (mediaType: MediaType, lookups: IdLookup[]) =>
      findByExternalIds(db, mediaType, lookups),
    findTitleCandidates: <K extends MediaType>(mediaType: K, query: CandidateQuery, scope?: CandidateScope) =>
      findTitleCandidates(db, mediaType, query, scope),
    loadCandidates: <K extends MediaType>(mediaType: K, ids: number[], query: CandidateQuery) =>
      loadCandidates(db, mediaType, ids, query),

    findEpisodeId: (tvshowId: number, season: number, episode: number) =>
      findEpisodeId(db, tvshowId, season, episode),

    /** A play/pause/resume/stop/scrobble on its session: one upsert, ordered by event time. */
    writePlayback: (write: PlaybackWrite) => upsertPlayback(db, write),
    /** A rating, unless a newer one is stored. */
    saveRating: (write: RatingWrite) => saveRating(db, write),

    /** The health probe: does the database answer? */
    ping: async () => {
      await db.$queryRaw`SELECT 1`;
    },
    /** Group-commit counters (statements sent, requests they carried), for tests and metrics. */
    stats: { contexts: contexts.stats, logs: logs.stats },
  };
}
