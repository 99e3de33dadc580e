import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { parsePlexPayload } from './plex-payload';

const REFERENCE_JSON = `{"event":"media.scrobble","user":true,"owner":true,"Account":{"id":1,"thumb":"https://plex.tv/users/x/avatar","title":"alice"},"Server":{"title":"srv","uuid":"abc"},"Player":{"local":true,"publicAddress":"203.0.113.7","title":"TV","uuid":"p1"},"Metadata":{"librarySectionType":"show","ratingKey":"1001","key":"/library/metadata/1001","parentRatingKey":"1000","grandparentRatingKey":"999","guid":"plex://episode/5d9c0c1e2df347001e3b0f47","parentGuid":"plex://season/5d9c0c1e2df347001e3b0f46","grandparentGuid":"plex://show/5d9c086c46115600200aa2fe","type":"episode","title":"iStart Over","grandparentTitle":"iCarly","parentTitle":"Season 1","index":1,"parentIndex":1,"year":2021,"originallyAvailableAt":"2021-06-17","duration":1380000,"viewOffset":1300000,"lastViewedAt":1624000000,"Guid":[{"id":"imdb://tt14166530"},{"id":"tmdb://3053218"},{"id":"tvdb://8483406"}]}}`;

function parsed(raw: unknown) {
  const result = parsePlexPayload(raw);
  if (!result.ok) throw new Error(`expected ok, got: ${result.error}`);
  return result.payload;
}

describe('parsePlexPayload: accepted payloads', () => {
  it('parses the reference scrobble from a JSON string', () => {
    const payload = parsed(REFERENCE_JSON);
    expect(payload.event).toBe('media.scrobble');
    expect(payload.Account).toEqual({ id: 1, thumb: 'https://plex.tv/users/x/avatar', title: 'alice' });
    expect(payload.Metadata).toMatchObject({
      ratingKey: '1001',
      type: 'episode',
      grandparentTitle: 'iCarly',
      index: 1,
      parentIndex: 1,
      year: 2021,
      lastViewedAt: 1624000000,
      Guid: [{ id: 'imdb://tt14166530' }, { id: 'tmdb://3053218' }, { id: 'tvdb://8483406' }],
    });
  });

  it('parses the same payload given as an object', () => {
    expect(parsed(JSON.parse(REFERENCE_JSON))).toEqual(parsed(REFERENCE_JSON));
  });

  it.each([
    [
      'admin.database.backup',
      { event: 'admin.database.backup', user: false, owner: true, Server: { title: 's' } },
    ],
    ['admin.database.corrupted', { event: 'admin.database.corrupted', Server: { title: 's' } }],
    ['device.new', { event: 'device.new', owner: true, Player: { title: 'New TV', uuid: 'x' } }],
    ['an event Plex adds in the future', { event: 'media.something.new' }],
  ])('parses %s without Metadata', (_name, raw) => {
    const payload = parsed(raw);
    expect(payload.event).toBe(raw.event);
    expect(payload.Metadata).toBeUndefined();
  });

  it('keeps unknown fields at every level', () => {
    const raw = buildPlexPayload({ Metadata: { thumb: '/t.jpg' } as never }) as Record<string, unknown>;
    raw.newTopLevel = 1;
    const payload = parsed(raw) as Record<string, unknown> & { Metadata: Record<string, unknown> };
    expect(payload.newTopLevel).toBe(1);
    expect(payload.Metadata.thumb).toBe('/t.jpg');
  });

  it.each([
    ['index as string', { index: '3' }, { index: 3 }],
    ['parentIndex as string', { parentIndex: ' 2 ' }, { parentIndex: 2 }],
    ['year as string', { year: '2021' }, { year: 2021 }],
    ['ratingKey as number', { ratingKey: 1001 }, { ratingKey: '1001' }],
    ['grandparentRatingKey as number', { grandparentRatingKey: 999 }, { grandparentRatingKey: '999' }],
    ['lastViewedAt as string', { lastViewedAt: '1624000000' }, { lastViewedAt: 1624000000 }],
    ['null year treated as missing', { year: null }, { year: undefined }],
    ['empty string index treated as missing', { index: '' }, { index: undefined }],
    [
      'an index beyond int4 is no index',
      { index: 99999999999, parentIndex: 2147483648 },
      { index: undefined, parentIndex: undefined },
    ],
    [
      'a fractional or negative index is no index',
      { index: 1.5, parentIndex: -1 },
      { index: undefined, parentIndex: undefined },
    ],
    ['an index at int4 max is kept', { index: '2147483647' }, { index: 2147483647 }],
    ['live flag as number', { live: 1 }, { live: 1 }],
  ])('coerces %s', (_name, metadata, expected) => {
    const payload = parsed(buildPlexPayload({ Metadata: metadata as never }));
    expect(payload.Metadata).toMatchObject(expected);
  });

  it('coerces Account.id sent as a string', () => {
    expect(parsed(buildPlexPayload({ Account: { id: '12345' as never } })).Account?.id).toBe(12345);
  });

  it('accepts a payload with no optional episode fields', () => {
    const payload = parsed({ event: 'media.scrobble', Metadata: { ratingKey: '1', type: 'movie' } });
    expect(payload.Metadata).toEqual({ ratingKey: '1', type: 'movie' });
  });
});

