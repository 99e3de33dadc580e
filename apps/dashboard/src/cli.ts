// npm run cli -- COMMAND [options]. Uses the same services as the HTTP API.
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { HttpError } from '@plexhook/core';
import {
  createPrismaClient,
  createUserWithSecret,
  type Db,
  DEFAULT_PATHS,
  findUserByName,
  type ImportReport,
  listConflicts,
  migrateDeploy,
  pruneWebhookLogs,
  webhookUrls,
} from '@plexhook/db';
import { createRedis, createWebhookQueue, type WebhookQueue } from '@plexhook/queue';
import { Presets, SingleBar } from 'cli-progress';
import pino from 'pino';
import { z } from 'zod';
import { historyImportCommand, plexCatalogCommand } from './cli-history';
import { type CliConfig, loadCliConfig } from './config';
import { type ArrProgress, importFromArr } from './services/arr-import';
import { runCatalogImport, type SourceImportResult } from './services/catalog-import';
import { DEMO_CATALOG_PATH, DEMO_USER_NAME } from './services/demo';
import { EXPORT_FORMATS, type ExportFormat, openUserExport } from './services/export';
import { resolveConflict } from './services/resolve-conflict';
import { retryWebhookLog } from './services/retry-webhook';
import { createUser, rotateUserSecret } from './services/users';
import { INT4_MAX, int4 } from './validation';

const USAGE = `usage: npm run cli -- COMMAND [options]

  user:create --name NAME             create a user, print its id and webhook URLs (Plex, Jellyfin, Emby; secret shown once)
  user:rotate-secret --user ID        new webhook secret for a user, print the new URL
  catalog:import FILE                 import a catalogue JSON file (idempotent)
  catalog:import --from-sonarr URL --api-key KEY   every series and episode of a Sonarr (v3 API)
  catalog:import --from-radarr URL --api-key KEY   every movie of a Radarr (v3 API)
  catalog:import --from-plex --user ID             every show, episode and movie of the user's Plex libraries
  history:import --user ID [--since DATE] [--account NAME|ID]
                                      the user's Plex play history into watches (run by the worker;
                                      resumable: Ctrl-C stops at a page, run again to go on)
  demo:seed                           import the demo catalogue, create the "demo" user if missing
  conflicts:list [--all]              open conflicts (--all: resolved ones too)
  conflicts:resolve ID --select TVSHOW_ID          (a show conflict)
  conflicts:resolve ID --select-movie MOVIE_ID     (a movie conflict)
  conflicts:resolve ID --create-new --title T --first-aired YYYY-MM-DD
                       [--last-aired YYYY-MM-DD] [--tmdb-id N] [--tvdb-id N] [--imdb-id ttN]
  conflicts:resolve ID --create-new --title T --year YYYY [--tmdb-id N] [--imdb-id ttN]
                                                   (a movie conflict: --year, not --first-aired)
  conflicts:resolve ID --ignore
  logs:prune --days N                 delete webhook logs older than N days (held scrobbles are kept)
  logs:retry ID                       queue a failed webhook again (its stored payload, once per log row)
  export --user ID [--format csv|json|ndjson] [--out FILE]
                                      every watch of a user (json by default), to stdout or FILE
  db:migrate                          create the database if missing, apply pending migrations`;

class UsageError extends Error {}

/** Connections are opened only by the commands that need them, and always closed. */
class Resources {
  private dbClient?: Db;
  private queueClient?: { queue: WebhookQueue; close(): Promise<void> };
  constructor(readonly config: CliConfig) {}
  readonly logger = pino({ name: 'cli', level: 'warn' }, pino.destination(2));
  get db(): Db {
    this.dbClient ??= createPrismaClient(this.config.DATABASE_URL, { poolMax: 2 });
    return this.dbClient;
  }
  get queue(): WebhookQueue {
    if (!this.queueClient) {
      const redis = createRedis(this.config, 'producer', this.logger);
      const queue = createWebhookQueue(redis, this.config.QUEUE_PREFIX);
      queue.on('error', (err) => this.logger.error({ err: err.message }, 'queue error'));
      this.queueClient = {
        queue,
        close: async () => {
          await queue.close().catch(() => undefined);
          redis.disconnect();
        },
      };
    }
    return this.queueClient.queue;
  }
  async close(): Promise<void> {
    await this.queueClient?.close();
    await this.dbClient?.$disconnect();
  }
}

