// Factories with defaults for every field; tests override what they care about.
// Plex payloads: `buildPlexPayload` in ./plex-payload (pure, shared with unit tests).
import { normalizeTitle } from '@plexhook/core';
import type { DbOrTx } from '@plexhook/db';

export type SeedShow = {
  title?: string;
  firstAired?: string | null;
  lastAired?: string | null;
  tmdbId?: number | null;
  tvdbId?: number | null;
  imdbId?: string | null;
  /** [season, episode, title, airDate?] */
  episodes?: [number, number, string, string?][];
};

export async function seedShow(db: DbOrTx, overrides: SeedShow = {}) {
  const s = {
    title: 'Test Show',
    firstAired: '2020-01-01',
    lastAired: null,
    episodes: [[1, 1, 'Pilot']],
    ...overrides,
  };
  return db.tvShow.create({
    data: {
      title: s.title,
      normalizedTitle: normalizeTitle(s.title),
      showStartDate: s.firstAired ? new Date(s.firstAired) : null,
      showEndDate: s.lastAired ? new Date(s.lastAired) : null,
      tmdbId: s.tmdbId ?? null,
      tvdbId: s.tvdbId ?? null,
      imdbId: s.imdbId ?? null,
      episodes: {
        create: (s.episodes as [number, number, string, string?][]).map(([season, episode, title, air]) => ({
          seasonNumber: season,
          episodeNumber: episode,
          title,
          airDate: air ? new Date(air) : null,
        })),
      },
    },
  });
}

/** The reference catalogue: iCarly (2007) and iCarly (2021) with its first episodes. */
export async function seedICarly(db: DbOrTx) {
  const old = await seedShow(db, {
    title: 'iCarly',
    firstAired: '2007-09-08',
    lastAired: '2012-11-23',
    tmdbId: 5371,
    episodes: [
      [1, 1, 'iPilot', '2007-09-08'],
      [1, 2, 'iWant More Viewers', '2007-09-15'],
    ],
  });
  const revival = await seedShow(db, {
    title: 'iCarly',
    firstAired: '2021-06-17',
    lastAired: '2023-07-14',
    tmdbId: 119243,
    episodes: [
      [1, 1, 'iStart Over', '2021-06-17'],
      [1, 2, 'iHate Change', '2021-06-17'],
    ],
  });
  return { old, revival };
}
