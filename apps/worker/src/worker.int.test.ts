import { createWorkerStore } from '@plexhook/db';
import { enqueueWebhook } from '@plexhook/queue';
import { Client } from 'pg';
import pino from 'pino';
import { seedICarly, seedShow } from '../../../test/helpers/factories';
import { type Pipeline, startPipeline } from '../../../test/helpers/pipeline';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { waitFor } from '../../../test/helpers/wait';
import { processPlexEvent } from './processors/plex-event.processor';

let p: Pipeline;
let user: { id: number; secret: string };
let icarly: Awaited<ReturnType<typeof seedICarly>>;

beforeAll(async () => {
  p = await startPipeline('worker');
  user = await p.createUser('alice');
  icarly = await seedICarly(p.db);
  p.startWorker();
});
afterAll(() => p.close());

// Each test scrobbles its own Plex items, so the dedupe window never links two tests.
let nextKey = 5000;
const keys = () => ({ ratingKey: String(nextKey++), grandparentRatingKey: String(nextKey++) });

describe('the reference scenario', () => {
  test('iCarly S01E01: conflict with both shows, resolved to 2021, then marked', async () => {
    const k = keys();
    const payload = buildPlexPayload({ Metadata: k });
    const jobId = await p.send(payload, user.secret);

    const log = await p.logOf(jobId);
    expect(log).toMatchObject({
      status: 'success',
      actionTaken: 'conflict_created',
      plexRatingKey: k.grandparentRatingKey,
    });
    const conflict = await p.db.plexConflict.findUniqueOrThrow({ where: { id: log.conflictId as number } });
    expect(conflict).toMatchObject({
      conflictType: 'multiple_matches',
      resolved: false,
      plexTitle: 'iCarly',
    });
    const candidates = conflict.potentialMatches as { tvshowId: number; year: number; evidence: unknown[] }[];
    expect(candidates.map((c) => c.tvshowId)).toEqual([icarly.revival.id, icarly.old.id]);
    expect(candidates.map((c) => c.year)).toEqual([2021, 2007]);
    expect(candidates[0]?.evidence.length).toBeGreaterThan(0);
    expect(await p.db.episodeWatch.count({ where: { userId: user.id } })).toBe(0);

    // A second scrobble of the show while unresolved is held on the same conflict.
    const held = await p.send(
      buildPlexPayload({ Metadata: { ...k, ratingKey: String(nextKey++), index: 2, title: 'iHate Change' } }),
      user.secret,
    );
    expect(await p.logOf(held)).toMatchObject({ actionTaken: 'conflict_pending', conflictId: conflict.id });

    // The person picks 2021 (through the db layer here; the dashboard test does it over HTTP).
    await p.db.$transaction([
      p.db.plexConflict.update({
        where: { id: conflict.id },
        data: {
          resolved: true,
          resolutionAction: 'user_selected',
          resolvedTvshowId: icarly.revival.id,
          resolvedAt: new Date(),
        },
      }),
      p.db.plexShowMapping.create({
        data: {
          userId: user.id,
          plexRatingKey: k.grandparentRatingKey,
          plexTitle: 'iCarly',
          tvshowId: icarly.revival.id,
          matchMethod: 'manual',
          matchConfidence: 1,
        },
      }),
    ]);
    // Replaying the held scrobble marks S01E01 without Plex sending it again.
    await enqueueWebhook(p.q.queue, `replay-${log.id}`, {
      userId: user.id,
      receivedAt: log.receivedAt.toISOString(),
      payload: log.payload as Record<string, unknown>,
      replayOfLogId: log.id,
    });
    const replayed = await p.logOf(`replay-${log.id}`);
    expect(replayed).toMatchObject({ status: 'success', actionTaken: 'episode_marked' });
    const watch = await p.db.episodeWatch.findFirstOrThrow({
      where: { userId: user.id, webhookLogId: replayed.id },
      include: { episode: true },
    });
    expect(watch.episode).toMatchObject({
      tvshowId: icarly.revival.id,
      seasonNumber: 1,
      episodeNumber: 1,
      title: 'iStart Over',
    });
    expect(watch.watchedAt).toEqual(new Date(1624000000 * 1000)); // Plex's lastViewedAt
  });
});

