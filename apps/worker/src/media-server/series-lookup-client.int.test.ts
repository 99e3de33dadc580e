import { captureLogs } from '../../../../test/helpers/capture-logs';
import { type FakeMediaServer, startFakeMediaServer } from '../../../../test/helpers/fake-media-server';
import { createSeriesLookupClient, type SeriesLookupClientOptions } from './series-lookup-client';

let jellyfin: FakeMediaServer;
let emby: FakeMediaServer;
const logs = captureLogs();
const { logger } = logs;
const SERIES = '0a9b8c7d6e5f40312a3b4c5d6e7f8091';

beforeAll(async () => {
  [jellyfin, emby] = await Promise.all([
    startFakeMediaServer('jellyfin', 's3cr3t-jellyfin-key'),
    startFakeMediaServer('emby', 's3cr3t-emby-key'),
  ]);
  const severance = {
    kind: 'item' as const,
    name: 'Severance',
    productionYear: 2022,
    providerIds: { Tmdb: '95396', Tvdb: '371980', Imdb: 'tt11280740' },
  };
  jellyfin.items.set(SERIES, severance);
  emby.items.set('240202', { ...severance, name: '长风渡', originalTitle: 'The Long Ballad' });
  jellyfin.items.set('e0000000000000000000000000000001', { ...severance, type: 'Episode' });
  jellyfin.items.set('e0000000000000000000000000000500', { kind: 'status', status: 500, body: 'boom' });
  jellyfin.items.set('e0000000000000000000000000000501', { kind: 'raw', body: '<html>not json</html>' });
  jellyfin.items.set('e0000000000000000000000000000503', { kind: 'slow', delayMs: 3_000 });
});
beforeEach(() => {
  logs.clear();
  jellyfin.requests.length = 0;
  emby.requests.length = 0;
});
afterAll(() => Promise.all([jellyfin.close(), emby.close()]));

const client = (over: Partial<SeriesLookupClientOptions> = {}) =>
  createSeriesLookupClient({ timeoutMs: 300, ttlMs: 60_000, maxEntries: 10, logger, ...over });
const jf = (key = jellyfin.apiKey) => ({ source: 'jellyfin' as const, url: jellyfin.url, apiKey: key });
const em = () => ({ source: 'emby' as const, url: emby.url, apiKey: emby.apiKey });

test("Jellyfin: the series' own ids from /Items/{id}, the key in headers only", async () => {
  expect(await client().fetchSeries(jf(), SERIES)).toEqual({
    ok: true,
    cached: false,
    show: {
      ratingKey: SERIES,
      title: 'Severance',
      year: 2022,
      ids: { tmdb: 95396, tvdb: 371980, imdb: 'tt11280740' },
    },
  });
  expect(jellyfin.requests).toHaveLength(1);
  expect(jellyfin.requests[0]?.path).toBe(`/Items/${SERIES}`);
  expect(jellyfin.requests[0]?.headers['x-emby-token']).toBe(jellyfin.apiKey);
  expect(jellyfin.requests[0]?.headers.authorization).toBe(`MediaBrowser Token="${jellyfin.apiKey}"`);
});

test('Emby: /Items?Ids=…&Fields=…, an original title', async () => {
  const result = await client().fetchSeries(em(), '240202');
  expect(result).toMatchObject({
    ok: true,
    show: { title: '长风渡', originalTitle: 'The Long Ballad', ids: { tmdb: 95396 } },
  });
  expect(emby.requests[0]?.path).toMatch(/^\/Items\?Ids=240202&Fields=ProviderIds/);
  expect(emby.requests[0]?.headers.authorization).toBeUndefined();
});

test('cached: a second lookup and concurrent lookups of one series are one request', async () => {
  const c = client();
  const [a, b] = await Promise.all([c.fetchSeries(jf(), SERIES), c.fetchSeries(jf(), SERIES)]);
  expect(a.ok && b.ok).toBe(true);
  expect(await c.fetchSeries(jf(), SERIES)).toMatchObject({ ok: true, cached: true });
  expect(jellyfin.requests).toHaveLength(1);
  // Another server with the same id is another entry.
  expect((await c.fetchSeries(em(), '240202')).ok).toBe(true);
  expect(c.size).toBe(2);
});

test.each([
  ['a non-series item', 'e0000000000000000000000000000001', /is of type Episode, not a series/],
  ['HTTP 500', 'e0000000000000000000000000000500', /answered HTTP 500/],
  ['not JSON', 'e0000000000000000000000000000501', /not JSON/],
  ['too slow', 'e0000000000000000000000000000503', /no answer within 300 ms/],
  ['unknown', 'e0000000000000000000000000000404', /HTTP 404/],
  ['an odd id', '../../System/Info', /unusable Jellyfin server URL or series id/],
])('%s: not ok, with the reason, not cached, the key never logged', async (_name, id, reason) => {
  const c = client();
  const result = await c.fetchSeries(jf(), id);
  expect(result.ok).toBe(false);
  expect(result.ok ? '' : result.reason).toMatch(reason);
  expect(c.size).toBe(0);
  expect(logs.text).not.toContain('s3cr3t');
});

test('a wrong key is a 401, reported as such', async () => {
  const result = await client().fetchSeries(jf('wrong-key'), SERIES);
  expect(result).toEqual({ ok: false, reason: 'Jellyfin server answered HTTP 401' });
});
