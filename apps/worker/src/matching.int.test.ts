// Issue 8 through the real pipeline: Plex server show ids, movies, specials, HAMA, accounts.
import { normalizeTitle } from '@plexhook/core';
import { seedICarly, seedShow } from '../../../test/helpers/factories';
import { type FakeAnswer, type FakePlex, startFakePlex } from '../../../test/helpers/fake-plex-server';
import { type Pipeline, startPipeline } from '../../../test/helpers/pipeline';
import { buildPlexPayload, type PlexPayloadOverrides } from '../../../test/helpers/plex-payload';

let p: Pipeline;
let plex: FakePlex;
let icarly: Awaited<ReturnType<typeof seedICarly>>;

// A short timeout keeps the slow-server test fast; the default is 2 s.
const TIMEOUT_MS = 300;

beforeAll(async () => {
  p = await startPipeline('matching', { PLEX_METADATA_TIMEOUT_MS: String(TIMEOUT_MS) });
  plex = await startFakePlex();
  icarly = await seedICarly(p.db);
  p.startWorker();
});
afterAll(async () => {
  await p.close();
  await plex.close();
});

let nextKey = 70_000;
const keys = () => ({ ratingKey: String(nextKey++), grandparentRatingKey: String(nextKey++) });

async function userWithServer(name: string, extra: Record<string, unknown> = {}) {
  const user = await p.createUser(name);
  await p.db.plexConfig.update({
    where: { userId: user.id },
    data: { plexServerUrl: plex.url, plexToken: plex.token, ...extra },
  });
  return user;
}

const send = async (user: { secret: string }, overrides: PlexPayloadOverrides) =>
  p.logOf(await p.send(buildPlexPayload(overrides), user.secret));