test('a legacy thetvdb guid maps by tvdb id and marks the episode in one webhook', async () => {
  const show = await seedShow(p.db, {
    title: 'Breaking Bad',
    firstAired: '2008-01-20',
    tvdbId: 81189,
    episodes: [[1, 1, 'Pilot']],
  });
  const k = keys();
  const jobId = await p.send(
    buildPlexPayload({
      Metadata: {
        ...k,
        guid: 'com.plexapp.agents.thetvdb://81189/1/1?lang=en',
        grandparentGuid: 'com.plexapp.agents.thetvdb://81189?lang=en',
        grandparentTitle: 'Breaking Bad',
        title: 'Pilot',
        year: 2008,
        originallyAvailableAt: '2008-01-20',
        Guid: undefined,
      },
    }),
    user.secret,
  );
  expect(await p.logOf(jobId)).toMatchObject({ status: 'success', actionTaken: 'episode_marked' });
  const mapping = await p.db.plexShowMapping.findUniqueOrThrow({
    where: {
      userId_source_serverId_plexRatingKey: {
        userId: user.id,
        source: 'plex',
        serverId: '',
        plexRatingKey: k.grandparentRatingKey,
      },
    },
  });
  expect(mapping).toMatchObject({ tvshowId: show.id, matchMethod: 'tvdb_id', matchConfidence: 1 });
});

test("a new-agent episode's own TMDB id is never taken for a show id", async () => {
  // Another show happens to have TMDB id 3053218, the id of the iCarly episode in Guid[].
  const decoy = await seedShow(p.db, { title: 'Decoy Show', tmdbId: 3053218 });
  const k = keys();
  const jobId = await p.send(buildPlexPayload({ Metadata: k }), user.secret);
  const log = await p.logOf(jobId);
  expect(log.actionTaken).toBe('conflict_created');
  const mapping = await p.db.plexShowMapping.findFirst({ where: { tvshowId: decoy.id } });
  expect(mapping).toBeNull();
  expect(await p.db.episodeWatch.count({ where: { episode: { tvshowId: decoy.id } } })).toBe(0);
});

test('a unique title with matching year maps by title_year', async () => {
  const show = await seedShow(p.db, {
    title: 'Severance',
    firstAired: '2022-02-18',
    episodes: [[1, 1, 'Good News About Hell', '2022-02-18']],
  });
  const k = keys();
  const jobId = await p.send(
    buildPlexPayload({
      Metadata: {
        ...k,
        grandparentTitle: 'Severance',
        title: 'Good News About Hell',
        year: 2022,
        originallyAvailableAt: '2022-02-18',
        Guid: [],
      },
    }),
    user.secret,
  );
  expect(await p.logOf(jobId)).toMatchObject({ actionTaken: 'episode_marked' });
  const mapping = await p.db.plexShowMapping.findFirstOrThrow({
    where: { plexRatingKey: k.grandparentRatingKey },
  });
  expect(mapping).toMatchObject({ tvshowId: show.id, matchMethod: 'title_year' });
  expect(mapping.matchConfidence).toBeGreaterThanOrEqual(0.85);
});

test('an unknown show opens a no_match conflict; a missing episode is logged, not a crash', async () => {
  const k = keys();
  const jobId = await p.send(
    buildPlexPayload({ Metadata: { ...k, grandparentTitle: 'Some Show Nobody Has', Guid: [] } }),
    user.secret,
  );
  const log = await p.logOf(jobId);
  expect(log.actionTaken).toBe('conflict_created');
  expect(await p.db.plexConflict.findUnique({ where: { id: log.conflictId as number } })).toMatchObject({
    conflictType: 'no_match',
  });

  await seedShow(p.db, {
    title: 'Andor',
    firstAired: '2022-09-21',
    tmdbId: 83867,
    episodes: [[1, 1, 'Kassa']],
  });
  const k2 = keys();
  const missing = await p.send(
    buildPlexPayload({
      Metadata: {
        ...k2,
        grandparentTitle: 'Andor',
        grandparentGuid: 'com.plexapp.agents.themoviedb://83867?lang=en',
        parentIndex: 2,
        index: 9,
        Guid: [],
      },
    }),
    user.secret,
  );
  const row = await p.logOf(missing);
  expect(row).toMatchObject({ status: 'success', actionTaken: 'episode_not_found' });
  expect(row.errorMessage).toMatch(/S02E09 of "Andor" is not in the catalogue/);
});

