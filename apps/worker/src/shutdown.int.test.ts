import { Client } from 'pg';
import { seedICarly } from '../../../test/helpers/factories';
import { type Pipeline, startPipeline } from '../../../test/helpers/pipeline';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { type AppProcess, spawnApp } from '../../../test/helpers/processes';
import { waitFor } from '../../../test/helpers/wait';

let p: Pipeline;
let worker: AppProcess | undefined;
beforeAll(async () => {
  p = await startPipeline('shutdown');
});
afterAll(async () => {
  await worker?.stop('SIGKILL');
  await p.close();
});

test('SIGTERM lets the job in flight finish, then exits 0', async () => {
  const user = await p.createUser('alice');
  const icarly = await seedICarly(p.db);
  worker = spawnApp('worker', { DATABASE_URL: p.t.url, QUEUE_PREFIX: p.q.prefix, WORKER_METRICS_PORT: '0' });
  const meta = { ratingKey: '1', grandparentRatingKey: '77' };
  const first = await p.logOf(await p.send(buildPlexPayload({ Metadata: meta }), user.secret));
  const conflictId = first.conflictId as number;

  // Hold the conflict row, so the next job blocks mid-flight (it re-checks the conflict FOR SHARE).
  const holder = new Client({ connectionString: p.t.url });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM plex_conflicts WHERE id = $1 FOR UPDATE', [conflictId]);
    const second = await p.send(
      buildPlexPayload({ Metadata: { ...meta, ratingKey: '2', index: 2 } }),
      user.secret,
    );
    await waitFor(async () => (await p.q.queue.getActiveCount()) === 1);

    worker.child.kill('SIGTERM');
    await waitFor(async () => worker?.output().includes('finishing in-flight jobs'));
    await new Promise((r) => setTimeout(r, 500));
    expect(worker.child.exitCode).toBeNull(); // still finishing

    await holder.query(
      `UPDATE plex_conflicts SET resolved = true, resolution_action = 'user_selected', resolved_tvshow_id = $2, resolved_at = now() WHERE id = $1`,
      [conflictId, icarly.revival.id],
    );
    await holder.query(
      `INSERT INTO plex_show_mappings (user_id, plex_rating_key, plex_title, tvshow_id, match_method, match_confidence, updated_at)
       VALUES ($1, '77', 'iCarly', $2, 'manual', 1, now())`,
      [user.id, icarly.revival.id],
    );
    await holder.query('COMMIT');

    expect(await worker.stop()).toBe(0);
    expect(await p.db.plexWebhookLog.findFirst({ where: { jobId: second } })).toMatchObject({
      actionTaken: 'episode_marked',
    });
  } finally {
    await holder.end();
  }
});