describe('show ids from the Plex server', () => {
  test('new-agent iCarly episode + server answering tmdb://119243: mapped by tmdb_id, no conflict, marked', async () => {
    const user = await userWithServer('plex-ok');
    const k = keys();
    plex.answers.set(k.grandparentRatingKey, {
      kind: 'show',
      title: 'iCarly',
      year: 2021,
      guids: ['imdb://tt10905784', 'tmdb://119243', 'tvdb://396101'],
    });
    const log = await send(user, { Metadata: k });
    expect(log).toMatchObject({ status: 'success', actionTaken: 'episode_marked', conflictId: null });
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
    expect(mapping).toMatchObject({
      tvshowId: icarly.revival.id,
      matchMethod: 'tmdb_id',
      matchConfidence: 1,
    });
    expect(await p.db.plexConflict.count({ where: { userId: user.id } })).toBe(0);
    const watch = await p.db.episodeWatch.findFirstOrThrow({
      where: { webhookLogId: log.id },
      include: { episode: true },
    });
    expect(watch.episode).toMatchObject({ tvshowId: icarly.revival.id, seasonNumber: 1, episodeNumber: 1 });
    const asked = plex.requests.filter((r) => r.path === `/library/metadata/${k.grandparentRatingKey}`);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.headers).toMatchObject({ 'x-plex-token': plex.token, accept: 'application/json' });

    // The mapping exists now: the next episode does not ask the server again.
    await send(user, { Metadata: { ...k, ratingKey: String(nextKey++), index: 2, title: 'iHate Change' } });
    expect(
      plex.requests.filter((r) => r.path === `/library/metadata/${k.grandparentRatingKey}`),
    ).toHaveLength(1);
  });

  test.each([
    ['slow (past the timeout)', { kind: 'slow', delayMs: 3_000 }],
    ['HTTP 500', { kind: 'status', status: 500, body: 'oops' }],
    ['garbage', { kind: 'raw', body: 'definitely { not json' }],
    ['a show without ids', { kind: 'show', title: 'iCarly', guids: [] }],
  ] as [string, FakeAnswer][])(
    'server %s: falls back to title matching, the job does not fail',
    async (_name, answer) => {
      const user = await userWithServer(`plex-${nextKey}`);
      const k = keys();
      plex.answers.set(k.grandparentRatingKey, answer);
      const started = Date.now();
      const log = await send(user, { Metadata: k });
      expect(log).toMatchObject({ status: 'success', actionTaken: 'conflict_created' });
      expect(log.durationMs).toBeLessThan(TIMEOUT_MS + 1_000);
      expect(Date.now() - started).toBeLessThan(5_000);
      const conflict = await p.db.plexConflict.findUniqueOrThrow({ where: { id: log.conflictId as number } });
      expect(conflict).toMatchObject({ conflictType: 'multiple_matches', mediaType: 'show' });
      expect((conflict.potentialMatches as { tvshowId: number }[])[0]?.tvshowId).toBe(icarly.revival.id);
    },
  );

  test("the server's tmdb id is not the catalogue's: a conflict listing the contradiction, never a mapping", async () => {
    const user = await userWithServer('plex-tmdb-differs');
    const k = keys();
    plex.answers.set(k.grandparentRatingKey, {
      kind: 'show',
      title: 'iCarly',
      year: 2021,
      guids: ['tmdb://424242'],
    });
    const log = await send(user, { Metadata: k });
    expect(log).toMatchObject({ status: 'success', actionTaken: 'conflict_created' });
    expect(
      await p.db.plexShowMapping.findFirst({
        where: { userId: user.id, plexRatingKey: k.grandparentRatingKey },
      }),
    ).toBeNull();
    const conflict = await p.db.plexConflict.findUniqueOrThrow({ where: { id: log.conflictId as number } });
    const evidence = (
      conflict.potentialMatches as { evidence: { kind: string; ok: boolean; detail: string }[] }[]
    )
      .flatMap((c) => c.evidence)
      .filter((e) => e.kind === 'external_id');
    expect(evidence.map((e) => [e.ok, e.detail])).toContainEqual([
      false,
      'Plex says tmdb 424242, this show is tmdb 119243',
    ]);
  });

  test("the server's show year alone picks iCarly 2021 over 2007 (its id is of a kind the catalogue lacks)", async () => {
    const user = await userWithServer('plex-year');
    const k = keys();
    plex.answers.set(k.grandparentRatingKey, {
      kind: 'show',
      title: 'iCarly',
      year: 2021,
      guids: ['tvdb://424242'],
    });
    const log = await send(user, { Metadata: k });
    expect(log.actionTaken).toBe('episode_marked');
    expect(
      await p.db.plexShowMapping.findFirstOrThrow({
        where: { userId: user.id, plexRatingKey: k.grandparentRatingKey },
      }),
    ).toMatchObject({ tvshowId: icarly.revival.id, matchMethod: 'title_year' });
  });

  test('no server configured: no request at all', async () => {
    const user = await p.createUser('no-server');
    const before = plex.requests.length;
    const log = await send(user, { Metadata: keys() });
    expect(log.actionTaken).toBe('conflict_created');
    expect(plex.requests.length).toBe(before);
  });
});

test('a localised Plex title finds the show by the original title the server gives', async () => {
  const show = await p.db.tvShow.create({
    data: {
      title: 'Money Heist',
      normalizedTitle: normalizeTitle('Money Heist'),
      originalTitle: 'La casa de papel',
      normalizedOriginalTitle: normalizeTitle('La casa de papel'),
      showStartDate: new Date('2017-05-02'),
      episodes: { create: [{ seasonNumber: 1, episodeNumber: 1, title: 'Efectuar lo acordado' }] },
    },
  });
  const user = await userWithServer('plex-localised');
  const k = keys();
  plex.answers.set(k.grandparentRatingKey, {
    kind: 'show',
    title: 'Haus des Geldes',
    originalTitle: 'La casa de papel',
    year: 2017,
    guids: [],
  });
  const log = await send(user, {
    Metadata: {
      ...k,
      grandparentTitle: 'Haus des Geldes',
      title: 'Folge 1',
      year: 2017,
      originallyAvailableAt: '2017-05-02',
      Guid: [],
    },
  });
  expect(log.actionTaken).toBe('episode_marked');
  expect(
    await p.db.plexShowMapping.findFirstOrThrow({
      where: { userId: user.id, plexRatingKey: k.grandparentRatingKey },
    }),
  ).toMatchObject({ tvshowId: show.id, matchMethod: 'title_year' });
});

