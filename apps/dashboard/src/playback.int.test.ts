// GET /api/playback, GET /api/ratings and the playback settings of PATCH plex-config (issue 18),
// on data written by the real pipeline; then the page's panels in Chromium (skipped without one
// outside CI, like web.int.test.ts).
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { haveChromium, type LaunchedChromium, launchChromium } from '../../../test/helpers/browser';
import { listenDashboard } from '../../../test/helpers/dashboard';
import { seedShow } from '../../../test/helpers/factories';
import type { Listening } from '../../../test/helpers/http';
import { type Pipeline, startPipeline } from '../../../test/helpers/pipeline';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { waitFor } from '../../../test/helpers/wait';

const TOKEN = 'playback-admin-token-0123456789';
let p: Pipeline;
let dashboard: Listening;
let user: { id: number; secret: string };
let tvshowId: number;

const episode = (event: string, viewOffset: number, extra: Record<string, unknown> = {}) =>
  buildPlexPayload({
    event,
    Metadata: {
      ratingKey: '5501',
      grandparentRatingKey: '5500',
      grandparentTitle: 'Bluey (2018)',
      guid: 'com.plexapp.agents.thetvdb://353547/1/1?lang=en',
      title: 'Magic Xylophone',
      Guid: [],
      duration: 420_000,
      viewOffset,
      ...extra,
    },
  });

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${dashboard.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  p = await startPipeline('playback-api');
  p.startWorker();
  user = await p.createUser('alice');
  tvshowId = (
    await seedShow(p.db, {
      title: 'Bluey',
      firstAired: '2018-10-01',
      tvdbId: 353547,
      episodes: [[1, 1, 'Magic Xylophone']],
    })
  ).id;
  dashboard = await listenDashboard(
    { db: p.db, redis: p.q.redis, queue: p.q.queue },
    { ADMIN_TOKEN: TOKEN, PUBLIC_WEBHOOK_URL: p.ingest.url },
  );
});
afterAll(async () => {
  await dashboard?.close();
  await p?.close();
});

test('GET /api/playback: exactly the contract fields, ids through the mapping, state filter', async () => {
  await p.logOf(await p.send(episode('media.scrobble', 380_000), user.secret)); // maps the show
  await p.logOf(await p.send(episode('media.play', 0), user.secret));
  await p.logOf(await p.send(episode('media.pause', 105_000), user.secret));
  const res = await api('GET', `/api/playback?userId=${user.id}`);
  expect(res.status).toBe(200);
  const items = res.body.items as Record<string, unknown>[];
  expect(items).toHaveLength(1);
  expect(Object.keys(items[0]!).sort()).toEqual(
    [
      'userId',
      'mediaType',
      'title',
      'showTitle',
      'season',
      'episode',
      'tvshowId',
      'episodeId',
      'movieId',
      'state',
      'positionMs',
      'durationMs',
      'percent',
      'player',
      'updatedAt',
    ].sort(),
  );
  expect(items[0]).toMatchObject({
    userId: user.id,
    mediaType: 'episode',
    title: 'Magic Xylophone',
    showTitle: 'Bluey (2018)',
    season: 1,
    episode: 1,
    tvshowId,
    episodeId: expect.any(Number),
    movieId: null,
    state: 'paused',
    positionMs: 105_000,
    durationMs: 420_000,
    percent: 25,
    player: 'TV',
  });
  expect((await api('GET', `/api/playback?userId=${user.id}&state=playing`)).body.items).toEqual([]);
  expect((await api('GET', `/api/playback?userId=${user.id}&state=paused`)).body.items).toHaveLength(1);
  expect((await api('GET', '/api/playback?state=running')).status).toBe(400);
  expect((await api('GET', '/api/playback?userId=99999999999')).status).toBe(400);
});

test('GET /api/ratings: the contract fields; a cleared rating is not listed', async () => {
  await p.logOf(await p.send(episode('media.rate', 0, { userRating: 8 }), user.secret));
  const res = await api('GET', `/api/ratings?userId=${user.id}`);
  expect(res.body.items).toEqual([
    {
      userId: user.id,
      mediaType: 'episode',
      tvshowId,
      episodeId: expect.any(Number),
      movieId: null,
      rating: 8,
      ratedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    },
  ]);
  await p.logOf(await p.send(episode('media.rate', 0, { userRating: 0 }), user.secret));
  expect((await api('GET', `/api/ratings?userId=${user.id}`)).body.items).toEqual([]);
});

test('PATCH plex-config takes the threshold and the four filter lists, and refuses bad ones', async () => {
  const path = `/api/users/${user.id}/plex-config`;
  const ok = await api('PATCH', path, {
    watchedThreshold: 90,
    libraryAllowList: ['2', 'TV Shows'],
    libraryDenyList: ['Kids'],
    serverAllowList: ['server-uuid'],
    playerDenyList: ['Bedroom TV'],
  });
  expect(ok.status).toBe(200);
  expect(ok.body).toMatchObject({
    watchedThreshold: 90,
    libraryAllowList: ['2', 'TV Shows'],
    libraryDenyList: ['Kids'],
    serverAllowList: ['server-uuid'],
    playerDenyList: ['Bedroom TV'],
  });
  for (const bad of [
    { watchedThreshold: 0 },
    { watchedThreshold: 101 },
    { watchedThreshold: 50.5 },
    { playerDenyList: 'TV' },
    { libraryAllowList: [''] },
  ]) {
    expect([JSON.stringify(bad), (await api('PATCH', path, bad)).status]).toEqual([JSON.stringify(bad), 400]);
  }
  const off = await api('PATCH', path, {
    watchedThreshold: null,
    libraryAllowList: [],
    libraryDenyList: [],
    serverAllowList: [],
    playerDenyList: [],
  });
  expect(off.body).toMatchObject({ watchedThreshold: null, libraryAllowList: [], playerDenyList: [] });
});

const runBrowser = haveChromium() || Boolean(process.env.CI);
(runBrowser ? describe : describe.skip)('the page in Chromium', () => {
  let chromium: LaunchedChromium;
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    chromium = await launchChromium({ baseURL: dashboard.url });
    context = chromium.context;
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto('/login');
    await page.getByLabel('Admin token').fill(TOKEN);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Log in' }).click()]);
  });
  afterAll(() => chromium?.close());

  test('Now playing refreshes without a reload; Continue watching and Ratings are shown', async () => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await p.logOf(await p.send(episode('media.rate', 0, { userRating: 7 }), user.secret));
    await page.goto('/');
    // What a person sees (rendered text), which is the point of the escaping check.
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what is asserted
    const text = (target: Locator) => target.innerText();
    const nowPlaying = page.locator('#now-playing tbody');
    // Paused earlier: live (now playing) and in progress (continue watching).
    expect(await text(nowPlaying)).toMatch(/Magic Xylophone.*paused/s);
    expect(await text(page.locator('#continue-watching tbody'))).toContain('Magic Xylophone');
    expect(await text(page.locator('#ratings tbody'))).toContain('7/10');
    // A resume arrives: the panel shows it playing without navigating.
    let navigated = false;
    page.on('framenavigated', () => {
      navigated = true;
    });
    await p.logOf(
      await p.send(episode('media.resume', 105_000, { title: 'Magic <b>Xylophone</b>' }), user.secret),
    );
    await waitFor(async () => ((await text(nowPlaying)).includes('playing') ? true : null), 15_000);
    expect(await text(nowPlaying)).toContain('Magic <b>Xylophone</b>');
    expect(await page.locator('#now-playing b').count()).toBe(0);
    expect(navigated).toBe(false);
    expect(errors).toEqual([]);
  });
});
