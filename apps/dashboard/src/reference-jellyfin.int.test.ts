// The reference scenario (reference.int.test.ts) driven by Jellyfin instead of Plex, through
// public surfaces only: CLI demo:seed (which prints the Jellyfin URL too) -> the plugin's
// "Generic" body as text/plain to the real ingest app -> worker -> the dashboard API resolves
// the conflict -> the held play is replayed as a Jellyfin job and marked -> the next episode is
// marked at once; the API and the page show the source of the row, the mapping and the conflict.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listenDashboard, runCli, webLogin } from '../../../test/helpers/dashboard';
import type { Listening } from '../../../test/helpers/http';
import { type Pipeline, startPipeline } from '../../../test/helpers/pipeline';
import { TEST_REDIS_URL } from '../../../test/helpers/redis';
import { waitFor } from '../../../test/helpers/wait';

jest.setTimeout(120_000);

const TOKEN = 'reference-admin-token-jellyfin-0123';
const SERIES_ID = '7e1c0a2b3d4e4f5a8b9c0d1e2f3a4b5c';
let p: Pipeline;
let dashboard: Listening;

beforeAll(async () => {
  p = await startPipeline('dashrefjf');
  dashboard = await listenDashboard(
    { db: p.db, redis: p.q.redis, queue: p.q.queue },
    { ADMIN_TOKEN: TOKEN, PUBLIC_WEBHOOK_URL: p.ingest.url },
  );
});
afterAll(async () => {
  await dashboard?.close();
  await p?.close();
});

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${dashboard.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { items?: unknown[] } };
}

/** iCarly's S01E0n as the Jellyfin plugin's "Send All Properties" posts a finished playback. */
function icarlyStop(episode: number, title: string): Record<string, unknown> {
  const base = JSON.parse(
    readFileSync(
      join(__dirname, '..', '..', '..', 'test', 'fixtures', 'jellyfin', 'episode-playback-stop.json'),
      'utf8',
    ),
  ) as Record<string, unknown>;
  return {
    ...base,
    UtcTimestamp: new Date().toISOString(),
    ItemId: `5b1d3c7e9f0a4b2c8d6e1f3a5b7c9d0${episode}`,
    Name: title,
    SeriesName: 'iCarly',
    SeriesId: SERIES_ID,
    SeasonNumber: 1,
    EpisodeNumber: episode,
    PremiereDate: '2021-06-17',
    // The plugin's `Year` is the series' production year, but many libraries have none set: the
    // reference case is the title alone, as with Plex.
    Year: undefined,
    Provider_tmdb: undefined,
    Provider_tvdb: undefined,
    Provider_imdb: undefined,
  };
}

