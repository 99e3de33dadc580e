// The web page in a real browser (Debian's Chromium driven by playwright-core) over the real
// pipeline: ingest -> BullMQ -> worker -> PostgreSQL, and the dashboard app as main.ts builds it.
import { readFile } from 'node:fs/promises';
import type { Prisma } from '@plexhook/db';
import type { BrowserContext, Dialog, Locator, Page } from 'playwright-core';
import { haveChromium, type LaunchedChromium, launchChromium } from '../../../../test/helpers/browser';
import { listenDashboard } from '../../../../test/helpers/dashboard';
import type { Listening } from '../../../../test/helpers/http';
import { type Pipeline, startPipeline } from '../../../../test/helpers/pipeline';
import { buildPlexPayload } from '../../../../test/helpers/plex-payload';
import { waitFor } from '../../../../test/helpers/wait';
import { runCatalogImport } from '../services/catalog-import';
import { DEMO_CATALOG_PATH } from '../services/demo';

jest.setTimeout(120_000);

const TOKEN = 'web-admin-token-0123456789abcdef';
const XSS_TITLE = '<script>alert(1)</script>';

// In CI the suite must run (.ci/run installs Chromium): there a missing browser fails it.
const runBrowser = haveChromium() || Boolean(process.env.CI);
const suite = runBrowser ? describe : describe.skip;
// Skipped without a browser outside CI; test/summary-reporter.js says so in one line.