describe('parsePlexPayload: rejected payloads', () => {
  it.each([
    [
      'index not numeric',
      buildPlexPayload({ Metadata: { index: 'abc' as never } }),
      'Metadata.index: expected number, got "abc"',
    ],
    [
      'year as boolean',
      buildPlexPayload({ Metadata: { year: true as never } }),
      'Metadata.year: expected number, got true',
    ],
    [
      'missing ratingKey',
      { event: 'media.scrobble', Metadata: { type: 'episode' } },
      'Metadata.ratingKey: required (expected string)',
    ],
    [
      'empty ratingKey',
      { event: 'media.scrobble', Metadata: { ratingKey: '', type: 'episode' } },
      'Metadata.ratingKey: Too small',
    ],
    [
      'Metadata not an object',
      { event: 'media.scrobble', Metadata: 'x' },
      'Metadata: expected object, got "x"',
    ],
    [
      'Guid entry without id',
      buildPlexPayload({ Metadata: { Guid: [{ id: 'tmdb://1' }, {} as never] } }),
      'Metadata.Guid[1].id: required (expected string)',
    ],
    [
      'Guid not an array',
      buildPlexPayload({ Metadata: { Guid: { id: 'x' } as never } }),
      'Metadata.Guid: expected array, got object',
    ],
    [
      'Account.id not numeric',
      buildPlexPayload({ Account: { id: 'alice' as never } }),
      'Account.id: expected number, got "alice"',
    ],
    ['missing event', { Metadata: { ratingKey: '1', type: 'movie' } }, 'event: required (expected string)'],
    ['event as number', { event: 5 }, 'event: expected string, got 5'],
    ['top level array', [1, 2], '(payload): expected object, got array'],
    ['null', null, '(payload): expected object, got null'],
  ])('%s', (_name, raw, message) => {
    const result = parsePlexPayload(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toContain(message);
      expect(result.error).not.toContain('\n');
    }
  });

  it('names every bad field in one line', () => {
    const result = parsePlexPayload(
      buildPlexPayload({ Metadata: { index: 'abc' as never, parentIndex: 'x' as never } }),
    );
    expect(result).toEqual({
      ok: false,
      error: 'Metadata.index: expected number, got "abc"; Metadata.parentIndex: expected number, got "x"',
    });
  });

  it.each([
    ['truncated JSON', '{"event":"media.scrobble",'],
    ['not JSON', 'payload=hello'],
    ['empty string', ''],
  ])('reports invalid JSON: %s', (_name, raw) => {
    const result = parsePlexPayload(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatch(/^payload is not valid JSON: /);
      expect(result.error).not.toContain('\n');
    }
  });

  it('a JSON string holding a non-object is a schema error, not a JSON error', () => {
    expect(parsePlexPayload('"hello"')).toEqual({
      ok: false,
      error: '(payload): expected object, got "hello"',
    });
  });
});
