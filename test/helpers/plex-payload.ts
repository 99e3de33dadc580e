// Test data, not production code: kept out of @plexhook/core's barrel (issue 12).
import type { PlexAccount, PlexMetadata, PlexPayload } from '@plexhook/core';

export type PlexPayloadOverrides = Partial<Omit<PlexPayload, 'Account' | 'Metadata'>> & {
  /** Merged into the default account; `null` removes it. */
  Account?: Partial<PlexAccount> | null;
  /** Merged into the default episode; `null` removes it (server events carry none). */
  Metadata?: Partial<PlexMetadata> | null;
};

/**
 * A realistic media.scrobble of iCarly (2021) S01E01 from the new Plex agent, for tests
 * across the repo. Every field has a default; override only what the test is about.
 */
export function buildPlexPayload(overrides: PlexPayloadOverrides = {}): PlexPayload {
  const { Account, Metadata, ...rest } = overrides;
  const payload: PlexPayload = {
    event: 'media.scrobble',
    user: true,
    owner: true,
    Server: { title: 'srv', uuid: 'server-uuid' },
    Player: { local: true, publicAddress: '203.0.113.7', title: 'TV', uuid: 'player-uuid' },
    ...rest,
  };
  if (Account !== null)
    payload.Account = { id: 1, thumb: 'https://plex.tv/users/1/avatar', title: 'alice', ...Account };
  if (Metadata !== null) {
    payload.Metadata = {
      librarySectionType: 'show',
      ratingKey: '1001',
      key: '/library/metadata/1001',
      parentRatingKey: '1000',
      grandparentRatingKey: '999',
      guid: 'plex://episode/5d9c0c1e2df347001e3b0f47',
      parentGuid: 'plex://season/5d9c0c1e2df347001e3b0f46',
      grandparentGuid: 'plex://show/5d9c086c46115600200aa2fe',
      type: 'episode',
      title: 'iStart Over',
      grandparentTitle: 'iCarly',
      parentTitle: 'Season 1',
      index: 1,
      parentIndex: 1,
      year: 2021,
      originallyAvailableAt: '2021-06-17',
      duration: 1380000,
      viewOffset: 1300000,
      lastViewedAt: 1624000000,
      Guid: [{ id: 'imdb://tt14166530' }, { id: 'tmdb://3053218' }, { id: 'tvdb://8483406' }],
      ...Metadata,
    };
  }
  return payload;
}
