import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { extractIds, hamaCustomNumbering, normalizeImdbId, type ParsedGuid, parseGuid } from './guid';
import type { PlexMetadata } from './plex-payload';

describe('parseGuid', () => {
  const rows: [string, string, ParsedGuid][] = [
    // New Plex agent: the item's own ids.
    ['new agent imdb', 'imdb://tt14166530', { agent: 'imdb', ids: { imdb: 'tt14166530' } }],
    ['new agent tmdb', 'tmdb://3053218', { agent: 'tmdb', ids: { tmdb: 3053218 } }],
    ['new agent tvdb', 'tvdb://8483406', { agent: 'tvdb', ids: { tvdb: 8483406 } }],
    ['new agent imdb, upper case', 'IMDB://TT0944947', { agent: 'imdb', ids: { imdb: 'tt0944947' } }],
    ['new agent imdb, bare digits padded', 'imdb://944947', { agent: 'imdb', ids: { imdb: 'tt0944947' } }],
    ['surrounding whitespace', '  tmdb://1399 ', { agent: 'tmdb', ids: { tmdb: 1399 } }],
    // Ids are int4 in the catalogue: a larger one cannot exist, so it is no id (never a retry).
    ['tmdb id at int4 max', 'tmdb://2147483647', { agent: 'tmdb', ids: { tmdb: 2147483647 } }],
    ['tmdb id above int4', 'tmdb://2147483648', { agent: 'unknown', ids: {} }],
    ['tmdb id of 11 digits', 'tmdb://99999999999', { agent: 'unknown', ids: {} }],
    [
      'legacy themoviedb show id above int4',
      'com.plexapp.agents.themoviedb://99999999999/1/1',
      { agent: 'unknown', ids: {} },
    ],
    [
      'hama tvdb id above int4',
      'com.plexapp.agents.hama://tvdb-99999999999/1/1',
      { agent: 'unknown', ids: {} },
    ],
    ['plex episode', 'plex://episode/5d9c0c1e2df347001e3b0f47', { agent: 'plex', ids: {} }],
    ['plex show', 'plex://show/5d9c086c46115600200aa2fe', { agent: 'plex', ids: {} }],
    ['plex movie', 'plex://movie/5d776825880197001ec967c6', { agent: 'plex', ids: {} }],
    // Legacy TV agents: the SHOW's id plus season/episode.
    [
      'legacy thetvdb episode',
      'com.plexapp.agents.thetvdb://73255/1/1?lang=en',
      { agent: 'legacy-thetvdb', ids: { tvdb: 73255 }, season: 1, episode: 1 },
    ],
    [
      'legacy thetvdb special (season 0)',
      'com.plexapp.agents.thetvdb://121361/0/12?lang=en',
      { agent: 'legacy-thetvdb', ids: { tvdb: 121361 }, season: 0, episode: 12 },
    ],
    [
      'legacy thetvdb show',
      'com.plexapp.agents.thetvdb://73255?lang=en',
      { agent: 'legacy-thetvdb', ids: { tvdb: 73255 } },
    ],
    [
      'legacy thetvdb season',
      'com.plexapp.agents.thetvdb://73255/3?lang=en',
      { agent: 'legacy-thetvdb', ids: { tvdb: 73255 }, season: 3 },
    ],
    [
      'legacy thetvdb dvd order',
      'com.plexapp.agents.thetvdbdvdorder://76290/2/5?lang=en',
      { agent: 'legacy-thetvdb', ids: { tvdb: 76290 }, season: 2, episode: 5 },
    ],
    [
      'legacy themoviedb episode (show id)',
      'com.plexapp.agents.themoviedb://1399/1/1?lang=en',
      { agent: 'legacy-themoviedb', ids: { tmdb: 1399 }, season: 1, episode: 1 },
    ],
    [
      'legacy themoviedb movie',
      'com.plexapp.agents.themoviedb://949?lang=en',
      { agent: 'legacy-themoviedb', ids: { tmdb: 949 } },
    ],
    [
      'legacy imdb movie',
      'com.plexapp.agents.imdb://tt0113277?lang=en',
      { agent: 'legacy-imdb', ids: { imdb: 'tt0113277' } },
    ],
    [
      'hama tvdb',
      'com.plexapp.agents.hama://tvdb-81797/1/1?lang=en',
      { agent: 'legacy-hama', ids: { tvdb: 81797 }, season: 1, episode: 1 },
    ],
    [
      'hama tvdb2 numbering mode',
      'com.plexapp.agents.hama://tvdb2-81797/1/13?lang=en',
      { agent: 'legacy-hama', ids: { tvdb: 81797 }, season: 1, episode: 13 },
    ],
    [
      'hama anidb, short scheme',
      'hama://anidb-69/1/1',
      { agent: 'legacy-hama', ids: { anidb: 69 }, season: 1, episode: 1 },
    ],
    [
      'hama anidb show',
      'com.plexapp.agents.hama://anidb-69?lang=en',
      { agent: 'legacy-hama', ids: { anidb: 69 } },
    ],
    // Garbage: recognisable scheme, unusable id -> nothing to act on.
    ['tmdb with letters', 'tmdb://abc', { agent: 'unknown', ids: {} }],
    ['tvdb empty id', 'tvdb://', { agent: 'unknown', ids: {} }],
    ['tmdb zero', 'tmdb://0', { agent: 'unknown', ids: {} }],
    ['tmdb negative', 'tmdb://-5', { agent: 'unknown', ids: {} }],
    ['imdb not tt+digits', 'imdb://nm0000123', { agent: 'unknown', ids: {} }],
    ['imdb tt without digits', 'imdb://ttabc', { agent: 'unknown', ids: {} }],
    ['tmdb with path tail', 'tmdb://123/456', { agent: 'unknown', ids: {} }],
    [
      'legacy thetvdb non-numeric',
      'com.plexapp.agents.thetvdb://abc/1/1?lang=en',
      { agent: 'unknown', ids: {} },
    ],
    [
      'legacy thetvdb bad season',
      'com.plexapp.agents.thetvdb://73255/x/1?lang=en',
      { agent: 'unknown', ids: {} },
    ],
    ['hama unknown source', 'com.plexapp.agents.hama://youtube-abc/1/1', { agent: 'unknown', ids: {} }],
    ['local media', 'local://12345', { agent: 'unknown', ids: {} }],
    ['no agent', 'com.plexapp.agents.none://abc123?lang=xn', { agent: 'unknown', ids: {} }],
    ['not a guid at all', 'iCarly', { agent: 'unknown', ids: {} }],
    ['empty string', '', { agent: 'unknown', ids: {} }],
  ];

  it.each(rows)('%s: %s', (_name, guid, expected) => {
    expect(parseGuid(guid)).toEqual(expected);
  });

  it('returns independent objects for unknown guids', () => {
    const first = parseGuid('garbage');
    first.ids.tmdb = 1;
    expect(parseGuid('garbage').ids).toEqual({});
  });
});

