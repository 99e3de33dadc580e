// npx tsx bench/export.ts [ROWS] (default 1,000,000): the streamed export (issue 19) at size.
//
// A fresh bench database gets ROWS watches of one user (90 % episode watches over 100
// episodes, 10 % movie watches) from two INSERT … SELECT generate_series statements. The
// dashboard app runs in this process; curl, a separate process, downloads
// GET /api/export in each format, so the memory sampled here is the server's alone. Once a
// second a full GC, then heapUsed: the live heap (V8 lets garbage pile up between major
// collections, so heapUsed without one says little); rss is sampled every 100 ms. A last run
// reads at 1 MiB/s for 8 s to show that a slow client slows the cursor instead of filling memory.
// Prints a Markdown table for docs/PERFORMANCE.md.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { normalizeTitle } from '@plexhook/core';
import { createDashboardApp } from '@plexhook/dashboard';
import { createUserWithSecret } from '@plexhook/db';
import { createWebhookQueue } from '@plexhook/queue';
import { Client } from 'pg';
import pino from 'pino';
import { benchRedis, createBenchDb, deletePrefix } from './lib/benchdb';
import { loadAverage } from './lib/procs';

const run = promisify(execFile);
const ROWS = Number(process.argv[2] ?? 1_000_000);
const TOKEN = randomBytes(16).toString('hex');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const mib = (bytes: number) => bytes / 2 ** 20;

type Sampled = { liveMb: number; heapMb: number; rssMb: number };

/** Peaks over the baseline while `fn` runs. */
async function sampled<T>(fn: () => Promise<T>): Promise<T & Sampled> {
  gc();
  const base = process.memoryUsage();
  let live = base.heapUsed;
  let heap = base.heapUsed;
  let rss = base.rss;
  const raw = setInterval(() => {
    const m = process.memoryUsage();
    heap = Math.max(heap, m.heapUsed);
    rss = Math.max(rss, m.rss);
  }, 100);
  const full = setInterval(() => {
    gc();
    live = Math.max(live, process.memoryUsage().heapUsed);
  }, 1000);
  try {
    const result = await fn();
    return {
      ...result,
      liveMb: mib(live - base.heapUsed),
      heapMb: mib(heap - base.heapUsed),
      rssMb: mib(rss - base.rss),
    };
  } finally {
    clearInterval(raw);
    clearInterval(full);
  }
}

/** curl, as a client in its own process: the bytes it read and the time it took. */
function download(
  url: string,
  extra: string[] = [],
  maxSeconds?: number,
): Promise<{ bytes: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const args = [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code} %{size_download}',
      '-H',
      `Authorization: Bearer ${TOKEN}`,
    ];
    if (maxSeconds) args.push('--max-time', String(maxSeconds));
    const curl = spawn('curl', [...args, ...extra, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    curl.stdout.on('data', (d) => (out += d));
    curl.on('error', reject);
    curl.on('exit', (code) => {
      const [status, size] = out.split(' ');
      // 28: --max-time reached (the slow-client run stops itself).
      if ((code !== 0 && code !== 28) || status !== '200')
        reject(new Error(`curl exited ${code}, HTTP ${status}`));
      else resolve({ bytes: Number(size), ms: Date.now() - started });
    });
  });
}