describe('every webhook gets its log row', () => {
  test.each([
    // media.play/pause/resume/stop update playback now (issue 18: playback.int.test.ts).
    [
      'media.play of live TV',
      { event: 'media.play', Metadata: { librarySectionType: 'livetv', live: 1 } },
      'ignored_event',
    ],
    ['a media.* event that is no playback state', { event: 'media.something' }, 'ignored_event'],
    ['library.new', { event: 'library.new' }, 'ignored_event'],
    [
      'admin.database.backup',
      { event: 'admin.database.backup', Metadata: null, Account: null },
      'ignored_event',
    ],
    ['a trailer', { Metadata: { type: 'clip', subtype: 'trailer' } }, 'ignored_event'],
    ['live TV', { Metadata: { librarySectionType: 'livetv', live: 1 } }, 'ignored_event'],
    ['a music track', { Metadata: { type: 'track', librarySectionType: 'artist' } }, 'ignored_event'],
  ] as const)('%s -> ignored', async (_name, overrides, action) => {
    const jobId = await p.send(
      buildPlexPayload(overrides as Parameters<typeof buildPlexPayload>[0]),
      user.secret,
    );
    const log = await p.logOf(jobId);
    expect(log).toMatchObject({ status: 'ignored', actionTaken: action });
    expect(log.errorMessage).toBeTruthy();
  });

  test('disabled config -> ignored_disabled; account outside the allow-list -> ignored_account', async () => {
    const other = await p.createUser('bob');
    await p.db.plexConfig.update({ where: { userId: other.id }, data: { enabled: false } });
    expect(await p.logOf(await p.send(buildPlexPayload({ Metadata: keys() }), other.secret))).toMatchObject({
      status: 'ignored',
      actionTaken: 'ignored_disabled',
    });
    await p.db.plexConfig.update({
      where: { userId: other.id },
      data: { enabled: true, plexUsernames: ['bob'] },
    });
    const log = await p.logOf(
      await p.send(buildPlexPayload({ Metadata: keys(), Account: { id: 7, title: 'guest' } }), other.secret),
    );
    expect(log).toMatchObject({ status: 'ignored', actionTaken: 'ignored_account' });
  });

  test('wrong types in the payload -> failed with a readable message, not retried', async () => {
    const jobId = await p.send(
      buildPlexPayload({ Metadata: { index: 'abc' as unknown as number } }),
      user.secret,
    );
    const log = await p.logOf(jobId);
    expect(log).toMatchObject({ status: 'failed', actionTaken: null });
    expect(log.errorMessage).toMatch(/Metadata\.index: expected number, got "abc"/);
    const job = await p.q.queue.getJob(jobId);
    expect(job?.attemptsMade).toBeLessThanOrEqual(1);
  });
});

test('processing the same job twice logs once and marks once', async () => {
  const show = await seedShow(p.db, { title: 'Twice Show', tvdbId: 999001, episodes: [[1, 1, 'One']] });
  const k = keys();
  const payload = buildPlexPayload({
    Metadata: {
      ...k,
      grandparentTitle: 'Twice Show',
      guid: 'com.plexapp.agents.thetvdb://999001/1/1',
      Guid: [],
    },
  });
  const jobId = await p.send(payload, user.secret);
  const first = await p.logOf(jobId);
  const job = await p.q.queue.getJob(jobId);
  // Run the processor again on the same job, as after a crash between commit and ack.
  const again = await processPlexEvent(
    {
      db: p.db,
      store: createWorkerStore(p.db),
      redis: p.q.redis,
      logger: pino({ level: 'silent' }),
      config: p.workerConfig,
    },
    job!,
  );
  expect(again.logId).toBe(first.id);
  expect(await p.db.plexWebhookLog.count({ where: { jobId } })).toBe(1);
  expect(await p.db.episodeWatch.count({ where: { episode: { tvshowId: show.id } } })).toBe(1);
});