test('ids naming two different shows are never guessed between: a conflict with both', async () => {
  const a = await seedShow(p.db, { title: 'Twin Ids', firstAired: '2010-01-01', tmdbId: 880001 });
  const b = await seedShow(p.db, { title: 'Twin Ids', firstAired: '2015-01-01', tvdbId: 880002 });
  const user = await p.createUser('disagree');
  const k = keys();
  const log = await send(user, {
    Metadata: {
      ...k,
      grandparentTitle: 'Twin Ids',
      grandparentGuid: 'com.plexapp.agents.themoviedb://880001?lang=en',
      guid: 'com.plexapp.agents.thetvdb://880002/1/1?lang=en',
      Guid: [],
    },
  });
  expect(log.actionTaken).toBe('conflict_created');
  const conflict = await p.db.plexConflict.findUniqueOrThrow({ where: { id: log.conflictId as number } });
  const ids = (conflict.potentialMatches as { tvshowId: number }[]).map((c) => c.tvshowId).sort();
  expect(ids).toEqual([a.id, b.id].sort());
});

describe('specials and anime', () => {
  test('a special (season 0) by legacy tvdb id marks S00E01', async () => {
    const show = await seedShow(p.db, {
      title: 'Sherlock',
      firstAired: '2010-07-25',
      lastAired: '2017-01-15',
      tvdbId: 176941,
      episodes: [
        [0, 1, 'The Abominable Bride', '2016-01-01'],
        [1, 1, 'A Study in Pink', '2010-07-25'],
      ],
    });
    const user = await p.createUser('specials');
    const log = await send(user, {
      Metadata: {
        ...keys(),
        grandparentTitle: 'Sherlock',
        guid: 'com.plexapp.agents.thetvdb://176941/0/1?lang=en',
        parentIndex: 0,
        index: 1,
        title: 'The Abominable Bride',
        originallyAvailableAt: '2016-01-01',
        Guid: [],
      },
    });
    expect(log.actionTaken).toBe('episode_marked');
    const watch = await p.db.episodeWatch.findFirstOrThrow({
      where: { webhookLogId: log.id },
      include: { episode: true },
    });
    expect(watch.episode).toMatchObject({ tvshowId: show.id, seasonNumber: 0, episodeNumber: 1 });
  });

  test('a special without ids, matched by title although it aired after the run', async () => {
    const show = await seedShow(p.db, {
      title: 'Friends Reunited Test',
      firstAired: '1994-09-22',
      lastAired: '2004-05-06',
      episodes: [[0, 1, 'The Reunion', '2021-05-27']],
    });
    const user = await p.createUser('specials2');
    const log = await send(user, {
      Metadata: {
        ...keys(),
        grandparentTitle: 'Friends Reunited Test',
        parentIndex: 0,
        index: 1,
        title: 'The Reunion',
        year: 2021,
        originallyAvailableAt: '2021-05-27',
        Guid: [],
      },
    });
    expect(log.actionTaken).toBe('episode_marked');
    const watch = await p.db.episodeWatch.findFirstOrThrow({
      where: { webhookLogId: log.id },
      include: { episode: true },
    });
    expect(watch.episode).toMatchObject({ tvshowId: show.id, seasonNumber: 0 });
  });

  test('HAMA tvdb- ids map by tvdb id and mark by season/episode', async () => {
    const show = await seedShow(p.db, {
      title: 'Cowboy Bebop',
      firstAired: '1998-04-03',
      tvdbId: 76885,
      episodes: [[1, 5, 'Ballad of Fallen Angels']],
    });
    const user = await p.createUser('hama');
    const log = await send(user, {
      Metadata: {
        ...keys(),
        grandparentTitle: 'Cowboy Bebop',
        guid: 'com.plexapp.agents.hama://tvdb-76885/1/5?lang=en',
        parentIndex: 1,
        index: 5,
        Guid: [],
      },
    });
    expect(log.actionTaken).toBe('episode_marked');
    expect(
      await p.db.plexShowMapping.findFirstOrThrow({ where: { userId: user.id, tvshowId: show.id } }),
    ).toMatchObject({ matchMethod: 'tvdb_id' });
  });

  test('HAMA absolute numbering (tvdb3-): show mapped, episode honestly not placed', async () => {
    const show = await seedShow(p.db, {
      title: 'One Piece Test',
      firstAired: '1999-10-20',
      tvdbId: 81797,
      episodes: [
        [1, 1, 'I am Luffy!'],
        [2, 1, 'The Town of Whiskey Peak'],
      ],
    });
    const user = await p.createUser('hama-abs');
    const log = await send(user, {
      Metadata: {
        ...keys(),
        grandparentTitle: 'One Piece Test',
        guid: 'com.plexapp.agents.hama://tvdb3-81797/1/1?lang=en',
        parentIndex: 1,
        index: 1,
        Guid: [],
      },
    });
    expect(log).toMatchObject({ status: 'success', actionTaken: 'episode_not_found' });
    expect(log.errorMessage).toMatch(/HAMA tvdb3 numbering/);
    expect(
      await p.db.plexShowMapping.findFirst({ where: { userId: user.id, tvshowId: show.id } }),
    ).not.toBeNull();
    expect(await p.db.episodeWatch.count({ where: { userId: user.id } })).toBe(0);
  });

  test('HAMA anidb- ids (no anidb column) fall back to the title', async () => {
    const show = await seedShow(p.db, {
      title: 'Haibane Renmei',
      firstAired: '2002-10-09',
      episodes: [[1, 1, 'Cocoon Dream', '2002-10-09']],
    });
    const user = await p.createUser('hama-anidb');
    const log = await send(user, {
      Metadata: {
        ...keys(),
        grandparentTitle: 'Haibane Renmei',
        guid: 'com.plexapp.agents.hama://anidb-951/1/1?lang=en',
        title: 'Cocoon Dream',
        year: 2002,
        originallyAvailableAt: '2002-10-09',
        Guid: [],
      },
    });
    // Mapped by title, but AniDB numbering is not placed in a season/episode catalogue.
    expect(log.actionTaken).toBe('episode_not_found');
    expect(await p.db.plexShowMapping.findFirstOrThrow({ where: { userId: user.id } })).toMatchObject({
      tvshowId: show.id,
      matchMethod: 'title_year',
    });
  });
});