test('Jellyfin: iCarly S01E01 -> conflict -> resolved to 2021 over the API -> replayed and marked; S01E02 marked at once', async () => {
  const seed = await runCli(['demo:seed'], {
    DATABASE_URL: p.t.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: p.q.prefix,
    PUBLIC_WEBHOOK_URL: p.ingest.url,
  });
  expect(seed.stderr).toBe('');
  expect(seed.code).toBe(0);
  const printed = /Jellyfin webhook URL[^:]*: (\S+)/.exec(seed.stdout);
  expect(printed).not.toBeNull();
  const url = new URL(printed![1]!);
  expect(url.pathname).toBe('/api/jellyfin/webhook');
  expect(seed.stdout).toMatch(/Emby webhook URL[^:]*: \S+\/api\/emby\/webhook\?secret=/);
  const demo = await p.db.user.findFirstOrThrow({ where: { name: 'demo' } });
  const [icarly2007, icarly2021] = await Promise.all([
    p.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 5371 } }),
    p.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 119243 }, include: { episodes: true } }),
  ]);
  const episode = (n: number) =>
    icarly2021.episodes.find((e) => e.seasonNumber === 1 && e.episodeNumber === n)!;
  p.startWorker();

  const send = async (payload: unknown) => {
    // The plugin's default content type.
    const res = await fetch(url, {
      method: 'POST',
      body: JSON.stringify(payload),
      headers: { 'content-type': 'text/plain' },
    });
    const body = (await res.json()) as { id: string };
    expect(res.status).toBe(200);
    return body.id;
  };

  const firstLog = await p.logOf(await send(icarlyStop(1, 'iStart Over')));
  expect(firstLog).toMatchObject({ userId: demo.id, source: 'jellyfin', actionTaken: 'conflict_created' });

  const open = await api('GET', '/api/conflicts?resolved=false&source=jellyfin');
  expect(open.status).toBe(200);
  expect(open.body.items).toHaveLength(1);
  const conflict = open.body.items![0] as {
    id: number;
    source: string;
    serverId: string;
    plexRatingKey: string;
    heldWebhooks: number;
    conflictType: string;
    potentialMatches: { tvshowId: number }[];
  };
  expect(conflict).toMatchObject({
    source: 'jellyfin',
    serverId: '8f3c2a1be4d94b7f9a6c5d0e1f2a3b4c',
    plexRatingKey: SERIES_ID,
    conflictType: 'multiple_matches',
    heldWebhooks: 1,
  });
  expect(conflict.potentialMatches.map((m) => m.tvshowId).sort()).toEqual(
    [icarly2007.id, icarly2021.id].sort(),
  );
  expect((await api('GET', '/api/conflicts?resolved=false&source=plex')).body.items).toHaveLength(0);
  expect(await p.db.episodeWatch.count({ where: { userId: demo.id } })).toBe(0);

  const resolved = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
    action: 'user_selected',
    tvshowId: icarly2021.id,
  });
  expect(resolved.status).toBe(200);
  expect(resolved.body).toMatchObject({
    replayed: 1,
    mapping: { source: 'jellyfin', serverId: '8f3c2a1be4d94b7f9a6c5d0e1f2a3b4c', plexRatingKey: SERIES_ID },
  });

  // The held play is replayed as a Jellyfin job (its row's source picks the adapter).
  const watch1 = await waitFor(() =>
    p.db.episodeWatch.findFirst({ where: { userId: demo.id, episodeId: episode(1).id } }),
  );
  expect(watch1.source).toBe('jellyfin_webhook');
  expect(await p.logOf(`replay-${firstLog.id}`)).toMatchObject({
    source: 'jellyfin',
    actionTaken: 'episode_marked',
  });
  const replayJob = await p.q.queue.getJob(`replay-${firstLog.id}`);
  expect(replayJob?.data.source).toBe('jellyfin');

  // A later episode goes straight through the new mapping.
  const secondJob = await send(icarlyStop(2, 'iHate Change'));
  expect(await p.logOf(secondJob)).toMatchObject({
    actionTaken: 'episode_marked',
    status: 'success',
    source: 'jellyfin',
  });
  await waitFor(() => p.db.episodeWatch.findFirst({ where: { userId: demo.id, episodeId: episode(2).id } }));

  // The API shows the source of every log row and mapping.
  const logs = await api('GET', `/api/webhook-logs?userId=${demo.id}&source=jellyfin`);
  expect((logs.body.items as { source: string }[]).map((l) => l.source)).toEqual([
    'jellyfin',
    'jellyfin',
    'jellyfin',
  ]);
  expect((await api('GET', `/api/webhook-logs?userId=${demo.id}&source=plex`)).body.items).toHaveLength(0);
  const mappings = await api('GET', `/api/mappings?userId=${demo.id}`);
  expect(mappings.body.items).toEqual([
    expect.objectContaining({
      source: 'jellyfin',
      plexRatingKey: SERIES_ID,
      tvshowId: icarly2021.id,
      matchMethod: 'manual',
    }),
  ]);
  expect((await api('GET', '/api/conflicts?resolved=false')).body.items).toHaveLength(0);

  // The page says where each row and mapping came from.
  const web = await webLogin(dashboard.url, TOKEN);
  const html = await (await web.get('/')).text();
  expect(html).toContain('<th>Source</th>');
  expect(html).toMatch(/<td>Jellyfin<\/td>/);
  expect(html).toMatch(/Jellyfin key <code>7e1c0a2b3d4e4f5a8b9c0d1e2f3a4b5c<\/code> on server/);
});

