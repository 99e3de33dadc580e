// The paced run's traffic as a Plex server really sends it (issue 18): most webhooks are
// playback progress, not scrobbles. Per block of ten: two viewings, each play -> pause -> resume
// -> scrobble (the first also its stop), and one rate or library.new: 70 % progress, 20 %
// scrobbles, 10 % rates and other events. The events of a viewing share its episode (its
// session) and are sent in order, 5 ms apart at 200/s, so the worker sees them as Plex would.
import { type BenchContext, webhookPath } from './context';
import type { Bodies } from './load';
import { multipartBody, realisticPayload, scrobbleRef } from './payload';

const DURATION_MS = 1_380_000;

type Step = { viewing: 0 | 1; event: string; at: number };
const BLOCK: Step[] = [
  { viewing: 0, event: 'media.play', at: 0 },
  { viewing: 0, event: 'media.pause', at: 0.3 },
  { viewing: 0, event: 'media.resume', at: 0.3 },
  { viewing: 0, event: 'media.scrobble', at: 0.9 },
  { viewing: 0, event: 'media.stop', at: 0.97 },
  { viewing: 1, event: 'media.play', at: 0.1 },
  { viewing: 1, event: 'media.pause', at: 0.5 },
  { viewing: 1, event: 'media.resume', at: 0.5 },
  { viewing: 1, event: 'media.scrobble', at: 0.91 },
  // Slot 9: a rate (even blocks) or library.new (odd ones), filled in below.
];

export type MixCounts = { progress: number; scrobble: number; rate: number; other: number };

/** `count` webhooks of the realistic mix, numbered from `offset` (distinct items per run). */
export function buildMixedBodies(
  ctx: BenchContext,
  count: number,
  offset: number,
): Bodies & { counts: MixCounts } {
  const bodies: Buffer[] = new Array(count);
  const paths: string[] = new Array(count);
  const counts: MixCounts = { progress: 0, scrobble: 0, rate: 0, other: 0 };
  for (let i = 0; i < count; i++) {
    const block = Math.floor(i / 10);
    const slot = i % 10;
    const step = BLOCK[slot];
    const item = 2 * block + (step?.viewing ?? 0);
    const ref = scrobbleRef(item);
    const payload = realisticPayload(item, ctx.seeded.showTitles[ref.show]!, offset) as Record<
      string,
      unknown
    > & {
      Metadata: Record<string, unknown>;
    };
    payload.Metadata.duration = DURATION_MS;
    if (step) {
      payload.event = step.event;
      payload.Metadata.viewOffset = Math.round(step.at * DURATION_MS);
      if (step.event === 'media.scrobble') counts.scrobble++;
      else counts.progress++;
    } else if (block % 2 === 0) {
      payload.event = 'media.rate';
      payload.Metadata.userRating = 1 + (block % 10);
      counts.rate++;
    } else {
      payload.event = 'library.new';
      delete payload.Account;
      counts.other++;
    }
    bodies[i] = multipartBody(payload);
    paths[i] = webhookPath(ctx, ref.user);
  }
  return { bodies, paths, counts };
}
