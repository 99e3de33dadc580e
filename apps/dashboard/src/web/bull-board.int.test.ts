// Bull Board sends nothing to third parties and works offline (issue 14 item 14), and in a real
// browser with saved basic-auth credentials a foreign site cannot add jobs while the board's own
// page can (item 8). The HTML checks run without a browser too.
import express from 'express';
import pino from 'pino';
import type { BrowserContext, Page } from 'playwright-core';
import { haveChromium, type LaunchedChromium, launchChromium } from '../../../../test/helpers/browser';
import { createTestDb, type TestDb } from '../../../../test/helpers/db';
import { type Listening, listen } from '../../../../test/helpers/http';
import { createTestQueue, type TestQueue } from '../../../../test/helpers/redis';
import { waitFor } from '../../../../test/helpers/wait';
import { createDashboardApp } from '../app';
import { withoutExternalResources } from '../bull-board';

jest.setTimeout(120_000);

const TOKEN = 'board-admin-token-0123456789abcdef';
const BASIC = `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`;
let t: TestDb;
let q: TestQueue;
let dashboard: Listening;
const logs: { msg: string; reason?: string; method?: string; path?: string; status?: number }[] = [];

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('board'), createTestQueue('board')]);
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  dashboard = await listen(
    createDashboardApp({
      db: t.db,
      redis: q.redis,
      queue: q.queue,
      logger,
      config: { ADMIN_TOKEN: TOKEN, PUBLIC_WEBHOOK_URL: 'https://hooks.example.test' },
    }),
  );
});
afterAll(async () => {
  await dashboard?.close();
  await Promise.all([t?.drop(), q?.cleanup()]);
});

const jobs = async () =>
  Object.values(await q.queue.getJobCounts('waiting', 'delayed', 'prioritized')).reduce((a, b) => a + b, 0);
const board = (path = '') =>
  fetch(`${dashboard.url}/admin/queues${path}`, { headers: { authorization: BASIC } });