async function main() {
  const load = loadAverage();
  const bench = await createBenchDb();
  const redis = benchRedis();
  const prefix = `bench-export-${randomBytes(3).toString('hex')}`;
  const queue = createWebhookQueue(redis, prefix);
  const pg = new Client({ connectionString: bench.url });
  await pg.connect();
  try {
    const user = (await createUserWithSecret(bench.db, 'heavy')).id;
    const show = await pg.query<{ id: number }>(
      `INSERT INTO tvshows (title, normalized_title, show_start_date, tmdb_id, tvdb_id, imdb_id, updated_at)
       VALUES ('Long Runner', $1, '2001-01-01', 777, 888, 'tt0000777', now()) RETURNING id`,
      [normalizeTitle('Long Runner')],
    );
    await pg.query(
      `INSERT INTO episodes (tvshow_id, season_number, episode_number, title)
       SELECT $1, 1 + i / 20, 1 + i % 20, 'Episode "' || i || '", part one' FROM generate_series(0, 99) i`,
      [show.rows[0]!.id],
    );
    const movie = await pg.query<{ id: number }>(
      `INSERT INTO movies (title, normalized_title, year, tmdb_id, updated_at)
       VALUES ('Rewatched, again', 'rewatched again', 2001, 999, now()) RETURNING id`,
    );
    const movies = Math.floor(ROWS / 10);
    const seeding = Date.now();
    await pg.query(
      `INSERT INTO episode_watches (user_id, episode_id, watched_at, source)
       SELECT $1, e.id, timestamptz '2020-01-01' + g * interval '1 minute', 'plex_webhook'
         FROM generate_series(1, $2::int) g
         JOIN episodes e ON e.tvshow_id = $3 AND e.season_number = 1 + (g % 100) / 20 AND e.episode_number = 1 + (g % 20)`,
      [user, ROWS - movies, show.rows[0]!.id],
    );
    await pg.query(
      `INSERT INTO movie_watches (user_id, movie_id, watched_at, source)
       SELECT $1, $2, timestamptz '2020-01-01' + g * interval '7 minutes', 'import' FROM generate_series(1, $3::int) g`,
      [user, movie.rows[0]!.id, movies],
    );
    await pg.query('ANALYZE');
    const seededMs = Date.now() - seeding;

    const app = createDashboardApp({
      db: bench.db,
      redis,
      queue,
      logger: pino({ level: 'silent' }),
      config: { ADMIN_TOKEN: TOKEN, PUBLIC_WEBHOOK_URL: 'http://localhost:3000' },
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    const url = (format: string) => `http://127.0.0.1:${port}/api/export?userId=${user}&format=${format}`;

    const rows: string[] = [];
    for (const format of ['csv', 'json', 'ndjson']) {
      const r = await sampled(() => download(url(format)));
      rows.push(
        `| ${format} | ${ROWS.toLocaleString('en')} | ${mib(r.bytes).toFixed(1)} MiB | ${(r.ms / 1000).toFixed(1)} s | ` +
          `${Math.round(ROWS / (r.ms / 1000)).toLocaleString('en')} | +${r.liveMb.toFixed(1)} MiB | +${r.heapMb.toFixed(1)} MiB | +${r.rssMb.toFixed(1)} MiB |`,
      );
    }
    const slow = await sampled(() => download(url('csv'), ['--limit-rate', '1M'], 8));
    rows.push(
      `| csv, curl --limit-rate 1M, stopped at 8 s | ${ROWS.toLocaleString('en')} | ${mib(slow.bytes).toFixed(1)} MiB read | 8.0 s | n/a | ` +
        `+${slow.liveMb.toFixed(1)} MiB | +${slow.heapMb.toFixed(1)} MiB | +${slow.rssMb.toFixed(1)} MiB |`,
    );
    server.closeAllConnections();
    server.close();

    const { stdout: cpu } = await run('nproc');
    console.log(
      `\n### Export of ${ROWS.toLocaleString('en')} watches (\`npx tsx bench/export.ts\`)\n\n` +
        `Seeded in ${(seededMs / 1000).toFixed(1)} s (two INSERT … SELECT generate_series). ${cpu.trim()} cores, ` +
        `load average before: ${load}.\n\n` +
        '| format | rows | bytes | time | rows/s | live heap (after GC) | heapUsed (no GC) | rss |\n' +
        '| --- | --- | --- | --- | --- | --- | --- | --- |\n' +
        `${rows.join('\n')}\n\nMemory columns are peaks over the value before the download, in the server's process.`,
    );
  } finally {
    await pg.end();
    await queue.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await bench.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
