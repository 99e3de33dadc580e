import { recordResult } from '../../../reliability/harness';
import { seedShow } from '../../../test/helpers/factories';
import { type Pipeline, startPipeline } from '../../../test/helpers/pipeline';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { type AppProcess, spawnApp } from '../../../test/helpers/processes';
import { waitFor } from '../../../test/helpers/wait';

let p: Pipeline;
let workers: AppProcess[] = [];

beforeAll(async () => {
  p = await startPipeline('dedupe');
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await p.close();
});

test('the same scrobble 5 times, concurrently, on 2 worker processes: one watch, four duplicates', async () => {
  const user = await p.createUser('alice');
  const show = await seedShow(p.db, {
    title: 'Bluey',
    firstAired: '2018-10-01',
    tvdbId: 353547,
    episodes: [[1, 1, 'Magic Xylophone']],
  });
  const payload = buildPlexPayload({
    Metadata: {
      grandparentTitle: 'Bluey (2018)',
      guid: 'com.plexapp.agents.thetvdb://353547/1/1?lang=en',
      title: 'Magic Xylophone',
      Guid: [],
    },
  });
  // Queue all five before any worker runs, so both processes race on them.
  const jobIds = await Promise.all(Array.from({ length: 5 }, () => p.send(payload, user.secret)));
  const env = {
    DATABASE_URL: p.t.url,
    QUEUE_PREFIX: p.q.prefix,
    WORKER_METRICS_PORT: '0',
    WORKER_CONCURRENCY: '8',
  };
  workers = [spawnApp('worker', env), spawnApp('worker', env)];

  const logs = await waitFor(async () => {
    const rows = await p.db.plexWebhookLog.findMany({ where: { jobId: { in: jobIds } } });
    return rows.length === 5 ? rows : null;
  }, 30_000);
  const watches = await p.db.episodeWatch.count({ where: { episode: { tvshowId: show.id } } });
  await recordResult('duplicates', {
    fault: 'the same scrobble 5 times at once, 2 worker processes racing',
    sent: 5,
    accepted: jobIds.length,
    logRows: logs.length,
    watches,
    duplicates: logs.filter((l) => l.status === 'duplicate').length,
    lost: jobIds.length - logs.length,
    doubleMarked: Math.max(0, watches - 1),
  });
  expect(logs.filter((l) => l.actionTaken === 'episode_marked')).toHaveLength(1);
  expect(logs.filter((l) => l.status === 'duplicate' && l.actionTaken === 'duplicate')).toHaveLength(4);
  expect(await p.db.episodeWatch.count({ where: { episode: { tvshowId: show.id } } })).toBe(1);
  // Both processes were really up (each prints its start line).
  for (const w of workers) expect(w.output()).toContain('worker started');
});
