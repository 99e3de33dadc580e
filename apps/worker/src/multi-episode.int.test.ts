// A multi-episode file through the real pipeline (issue 18): Jellyfin says it (EpisodeNumberEnd),
// and one log row marks each episode. Plex never says it in a webhook (each episode of such a
// file is an item of its own, and the webhook names the one played): one episode per scrobble.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedShow } from '../../../test/helpers/factories';
import { type Pipeline, startPipeline } from '../../../test/helpers/pipeline';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { waitFor } from '../../../test/helpers/wait';

let p: Pipeline;
beforeAll(async () => {
  p = await startPipeline('multi-episode');
  p.startWorker();
});
afterAll(() => p.close());

const fixture = JSON.parse(
  readFileSync(join(__dirname, '../../../test/fixtures/jellyfin/episode-playback-stop.json'), 'utf8'),
) as Record<string, unknown>;

async function postJellyfin(secret: string, payload: unknown): Promise<string> {
  const res = await fetch(`${p.ingest.url}/api/jellyfin/webhook?secret=${encodeURIComponent(secret)}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: JSON.stringify(payload),
  });
  const body = (await res.json()) as { id?: string; error?: string };
  if (res.status !== 200 || !body.id) throw new Error(`ingest answered ${res.status}: ${body.error}`);
  return body.id;
}

test('Jellyfin S01E01-E02 (EpisodeNumberEnd 2): one log row marks both episodes', async () => {
  const user = await p.createUser('alice');
  const show = await seedShow(p.db, {
    title: 'Severance',
    firstAired: '2022-02-18',
    episodes: [
      [1, 1, 'Good News About Hell'],
      [1, 2, 'Half Loop'],
      [1, 3, 'In Perpetuity'],
    ],
  });
  await p.db.plexShowMapping.create({
    data: {
      userId: user.id,
      source: 'jellyfin',
      serverId: String(fixture.ServerId),
      plexRatingKey: String(fixture.SeriesId),
      plexTitle: 'Severance',
      tvshowId: show.id,
      matchMethod: 'manual',
      matchConfidence: 1,
    },
  });
  const jobId = await postJellyfin(user.secret, { ...fixture, EpisodeNumberEnd: 2 });
  const log = await p.logOf(jobId);
  expect(log).toMatchObject({ status: 'success', actionTaken: 'episode_marked' });
  expect(log.errorMessage).toMatch(/multi-episode file S01E01-E02: 2 marked/);
  const watches = await p.db.episodeWatch.findMany({
    where: { userId: user.id },
    include: { episode: true },
    orderBy: { episode: { episodeNumber: 'asc' } },
  });
  expect(watches.map((w) => [w.episode.episodeNumber, w.webhookLogId])).toEqual([
    [1, log.id],
    [2, log.id],
  ]);

  // An ordinary file: one episode.
  const single = await p.logOf(
    await postJellyfin(user.secret, { ...fixture, ItemId: 'other-item', EpisodeNumber: 3 }),
  );
  expect(single.actionTaken).toBe('episode_marked');
  expect(await p.db.episodeWatch.count({ where: { webhookLogId: single.id } })).toBe(1);
});

test('a Plex scrobble of one episode of a multi-episode file marks that episode only', async () => {
  const user = await p.createUser('bob');
  const show = await seedShow(p.db, {
    title: 'Bluey',
    firstAired: '2018-10-01',
    tvdbId: 353547,
    episodes: [
      [1, 1, 'Magic Xylophone'],
      [1, 2, 'Hospital'],
    ],
  });
  const jobId = await p.send(
    buildPlexPayload({
      Metadata: {
        grandparentTitle: 'Bluey (2018)',
        guid: 'com.plexapp.agents.thetvdb://353547/1/1?lang=en',
        title: 'Magic Xylophone',
        Guid: [],
      },
    }),
    user.secret,
  );
  const log = await p.logOf(jobId);
  expect(log.actionTaken).toBe('episode_marked');
  await waitFor(async () =>
    (await p.db.episodeWatch.count({ where: { userId: user.id } })) > 0 ? true : null,
  );
  const marked = await p.db.episodeWatch.findMany({ where: { userId: user.id }, include: { episode: true } });
  expect(marked.map((w) => [w.episode.tvshowId, w.episode.episodeNumber])).toEqual([[show.id, 1]]);
});
