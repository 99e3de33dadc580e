import type { PlexPayload } from './plex-payload';

// Nothing was watched through Plex webhooks before 2000; an earlier value is a bad clock or
// a zero that leaked through.
const EARLIEST_PLAUSIBLE = Date.UTC(2000, 0, 1);
// Server and worker clocks drift, and time zones get mangled: allow a day of slack.
const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

/** When the item was watched: Plex's `lastViewedAt` (unix seconds) if sane, else receipt time. */
export function watchedAt(payload: PlexPayload, receivedAt: Date): Date {
  const seconds = payload.Metadata?.lastViewedAt;
  if (seconds === undefined || !Number.isFinite(seconds)) return receivedAt;
  return plausibleWatchedAt(seconds * 1000, receivedAt);
}

/** A source's time (epoch ms) if sane, else receipt time: the rule every adapter shares. */
export function plausibleWatchedAt(ms: number | undefined, receivedAt: Date): Date {
  if (ms === undefined || !Number.isFinite(ms)) return receivedAt;
  if (ms < EARLIEST_PLAUSIBLE || ms > receivedAt.getTime() + MAX_FUTURE_SKEW_MS) return receivedAt;
  return new Date(ms);
}