describe('multi-user servers', () => {
  test('each allow-listed account is processed; others and @me-only shared plays are ignored', async () => {
    const show = await seedShow(p.db, { title: 'Shared Show', tvdbId: 880100, episodes: [[1, 1, 'One']] });
    const user = await p.createUser('family');
    await p.db.plexConfig.update({ where: { userId: user.id }, data: { plexUsernames: ['@me', 'Kid'] } });
    const metadata = {
      ...keys(),
      grandparentTitle: 'Shared Show',
      guid: 'com.plexapp.agents.thetvdb://880100/1/1',
      Guid: [],
    };
    const own = await send(user, {
      user: true,
      owner: true,
      Account: { id: 1, title: 'renamed' },
      Metadata: metadata,
    });
    const kid = await send(user, {
      user: false,
      owner: true,
      Account: { id: 22, title: 'kid' },
      Metadata: metadata,
    });
    const guest = await send(user, {
      user: false,
      owner: true,
      Account: { id: 23, title: 'guest' },
      Metadata: metadata,
    });
    expect([own.actionTaken, kid.actionTaken, guest.actionTaken]).toEqual([
      'episode_marked',
      'episode_marked',
      'ignored_account',
    ]);
    expect(
      await p.db.episodeWatch.count({ where: { userId: user.id, episode: { tvshowId: show.id } } }),
    ).toBe(2);
  });
});