suite('dashboard web page in Chromium', () => {
  let p: Pipeline;
  let dashboard: Listening;
  let chromium: LaunchedChromium;
  let context: BrowserContext;
  let page: Page;
  const dialogs: Dialog[] = [];
  let user: { id: number; secret: string };
  let icarly2021: number;

  beforeAll(async () => {
    p = await startPipeline('web');
    await runCatalogImport(p.db, JSON.parse(await readFile(DEMO_CATALOG_PATH, 'utf8')));
    icarly2021 = (await p.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 119243 } })).id;
    user = await p.createUser('alice');
    p.startWorker();
    dashboard = await listenDashboard(
      { db: p.db, redis: p.q.redis, queue: p.q.queue },
      { ADMIN_TOKEN: TOKEN, PUBLIC_WEBHOOK_URL: p.ingest.url },
    );
    chromium = await launchChromium({ baseURL: dashboard.url, viewport: { width: 1280, height: 900 } });
    context = chromium.context;
    page = context.pages()[0] ?? (await context.newPage());
    // Confirmations (ignore, unmap) are accepted; every dialog is recorded for the XSS check.
    page.on('dialog', (dialog) => {
      dialogs.push(dialog);
      void dialog.accept();
    });
  });

  afterAll(async () => {
    await chromium?.close();
    await dashboard?.close();
    await p?.close();
  });

  /** Clicks something that submits a form and waits for the page it leads to. */
  async function submit(target: Locator) {
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), target.click()]);
  }
  const path = () => new URL(page.url()).pathname;
  // What a person sees (rendered text), which is the point of the escaping checks.
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what is asserted
  const text = (target: Locator) => target.innerText();
  const flash = () => text(page.locator('.flash'));

  async function login(token: string) {
    await page.goto('/login');
    await page.getByLabel('Admin token').fill(token);
    await submit(page.getByRole('button', { name: 'Log in' }));
  }

  test('a page request without a session goes to /login; the API keeps its Bearer auth', async () => {
    const res = await fetch(`${dashboard.url}/`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login');
    expect((await fetch(`${dashboard.url}/api/stats`)).status).toBe(401);
    const api = await fetch(`${dashboard.url}/api/stats`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(api.status).toBe(200);
  });

  test('a wrong token does not log in', async () => {
    await login('not-the-token-at-all-000000');
    expect(await text(page.getByRole('alert'))).toBe('Wrong admin token.');
    expect(path()).toBe('/login');
    expect((await context.cookies()).some((c) => c.name === 'plexhook_session')).toBe(false);
  });

  test('the right token logs in with a safe session cookie, never the token itself', async () => {
    await login(TOKEN);
    expect(path()).toBe('/');
    expect(await page.getByRole('heading', { name: /Unresolved conflicts/ }).isVisible()).toBe(true);
    const cookie = (await context.cookies()).find((c) => c.name === 'plexhook_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false });
    expect(cookie.value).not.toContain(TOKEN);
    // The cookie is for the page only: it does not open the API.
    const api = await fetch(`${dashboard.url}/api/stats`, {
      headers: { cookie: `${cookie.name}=${cookie.value}` },
    });
    expect(api.status).toBe(401);
    // helmet's CSP: scripts only from our origin, as files.
    const res = await page.request.get('/');
    const csp = res.headers()['content-security-policy'] ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toContain("script-src-attr 'none'");
  });

  test('the iCarly conflict from a real scrobble is resolved to 2021 from the page; the held scrobble is marked', async () => {
    // A show the worker matches on its own, then the ambiguous iCarly.
    const matchedJob = await p.send(
      buildPlexPayload({
        Metadata: {
          ratingKey: '2001',
          grandparentRatingKey: '2000',
          grandparentTitle: 'Breaking Bad',
          title: 'Pilot',
          index: 1,
          parentIndex: 1,
          year: 2008,
          originallyAvailableAt: '2008-01-20',
          grandparentGuid: 'plex://show/5d9c086c46115600200aa2ff',
          guid: 'plex://episode/5d9c0c1e2df347001e3b0f99',
          Guid: [],
        },
      }),
      user.secret,
    );
    await p.logOf(matchedJob);
    const job = await p.send(buildPlexPayload(), user.secret);
    const held = await p.logOf(job);
    expect(held.actionTaken).toBe('conflict_created');
    const conflictId = held.conflictId!;

    await page.goto('/');
    const conflict = page.locator(`#conflict-${conflictId}`);
    expect(await text(conflict.getByRole('heading'))).toBe('iCarly');
    const header = await text(conflict.locator('header'));
    expect(header).toContain('1 held scrobble');
    expect(header).toContain('rating key 999');
    expect(header).toContain('alice');
    // Both candidates, ranked (2021 first: its episode title matches), with their evidence.
    const candidates = conflict.locator('tr[data-candidate]');
    expect(await candidates.count()).toBe(2);
    expect(await candidates.nth(0).getAttribute('data-candidate')).toBe(String(icarly2021));
    expect(await text(candidates.nth(0).locator('td.title'))).toContain('iCarly (2021)');
    expect(await text(candidates.nth(1).locator('td.title'))).toContain('iCarly (2007)');
    expect(await candidates.nth(0).locator('ul.evidence li').count()).toBeGreaterThan(0);
    expect(await text(candidates.nth(0).locator('ul.evidence'))).toContain('episode_title');
    expect(await text(page.locator('.cards .card').first())).toMatch(/^1\s+unresolved conflicts$/);

    await submit(
      conflict.locator(`tr[data-candidate="${icarly2021}"]`).getByRole('button', { name: 'Select' }),
    );
    expect(await flash()).toBe('Mapped iCarly → iCarly (2021); 1 held scrobble replayed');
    expect(await page.locator(`#conflict-${conflictId}`).count()).toBe(0);
    expect(await text(page.locator('#conflicts'))).toContain('Nothing to decide.');
    // The flash is shown once.
    await page.reload();
    expect(await page.locator('.flash').count()).toBe(0);

    // The replayed scrobble marks S01E01: in the database and in the page's log.
    const episode = await p.db.episode.findFirstOrThrow({
      where: { tvshowId: icarly2021, seasonNumber: 1, episodeNumber: 1 },
    });
    await waitFor(() => p.db.episodeWatch.findFirst({ where: { userId: user.id, episodeId: episode.id } }));
    await page.goto('/?status=success');
    const marked = page.locator('#logs tbody tr', { hasText: 'episode_marked' });
    expect(await marked.count()).toBe(2);
    expect(await text(marked.filter({ hasText: 'iCarly' }))).toContain('episode_marked');
    expect(await text(page.locator('#logs tbody'))).not.toContain('conflict_created');
    expect(await page.locator('#logs select[name=status]').inputValue()).toBe('success');
    expect(await text(page.locator('#mappings'))).toContain('iCarly (2021)');
    // The 24 h chart drew this hour's bar from the same rows.
    expect(await page.locator('svg.chart rect[fill="#2e7d32"]').count()).toBe(1);
  });

  test('a movie conflict is resolved from the page the same way', async () => {
    await runCatalogImport(p.db, {
      movies: [
        { title: 'Dune', year: 1984, tmdbId: 841 },
        { title: 'Dune', year: 2021, tmdbId: 438631 },
      ],
    });
    const dune2021 = await p.db.movie.findUniqueOrThrow({ where: { tmdbId: 438631 } });
    // No ids, no year: both Dunes fit.
    const job = await p.send(
      buildPlexPayload({
        Metadata: {
          ratingKey: '7001',
          type: 'movie',
          librarySectionType: 'movie',
          title: 'Dune',
          year: undefined,
          grandparentRatingKey: undefined,
          parentRatingKey: undefined,
          grandparentTitle: undefined,
          parentTitle: undefined,
          grandparentGuid: undefined,
          parentGuid: undefined,
          index: undefined,
          parentIndex: undefined,
          guid: 'plex://movie/5d776825880197001ec967c6',
          originallyAvailableAt: undefined,
          Guid: [],
        },
      }),
      user.secret,
    );
    const held = await p.logOf(job);
    expect(held.actionTaken).toBe('conflict_created');

    await page.goto('/');
    const conflict = page.locator(`#conflict-${held.conflictId}`);
    expect(await text(conflict.getByRole('heading'))).toBe('Dune');
    expect(await conflict.locator('tr[data-candidate]').count()).toBe(2);
    expect(await text(conflict.getByText('Create new movie…'))).toBe('Create new movie…');
    await submit(
      conflict.locator(`tr[data-candidate="${dune2021.id}"]`).getByRole('button', { name: 'Select' }),
    );
    expect(await flash()).toBe('Mapped Dune → Dune (2021); 1 held scrobble replayed');
    await waitFor(() => p.db.movieWatch.findFirst({ where: { userId: user.id, movieId: dune2021.id } }));
    const row = page.locator('#mappings tbody tr', { hasText: 'Dune (2021)' });
    expect(await text(row)).toContain('movie');
  });

  test('a title with markup is shown as text and runs nothing', async () => {
    const job = await p.send(
      buildPlexPayload({
        Metadata: {
          ratingKey: '3001',
          grandparentRatingKey: '3000',
          grandparentTitle: XSS_TITLE,
          title: `<img src=x onerror=alert(2)>`,
          grandparentGuid: 'plex://show/000000000000000000000bad',
          guid: 'plex://episode/000000000000000000000bad',
          Guid: [],
        },
      }),
      user.secret,
    );
    const log = await p.logOf(job);
    expect(log.conflictId).not.toBeNull();
    dialogs.length = 0;
    await page.goto('/');
    const conflict = page.locator(`#conflict-${log.conflictId}`);
    expect(await text(conflict.getByRole('heading'))).toBe(XSS_TITLE);
    expect(await page.locator('#logs').getByText(XSS_TITLE).first().isVisible()).toBe(true);
    expect(await page.locator('main script').count()).toBe(0);
    expect(dialogs).toHaveLength(0);

    // Create a new show for it from the page; the title stays text in the flash and mappings.
    await conflict.getByText('Create new show…').click();
    await conflict.getByLabel('First aired').fill('2024-02-03');
    await submit(conflict.getByRole('button', { name: 'Create and map' }));
    expect(await flash()).toBe(
      `Created ${XSS_TITLE} (2024) and mapped ${XSS_TITLE} to it; 1 held scrobble replayed`,
    );
    expect(await page.locator('#mappings').getByText(`${XSS_TITLE} (2024)`).isVisible()).toBe(true);
    expect(dialogs).toHaveLength(0);
  });

  test('a form post without the CSRF token, or with a wrong one, is refused', async () => {
    const conflictCount = await p.db.plexConflict.count({ where: { resolved: false } });
    const mapping = await p.db.plexShowMapping.findFirstOrThrow();
    const forms: Record<string, string>[] = [{}, { csrf: 'forged' }];
    for (const form of forms) {
      const res = await page.request.post(`/mappings/${mapping.id}/unmap`, { form, maxRedirects: 0 });
      expect(res.status()).toBe(403);
    }
    const res = await page.request.post('/conflicts/1/resolve', {
      form: { action: 'ignore' },
      maxRedirects: 0,
    });
    expect(res.status()).toBe(403);
    expect(await p.db.plexShowMapping.findUnique({ where: { id: mapping.id } })).not.toBeNull();
    expect(await p.db.plexConflict.count({ where: { resolved: false } })).toBe(conflictCount);
  });

  test('the login form has its own CSRF token; cookies are Secure behind an https proxy', async () => {
    const noCsrf = await fetch(`${dashboard.url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: TOKEN }),
      redirect: 'manual',
    });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.headers.get('set-cookie') ?? '').not.toContain('plexhook_session=');

    // app.ts trusts X-Forwarded-Proto from loopback (a local reverse proxy terminating TLS).
    const https = { 'x-forwarded-proto': 'https' };
    const form = await fetch(`${dashboard.url}/login`, { headers: https });
    const loginCookie = form.headers.get('set-cookie')!;
    expect(loginCookie).toMatch(
      /^plexhook_login=[^;]+; Max-Age=\d+; Path=\/; .*HttpOnly; Secure; SameSite=Strict$/,
    );
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const loggedIn = await fetch(`${dashboard.url}/login`, {
      method: 'POST',
      headers: { ...https, cookie: loginCookie.split(';')[0]! },
      body: new URLSearchParams({ token: TOKEN, csrf }),
      redirect: 'manual',
    });
    expect(loggedIn.status).toBe(303);
    const session = loggedIn.headers.getSetCookie().find((c) => c.startsWith('plexhook_session='))!;
    expect(session).toMatch(/HttpOnly; Secure; SameSite=Strict$/);
    expect(session).not.toContain(TOKEN);
  });

  test('a failed webhook is retried from the logs view and handled by the worker', async () => {
    // A failed row as the worker's dead-letter sweep writes it: iCarly S01E02, whose show is
    // mapped by now.
    const receivedAt = new Date(Date.now() - 3_600_000);
    const failed = await p.db.plexWebhookLog.create({
      data: {
        userId: user.id,
        jobId: 'web-failed-1',
        eventType: 'media.scrobble',
        plexRatingKey: '999',
        plexTitle: 'iCarly S01E02 · iHate Change',
        payload: buildPlexPayload({
          Metadata: { ratingKey: '1002', index: 2, title: 'iHate Change', lastViewedAt: undefined },
        }) as Prisma.InputJsonValue,
        status: 'failed',
        errorMessage: 'job failed after 9 attempt(s), 0 stall(s): database unreachable',
        receivedAt,
      },
    });
    await page.goto('/?status=failed');
    const row = page.locator('#logs tbody tr', { hasText: 'iHate Change' });
    await submit(row.getByRole('button', { name: 'Retry' }));
    expect(await flash()).toBe(
      `Webhook ${failed.id} queued again as job retry-${failed.id}: its outcome appears as a new row`,
    );
    expect(path()).toBe('/');
    expect(await page.locator('#logs select[name=status]').inputValue()).toBe('failed');
    const retried = await p.logOf(`retry-${failed.id}`);
    expect(retried).toMatchObject({ status: 'success', actionTaken: 'episode_marked' });
    const episode = await p.db.episode.findFirstOrThrow({
      where: { tvshowId: icarly2021, seasonNumber: 1, episodeNumber: 2 },
    });
    const watch = await p.db.episodeWatch.findFirstOrThrow({ where: { episodeId: episode.id } });
    expect(watch.watchedAt).toEqual(receivedAt);
    // The failed row now says where its retry went, instead of offering the button again.
    await page.reload();
    expect(await row.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    expect(await text(row)).toContain(`retried: #${retried.id}`);
  });

  test('unmap from the page, then log out', async () => {
    const mapping = await p.db.plexShowMapping.findFirstOrThrow({ where: { plexTitle: 'iCarly' } });
    await page.goto('/');
    await submit(page.locator(`#mapping-show-${mapping.id}`).getByRole('button', { name: 'Unmap' }));
    expect(await flash()).toBe('Unmapped iCarly: its next scrobble is matched again');
    expect(dialogs.map((d) => d.type())).toEqual(['confirm']);
    expect(await p.db.plexShowMapping.findUnique({ where: { id: mapping.id } })).toBeNull();

    await submit(page.getByRole('button', { name: 'Log out' }));
    expect(path()).toBe('/login');
    await page.goto('/');
    expect(path()).toBe('/login');
  });
});
