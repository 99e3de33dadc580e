// A webhook that really failed in the worker, retried from the dashboard, then handled by the
// real worker (issue 14 item 3): the retry marks the episode at the scrobble's own time, and the
// dedupe claim the failed job still holds does not turn the retry into a "duplicate".
import { WEBHOOK_JOB } from '@plexhook/queue';
import { listenDashboard } from '../../../test/helpers/dashboard';
import type { Listening } from '../../../test/helpers/http';
import { type Pipeline, startPipeline } from '../../../test/helpers/pipeline';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { waitFor } from '../../../test/helpers/wait';
import { runCatalogImport } from './services/catalog-import';

jest.setTimeout(60_000);

const TOKEN = 'retry-worker-admin-token-0123456789';
let p: Pipeline;
let dashboard: Listening;
let user: { id: number; secret: string };
let episodeId: number;

beforeAll(async () => {
  p = await startPipeline('retryworker');
  user = await p.createUser('alice');
  await runCatalogImport(p.db, {
    shows: [
      {
        title: 'Retry Show',
        firstAired: '2019-03-01',
        tmdbId: 424242,
        seasons: [{ number: 1, episodes: [{ number: 1, title: 'Pilot', airDate: '2019-03-01' }] }],
      },
    ],
  });
  const show = await p.db.tvShow.findFirstOrThrow({ where: { tmdbId: 424242 } });
  episodeId = (await p.db.episode.findFirstOrThrow({ where: { tvshowId: show.id } })).id;
  await p.db.plexShowMapping.create({
    data: {
      userId: user.id,
      plexRatingKey: '7000',
      plexTitle: 'Retry Show',
      plexYear: 2019,
      tvshowId: show.id,
      matchMethod: 'manual',
      matchConfidence: 1,
    },
  });
  dashboard = await listenDashboard(
    { db: p.db, redis: p.q.redis, queue: p.q.queue },
    { ADMIN_TOKEN: TOKEN, PUBLIC_WEBHOOK_URL: p.ingest.url },
  );
  p.startWorker();
});

afterAll(async () => {
  await dashboard?.close();
  await p?.close();
});

test('a job that ended failed is retried from the API and marks the episode at its own time', async () => {
  // The job's one success write fails (a disk-full stand-in: a trigger refusing its row), so
  // its attempts run out after the dedupe claim and it ends failed with its failure logged.
  await p.db.$executeRawUnsafe(`
    CREATE FUNCTION refuse_success_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.job_id = 'original-1' AND NEW.status <> 'failed' THEN
        RAISE EXCEPTION 'could not extend file: No space left on device (test)';
      END IF;
      RETURN NEW;
    END $$`);
  await p.db.$executeRawUnsafe(`
    CREATE TRIGGER refuse_success_row BEFORE INSERT ON plex_webhook_logs
    FOR EACH ROW EXECUTE FUNCTION refuse_success_row()`);
  const receivedAt = new Date(Date.now() - 20 * 60_000);
  const payload = buildPlexPayload({
    Metadata: {
      ratingKey: '7001',
      grandparentRatingKey: '7000',
      grandparentTitle: 'Retry Show',
      title: 'Pilot',
      index: 1,
      parentIndex: 1,
      year: 2019,
      // No lastViewedAt: the watch time is the time the webhook was received.
      lastViewedAt: undefined,
    },
  });
  // As ingest enqueues it, with two quick attempts instead of nine over four minutes.
  await p.q.queue.add(
    WEBHOOK_JOB,
    { userId: user.id, receivedAt: receivedAt.toISOString(), payload },
    { jobId: 'original-1', attempts: 2, backoff: { type: 'fixed', delay: 10 } },
  );
  const failed = await p.logOf('original-1');
  expect(failed).toMatchObject({ status: 'failed', userId: user.id, receivedAt });
  expect(failed.errorMessage).toMatch(/No space left on device/);
  await waitFor(async () => (await p.q.queue.getJob('original-1'))?.isFailed());
  expect(await p.db.episodeWatch.count()).toBe(0);
  // The disk is fixed.
  await p.db.$executeRawUnsafe('DROP TRIGGER refuse_success_row ON plex_webhook_logs');

  const retry = () =>
    fetch(`${dashboard.url}/api/webhook-logs/${failed.id}/retry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
  const res = await retry();
  expect(res.status).toBe(200);
  const retried = await p.logOf(`retry-${failed.id}`);
  expect(retried).toMatchObject({
    status: 'success',
    actionTaken: 'episode_marked',
    userId: user.id,
    receivedAt,
    payload: failed.payload,
  });
  const watches = await p.db.episodeWatch.findMany();
  expect(watches).toEqual([
    expect.objectContaining({ userId: user.id, episodeId, watchedAt: receivedAt, webhookLogId: retried.id }),
  ]);
  // The failure stays on record; a second retry is refused and names the row that succeeded.
  expect((await p.db.plexWebhookLog.findFirstOrThrow({ where: { id: failed.id } })).status).toBe('failed');
  const again = await retry();
  expect(again.status).toBe(409);
  expect(((await again.json()) as { error: string }).error).toBe(
    `webhook log ${failed.id} was retried already: see log ${retried.id} (success)`,
  );
  expect(await p.db.episodeWatch.count()).toBe(1);
});