describe('movies', () => {
  let heat: { id: number };
  let dune1984: { id: number };
  let dune2021: { id: number };
  beforeAll(async () => {
    const movie = (title: string, year: number | null, tmdbId: number | null, imdbId: string | null) =>
      p.db.movie.create({ data: { title, normalizedTitle: normalizeTitle(title), year, tmdbId, imdbId } });
    heat = await movie('Heat', 1995, 949, 'tt0113277');
    dune1984 = await movie('Dune', 1984, 841, 'tt0087182');
    dune2021 = await movie('Dune', 2021, 438631, 'tt1160419');
  });
  const moviePayload = (m: Record<string, unknown>): PlexPayloadOverrides => ({
    Metadata: {
      ratingKey: String(nextKey++),
      type: 'movie',
      librarySectionType: 'movie',
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
      ...m,
    },
  });

  test('new agent: by its own tmdb id, marked atomically with the log row', async () => {
    const user = await p.createUser('movies');
    const payload = moviePayload({
      title: 'Heat',
      year: 1995,
      Guid: [{ id: 'imdb://tt0113277' }, { id: 'tmdb://949' }],
    });
    const log = await send(user, payload);
    expect(log).toMatchObject({ status: 'success', actionTaken: 'movie_marked', plexTitle: 'Heat' });
    const watch = await p.db.movieWatch.findUniqueOrThrow({ where: { webhookLogId: log.id } });
    expect(watch).toMatchObject({
      userId: user.id,
      movieId: heat.id,
      watchedAt: new Date(1624000000 * 1000),
    });
    const ratingKey = (payload.Metadata as { ratingKey: string }).ratingKey;
    expect(
      await p.db.plexMovieMapping.findUniqueOrThrow({
        where: {
          userId_source_serverId_plexRatingKey: {
            userId: user.id,
            source: 'plex',
            serverId: '',
            plexRatingKey: ratingKey,
          },
        },
      }),
    ).toMatchObject({ movieId: heat.id, matchMethod: 'tmdb_id', plexYear: 1995 });
  });

  test('legacy imdb agent: by imdb id', async () => {
    const user = await p.createUser('movies-legacy');
    const log = await send(
      user,
      moviePayload({ title: 'Dune', year: 1984, guid: 'com.plexapp.agents.imdb://tt0087182?lang=en' }),
    );
    expect(log.actionTaken).toBe('movie_marked');
    expect(await p.db.plexMovieMapping.findFirstOrThrow({ where: { userId: user.id } })).toMatchObject({
      movieId: dune1984.id,
      matchMethod: 'imdb_id',
    });
  });

  test('no ids: a remake is picked by its year (title_year)', async () => {
    const user = await p.createUser('movies-title');
    const log = await send(user, moviePayload({ title: 'Dune', year: 2021 }));
    expect(log.actionTaken).toBe('movie_marked');
    expect(await p.db.plexMovieMapping.findFirstOrThrow({ where: { userId: user.id } })).toMatchObject({
      movieId: dune2021.id,
      matchMethod: 'title_year',
    });
  });

  test('no ids, no year: a movie conflict; the next scrobble of it is held', async () => {
    const user = await p.createUser('movies-conflict');
    const payload = moviePayload({ title: 'Dune', year: undefined });
    const log = await send(user, payload);
    expect(log.actionTaken).toBe('conflict_created');
    const conflict = await p.db.plexConflict.findUniqueOrThrow({ where: { id: log.conflictId as number } });
    expect(conflict).toMatchObject({
      mediaType: 'movie',
      conflictType: 'multiple_matches',
      resolved: false,
      plexTitle: 'Dune',
    });
    const candidates = conflict.potentialMatches as { movieId: number; year: number }[];
    expect(candidates.map((c) => c.movieId).sort()).toEqual([dune1984.id, dune2021.id].sort());
    const again = await send(user, {
      ...payload,
      event: 'media.scrobble',
      Account: { id: 2, title: 'other' },
    });
    expect(again).toMatchObject({ actionTaken: 'conflict_pending', conflictId: conflict.id });
    expect(await p.db.movieWatch.count({ where: { userId: user.id } })).toBe(0);
  });

  test('an ignored movie mapping skips its scrobbles', async () => {
    const user = await p.createUser('movies-ignored');
    const payload = moviePayload({ title: 'Heat', year: 1995 });
    await p.db.plexMovieMapping.create({
      data: {
        userId: user.id,
        plexRatingKey: (payload.Metadata as { ratingKey: string }).ratingKey,
        plexTitle: 'Heat',
        movieId: null,
        matchMethod: 'manual',
        matchConfidence: 1,
        syncEnabled: false,
      },
    });
    expect(await send(user, payload)).toMatchObject({ status: 'ignored', actionTaken: 'ignored_show' });
  });
});
