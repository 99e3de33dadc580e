import { captureLogs } from '../../../../test/helpers/capture-logs';
import { type FakePlex, startFakePlex } from '../../../../test/helpers/fake-plex-server';
import { createPlexMetadataClient, type PlexMetadataClientOptions } from './plex-metadata-client';

let plex: FakePlex;
const logs = captureLogs();
const { logger } = logs;

beforeAll(async () => {
  plex = await startFakePlex('s3cr3t-plex-token');
  plex.answers.set('999', {
    kind: 'show',
    title: 'iCarly',
    year: 2021,
    guids: ['tmdb://119243', 'imdb://tt10905784'],
  });
  plex.answers.set('500', { kind: 'status', status: 500, body: 'Internal Server Error' });
  plex.answers.set('501', { kind: 'raw', body: '<html>not json</html>', contentType: 'text/html' });
  plex.answers.set('502', {
    kind: 'raw',
    body: '{"MediaContainer":{"Metadata":[{"ratingKey":"502","type":"episode"}]}}',
  });
  plex.answers.set('503', { kind: 'slow', delayMs: 3_000 });
  plex.answers.set('504', {
    kind: 'raw',
    body: `{"MediaContainer":{"Metadata":[${'1,'.repeat(600_000)}1]}}`,
  });
});
beforeEach(() => {
  logs.clear();
  plex.requests.length = 0;
});
afterAll(() => plex.close());

const client = (over: Partial<PlexMetadataClientOptions> = {}) =>
  createPlexMetadataClient({ timeoutMs: 300, ttlMs: 60_000, maxEntries: 10, logger, ...over });
const server = () => ({ url: plex.url, token: plex.token });

test("reads the show's ids with the token header and JSON accepted", async () => {
  const result = await client().fetchShow(server(), '999');
  expect(result).toEqual({
    ok: true,
    cached: false,
    show: { ratingKey: '999', title: 'iCarly', year: 2021, ids: { tmdb: 119243, imdb: 'tt10905784' } },
  });
  expect(plex.requests).toHaveLength(1);
  expect(plex.requests[0]).toMatchObject({
    path: '/library/metadata/999',
    headers: { 'x-plex-token': plex.token, accept: 'application/json' },
  });
});

test('caches per (server, rating key); concurrent lookups share one request', async () => {
  const c = client();
  const [a, b] = await Promise.all([c.fetchShow(server(), '999'), c.fetchShow(server(), '999')]);
  expect(a.ok && b.ok).toBe(true);
  expect(await c.fetchShow(server(), '999')).toMatchObject({ ok: true, cached: true });
  expect(plex.requests).toHaveLength(1);
  // Same rating key on another server is another show.
  expect((await c.fetchShow({ url: `${plex.url}/`, token: plex.token }, '999')).ok).toBe(true);
  expect(
    (await c.fetchShow({ url: plex.url.replace('127.0.0.1', 'localhost'), token: plex.token }, '999')).ok,
  ).toBe(true);
  expect(plex.requests).toHaveLength(2);
});

test('entries expire after the TTL, and the cache stays within its size', async () => {
  let now = 1_000;
  const c = client({ ttlMs: 500, maxEntries: 2, now: () => now });
  plex.answers.set('1', { kind: 'show', title: 'A', guids: ['tmdb://1'] });
  plex.answers.set('2', { kind: 'show', title: 'B', guids: ['tmdb://2'] });
  plex.answers.set('3', { kind: 'show', title: 'C', guids: ['tmdb://3'] });
  await c.fetchShow(server(), '1');
  now += 400;
  expect(await c.fetchShow(server(), '1')).toMatchObject({ cached: true });
  now += 600;
  expect(await c.fetchShow(server(), '1')).toMatchObject({ cached: false });
  await c.fetchShow(server(), '2');
  await c.fetchShow(server(), '3');
  expect(c.size).toBe(2);
  // '1' was the least recently used, so it went first.
  expect(await c.fetchShow(server(), '3')).toMatchObject({ cached: true });
  expect(await c.fetchShow(server(), '1')).toMatchObject({ cached: false });
});

test.each([
  ['HTTP 500', '500', /HTTP 500/],
  ['garbage (HTML)', '501', /not JSON/],
  ['JSON that is not a show', '502', /did not answer with a show/],
  ['an unknown rating key', '404', /HTTP 404/],
  ['an oversized answer', '504', /larger than/],
])('%s -> not ok, no throw, nothing cached', async (_name, key, reason) => {
  const c = client();
  const result = await c.fetchShow(server(), key);
  expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
  expect(c.size).toBe(0);
});

test('a slow server is abandoned after the timeout', async () => {
  const started = Date.now();
  const result = await client({ timeoutMs: 200 }).fetchShow(server(), '503');
  expect(result).toEqual({ ok: false, reason: 'no answer within 200 ms' });
  expect(Date.now() - started).toBeLessThan(1_500);
});

test('a wrong token (401) and an unreachable server fail softly', async () => {
  expect(await client().fetchShow({ url: plex.url, token: 'wrong' }, '999')).toMatchObject({
    ok: false,
    reason: 'Plex server answered HTTP 401',
  });
  expect(await client().fetchShow({ url: 'http://127.0.0.1:1', token: plex.token }, '999')).toMatchObject({
    ok: false,
  });
  expect(await client().fetchShow({ url: 'not a url', token: plex.token }, '999')).toMatchObject({
    ok: false,
  });
});

test('the token never appears in a log line', async () => {
  const c = client({ timeoutMs: 100 });
  for (const key of ['500', '501', '503', '999']) await c.fetchShow(server(), key);
  await c.fetchShow({ url: 'http://127.0.0.1:1', token: plex.token }, '1');
  expect(logs.text).toContain('Plex metadata lookup failed');
  expect(logs.text).not.toContain(plex.token);
});