describe('the page as served', () => {
  test('no http(s):// URL in the HTML, every asset it names is ours and loads nothing from elsewhere', async () => {
    for (const path of ['', '/', `/queue/${q.queue.name}`]) {
      const res = await board(path);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('<div id="root">');
      expect(html).not.toMatch(/https?:\/\/|["'(]\/\/[a-z]/i);
      expect(html).not.toMatch(/fonts\.(googleapis|gstatic)/);
      const assets = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!);
      expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
      for (const asset of assets) {
        const url = new URL(asset, `${dashboard.url}/admin/queues/`);
        expect(url.origin).toBe(dashboard.url);
        if (!/\.(css|js)$/.test(url.pathname)) continue;
        const body = await (await fetch(url, { headers: { authorization: BASIC } })).text();
        // No @import or url() of another origin in the stylesheets.
        expect(body).not.toMatch(/@import\s+(url\()?["']?(https?:)?\/\/|url\(\s*["']?(https?:)?\/\//);
      }
    }
  });

  test('the CSP allows our origin only (no https:, no host), for the board and its API', async () => {
    for (const path of ['', '/api/queues']) {
      const csp = (await board(path)).headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/default-src 'self'/);
      expect(csp).toMatch(/style-src 'self' 'unsafe-inline'(;|$)/);
      expect(csp).toMatch(/font-src 'self' data:(;|$)/);
      expect(csp).not.toMatch(/https?:|\*|\.[a-z]{2,}/);
    }
  });

  test.each([
    ['Google Fonts CSS', '<link href="https://fonts.googleapis.com/css2?family=X" rel="stylesheet">', ''],
    ['a protocol-relative script', "<script defer src='//cdn.example/x.js'></script>", ''],
    ['our own stylesheet', '<link href="static/css/main.css" rel="stylesheet">', 'same'],
    ['a link in text', '<p>see https://example.com</p>', 'same'],
  ])('withoutExternalResources: %s', (_what, html, expected) => {
    expect(withoutExternalResources(html)).toBe(expected === 'same' ? html : expected);
  });
});

// In CI the browser part must run (.ci/run installs Chromium): there a missing browser fails it.
const runBrowser = haveChromium() || Boolean(process.env.CI);
const suite = runBrowser ? describe : describe.skip;
// Skipped without a browser outside CI; test/summary-reporter.js says so in one line.

suite('Bull Board in Chromium with saved basic-auth credentials', () => {
  let chromium: LaunchedChromium;
  let context: BrowserContext;
  let page: Page;
  let foreign: Listening;
  const requests: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    chromium = await launchChromium({
      baseURL: dashboard.url,
      httpCredentials: { username: 'admin', password: TOKEN },
    });
    context = chromium.context;
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (req) => void requests.push(req.url()));
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    // Offline: anything that is not one of our two local servers is cut off.
    await context.route(
      (url) => url.hostname !== '127.0.0.1' && url.hostname !== 'localhost',
      (route) => route.abort('internetdisconnected'),
    );
    // The attacker's page. localhost is another site than 127.0.0.1 (a site is the host name).
    const addUrl = `${dashboard.url}/admin/queues/api/queues/${q.queue.name}/add`;
    const evil = express();
    evil.get('/', (_req, res) => {
      res.type('html').send(`<!doctype html><title>evil</title>
        <iframe name="sink"></iframe>
        <form id="f" method="post" enctype="text/plain" action="${addUrl}" target="sink">
          <input name='{"name":"evil","data":{},"x":"' value='"}'>
        </form>
        <script>
          fetch(${JSON.stringify(addUrl)}, { method: 'POST', mode: 'no-cors', credentials: 'include',
            body: '{"name":"evil-fetch"}' }).finally(() => { document.title = 'fetched'; });
          document.getElementById('f').submit();
        </script>`);
    });
    foreign = await listen(evil);
  });

  afterAll(async () => {
    await chromium?.close();
    await foreign?.close();
  });

  test('the board renders its queue, offline, with every request to our origin and no CSP error', async () => {
    await page.goto('/admin/queues');
    await page.getByText(q.queue.name).first().waitFor({ timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    expect(requests.length).toBeGreaterThan(3);
    expect(requests.filter((url) => new URL(url).origin !== dashboard.url)).toEqual([]);
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused to/.test(e))).toEqual([]);
  });

  test("the board's own page adds a job with a JSON request", async () => {
    const before = await jobs();
    const status = await page.evaluate(async (url) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'from-the-board', data: {} }),
      });
      return res.status;
    }, `/admin/queues/api/queues/${q.queue.name}/add`);
    expect(status).toBe(200);
    expect(await jobs()).toBe(before + 1);
  });

  test("a foreign site's text/plain form and no-cors fetch add no job", async () => {
    const before = await jobs();
    // (Bull Board's own routes are logged without the mount path.)
    const addPath = `/api/queues/${q.queue.name}/add`;
    const from = logs.length;
    const adds = () => logs.slice(from).filter((l) => l.msg === 'request' && l.path?.endsWith(addPath));
    const evilPage = await context.newPage();
    // What a browser does once basic auth was typed in for the board: it sends the credentials
    // with every request to that origin, whichever page makes it. (Chromium under Playwright
    // answers challenges per request instead, so the header stands in for its auth cache.)
    await evilPage.setExtraHTTPHeaders({ authorization: BASIC });
    await evilPage.goto(`http://localhost:${new URL(foreign.url).port}/`);
    // Both requests reach the dashboard (the form and the fetch).
    await waitFor(async () => adds().length >= 2);
    await evilPage.waitForFunction('document.title === "fetched"');
    expect(await jobs()).toBe(before);
    expect(adds().map((l) => l.status)).toEqual([403, 403]);
    const refused = logs.slice(from).filter((l) => l.msg === 'cross-site request refused');
    expect(refused.map((l) => l.reason)).toEqual([
      'Sec-Fetch-Site is cross-site',
      'Sec-Fetch-Site is cross-site',
    ]);
    await evilPage.close();
  });
});
