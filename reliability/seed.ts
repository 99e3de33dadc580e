import { normalizeTitle } from '@plexhook/core';
import type { Db } from '@plexhook/db';

/** N mapped shows with E episodes each for one user: every scrobble has a place to land. */
export async function seedMappedShows(
  db: Db,
  userId: number,
  shows: number,
  episodes: number,
): Promise<void> {
  for (let i = 0; i < shows; i++) {
    const title = `Reliability Show ${i}`;
    const show = await db.tvShow.create({
      data: {
        title,
        normalizedTitle: normalizeTitle(title),
        showStartDate: new Date('2020-01-01'),
        episodes: {
          createMany: {
            data: Array.from({ length: episodes }, (_, e) => ({
              seasonNumber: 1,
              episodeNumber: e + 1,
              title: `E${e + 1}`,
            })),
          },
        },
      },
    });
    await db.plexShowMapping.create({
      data: {
        userId,
        plexRatingKey: `show-${i}`,
        plexTitle: title,
        tvshowId: show.id,
        matchMethod: 'manual',
        matchConfidence: 1,
      },
    });
  }
}

/** Scrobble n of a batch: distinct episode (so no two scrobbles are duplicates of each other). */
export function scrobble(n: number, shows: number) {
  const show = n % shows;
  const episode = Math.floor(n / shows) + 1;
  return {
    event: 'media.scrobble',
    user: true,
    owner: true,
    Account: { id: 1, title: 'owner' },
    Server: { title: 'srv', uuid: 'srv' },
    Player: { local: true, title: 'TV', uuid: 'tv' },
    Metadata: {
      librarySectionType: 'show',
      type: 'episode',
      ratingKey: `ep-${show}-${episode}`,
      grandparentRatingKey: `show-${show}`,
      grandparentTitle: `Reliability Show ${show}`,
      title: `E${episode}`,
      parentIndex: 1,
      index: episode,
    },
  };
}

/** The figures every fault reports, for the accepted job ids of a run. */
export async function tally(db: Db, userId: number, accepted: string[]) {
  const logs = await db.plexWebhookLog.findMany({
    where: { jobId: { in: accepted } },
    select: { status: true, actionTaken: true },
  });
  const watches = await db.episodeWatch.count({ where: { userId } });
  const doubled = await db.$queryRaw<{ n: bigint }[]>`
    SELECT count(*) AS n FROM (
      SELECT episode_id FROM episode_watches WHERE user_id = ${userId} GROUP BY episode_id HAVING count(*) > 1
    ) d`;
  return {
    logRows: logs.length,
    marked: logs.filter((l) => l.actionTaken === 'episode_marked').length,
    failed: logs.filter((l) => l.status === 'failed').length,
    duplicates: logs.filter((l) => l.status === 'duplicate').length,
    watches,
    doubleMarked: Number(doubled[0]?.n ?? 0),
    lost: accepted.length - logs.length,
  };
}

export const SCALE = Number(process.env.RELIABILITY_SCALE ?? '1');
