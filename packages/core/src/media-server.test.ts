import { mediaServerItemUrl, parseMediaServerSeries } from './media-server';

describe('mediaServerItemUrl', () => {
  test.each([
    ['jellyfin', 'http://jf.lan:8096', 'abc123', 'http://jf.lan:8096/Items/abc123'],
    ['jellyfin', 'https://example.org/jellyfin/', 'abc123', 'https://example.org/jellyfin/Items/abc123'],
    [
      'emby',
      'http://emby.lan:8096',
      '240202',
      'http://emby.lan:8096/Items?Ids=240202&Fields=ProviderIds%2CProductionYear%2CPremiereDate%2COriginalTitle',
    ],
  ] as const)('%s %s %s', (source, url, id, expected) => {
    expect(mediaServerItemUrl(source, url, id)).toBe(expected);
  });

  test.each([
    ['not a url', 'abc'],
    ['ftp://host', 'abc'],
    ['http://host', '../etc/passwd'],
    ['http://host', 'a/b'],
    ['http://host', ''],
  ])('refuses %s with id %s', (url, id) => {
    expect(mediaServerItemUrl('jellyfin', url, id)).toBeNull();
  });
});

describe('parseMediaServerSeries', () => {
  const series = {
    Name: 'Severance',
    Id: '0a9b8c7d6e5f40312a3b4c5d6e7f8091',
    Type: 'Series',
    ProductionYear: 2022,
    PremiereDate: '2022-02-18T00:00:00.0000000Z',
    ProviderIds: { Tmdb: '95396', Tvdb: '371980', Imdb: 'tt11280740' },
  };

  test("a Jellyfin item: the series' own ids, its year", () => {
    expect(parseMediaServerSeries(series, '0a9b8c7d6e5f40312a3b4c5d6e7f8091')).toEqual({
      ok: true,
      show: {
        ratingKey: '0a9b8c7d6e5f40312a3b4c5d6e7f8091',
        title: 'Severance',
        year: 2022,
        ids: { tmdb: 95396, tvdb: 371980, imdb: 'tt11280740' },
      },
    });
  });

  test('an Emby answer {Items: [item]}, dashed ids compare equal, year from PremiereDate', () => {
    const answer = parseMediaServerSeries(
      { Items: [{ ...series, Id: '240202', ProductionYear: undefined, OriginalTitle: '長風渡' }] },
      '240202',
    );
    expect(answer).toMatchObject({ ok: true, show: { year: 2022, originalTitle: '長風渡' } });
  });

  test.each([
    ['an episode', { ...series, Type: 'Episode' }, /is of type Episode, not a series/],
    ['a movie', { ...series, Type: 'Movie' }, /not a series/],
    ['another item', { ...series, Id: 'ffff' }, /answered item ffff/],
    ['no items', { Items: [] }, /no item/],
    ['no name', { ...series, Name: '' }, /has no Name/],
    ['not an object', 'nope', /no item/],
  ])('%s is not used', (_name, raw, reason) => {
    const answer = parseMediaServerSeries(raw, '0a9b8c7d6e5f40312a3b4c5d6e7f8091');
    expect(answer.ok).toBe(false);
    expect(answer.ok ? '' : answer.reason).toMatch(reason);
  });

  test('ids that cannot name a catalogue row are dropped', () => {
    const answer = parseMediaServerSeries(
      { ...series, ProviderIds: { tmdb: '0', TVDB: '99999999999', imdb: 'nope' } },
      '0a9b8c7d6e5f40312a3b4c5d6e7f8091',
    );
    expect(answer).toMatchObject({ ok: true, show: { ids: {} } });
  });
});
