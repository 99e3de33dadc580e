// One adapter per job source: each turns the job's payload into the source-neutral WatchEvent.
// Nothing after this file reads a media server's JSON. Adding a source is an entry here (and
// its adapter in @plexhook/core).
import {
  embyWatchEvent,
  HISTORY_MARK_EVENT,
  HISTORY_PLAY_EVENT,
  isHistoryPayload,
  jellyfinWatchEvent,
  parsePlexPayload,
  plexHistoryWatchEvent,
  plexRawSummary,
  plexWatchEvent,
  type WatchEvent,
} from '@plexhook/core';
import type { JobSource } from '@plexhook/queue';

type AdapterInput = { userId: number; receivedAt: Date; payload: Record<string, unknown> };

/** An event, or why the payload can never become one (logged `failed`, never retried). */
export type Adapted =
  | { ok: true; event: WatchEvent }
  | { ok: false; error: string; eventType: string | null; itemKey: string | null };

export const ADAPTERS: Record<JobSource, (input: AdapterInput) => Adapted> = {
  plex: ({ userId, receivedAt, payload }) => {
    // A history job's payload stored on a log row filed under plex (a held row's replay, a retry).
    if (isHistoryPayload(payload)) return plexHistoryWatchEvent({ userId, receivedAt, payload });
    const parsed = parsePlexPayload(payload);
    if (!parsed.ok) {
      const { eventType, key } = plexRawSummary(payload);
      return { ok: false, error: `invalid payload: ${parsed.error}`, eventType, itemKey: key };
    }
    return { ok: true, event: plexWatchEvent(parsed.payload, { userId, receivedAt }) };
  },
  // These never throw: a body that is not theirs is an `other` event saying why.
  jellyfin: (input) => ({ ok: true, event: jellyfinWatchEvent(input) }),
  emby: (input) => ({ ok: true, event: embyWatchEvent(input) }),
  // A row of the Plex server's history, or a manual mark, with its show's metadata (the sync
  // read it): the same WatchEvent, with its history key.
  'plex-history': ({ payload, ...input }) =>
    plexHistoryWatchEvent({ ...input, payload: { ...payload, event: HISTORY_PLAY_EVENT } }),
  'plex-mark': ({ payload, ...input }) =>
    plexHistoryWatchEvent({ ...input, payload: { ...payload, event: HISTORY_MARK_EVENT } }),
};

/** Event type and item key of a payload that did not make it through its adapter. */
export function rawSummary(
  source: JobSource,
  payload: unknown,
): { eventType: string | null; key: string | null } {
  if (source === 'plex') return plexRawSummary(payload);
  const adapted = ADAPTERS[source]({
    userId: 0,
    receivedAt: new Date(0),
    payload: (payload ?? {}) as Record<string, unknown>,
  });
  return adapted.ok
    ? { eventType: adapted.event.sourceEvent, key: adapted.event.summary.key }
    : { eventType: adapted.eventType, key: adapted.itemKey };
}
