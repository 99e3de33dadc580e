// The reference scenario through public surfaces only: CLI demo:seed -> Plex-style multipart
// webhook to the real ingest app -> worker -> dashboard API resolves the conflict -> the held
// scrobble is replayed and marked -> the next episode is marked at once.
import { listenDashboard, runCli, webhookUrlIn } from '../../../test/helpers/dashboard';
import type { Listening } from '../../../test/helpers/http';
import { type Pipeline, startPipeline } from '../../../test/helpers/pipeline';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { TEST_REDIS_URL } from '../../../test/helpers/redis';
import { waitFor } from '../../../test/helpers/wait';

jest.setTimeout(120_000);

const TOKEN = 'reference-admin-token-0123456789';
let p: Pipeline;
let dashboard: Listening;

beforeAll(async () => {
  p = await startPipeline('dashref');
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

test('iCarly S01E01 -> conflict -> resolved to 2021 over the API -> replayed and marked; S01E02 marked at once', async () => {
  const seed = await runCli(['demo:seed'], {
    DATABASE_URL: p.t.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: p.q.prefix,
    PUBLIC_WEBHOOK_URL: p.ingest.url,
  });
  expect(seed.stderr).toBe('');
  expect(seed.code).toBe(0);
  const url = webhookUrlIn(seed.stdout);
  const secret = url.searchParams.get('secret')!;
  const demo = await p.db.user.findFirstOrThrow({ where: { name: 'demo' } });
  const [icarly2007, icarly2021] = await Promise.all([
    p.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 5371 } }),
    p.db.tvShow.findUniqueOrThrow({ where: { tmdbId: 119243 }, include: { episodes: true } }),
  ]);
  const episode = (n: number) =>
    icarly2021.episodes.find((e) => e.seasonNumber === 1 && e.episodeNumber === n)!;
  p.startWorker();

  // Plex posts the S01E01 scrobble (multipart, like Plex) to the URL the CLI printed.
  const firstJob = await p.send(buildPlexPayload(), secret);
  const firstLog = await p.logOf(firstJob);
  expect(firstLog).toMatchObject({ userId: demo.id, actionTaken: 'conflict_created' });

  const open = await api('GET', '/api/conflicts?resolved=false');
  expect(open.status).toBe(200);
  expect(open.body.items).toHaveLength(1);
  const conflict = open.body.items![0] as {
    id: number;
    heldWebhooks: number;
    conflictType: string;
    potentialMatches: { tvshowId: number; year: number }[];
  };
  expect(conflict).toMatchObject({ conflictType: 'multiple_matches', heldWebhooks: 1 });
  expect(conflict.potentialMatches.map((m) => m.tvshowId).sort()).toEqual(
    [icarly2007.id, icarly2021.id].sort(),
  );
  expect(await p.db.episodeWatch.count({ where: { userId: demo.id } })).toBe(0);

  const resolved = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
    action: 'user_selected',
    tvshowId: icarly2021.id,
  });
  expect(resolved.status).toBe(200);
  expect(resolved.body.replayed).toBe(1);

  // The held scrobble is replayed: S01E01 is watched without Plex sending anything again.
  const watch1 = await waitFor(() =>
    p.db.episodeWatch.findFirst({ where: { userId: demo.id, episodeId: episode(1).id } }),
  );
  expect(watch1.source).toBe('plex_webhook');
  expect(await p.db.plexWebhookLog.findFirstOrThrow({ where: { id: firstLog.id } })).toMatchObject({
    actionTaken: 'replayed',
  });
  expect(await p.logOf(`replay-${firstLog.id}`)).toMatchObject({ actionTaken: 'episode_marked' });

  // A later episode goes straight through the new mapping.
  const secondJob = await p.send(
    buildPlexPayload({ Metadata: { ratingKey: '1002', index: 2, title: 'iHate Change' } }),
    secret,
  );
  expect(await p.logOf(secondJob)).toMatchObject({ actionTaken: 'episode_marked', status: 'success' });
  await waitFor(() => p.db.episodeWatch.findFirst({ where: { userId: demo.id, episodeId: episode(2).id } }));
  expect((await api('GET', '/api/conflicts?resolved=false')).body.items).toHaveLength(0);
  const stats = await api('GET', '/api/stats');
  expect(stats.body.unresolvedConflicts).toBe(0);
});