test('two runs of the same job at once (a stalled job taken over): one log row, one watch', async () => {
  const show = await seedShow(p.db, {
    title: 'Race Show',
    tvdbId: 999002,
    episodes: [
      [1, 1, 'One'],
      [1, 2, 'Two'],
    ],
  });
  const k = keys();
  const meta = { grandparentTitle: 'Race Show', guid: 'com.plexapp.agents.thetvdb://999002/1/1', Guid: [] };
  // Map the show first, so the runs below take the hot path (one read, one insert statement).
  const mapped = await p.logOf(await p.send(buildPlexPayload({ Metadata: { ...k, ...meta } }), user.secret));
  expect(mapped.actionTaken).toBe('episode_marked');

  // A job that never went through the queue: neither run finds a log row when it starts, both
  // own the dedupe claim (it holds their shared job id), so the insert's ON CONFLICT decides.
  const jobId = `race-${nextKey}`;
  const job = {
    id: jobId,
    timestamp: Date.now(),
    attemptsMade: 0,
    opts: { attempts: 9 },
    data: {
      userId: user.id,
      receivedAt: new Date().toISOString(),
      payload: buildPlexPayload({
        Metadata: { ...k, ...meta, ratingKey: String(nextKey++), index: 2, title: 'Two' },
      }),
    },
  } as unknown as Parameters<typeof processPlexEvent>[1];
  const deps = {
    db: p.db,
    store: createWorkerStore(p.db),
    redis: p.q.redis,
    logger: pino({ level: 'silent' }),
    config: p.workerConfig,
  };
  const [a, b] = await Promise.all([processPlexEvent(deps, job), processPlexEvent(deps, job)]);
  expect(a.logId).toBe(b.logId);
  expect(a).toMatchObject({ status: 'success', action: 'episode_marked' });
  expect(b).toMatchObject({ status: 'success', action: 'episode_marked' });
  expect(await p.db.plexWebhookLog.count({ where: { jobId } })).toBe(1);
  expect(await p.db.episodeWatch.count({ where: { episode: { tvshowId: show.id, episodeNumber: 2 } } })).toBe(
    1,
  );
  expect(await p.db.episodeWatch.findFirst({ where: { webhookLogId: a.logId } })).not.toBeNull();
});

test('auto_resolve with decisive evidence resolves the iCarly conflict by itself', async () => {
  const auto = await p.createUser('carol');
  await p.db.plexConfig.update({ where: { userId: auto.id }, data: { autoResolve: true } });
  const k = keys();
  const log = await p.logOf(await p.send(buildPlexPayload({ Metadata: k }), auto.secret));
  expect(log).toMatchObject({ status: 'success', actionTaken: 'episode_marked' });
  const conflict = await p.db.plexConflict.findUniqueOrThrow({ where: { id: log.conflictId as number } });
  expect(conflict).toMatchObject({
    resolved: true,
    resolutionAction: 'auto_resolved',
    resolvedTvshowId: icarly.revival.id,
  });
  await waitFor(() =>
    p.db.episodeWatch.findFirst({
      where: { userId: auto.id, episode: { tvshowId: icarly.revival.id, episodeNumber: 1 } },
    }),
  );
});

test('a conflict resolved while a scrobble is being held on it: the scrobble is marked, not stranded', async () => {
  const k = keys();
  const first = await p.logOf(await p.send(buildPlexPayload({ Metadata: k }), user.secret));
  expect(first.actionTaken).toBe('conflict_created');
  const conflictId = first.conflictId as number;

  // A resolving transaction holds the conflict row while the next scrobble arrives.
  const resolver = new Client({ connectionString: p.t.url });
  await resolver.connect();
  try {
    await resolver.query('BEGIN');
    await resolver.query('SELECT id FROM plex_conflicts WHERE id = $1 FOR UPDATE', [conflictId]);
    const second = await p.send(
      buildPlexPayload({ Metadata: { ...k, ratingKey: String(nextKey++), index: 2, title: 'iHate Change' } }),
      user.secret,
    );
    // Give the worker time to reach the lock (it cannot finish while we hold it).
    await new Promise((r) => setTimeout(r, 300));
    expect(await p.db.plexWebhookLog.findFirst({ where: { jobId: second } })).toBeNull();
    await resolver.query(
      `UPDATE plex_conflicts SET resolved = true, resolution_action = 'user_selected', resolved_tvshow_id = $2, resolved_at = now() WHERE id = $1`,
      [conflictId, icarly.revival.id],
    );
    await resolver.query(
      `INSERT INTO plex_show_mappings (user_id, plex_rating_key, plex_title, tvshow_id, match_method, match_confidence, updated_at)
       VALUES ($1, $2, 'iCarly', $3, 'manual', 1, now())`,
      [user.id, k.grandparentRatingKey, icarly.revival.id],
    );
    await resolver.query('COMMIT');
    const log = await p.logOf(second);
    expect(log).toMatchObject({ status: 'success', actionTaken: 'episode_marked' });
  } finally {
    await resolver.end();
  }
});
