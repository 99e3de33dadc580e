import { parsePlexShowResponse, plexMetadataUrl } from './plex-server';

describe('parsePlexShowResponse', () => {
  it('reads the show ids, title and year', () => {
    expect(
      parsePlexShowResponse({
        MediaContainer: {
          size: 1,
          Metadata: [
            {
              ratingKey: '999',
              type: 'show',
              guid: 'plex://show/5d9c086c46115600200aa2fe',
              title: 'iCarly',
              year: 2021,
              Guid: [{ id: 'imdb://tt10905784' }, { id: 'tmdb://119243' }, { id: 'tvdb://396101' }],
            },
          ],
        },
      }),
    ).toEqual({
      ratingKey: '999',
      title: 'iCarly',
      year: 2021,
      ids: { imdb: 'tt10905784', tmdb: 119243, tvdb: 396101 },
    });
  });

  it('a legacy-agent show: ids from its own guid; the original title is kept', () => {
    expect(
      parsePlexShowResponse({
        MediaContainer: {
          Metadata: [
            {
              ratingKey: 7,
              type: 'show',
              guid: 'com.plexapp.agents.thetvdb://327417?lang=de',
              title: 'Haus des Geldes',
              originalTitle: 'La casa de papel',
              year: '2017',
            },
          ],
        },
      }),
    ).toEqual({
      ratingKey: '7',
      title: 'Haus des Geldes',
      originalTitle: 'La casa de papel',
      year: 2017,
      ids: { tvdb: 327417 },
    });
  });

  it.each([
    ['not an object', 'garbage'],
    ['null', null],
    ['no container', { Metadata: [] }],
    ['empty Metadata', { MediaContainer: { Metadata: [] } }],
    ['an episode, not a show', { MediaContainer: { Metadata: [{ ratingKey: '1', type: 'episode' }] } }],
    ['no rating key', { MediaContainer: { Metadata: [{ type: 'show', title: 'x' }] } }],
    [
      'Guid of the wrong type',
      { MediaContainer: { Metadata: [{ ratingKey: '1', type: 'show', Guid: 'tmdb://1' }] } },
    ],
  ])('%s -> null', (_name, raw) => {
    expect(parsePlexShowResponse(raw)).toBeNull();
  });
});

describe('plexMetadataUrl', () => {
  it.each([
    ['http://127.0.0.1:32400', '999', 'http://127.0.0.1:32400/library/metadata/999'],
    ['https://plex.example.org:32400/', '5', 'https://plex.example.org:32400/library/metadata/5'],
    ['https://example.org/plex/', '5', 'https://example.org/plex/library/metadata/5'],
    ['http://127.0.0.1:32400', '../etc', null],
    ['file:///etc/passwd', '5', null],
    ['not a url', '5', null],
  ])('%s + %s', (server, key, expected) => {
    expect(plexMetadataUrl(server, key)).toBe(expected);
  });
});
