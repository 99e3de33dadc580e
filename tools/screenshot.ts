// `npm run docs:screenshot`: docs/dashboard.png from a throwaway pipeline (own database and
// queue prefix, dropped after). Real scrobbles go through ingest and the worker; older log rows
// are inserted back-dated only so the 24 h chart has a shape to show.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDashboardApp, DEMO_CATALOG_PATH, runCatalogImport } from '@plexhook/dashboard';
import { REPO_ROOT, type WebhookAction, type WebhookStatus } from '@plexhook/db';
import pino from 'pino';
import globalSetup from '../test/global-setup';
import { launchChromium } from '../test/helpers/browser';
import { listen } from '../test/helpers/http';
import { startPipeline } from '../test/helpers/pipeline';
import { buildPlexPayload } from '../test/helpers/plex-payload';

const OUT = join(REPO_ROOT, 'docs', 'dashboard.png');
const TOKEN = 'screenshot-admin-token-0123456789';

const episode = (show: string, key: string, season: number, index: number, title: string, year: number) =>
  buildPlexPayload({
    Metadata: {
      ratingKey: `${key}${season}${index}`,
      grandparentRatingKey: key,
      grandparentTitle: show,
      title,
      index,
      parentIndex: season,
      year,
      originallyAvailableAt: undefined,
      grandparentGuid: `plex://show/${key.padStart(24, '0')}`,
      guid: `plex://episode/${`${key}${season}${index}`.padStart(24, '0')}`,
      Guid: [],
    },
  });

async function main(): Promise<void> {
  // The migrated template database the test helpers clone (built once, as for jest).
  await globalSetup();
  const p = await startPipeline('shot');
  const dashboard = await listen(
    createDashboardApp({
      db: p.db,
      redis: p.q.redis,
      queue: p.q.queue,
      logger: pino({ level: 'silent' }),
      config: { ADMIN_TOKEN: TOKEN, PUBLIC_WEBHOOK_URL: p.ingest.url },
    }),
  );
  const browser = await launchChromium({ baseURL: dashboard.url, viewport: { width: 1280, height: 900 } });
  try {
    await runCatalogImport(p.db, JSON.parse(await readFile(DEMO_CATALOG_PATH, 'utf8')));
    const alice = await p.createUser('alice');
    const bob = await p.createUser('bob');

    // Back-dated history for the chart (23 h to 1 h ago), deterministic.
    const titles = ['Friends S01E0', 'Bluey S01E0', 'The Wire S01E0', 'Seinfeld S01E0'];
    const now = Date.now();
    const rows: {
      userId: number;
      eventType: string;
      plexTitle: string;
      status: WebhookStatus;
      actionTaken: WebhookAction;
      errorMessage?: string;
      durationMs: number;
      receivedAt: Date;
    }[] = [];
    for (let h = 23; h >= 1; h--) {
      const evening = (h + 4) % 24 < 8;
      const n = evening ? 4 + (h % 4) : h % 3;
      for (let i = 0; i < n; i++) {
        const status: WebhookStatus = i === 3 ? 'duplicate' : i === 4 ? 'ignored' : 'success';
        rows.push({
          userId: i % 2 ? bob.id : alice.id,
          eventType: status === 'ignored' ? 'media.pause' : 'media.scrobble',
          plexTitle: `${titles[(h + i) % titles.length]}${(i % 8) + 1}`,
          status,
          actionTaken:
            status === 'duplicate' ? 'duplicate' : status === 'ignored' ? 'ignored_event' : 'episode_marked',
          durationMs: 40 + ((h * 7 + i * 13) % 90),
          receivedAt: new Date(now - h * 3600_000 - i * 240_000),
        });
      }
    }
    rows.push({
      userId: bob.id,
      eventType: 'media.scrobble',
      plexTitle: 'Seinfeld S01E03',
      status: 'failed',
      actionTaken: 'episode_marked',
      errorMessage:
        'attempts exhausted: Timed out fetching a new connection from the connection pool (P2024)',
      durationMs: 5012,
      receivedAt: new Date(now - 5 * 3600_000),
    });
    await p.db.plexWebhookLog.createMany({ data: rows });

    // Live traffic through ingest and the worker.
    p.startWorker();
    const sends: [unknown, string][] = [
      [episode('Breaking Bad', '2000', 1, 1, 'Pilot', 2008), alice.secret],
      [episode('Breaking Bad', '2000', 1, 2, "Cat's in the Bag...", 2008), alice.secret],
      [episode('Breaking Bad', '2000', 1, 2, "Cat's in the Bag...", 2008), alice.secret],
      [{ ...buildPlexPayload(), event: 'media.pause' }, alice.secret],
      [buildPlexPayload(), alice.secret],
      [episode('Friends', '4000', 1, 1, 'The One Where Monica Gets a Roommate', 1994), bob.secret],
      [episode('Doctor Who', '5000', 1, 1, 'Rose', 2005), bob.secret],
    ];
    for (const [payload, secret] of sends) await p.logOf(await p.send(payload, secret));

    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto('/login');
    await page.getByLabel('Admin token').fill(TOKEN);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Log in' }).click()]);
    await page.goto('/');
    await mkdir(join(REPO_ROOT, 'docs'), { recursive: true });
    // The top of the page: cards, conflicts, chart and the latest few webhooks.
    const lastRow = await page.locator('#logs tbody tr').nth(5).boundingBox();
    const height = Math.ceil((lastRow?.y ?? 1400) + (lastRow?.height ?? 0) + 1);
    await page.screenshot({ path: OUT, fullPage: true, clip: { x: 0, y: 0, width: 1280, height } });
    process.stdout.write(`wrote ${OUT}\n`);
  } finally {
    await browser.close();
    await dashboard.close();
    await p.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
