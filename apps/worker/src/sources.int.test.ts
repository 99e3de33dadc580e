// Issue 16 through the real pipeline (ingest HTTP -> BullMQ -> worker -> PostgreSQL) for Jellyfin
// (the plugin's Generic destination, JSON as text/plain) and Emby (multipart `data`): plays,
// manual marks, progress, ratings, an episode whose provider id is another show's, series found
// by a lookup on the user's server, mappings per source and server, cross-source dedupe, the
// per-source allow-list, and malformed or foreign payloads (4xx, never 500).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listPlayback, listRatings } from '@plexhook/db';
import { seedShow } from '../../../test/helpers/factories';
import { type FakeMediaServer, startFakeMediaServer } from '../../../test/helpers/fake-media-server';
import { type Pipeline, startPipeline } from '../../../test/helpers/pipeline';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';

jest.setTimeout(60_000);

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures');
const fixture = (path: string) =>
  JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as Record<string, unknown>;

let p: Pipeline;
let jellyfin: FakeMediaServer;
let emby: FakeMediaServer;

beforeAll(async () => {
  // A short lookup timeout: the slow-server test waits for it.
  p = await startPipeline('sources', { PLEX_METADATA_TIMEOUT_MS: '300' });
  [jellyfin, emby] = await Promise.all([startFakeMediaServer('jellyfin'), startFakeMediaServer('emby')]);
  p.startWorker();
});
afterAll(async () => {
  await Promise.all([jellyfin?.close(), emby?.close()]);
  await p?.close();
});

type Answer = { status: number; body: { id?: string; error?: string; status?: string } };