test('a failed Jellyfin row is retried as a Jellyfin job', async () => {
  p.worker ?? p.startWorker();
  const user = await p.createUser('jf-retry');
  // A body the adapter reads but cannot place (no series): logged failed, never a 4xx.
  const body = { ...icarlyStop(1, 'iStart Over'), SeriesId: undefined, SeriesName: undefined };
  const res = await fetch(`${p.ingest.url}/api/jellyfin/webhook?secret=${user.secret}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'text/plain' },
  });
  expect(res.status).toBe(200);
  const failed = await p.logOf(((await res.json()) as { id: string }).id);
  expect(failed).toMatchObject({ source: 'jellyfin', status: 'failed' });

  const retried = await api('POST', `/api/webhook-logs/${failed.id}/retry`);
  expect(retried.status).toBe(200);
  const job = await p.q.queue.getJob(`retry-${failed.id}`);
  expect(job?.data.source).toBe('jellyfin');
  // The retry is read by the Jellyfin adapter again (and fails the same way, as a Jellyfin row).
  const again = await p.logOf(`retry-${failed.id}`);
  expect(again).toMatchObject({ source: 'jellyfin', status: 'failed' });
  expect(again.errorMessage).toMatch(/SeriesId\/SeriesName/);
});

test('settings: Jellyfin and Emby servers, keys shown only as set, allow-lists, dedupe; three URLs', async () => {
  const created = await api('POST', '/api/users', { name: 'settings' });
  expect(created.status).toBe(201);
  const urls = created.body.webhookUrls as Record<string, string>;
  expect(Object.keys(urls).sort()).toEqual(['emby', 'jellyfin', 'plex']);
  expect(new URL(urls.jellyfin!).pathname).toBe('/api/jellyfin/webhook');
  expect(new URL(urls.emby!).searchParams.get('secret')).toBe(new URL(urls.plex!).searchParams.get('secret'));
  const id = (created.body.user as { id: number }).id;

  const patch = await api('PATCH', `/api/users/${id}/plex-config`, {
    jellyfinServerUrl: 'http://jellyfin.lan:8096',
    jellyfinApiKey: 'jf-secret-api-key',
    jellyfinUsernames: ['alice'],
    embyServerUrl: 'https://emby.example.net/emby',
    embyApiKey: 'emby-secret-api-key',
    embyUsernames: [],
    dedupeAcrossSources: true,
  });
  expect(patch.status).toBe(200);
  expect(patch.body).toMatchObject({
    jellyfinServerUrl: 'http://jellyfin.lan:8096',
    jellyfinApiKeySet: true,
    jellyfinUsernames: ['alice'],
    embyServerUrl: 'https://emby.example.net/emby',
    embyApiKeySet: true,
    embyUsernames: [],
    dedupeAcrossSources: true,
  });
  expect(JSON.stringify(patch.body)).not.toMatch(/secret-api-key/);
  const cleared = await api('PATCH', `/api/users/${id}/plex-config`, { embyApiKey: null });
  expect(cleared.body).toMatchObject({ embyApiKeySet: false, jellyfinApiKeySet: true });

  for (const bad of [
    { jellyfinServerUrl: 'ftp://jellyfin.lan' },
    { embyUsernames: 'alice' },
    { dedupeAcrossSources: 'yes' },
    { jellyfinApiKey: '' },
  ]) {
    const res = await api('PATCH', `/api/users/${id}/plex-config`, bad);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(new RegExp(Object.keys(bad)[0]!));
  }
});