test('movie: "The Thing" without ids or year -> movie conflict -> resolved to 2011 over the API -> replayed and marked', async () => {
  const imported = await api('POST', '/api/catalog/import', {
    movies: [
      { title: 'The Thing', year: 1982, tmdbId: 1091, imdbId: 'tt0084787' },
      { title: 'The Thing', year: 2011, tmdbId: 60935, imdbId: 'tt0905372' },
    ],
  });
  expect(imported.status).toBe(200);
  const [thing1982, thing2011] = await Promise.all([
    p.db.movie.findUniqueOrThrow({ where: { tmdbId: 1091 } }),
    p.db.movie.findUniqueOrThrow({ where: { tmdbId: 60935 } }),
  ]);
  const user = await p.createUser('movie-fan');
  p.worker ?? p.startWorker();

  // A Plex movie with no external ids and no year: two catalogue movies fit equally well.
  const movie = (ratingKey: string) =>
    buildPlexPayload({
      Metadata: {
        ratingKey,
        key: `/library/metadata/${ratingKey}`,
        type: 'movie',
        librarySectionType: 'movie',
        title: 'The Thing',
        guid: 'plex://movie/5d776826880197001ec96fd6',
        year: undefined,
        originallyAvailableAt: undefined,
        grandparentRatingKey: undefined,
        parentRatingKey: undefined,
        grandparentTitle: undefined,
        parentTitle: undefined,
        grandparentGuid: undefined,
        parentGuid: undefined,
        index: undefined,
        parentIndex: undefined,
        Guid: [],
      },
    });
  const firstLog = await p.logOf(await p.send(movie('7001'), user.secret));
  expect(firstLog).toMatchObject({ userId: user.id, actionTaken: 'conflict_created', plexRatingKey: '7001' });

  const open = await api('GET', `/api/conflicts?resolved=false&mediaType=movie&userId=${user.id}`);
  expect(open.body.items).toHaveLength(1);
  const conflict = open.body.items![0] as {
    id: number;
    mediaType: string;
    heldWebhooks: number;
    potentialMatches: { movieId: number }[];
  };
  expect(conflict).toMatchObject({ id: firstLog.conflictId, mediaType: 'movie', heldWebhooks: 1 });
  expect(conflict.potentialMatches.map((m) => m.movieId).sort()).toEqual([thing1982.id, thing2011.id].sort());

  // A show id on a movie conflict is refused and changes nothing.
  const wrong = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
    action: 'selected',
    tvshowId: 1,
  });
  expect(wrong.status).toBe(400);
  expect(wrong.body.error).toMatch(/is about a movie/);

  const resolved = await api('POST', `/api/conflicts/${conflict.id}/resolve`, {
    action: 'selected',
    movieId: thing2011.id,
  });
  expect(resolved.status).toBe(200);
  expect(resolved.body).toMatchObject({
    replayed: 1,
    conflict: { resolvedMovieId: thing2011.id, heldWebhooks: 0 },
    mapping: { mediaType: 'movie', movieId: thing2011.id },
  });

  // The held scrobble is replayed through the worker and the new movie mapping.
  const replayLog = await p.logOf(`replay-${firstLog.id}`);
  expect(replayLog).toMatchObject({ status: 'success', actionTaken: 'movie_marked', conflictId: null });
  const watch = await waitFor(() => p.db.movieWatch.findFirst({ where: { userId: user.id } }));
  expect(watch).toMatchObject({ movieId: thing2011.id, webhookLogId: replayLog.id, source: 'plex_webhook' });
  expect(await p.db.plexWebhookLog.findFirstOrThrow({ where: { id: firstLog.id } })).toMatchObject({
    actionTaken: 'replayed',
  });

  // The next scrobble of that Plex movie goes straight through the mapping.
  const again = await p.logOf(
    await p.send({ ...movie('7001'), Account: { id: 2, title: 'other' } }, user.secret),
  );
  expect(again).toMatchObject({ actionTaken: 'movie_marked' });
  expect(await p.db.movieWatch.count({ where: { userId: user.id, movieId: thing2011.id } })).toBe(2);

  const mappings = await api('GET', `/api/mappings?userId=${user.id}`);
  expect(mappings.body.items).toEqual([
    expect.objectContaining({
      mediaType: 'movie',
      plexRatingKey: '7001',
      movieId: thing2011.id,
      matchMethod: 'manual',
      movie: { id: thing2011.id, title: 'The Thing', year: 2011 },
    }),
  ]);
});