async function post(path: string, secret: string, body: string | FormData, type?: string): Promise<Answer> {
  const res = await fetch(`${p.ingest.url}${path}?secret=${encodeURIComponent(secret)}`, {
    method: 'POST',
    body,
    headers: type ? { 'content-type': type } : {},
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

/** As the plugin sends it by default: the JSON as text/plain. */
const postJellyfin = (secret: string, payload: unknown, type = 'text/plain; charset=utf-8') =>
  post(
    '/api/jellyfin/webhook',
    secret,
    typeof payload === 'string' ? payload : JSON.stringify(payload),
    type,
  );

/** As Emby sends it: multipart with the JSON in a `data` field. */
function postEmby(secret: string, payload: unknown) {
  const form = new FormData();
  form.set('data', typeof payload === 'string' ? payload : JSON.stringify(payload));
  return post('/api/emby/webhook', secret, form);
}

async function logOf(answer: Answer) {
  if (answer.status !== 200 || !answer.body.id)
    throw new Error(`ingest answered ${answer.status}: ${answer.body.error}`);
  return p.logOf(answer.body.id);
}

const JF_SERVER = '8f3c2a1be4d94b7f9a6c5d0e1f2a3b4c';
const EMBY_SERVER = 'f40a5bd0c6b64051bdbed00580fa1118';

type EpisodeSpec = {
  seriesId: string;
  series: string;
  season: number;
  episode: number;
  title: string;
  premiere?: string;
  /** The EPISODE's own provider ids, as both servers send them. */
  tmdb?: string;
  tvdb?: string;
  seriesYear?: number;
};
type MovieSpec = { id: string; title: string; year?: number; tmdb?: string; imdb?: string };

/** What differs between the two servers' webhooks, behind one shape the tests share. */
type Driver = {
  source: 'jellyfin' | 'emby';
  serverId: string;
  watchSource: 'jellyfin_webhook' | 'emby_webhook';
  server: () => FakeMediaServer;
  send(secret: string, payload: unknown): Promise<Answer>;
  episodePlay(e: EpisodeSpec, account?: string): unknown;
  episodeMark(e: EpisodeSpec): unknown;
  episodeUnmark(e: EpisodeSpec): unknown;
  episodeProgress(e: EpisodeSpec, positionMin: number): unknown;
  moviePlay(m: MovieSpec): unknown;
  movieRating(m: MovieSpec, rating: number): unknown;
  configure(userId: number, server: FakeMediaServer | null): Promise<unknown>;
};

const jfEpisode = (e: EpisodeSpec, overrides: Record<string, unknown> = {}) => ({
  ...fixture('jellyfin/episode-playback-stop.json'),
  ItemId: `${e.seriesId.slice(0, 24)}e${String(e.season).padStart(3, '0')}${String(e.episode).padStart(4, '0')}`,
  Name: e.title,
  SeriesName: e.series,
  SeriesId: e.seriesId,
  SeasonNumber: e.season,
  EpisodeNumber: e.episode,
  PremiereDate: e.premiere,
  Year: e.seriesYear,
  Provider_tmdb: e.tmdb,
  Provider_tvdb: e.tvdb,
  Provider_imdb: undefined,
  ...overrides,
});
const jfMovie = (m: MovieSpec, overrides: Record<string, unknown> = {}) => ({
  ...fixture('jellyfin/movie-playback-stop.json'),
  ItemId: m.id,
  Name: m.title,
  Year: m.year,
  PremiereDate: undefined,
  Provider_tmdb: m.tmdb,
  Provider_imdb: m.imdb,
  ...overrides,
});

const embyEpisode = (
  e: EpisodeSpec,
  overrides: Record<string, unknown> = {},
  item: Record<string, unknown> = {},
) => {
  const base = fixture('emby/episode-playback-start.json');
  return {
    ...base,
    Event: 'playback.stop',
    Date: new Date().toISOString(),
    Item: {
      ...(base.Item as object),
      Id: `${e.seriesId}${e.season}${String(e.episode).padStart(3, '0')}`,
      Name: e.title,
      SeriesName: e.series,
      SeriesId: e.seriesId,
      ParentIndexNumber: e.season,
      IndexNumber: e.episode,
      PremiereDate: e.premiere ? `${e.premiere}T00:00:00.0000000Z` : undefined,
      ProductionYear: e.premiere ? Number(e.premiere.slice(0, 4)) : undefined,
      ProviderIds: { ...(e.tmdb ? { Tmdb: e.tmdb } : {}), ...(e.tvdb ? { Tvdb: e.tvdb } : {}) },
      ...item,
    },
    PlaybackInfo: { PlayedToCompletion: true, PositionTicks: 28_000_000_000 },
    ...overrides,
  };
};
const embyMovie = (
  m: MovieSpec,
  overrides: Record<string, unknown> = {},
  item: Record<string, unknown> = {},
) => {
  const base = fixture('emby/movie-playback-stop.json');
  return {
    ...base,
    Date: new Date().toISOString(),
    Item: {
      ...(base.Item as object),
      Id: m.id,
      Name: m.title,
      OriginalTitle: undefined,
      PremiereDate: undefined,
      ProductionYear: m.year,
      ProviderIds: { ...(m.tmdb ? { Tmdb: m.tmdb } : {}), ...(m.imdb ? { Imdb: m.imdb } : {}) },
      ...item,
    },
    PlaybackInfo: { PlayedToCompletion: true, PositionTicks: 80_000_000_000 },
    ...overrides,
  };
};

const DRIVERS: Driver[] = [
  {
    source: 'jellyfin',
    serverId: JF_SERVER,
    watchSource: 'jellyfin_webhook',
    server: () => jellyfin,
    send: postJellyfin,
    episodePlay: (e, account = 'alice') =>
      jfEpisode(e, { NotificationUsername: account, UtcTimestamp: new Date().toISOString() }),
    // A client's played tick: UserDataSaved with SaveReason TogglePlayed (a template's text values).
    episodeMark: (e) =>
      jfEpisode(e, {
        NotificationType: 'UserDataSaved',
        SaveReason: 'TogglePlayed',
        Played: 'True',
        PlayedToCompletion: '',
        LastPlayedDate: new Date().toISOString(),
      }),
    episodeUnmark: (e) =>
      jfEpisode(e, {
        NotificationType: 'UserDataSaved',
        SaveReason: 'TogglePlayed',
        Played: false,
        PlayedToCompletion: undefined,
      }),
    episodeProgress: (e, min) =>
      jfEpisode(e, {
        NotificationType: 'PlaybackProgress',
        PlayedToCompletion: undefined,
        IsPaused: true,
        PlaybackPositionTicks: min * 60 * 10_000_000,
        RunTimeTicks: 50 * 60 * 10_000_000,
      }),
    moviePlay: (m) => jfMovie(m, { UtcTimestamp: new Date().toISOString() }),
    movieRating: (m, rating) =>
      jfMovie(m, { NotificationType: 'UserDataSaved', SaveReason: 'UpdateUserRating', Rating: rating }),
    configure: (userId, server) =>
      p.db.plexConfig.update({
        where: { userId },
        data: { jellyfinServerUrl: server?.url ?? null, jellyfinApiKey: server?.apiKey ?? null },
      }),
  },
  {
    source: 'emby',
    serverId: EMBY_SERVER,
    watchSource: 'emby_webhook',
    server: () => emby,
    send: postEmby,
    episodePlay: (e, account = 'admin') => embyEpisode(e, { User: { Name: account, Id: `id-${account}` } }),
    episodeMark: (e) => embyEpisode(e, { Event: 'item.markplayed', PlaybackInfo: undefined }),
    episodeUnmark: (e) => embyEpisode(e, { Event: 'item.markunplayed', PlaybackInfo: undefined }),
    episodeProgress: (e, min) =>
      embyEpisode(
        e,
        { Event: 'playback.pause', PlaybackInfo: { PositionTicks: min * 60 * 10_000_000 } },
        { RunTimeTicks: 50 * 60 * 10_000_000 },
      ),
    moviePlay: (m) => embyMovie(m),
    movieRating: (m, rating) =>
      embyMovie(m, { Event: 'item.rate', PlaybackInfo: undefined }, { UserData: { Rating: rating } }),
    configure: (userId, server) =>
      p.db.plexConfig.update({
        where: { userId },
        data: { embyServerUrl: server?.url ?? null, embyApiKey: server?.apiKey ?? null },
      }),
  },
];

let seq = 0;
/** A user and a show of their own per test (titles unique to the test, so no candidate leaks). */
async function fixtureShow(title: string, extra: Parameters<typeof seedShow>[1] = {}) {
  return seedShow(p.db, {
    title,
    firstAired: '2019-03-01',
    episodes: [
      [1, 1, 'Opening Night', '2019-03-01'],
      [1, 2, 'Second Act', '2019-03-08'],
    ],
    ...extra,
  });
}

describe.each(DRIVERS)('$source', (d) => {
  const spec = (title: string, seriesId: string, ep = 1): EpisodeSpec => ({
    seriesId,
    series: title,
    season: 1,
    episode: ep,
    title: ep === 1 ? 'Opening Night' : 'Second Act',
    premiere: ep === 1 ? '2019-03-01' : '2019-03-08',
  });
  const newUser = async () => p.createUser(`${d.source}-${++seq}`);
  const seriesKey = () =>
    d.source === 'jellyfin' ? `a${String(++seq).padStart(31, '0')}` : String(700_000 + ++seq);

  test('an episode play marks it, filed under a mapping of this source and server', async () => {
    const user = await newUser();
    const title = `Lantern Harbour ${d.source}`;
    const show = await fixtureShow(title);
    const key = seriesKey();
    const log = await logOf(await d.send(user.secret, d.episodePlay(spec(title, key))));
    expect(log).toMatchObject({
      source: d.source,
      status: 'success',
      actionTaken: 'episode_marked',
      plexRatingKey: key,
    });
    const watch = await p.db.episodeWatch.findFirstOrThrow({ where: { webhookLogId: log.id } });
    expect(watch.source).toBe(d.watchSource);
    const mapping = await p.db.plexShowMapping.findFirstOrThrow({ where: { userId: user.id } });
    expect(mapping).toMatchObject({
      source: d.source,
      serverId: d.serverId,
      plexRatingKey: key,
      tvshowId: show.id,
    });
    // The next episode goes through the mapping read with the context.
    const next = await logOf(await d.send(user.secret, d.episodePlay(spec(title, key, 2))));
    expect(next.actionTaken).toBe('episode_marked');
    expect(await p.db.episodeWatch.count({ where: { userId: user.id } })).toBe(2);
  });

  test('a movie play marks the movie by its own ids', async () => {
    const user = await newUser();
    const tmdb = 880_000 + ++seq;
    const movie = await p.db.movie.create({
      data: { title: `Night Ferry ${seq}`, normalizedTitle: `night ferry ${seq}`, year: 1999, tmdbId: tmdb },
    });
    const log = await logOf(
      await d.send(
        user.secret,
        d.moviePlay({ id: `${seq}f00d`, title: movie.title, year: 1999, tmdb: String(tmdb) }),
      ),
    );
    expect(log).toMatchObject({ source: d.source, actionTaken: 'movie_marked' });
    const watch = await p.db.movieWatch.findFirstOrThrow({ where: { webhookLogId: log.id } });
    expect(watch).toMatchObject({ movieId: movie.id, source: d.watchSource });
    const mapping = await p.db.plexMovieMapping.findFirstOrThrow({ where: { userId: user.id } });
    expect(mapping).toMatchObject({ source: d.source, serverId: d.serverId, matchMethod: 'tmdb_id' });
  });

  test('a manual mark on the server is a play', async () => {
    const user = await newUser();
    const title = `Copper Valley ${d.source}`;
    await fixtureShow(title);
    const log = await logOf(await d.send(user.secret, d.episodeMark(spec(title, seriesKey()))));
    expect(log).toMatchObject({ status: 'success', actionTaken: 'episode_marked' });
    expect(await p.db.episodeWatch.count({ where: { userId: user.id, source: d.watchSource } })).toBe(1);
  });

  test('an unmark on the server is reported and keeps the watch', async () => {
    const user = await newUser();
    const title = `Ember Reach ${d.source}`;
    await fixtureShow(title);
    const e = spec(title, seriesKey());
    expect((await logOf(await d.send(user.secret, d.episodeMark(e)))).actionTaken).toBe('episode_marked');
    const log = await logOf(await d.send(user.secret, d.episodeUnmark(e)));
    expect(log).toMatchObject({ source: d.source, status: 'success', actionTaken: 'unmark_reported' });
    expect(log.errorMessage).toMatch(/marked unwatched on (Jellyfin|Emby); plexhook keeps its watches/);
    expect(await p.db.episodeWatch.count({ where: { userId: user.id } })).toBe(1);
  });

  test('progress is a playback state, never a watch', async () => {
    const user = await newUser();
    const title = `Quiet Meridian ${d.source}`;
    const show = await fixtureShow(title);
    const log = await logOf(await d.send(user.secret, d.episodeProgress(spec(title, seriesKey()), 20)));
    expect(log).toMatchObject({ source: d.source, actionTaken: 'progress_updated' });
    expect(await p.db.episodeWatch.count({ where: { userId: user.id } })).toBe(0);
    const sessions = await listPlayback(p.db, { userId: user.id, now: new Date(), graceSeconds: 300 });
    expect(sessions).toMatchObject([
      { state: 'paused', positionMs: 20 * 60_000, durationMs: 50 * 60_000, tvshowId: show.id },
    ]);
  });

  test('a rating is stored as a rating', async () => {
    const user = await newUser();
    const tmdb = 890_000 + ++seq;
    const movie = await p.db.movie.create({
      data: {
        title: `Glass Orchard ${seq}`,
        normalizedTitle: `glass orchard ${seq}`,
        year: 2004,
        tmdbId: tmdb,
      },
    });
    const m = { id: `${seq}beef`, title: movie.title, year: 2004, tmdb: String(tmdb) };
    // Played first (the mapping), then rated.
    await logOf(await d.send(user.secret, d.moviePlay(m)));
    const log = await logOf(await d.send(user.secret, d.movieRating(m, 8)));
    expect(log).toMatchObject({ source: d.source, actionTaken: 'rating_saved' });
    expect(await listRatings(p.db, { userId: user.id })).toMatchObject([{ movieId: movie.id, rating: 8 }]);
  });

  test("an episode whose provider id is another show's id is not matched to that show", async () => {
    const user = await newUser();
    const title = `Saltmarsh ${d.source}`;
    const right = await fixtureShow(title);
    // The catalogue holds another show whose tmdb id is this episode's own tmdb id: read as a
    // show id, it would map the episode to that show by tmdb_id at once, whatever its title.
    const episodeTmdb = 3_100_000 + ++seq;
    const wrong = await fixtureShow(`Unrelated Thing ${seq}`, { tmdbId: episodeTmdb });
    const log = await logOf(
      await d.send(user.secret, d.episodePlay({ ...spec(title, seriesKey()), tmdb: String(episodeTmdb) })),
    );
    expect(log.actionTaken).toBe('episode_marked');
    const mapping = await p.db.plexShowMapping.findFirstOrThrow({ where: { userId: user.id } });
    expect(mapping.tvshowId).toBe(right.id);
    expect(mapping.tvshowId).not.toBe(wrong.id);
    expect(mapping.matchMethod).toBe('title_year');
  });

  test("the series is found by a lookup on the user's server (its own ids), with the key in a header", async () => {
    const user = await newUser();
    const title = `Twin Lighthouse ${d.source}`;
    // Two shows of that title; the episode's evidence (no date, no year) cannot tell them apart.
    const us = await fixtureShow(title, {
      firstAired: '2005-03-24',
      tmdbId: 4_000_000 + ++seq,
      episodes: [[1, 1, 'Pilot']],
    });
    await fixtureShow(title, {
      firstAired: '2001-07-09',
      tmdbId: 4_100_000 + seq,
      episodes: [[1, 1, 'Pilot']],
    });
    const key = seriesKey();
    const server = d.server();
    server.items.set(key, {
      kind: 'item',
      name: title,
      productionYear: 2005,
      providerIds: { Tmdb: String(us.tmdbId) },
    });
    await d.configure(user.id, server);
    const e = { ...spec(title, key), title: 'Pilot', premiere: undefined };
    const log = await logOf(await d.send(user.secret, d.episodePlay(e)));
    expect(log.actionTaken).toBe('episode_marked');
    expect(await p.db.plexShowMapping.findFirstOrThrow({ where: { userId: user.id } })).toMatchObject({
      tvshowId: us.id,
      matchMethod: 'tmdb_id',
    });
    const asked = server.requests.filter((r) => r.path.includes(key));
    expect(asked).toHaveLength(1);
    expect(asked[0]?.headers['x-emby-token']).toBe(server.apiKey);
    expect(asked[0]?.path).not.toContain(server.apiKey);
  });

  test('a lookup answering something other than a series, or too slowly, falls back to the titles', async () => {
    const title = `Harrow Point ${d.source}`;
    const usTmdb = 4_200_000 + ++seq;
    await fixtureShow(title, {
      firstAired: '2005-03-24',
      tmdbId: usTmdb,
      episodes: [[1, 1, 'Pilot']],
    });
    await fixtureShow(title, {
      firstAired: '2001-07-09',
      tmdbId: usTmdb + 100_000,
      episodes: [[1, 1, 'Pilot']],
    });
    const server = d.server();
    for (const answer of ['episode', 'slow'] as const) {
      const user = await newUser();
      await d.configure(user.id, server);
      const key = seriesKey();
      server.items.set(
        key,
        answer === 'episode'
          ? // An episode's ids are never a show's, even if the server hands them over.
            { kind: 'item', type: 'Episode', name: title, providerIds: { Tmdb: String(usTmdb) } }
          : { kind: 'slow', delayMs: 2_000 },
      );
      const log = await logOf(
        await d.send(
          user.secret,
          d.episodePlay({ ...spec(title, key), title: 'Pilot', premiere: undefined }),
        ),
      );
      expect(log.actionTaken).toBe('conflict_created');
      const conflict = await p.db.plexConflict.findFirstOrThrow({ where: { userId: user.id } });
      expect(conflict).toMatchObject({ source: d.source, serverId: d.serverId, plexRatingKey: key });
    }
  });

  test('the allow-list of this source decides which accounts count', async () => {
    const user = await newUser();
    const title = `Bellwether ${d.source}`;
    await fixtureShow(title);
    await p.db.plexConfig.update({
      where: { userId: user.id },
      data: d.source === 'jellyfin' ? { jellyfinUsernames: ['bob'] } : { embyUsernames: ['bob'] },
    });
    const key = seriesKey();
    const other = await logOf(await d.send(user.secret, d.episodePlay(spec(title, key), 'carol')));
    expect(other).toMatchObject({ status: 'ignored', actionTaken: 'ignored_account' });
    expect(other.errorMessage).toMatch(
      d.source === 'jellyfin' ? /^Jellyfin account carol/ : /^Emby account carol/,
    );
    const bob = await logOf(await d.send(user.secret, d.episodePlay(spec(title, key), 'bob')));
    expect(bob.actionTaken).toBe('episode_marked');
  });

  test('a payload of this source without its show is a logged row, not a crash', async () => {
    const user = await newUser();
    const payload = d.episodePlay(spec('Nameless', seriesKey())) as Record<string, unknown>;
    const broken =
      d.source === 'jellyfin'
        ? { ...payload, SeriesId: undefined, SeriesName: undefined }
        : { ...payload, Item: { ...(payload.Item as object), SeriesId: undefined, SeriesName: undefined } };
    const log = await logOf(await d.send(user.secret, broken));
    expect(log).toMatchObject({ source: d.source, status: 'failed' });
    expect(log.errorMessage).toMatch(/SeriesId\/SeriesName/);
  });
});

describe('malformed and foreign payloads get a 4xx with a reason, never a 500', () => {
  let secret: string;
  beforeAll(async () => {
    secret = (await p.createUser('malformed')).secret;
  });

  test.each([
    [
      'jellyfin: not JSON',
      () => postJellyfin(secret, '{"NotificationType": "PlaybackStop",'),
      400,
      /not valid JSON/,
    ],
    ['jellyfin: a JSON array', () => postJellyfin(secret, '[1,2]'), 400, /JSON object/],
    [
      'jellyfin: a Plex payload',
      () => postJellyfin(secret, buildPlexPayload()),
      400,
      /no "NotificationType": not a Jellyfin webhook/,
    ],
    [
      'jellyfin: an Emby payload as JSON',
      () => postJellyfin(secret, fixture('emby/episode-playback-start.json'), 'application/json'),
      400,
      /not a Jellyfin webhook/,
    ],
    [
      'jellyfin: multipart',
      () => post('/api/jellyfin/webhook', secret, new FormData()),
      400,
      /expected application\/json, or JSON as text\/plain/,
    ],
    [
      'jellyfin: nested too deep',
      () => postJellyfin(secret, `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`),
      400,
      /deeper than 32/,
    ],
    [
      'jellyfin: wrong secret',
      () => postJellyfin('wrong', fixture('jellyfin/episode-playback-stop.json')),
      401,
      /secret/,
    ],
    [
      'jellyfin: too large',
      () =>
        postJellyfin(
          secret,
          JSON.stringify({ NotificationType: 'PlaybackStop', pad: 'x'.repeat(2_000_000) }),
        ),
      413,
      /too large/,
    ],
    [
      'emby: no data field',
      () => post('/api/emby/webhook', secret, new FormData()),
      400,
      /missing "data" field/,
    ],
    ['emby: data not JSON', () => postEmby(secret, 'not json'), 400, /"data" field is not valid JSON/],
    [
      'emby: a Jellyfin payload',
      () => postEmby(secret, fixture('jellyfin/episode-playback-stop.json')),
      400,
      /no "Event": not an Emby webhook/,
    ],
    [
      'emby: a Plex payload as JSON',
      () => post('/api/emby/webhook', secret, JSON.stringify(buildPlexPayload()), 'application/json'),
      400,
      /not an Emby webhook/,
    ],
    [
      'emby: text/plain',
      () => post('/api/emby/webhook', secret, '{}', 'text/plain'),
      400,
      /expected multipart\/form-data with a "data" field, or application\/json/,
    ],
  ] as const)('%s', async (_name, send, status, message) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.body.error).toMatch(message);
  });

  test('accepted forms: Jellyfin as application/json, Emby as application/json; NUL and __proto__ cleaned', async () => {
    const jf = { ...fixture('jellyfin/episode-playback-stop.json'), Name: 'Nul\u0000Name' };
    const body = JSON.stringify(jf).replace('"Name"', '"__proto__":{"polluted":true},"Name"');
    const a = await postJellyfin(secret, body, 'application/json');
    expect(a.status).toBe(200);
    const log = await p.logOf(a.body.id!);
    const payload = log.payload as Record<string, unknown>;
    expect(payload.Name).toBe('Nul\uFFFDName');
    expect(Object.hasOwn(payload, '__proto__')).toBe(false);
    const b = await post(
      '/api/emby/webhook',
      secret,
      JSON.stringify(fixture('emby/notification-test.json')),
      'application/json',
    );
    // Emby's multipart with an image part besides `data`: the image is dropped.
    const form = new FormData();
    form.set('data', JSON.stringify(fixture('emby/notification-test.json')));
    form.set('image', new Blob([new Uint8Array([0xff, 0xd8, 0xff])], { type: 'image/jpeg' }), 'i.jpg');
    expect((await post('/api/emby/webhook', secret, form)).status).toBe(200);
    // The plugin's text with a byte-order mark in front (body-parser decodes it away).
    const bom = await postJellyfin(
      secret,
      `\uFEFF${JSON.stringify(fixture('jellyfin/episode-playback-stop.json'))}`,
    );
    expect(bom.status).toBe(200);
    expect(b.status).toBe(200);
    expect(await p.logOf(b.body.id!)).toMatchObject({
      source: 'emby',
      status: 'ignored',
      actionTaken: 'ignored_event',
    });
  });
});

describe('two sources, one household', () => {
  const title = 'Fenwick Sound';
  let show: Awaited<ReturnType<typeof fixtureShow>>;
  beforeAll(async () => {
    show = await fixtureShow(title);
  });
  const plexScrobble = (ratingKey: string) =>
    buildPlexPayload({
      Metadata: {
        ratingKey: `${ratingKey}1`,
        grandparentRatingKey: ratingKey,
        grandparentTitle: title,
        title: 'Opening Night',
        parentIndex: 1,
        index: 1,
        year: 2019,
        originallyAvailableAt: '2019-03-01',
        grandparentGuid: 'plex://show/5d9c0000000000000000fenw',
        guid: 'plex://episode/5d9c0000000000000000fen1',
        Guid: [],
      },
    });
  const jfPlay = (seriesId: string) =>
    jfEpisode(
      { seriesId, series: title, season: 1, episode: 1, title: 'Opening Night', premiere: '2019-03-01' },
      { UtcTimestamp: new Date().toISOString() },
    );

  test('a Plex rating key and a Jellyfin series id of one show are two mappings to it', async () => {
    const user = await p.createUser('household-a');
    await logOf({ status: 200, body: { id: await p.send(plexScrobble('61001'), user.secret) } });
    await logOf(await postJellyfin(user.secret, jfPlay('b0000000000000000000000000061001')));
    const mappings = await p.db.plexShowMapping.findMany({
      where: { userId: user.id },
      orderBy: { id: 'asc' },
    });
    expect(mappings.map((m) => [m.source, m.serverId, m.plexRatingKey, m.tvshowId])).toEqual([
      ['plex', '', '61001', show.id],
      ['jellyfin', JF_SERVER, 'b0000000000000000000000000061001', show.id],
    ]);
  });

  test('dedupe_across_sources off: one play reported by Plex and Jellyfin is two watches', async () => {
    const user = await p.createUser('household-b');
    await logOf({ status: 200, body: { id: await p.send(plexScrobble('62001'), user.secret) } });
    const second = await logOf(await postJellyfin(user.secret, jfPlay('b0000000000000000000000000062001')));
    expect(second.actionTaken).toBe('episode_marked');
    expect(await p.db.episodeWatch.count({ where: { userId: user.id } })).toBe(2);
  });

  test('dedupe_across_sources on: the second server reporting the same play is a duplicate', async () => {
    const user = await p.createUser('household-c');
    await p.db.plexConfig.update({ where: { userId: user.id }, data: { dedupeAcrossSources: true } });
    const first = await logOf({
      status: 200,
      body: { id: await p.send(plexScrobble('63001'), user.secret) },
    });
    expect(first.actionTaken).toBe('episode_marked');
    const second = await logOf(await postJellyfin(user.secret, jfPlay('b0000000000000000000000000063001')));
    expect(second).toMatchObject({ status: 'duplicate', actionTaken: 'duplicate', source: 'jellyfin' });
    expect(second.errorMessage).toMatch(/already reported by Plex/);
    expect(await p.db.episodeWatch.count({ where: { userId: user.id } })).toBe(1);
  });
});