const PositiveInt = z.string().regex(/^\d+$/).transform(Number).pipe(int4());

/** An id or number option: a positive integer that fits the database's int4 columns. */
function positiveInt(value: string | undefined, name: string): number {
  const parsed = PositiveInt.safeParse(value);
  if (!parsed.success) throw new UsageError(`${name} must be a positive integer (at most ${INT4_MAX})`);
  return parsed.data;
}

function parse(args: string[], options: ParseArgsConfig['options'], positionals = 0) {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: positionals > 0, strict: true });
    if (parsed.positionals.length > positionals)
      throw new UsageError(`unexpected argument: ${parsed.positionals[positionals]}`);
    return parsed as { values: Record<string, string | boolean | undefined>; positionals: string[] };
  } catch (err) {
    throw err instanceof UsageError ? err : new UsageError((err as Error).message);
  }
}

const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);

function formatReport(report: ImportReport): string {
  const line = (name: string, c: ImportReport['shows']) =>
    `  ${name.padEnd(9)} ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged`;
  return [
    'catalogue imported:',
    line('shows', report.shows),
    line('episodes', report.episodes),
    line('movies', report.movies),
  ].join('\n');
}

/** A server import's report, then what it skipped (the first 20 with their reasons). */
function printSourceReport(print: Print, result: SourceImportResult): void {
  print(formatReport(result));
  if (result.skipped.length === 0) return;
  print(`  skipped   ${result.skipped.length}:`);
  for (const s of result.skipped.slice(0, 20)) print(`    ${s.name}: ${s.reason}`);
  if (result.skipped.length > 20) print(`    … and ${result.skipped.length - 20} more`);
}

/** A progress bar on stderr when it is a terminal; nothing otherwise (logs, CI, pipes). */
function progressBar(unit: string): ArrProgress {
  if (!process.stderr.isTTY) return { start() {}, tick() {}, stop() {} };
  const bar = new SingleBar(
    { stream: process.stderr, format: `importing {bar} {value}/{total} ${unit} ({eta_formatted} left)` },
    Presets.shades_classic,
  );
  return {
    start: (total) => bar.start(total, 0),
    tick: (n = 1) => bar.increment(n),
    stop: () => bar.stop(),
  };
}

async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

type Print = (line: string) => void;

/** Plex's URL first, on the line scripts read; Jellyfin's and Emby's (same secret) after it. */
function printWebhookUrls(print: Print, urls: { plex: string; jellyfin: string; emby: string }): void {
  print(`webhook URL (shown only now; keep it secret): ${urls.plex}`);
  print(`Jellyfin webhook URL (plugin "Generic" destination): ${urls.jellyfin}`);
  print(`Emby webhook URL (Settings > Webhooks): ${urls.emby}`);
}

