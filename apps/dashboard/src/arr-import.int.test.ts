import { runCli } from '../../../test/helpers/dashboard';
import { createTestDb, type TestDb } from '../../../test/helpers/db';
import { type FakeArr, startFakeArr } from '../../../test/helpers/fake-arr';
import { importFromArr } from './services/arr-import';

jest.setTimeout(120_000);

let t: TestDb;
const servers: FakeArr[] = [];
beforeAll(async () => {
  t = await createTestDb('arrimport');
});
afterAll(async () => {
  await Promise.all([t.drop(), ...servers.map((s) => s.close())]);
});
async function fake(data: Parameters<typeof startFakeArr>[0]) {
  const s = await startFakeArr(data);
  servers.push(s);
  return s;
}

const icarly = (id: number, year: number, tmdbId: number, tvdbId: number) => ({
  id,
  title: 'iCarly',
  year,
  status: 'ended',
  firstAired: `${year}-09-08T00:00:00Z`,
  tvdbId,
  tmdbId,
  imdbId: '',
  alternateTitles: [],
});

describe('catalog:import --from-sonarr', () => {
  test('series and episodes land in the catalogue; a second run changes nothing', async () => {
    const sonarr = await fake({
      urlBase: '/sonarr',
      series: [icarly(1, 2007, 5371, 80337), icarly(2, 2021, 119243, 397316)],
      episodes: {
        1: [{ seriesId: 1, seasonNumber: 1, episodeNumber: 1, title: 'iPilot', airDate: '2007-09-08' }],
        2: [
          { seriesId: 2, seasonNumber: 1, episodeNumber: 1, title: 'iStart Over', airDate: '2021-06-17' },
          { seriesId: 2, seasonNumber: 1, episodeNumber: 2, title: 'TBA', airDate: null },
        ],
      },
    });
    const env = { DATABASE_URL: t.url };
    const first = await runCli(
      ['catalog:import', '--from-sonarr', sonarr.url, '--api-key', sonarr.apiKey],
      env,
    );
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('shows     2 created, 0 updated, 0 unchanged');
    expect(first.stdout).toContain('episodes  3 created');
    expect(sonarr.requests.every((r) => r.hadKey)).toBe(true);
    expect(sonarr.requests.map((r) => r.path).sort()).toEqual([
      '/sonarr/api/v3/episode?seriesId=1',
      '/sonarr/api/v3/episode?seriesId=2',
      '/sonarr/api/v3/series',
    ]);

    const shows = await t.db.tvShow.findMany({ orderBy: { tmdbId: 'asc' }, include: { episodes: true } });
    expect(
      shows.map((s) => [s.title, s.tmdbId, s.tvdbId, s.imdbId, s.showStartDate?.toISOString().slice(0, 10)]),
    ).toEqual([
      ['iCarly', 5371, 80337, null, '2007-09-08'],
      ['iCarly', 119243, 397316, null, '2021-09-08'],
    ]);
    const s2021 = shows[1]?.episodes.sort((a, b) => a.episodeNumber - b.episodeNumber);
    expect(s2021?.map((e) => e.title)).toEqual(['iStart Over', null]);

    const again = await runCli(
      ['catalog:import', '--from-sonarr', sonarr.url, '--api-key', sonarr.apiKey],
      env,
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('shows     0 created, 0 updated, 2 unchanged');
    expect(again.stdout).toContain('episodes  0 created, 0 updated, 3 unchanged');
  });

  test('a wrong API key is one clear line, exit 1, and the key is not printed', async () => {
    const sonarr = await fake({ series: [icarly(1, 2007, 5371, 80337)] });
    const run = await runCli(['catalog:import', '--from-sonarr', sonarr.url, '--api-key', 'wrong-key-123'], {
      DATABASE_URL: t.url,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: Sonarr at http:\/\/127\.0\.0\.1:\d+\/ refused the API key \(401\)/);
    expect(run.stderr + run.stdout).not.toContain('wrong-key-123');
  });

  test('unreachable, not Sonarr, and bad URLs are clear errors', async () => {
    const env = { DATABASE_URL: t.url };
    const closed = await startFakeArr({});
    await closed.close();
    const down = await runCli(['catalog:import', '--from-sonarr', closed.url, '--api-key', 'k'], env);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach Sonarr at http:\/\/127\.0\.0\.1:\d+\/: ECONNREFUSED/);
    const other = await fake({ urlBase: '/sonarr' });
    const wrongBase = await runCli(
      ['catalog:import', '--from-sonarr', other.url.replace('/sonarr', '/nope'), '--api-key', other.apiKey],
      env,
    );
    expect(wrongBase.stderr).toMatch(/answered 404 to \/nope\/api\/v3\/series: is this Sonarr's base URL\?/);
    const bad = await runCli(['catalog:import', '--from-radarr', 'ftp://x', '--api-key', 'k'], env);
    expect(bad.stderr).toContain('--from-radarr needs an http:// or https:// URL');
    const noKey = await runCli(['catalog:import', '--from-sonarr', other.url], env);
    expect(noKey.stderr).toContain('--from-sonarr needs --api-key KEY');
    const both = await runCli(['catalog:import', 'file.json', '--from-sonarr', other.url], env);
    expect(both.stderr).toContain('catalog:import needs a FILE, or --from-sonarr URL, or --from-radarr URL');
  });

  test('a large, paged library: every series, progress counted, refused entries skipped with reasons', async () => {
    const n = 300;
    const series = Array.from({ length: n }, (_, i) => ({
      id: i + 1,
      title: `Show ${i + 1}`,
      year: 2000 + (i % 20),
      status: 'continuing',
      tvdbId: 1_000_000 + i,
      tmdbId: 2_000_000 + i,
    }));
    // Two series claim the same tmdb id: the second is skipped (it would overwrite the first).
    series.push({
      id: n + 1,
      title: 'Duplicate',
      year: 2001,
      status: 'ended',
      tvdbId: 3_000_000,
      tmdbId: 2_000_000,
    });
    series.push({ id: n + 2, title: '', year: 2001, status: 'ended', tvdbId: 3_000_001, tmdbId: 3_000_001 });
    const episodes: Record<number, unknown[]> = {};
    for (const s of series) {
      episodes[s.id] = Array.from({ length: 20 }, (_, e) => ({
        seriesId: s.id,
        seasonNumber: 1 + Math.floor(e / 10),
        episodeNumber: 1 + (e % 10),
        title: `Episode title ${e}`,
        airDate: `${s.year}-0${1 + Math.floor(e / 10)}-${String(1 + (e % 10)).padStart(2, '0')}`,
      }));
    }
    const sonarr = await fake({ series, episodes, pageSize: 64 });
    let total = 0;
    let ticks = 0;
    const result = await importFromArr(
      t.db,
      { kind: 'sonarr', url: sonarr.url, apiKey: sonarr.apiKey },
      { progress: { start: (x) => (total = x), tick: (k = 1) => (ticks += k), stop() {} } },
    );
    expect(total).toBe(n + 2);
    expect(ticks).toBe(n + 2);
    expect(result.shows.created).toBe(n);
    expect(result.episodes.created).toBe(n * 20);
    expect(result.skipped.map((s) => s.name).sort()).toEqual(['Duplicate', 'series 302']);
    expect(result.skipped.find((s) => s.name === 'series 302')?.reason).toBe('id 302 has no title');
    expect(result.skipped.find((s) => s.name === 'Duplicate')?.reason).toBe(
      'tmdb id 2000000 is also on "Show 1", listed earlier by the same source',
    );
    expect((await t.db.tvShow.findUnique({ where: { tmdbId: 2_000_000 } }))?.title).toBe('Show 1');
    expect(await t.db.tvShow.count({ where: { title: { startsWith: 'Show ' } } })).toBe(n);
    // Paging followed: 5 pages of series (302 / 64), and no episode list asked for twice.
    expect(sonarr.requests.filter((r) => r.path.startsWith('/api/v3/series')).length).toBe(5);
  });
});

describe('catalog:import --from-radarr', () => {
  test('movies land in the catalogue, idempotent; a refused one is skipped, the rest imported', async () => {
    const radarr = await fake({
      movies: [
        { id: 1, title: 'Heat', originalTitle: 'Heat', year: 1995, tmdbId: 949, imdbId: 'tt0113277' },
        {
          id: 2,
          title: 'Amélie',
          originalTitle: 'Le Fabuleux Destin d’Amélie Poulain',
          year: 2001,
          tmdbId: 194,
        },
        { id: 3, title: 'Heat copy', year: 1986, tmdbId: 949 },
        { id: 4, year: 2020 },
      ],
    });
    const env = { DATABASE_URL: t.url };
    const first = await runCli(
      ['catalog:import', '--from-radarr', radarr.url, '--api-key', radarr.apiKey],
      env,
    );
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('movies    2 created, 0 updated, 0 unchanged');
    expect(first.stdout).toContain('skipped   2:');
    expect(first.stdout).toContain('Heat copy (1986): tmdb id 949 is also on "Heat (1995)"');
    const movies = await t.db.movie.findMany({ orderBy: { tmdbId: 'asc' } });
    expect(movies.map((m) => [m.title, m.originalTitle, m.year, m.tmdbId])).toEqual([
      ['Amélie', 'Le Fabuleux Destin d’Amélie Poulain', 2001, 194],
      ['Heat', null, 1995, 949],
    ]);
    const again = await runCli(
      ['catalog:import', '--from-radarr', radarr.url, '--api-key', radarr.apiKey],
      env,
    );
    expect(again.stdout).toContain('movies    0 created, 0 updated, 2 unchanged');
  });
});
