// Factories with defaults for every field; tests override what they care about.
type Json = Record<string, unknown>;

export function buildPlexPayload(
  overrides: { event?: string; Metadata?: Json; Account?: Json } & Json = {},
): Json {
  const { Metadata, Account, ...rest } = overrides;
  return {
    event: 'media.scrobble',
    user: true,
    owner: true,
    Account: { id: 1, thumb: 'https://plex.tv/users/abc/avatar', title: 'owner', ...Account },
    Server: { title: 'plex-server', uuid: 'srv-uuid-1' },
    Player: { local: true, publicAddress: '203.0.113.7', title: 'Living Room TV', uuid: 'player-1' },
    Metadata: {
      librarySectionType: 'show',
      ratingKey: '1001',
      key: '/library/metadata/1001',
      parentRatingKey: '1000',
      grandparentRatingKey: '12345',
      guid: 'plex://episode/5d9c0874ffd9ef001e99607a',
      parentGuid: 'plex://season/602e6c5f88e0c6002d5ef7e3',
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
      Guid: [{ id: 'imdb://tt14166530' }, { id: 'tmdb://3053218' }, { id: 'tvdb://8483406' }],
      ...Metadata,
    },
    ...rest,
  };
}