async function runCommand(argv: string[], r: Resources, print: Print): Promise<void> {
  const [command, ...args] = argv;
  switch (command) {
    case 'user:create': {
      const { values } = parse(args, { name: { type: 'string' } });
      if (!str(values.name)) throw new UsageError('user:create needs --name NAME');
      const created = await createUser(r.db, r.config.PUBLIC_WEBHOOK_URL, { name: values.name });
      print(`created user ${created.user.id} "${created.user.name}"`);
      printWebhookUrls(print, created.webhookUrls);
      return;
    }
    case 'user:rotate-secret': {
      const { values } = parse(args, { user: { type: 'string' } });
      const userId = positiveInt(str(values.user), '--user');
      const rotated = await rotateUserSecret(r.db, r.config.PUBLIC_WEBHOOK_URL, userId);
      print(
        `rotated the webhook secret of user ${rotated.user.id} "${rotated.user.name}"; the old URL stops working`,
      );
      printWebhookUrls(print, rotated.webhookUrls);
      return;
    }
    case 'catalog:import': {
      const { values, positionals } = parse(
        args,
        {
          'from-sonarr': { type: 'string' },
          'from-radarr': { type: 'string' },
          'api-key': { type: 'string' },
          'from-plex': { type: 'boolean' },
          user: { type: 'string' },
        },
        1,
      );
      if (values['from-plex']) {
        if (positionals[0] || values['from-sonarr'] || values['from-radarr'])
          throw new UsageError(
            'catalog:import takes one source: a FILE, --from-sonarr, --from-radarr or --from-plex',
          );
        const userId = positiveInt(str(values.user), '--user');
        const result = await plexCatalogCommand(r.db, userId, print);
        printSourceReport(print, result);
        return;
      }
      const file = positionals[0];
      const sonarr = str(values['from-sonarr']);
      const radarr = str(values['from-radarr']);
      if ([file, sonarr, radarr].filter(Boolean).length !== 1)
        throw new UsageError(
          'catalog:import needs a FILE, or --from-sonarr URL, or --from-radarr URL, or --from-plex --user ID',
        );
      if (file) {
        print(formatReport(await runCatalogImport(r.db, await readJsonFile(file))));
        return;
      }
      const apiKey = str(values['api-key']);
      if (!apiKey) throw new UsageError(`--from-${sonarr ? 'sonarr' : 'radarr'} needs --api-key KEY`);
      const kind = sonarr ? 'sonarr' : 'radarr';
      const result = await importFromArr(
        r.db,
        { kind, url: (sonarr ?? radarr) as string, apiKey },
        { progress: progressBar(kind === 'sonarr' ? 'series' : 'movies') },
      );
      printSourceReport(print, result);
      return;
    }
    case 'history:import': {
      const { values } = parse(args, {
        user: { type: 'string' },
        since: { type: 'string' },
        account: { type: 'string' },
      });
      const userId = positiveInt(str(values.user), '--user');
      const sinceText = str(values.since);
      const since = sinceText === undefined ? undefined : Date.parse(sinceText);
      if (since !== undefined && (Number.isNaN(since) || since < 0))
        throw new UsageError(
          '--since must be a date (YYYY-MM-DD, or an ISO-8601 time; UTC unless it says otherwise)',
        );
      await historyImportCommand({
        db: r.db,
        config: r.config,
        logger: r.logger,
        userId,
        since: since === undefined ? undefined : new Date(since).toISOString(),
        account: str(values.account),
        print,
      });
      return;
    }
    case 'demo:seed': {
      parse(args, {});
      print(formatReport(await runCatalogImport(r.db, await readJsonFile(DEMO_CATALOG_PATH))));
      const existing = await findUserByName(r.db, DEMO_USER_NAME);
      if (existing) {
        print(
          `user "${DEMO_USER_NAME}" exists (id ${existing.id}): its webhook URL was shown when it was created.`,
        );
        print(
          `For a new URL (the old one stops working): npm run cli -- user:rotate-secret --user ${existing.id}`,
        );
        return;
      }
      const created = await createUserWithSecret(r.db, DEMO_USER_NAME);
      print(`created user ${created.id} "${DEMO_USER_NAME}"`);
      printWebhookUrls(print, webhookUrls(r.config.PUBLIC_WEBHOOK_URL, created.secret));
      return;
    }
    case 'conflicts:list': {
      const { values } = parse(args, { all: { type: 'boolean' } });
      const conflicts = await listConflicts(r.db, { resolved: values.all ? undefined : false, limit: 500 });
      if (conflicts.length === 0) {
        print(values.all ? 'no conflicts' : 'no open conflicts');
        return;
      }
      for (const c of conflicts) {
        const state = c.resolved ? `resolved: ${c.resolutionAction}` : 'open';
        const kind = c.mediaType === 'movie' ? 'movie ' : '';
        print(
          `#${c.id} user ${c.userId} ${kind}"${c.plexTitle}"${c.plexYear ? ` (${c.plexYear})` : ''} rating key ${c.plexRatingKey} ` +
            `${c.conflictType}, ${c.heldWebhooks} held scrobble(s), ${state}`,
        );
        const candidates = Array.isArray(c.potentialMatches) ? c.potentialMatches : [];
        for (const m of candidates as {
          tvshowId?: number;
          movieId?: number;
          title?: string;
          year?: number | null;
          confidence?: number;
        }[]) {
          const target = c.mediaType === 'movie' ? `movie ${m.movieId}` : `show ${m.tvshowId}`;
          print(
            `    candidate ${target}: ${m.title}${m.year ? ` (${m.year})` : ''} confidence ${m.confidence}`,
          );
        }
      }
      return;
    }
    case 'conflicts:resolve': {
      const { values, positionals } = parse(
        args,
        {
          select: { type: 'string' },
          'select-movie': { type: 'string' },
          'create-new': { type: 'boolean' },
          ignore: { type: 'boolean' },
          title: { type: 'string' },
          'first-aired': { type: 'string' },
          'last-aired': { type: 'string' },
          year: { type: 'string' },
          'tmdb-id': { type: 'string' },
          'tvdb-id': { type: 'string' },
          'imdb-id': { type: 'string' },
        },
        1,
      );
      const conflictId = positiveInt(positionals[0], 'conflict ID');
      const chosen = [
        values.select !== undefined,
        values['select-movie'] !== undefined,
        values['create-new'] === true,
        values.ignore === true,
      ];
      if (chosen.filter(Boolean).length !== 1) {
        throw new UsageError(
          'conflicts:resolve needs exactly one of --select TVSHOW_ID, --select-movie MOVIE_ID, --create-new, --ignore',
        );
      }
      const optionalInt = (key: string) =>
        str(values[key]) === undefined ? undefined : positiveInt(str(values[key]), `--${key}`);
      let body: unknown;
      if (values.select !== undefined) {
        body = { action: 'user_selected', tvshowId: positiveInt(str(values.select), '--select') };
      } else if (values['select-movie'] !== undefined) {
        body = {
          action: 'user_selected',
          movieId: positiveInt(str(values['select-movie']), '--select-movie'),
        };
      } else if (values.ignore) {
        body = { action: 'ignored' };
      } else if (str(values.year) !== undefined) {
        // A new movie (a movie conflict): title and year, like the catalogue's movies.
        if (!str(values.title)) throw new UsageError('--create-new needs --title T --year YYYY');
        if (str(values['first-aired']) || str(values['last-aired']) || str(values['tvdb-id'])) {
          throw new UsageError(
            '--year is for a new movie; --first-aired, --last-aired and --tvdb-id are for a new show',
          );
        }
        body = {
          action: 'user_created_new',
          movie: {
            title: values.title,
            year: positiveInt(str(values.year), '--year'),
            tmdbId: optionalInt('tmdb-id'),
            imdbId: str(values['imdb-id']),
          },
        };
      } else {
        if (!str(values.title) || !str(values['first-aired'])) {
          throw new UsageError(
            '--create-new needs --title T --first-aired YYYY-MM-DD (a show) or --title T --year YYYY (a movie)',
          );
        }
        body = {
          action: 'user_created_new',
          show: {
            title: values.title,
            firstAired: values['first-aired'],
            lastAired: str(values['last-aired']),
            tmdbId: optionalInt('tmdb-id'),
            tvdbId: optionalInt('tvdb-id'),
            imdbId: str(values['imdb-id']),
          },
        };
      }
      const result = await resolveConflict(
        { db: r.db, queue: r.queue, logger: r.logger },
        conflictId,
        body,
      ).catch((err: unknown) => {
        // A show option on a movie conflict (or the reverse): name the CLI options to use.
        const wrongKind = err instanceof HttpError && /is about a (show|movie)/.exec(err.message);
        if (!wrongKind) throw err;
        throw new UsageError(
          `${err.message} (use ${
            wrongKind[1] === 'movie'
              ? '--select-movie MOVIE_ID, or --create-new --title T --year YYYY'
              : '--select TVSHOW_ID, or --create-new --title T --first-aired YYYY-MM-DD'
          })`,
        );
      });
      const { mapping } = result;
      const target =
        mapping.mediaType === 'movie'
          ? mapping.movieId === null
            ? 'ignored movie'
            : `movie ${mapping.movieId}`
          : mapping.tvshowId === null
            ? 'ignored show'
            : `show ${mapping.tvshowId}`;
      print(
        `conflict ${conflictId} resolved (${result.conflict.resolutionAction}): ${mapping.mediaType} mapping ${mapping.id} ` +
          `-> ${target}; ${result.replayed} held scrobble(s) replayed`,
      );
      if (result.replayError) {
        throw new Error(
          `some held scrobbles were not replayed (${result.replayError}); retry with POST /api/conflicts/${conflictId}/replay`,
        );
      }
      return;
    }
    case 'logs:prune': {
      const { values } = parse(args, { days: { type: 'string' } });
      const days = Number(str(values.days));
      // At most a century: far more would be a date before the year -270000, which has no ISO form.
      if (!str(values.days) || !Number.isFinite(days) || days < 0 || days > 36_500)
        throw new UsageError('logs:prune needs --days N (0 <= N <= 36500)');
      const before = new Date(Date.now() - days * 24 * 3600_000);
      const deleted = await pruneWebhookLogs(r.db, before);
      print(
        `deleted ${deleted} webhook log row(s) received before ${before.toISOString()} (held scrobbles kept)`,
      );
      return;
    }
    case 'logs:retry': {
      const { positionals } = parse(args, {}, 1);
      const logId = positiveInt(positionals[0], 'log ID');
      const result = await retryWebhookLog({ db: r.db, queue: r.queue, logger: r.logger }, logId);
      print(
        result.alreadyQueued
          ? `webhook log ${logId} is queued for a retry already (job ${result.id})`
          : `webhook log ${logId} queued again as job ${result.id}`,
      );
      return;
    }
    case 'export': {
      const { values } = parse(args, {
        user: { type: 'string' },
        format: { type: 'string', default: 'json' },
        out: { type: 'string' },
      });
      const userId = positiveInt(str(values.user), '--user');
      const format = str(values.format) as ExportFormat;
      if (!EXPORT_FORMATS.includes(format))
        throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
      const out = str(values.out);
      const { stream, rows } = await openUserExport(r.db, userId, format);
      // The file is opened only once the user is known, so a 404 leaves no empty file behind.
      await pipeline(stream, out ? createWriteStream(out) : process.stdout);
      if (out) print(`exported ${rows()} row(s) of user ${userId} to ${out}`);
      return;
    }
    case 'db:migrate': {
      parse(args, {});
      const { created, applied } = await migrateDeploy(r.config.DATABASE_URL, DEFAULT_PATHS);
      if (created) print('created the database');
      print(
        applied.length
          ? `applied ${applied.length} migration(s): ${applied.join(', ')}`
          : 'database is up to date',
      );
      return;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      print(USAGE);
      return;
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

async function main(): Promise<number> {
  let resources: Resources | undefined;
  try {
    resources = new Resources(loadCliConfig());
    await runCommand(process.argv.slice(2), resources, (line) => process.stdout.write(`${line}\n`));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) process.stderr.write(`error: ${err.message}\n\n${USAGE}\n`);
    else if (err instanceof HttpError) process.stderr.write(`error: ${err.message}\n`);
    else process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await resources?.close().catch(() => undefined);
  }
}

// Exit explicitly: ioredis, the pg pool or the migration engine's timer could keep us alive.
void main().then((code) => process.exit(code));