describe('hamaCustomNumbering', () => {
  it.each([
    ['com.plexapp.agents.hama://tvdb-81797/1/13?lang=en', null],
    ['com.plexapp.agents.hama://tvdb2-81797/1/13?lang=en', 'tvdb2'],
    ['com.plexapp.agents.hama://tvdb4-81797/3/40?lang=en', 'tvdb4'],
    ['hama://anidb-69/1/1', 'anidb'],
    ['com.plexapp.agents.thetvdb://73255/1/1?lang=en', null],
    ['plex://episode/x', null],
  ])('%s -> %s', (guid, expected) => {
    expect(hamaCustomNumbering({ ratingKey: '1', type: 'episode', guid })).toBe(expected);
  });
});

describe('normalizeImdbId', () => {
  it.each([
    ['tt0113277', 'tt0113277'],
    ['TT0113277', 'tt0113277'],
    ['113277', 'tt0113277'],
    ['tt14166530', 'tt14166530'],
    ['tt0000000', undefined],
    ['tt', undefined],
    ['abc', undefined],
  ])('%s -> %s', (raw, expected) => {
    expect(normalizeImdbId(raw)).toBe(expected);
  });
});

describe('extractIds', () => {
  const episode = (overrides: Partial<PlexMetadata>) => buildPlexPayload({ Metadata: overrides }).Metadata;

  const rows: [string, PlexMetadata | undefined, ReturnType<typeof extractIds>][] = [
    [
      'new agent episode: Guid[] ids are the episode ids, never the show',
      episode({}),
      { show: {}, episode: { imdb: 'tt14166530', tmdb: 3053218, tvdb: 8483406 }, movie: {} },
    ],
    [
      'legacy thetvdb episode: guid carries the show id',
      episode({ guid: 'com.plexapp.agents.thetvdb://73255/1/1?lang=en', Guid: undefined }),
      { show: { tvdb: 73255 }, episode: {}, movie: {} },
    ],
    [
      'legacy themoviedb episode: tmdb id is the show, not a movie or episode',
      episode({ guid: 'com.plexapp.agents.themoviedb://1399/1/1?lang=en', Guid: undefined }),
      { show: { tmdb: 1399 }, episode: {}, movie: {} },
    ],
    [
      'hama anidb episode',
      episode({ guid: 'com.plexapp.agents.hama://anidb-69/1/1?lang=en', Guid: undefined }),
      { show: { anidb: 69 }, episode: {}, movie: {} },
    ],
    [
      'legacy grandparentGuid adds the show id to a new agent episode',
      episode({ grandparentGuid: 'com.plexapp.agents.thetvdb://73255?lang=en' }),
      { show: { tvdb: 73255 }, episode: { imdb: 'tt14166530', tmdb: 3053218, tvdb: 8483406 }, movie: {} },
    ],
    [
      'episode guid and grandparentGuid: both sources merge',
      episode({
        guid: 'com.plexapp.agents.thetvdb://73255/1/1?lang=en',
        grandparentGuid: 'com.plexapp.agents.themoviedb://1399?lang=en',
        Guid: undefined,
      }),
      { show: { tvdb: 73255, tmdb: 1399 }, episode: {}, movie: {} },
    ],
    [
      'garbage entries in Guid[] are skipped',
      episode({ Guid: [{ id: 'tmdb://abc' }, { id: 'tvdb://8483406' }, { id: 'plex://episode/x' }] }),
      { show: {}, episode: { tvdb: 8483406 }, movie: {} },
    ],
    [
      'new agent movie',
      {
        ratingKey: '5',
        type: 'movie',
        guid: 'plex://movie/5d776825880197001ec967c6',
        Guid: [{ id: 'imdb://tt0113277' }, { id: 'tmdb://949' }],
      },
      { show: {}, episode: {}, movie: { imdb: 'tt0113277', tmdb: 949 } },
    ],
    [
      'legacy imdb movie',
      { ratingKey: '5', type: 'movie', guid: 'com.plexapp.agents.imdb://tt0113277?lang=en' },
      { show: {}, episode: {}, movie: { imdb: 'tt0113277' } },
    ],
    [
      'legacy themoviedb movie',
      { ratingKey: '5', type: 'movie', guid: 'com.plexapp.agents.themoviedb://949?lang=en' },
      { show: {}, episode: {}, movie: { tmdb: 949 } },
    ],
    [
      'new agent show item',
      { ratingKey: '999', type: 'show', guid: 'plex://show/x', Guid: [{ id: 'tmdb://119243' }] },
      { show: { tmdb: 119243 }, episode: {}, movie: {} },
    ],
    [
      'music track has no ids we use',
      { ratingKey: '7', type: 'track', guid: 'plex://track/x' },
      { show: {}, episode: {}, movie: {} },
    ],
    ['no metadata', undefined, { show: {}, episode: {}, movie: {} }],
  ];

  it.each(rows)('%s', (_name, metadata, expected) => {
    expect(extractIds(metadata)).toEqual(expected);
  });
});
