// `npm start`: one machine, everything. Checks that PostgreSQL and Redis answer (one line each
// and exit 1 if not), migrates the database (creating it if missing), then runs ingest, worker
// and dashboard as separate processes with prefixed output: human-readable in a terminal
// (pino-pretty), JSON lines otherwise or with LOG_FORMAT=json. Ctrl-C or SIGTERM stops all three
// gracefully; if one dies, the others are stopped too.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describeMissing, preflight } from './preflight';

const ROOT = join(__dirname, '..');
const APPS = ['ingest', 'worker', 'dashboard'] as const;
const COLORS = { ingest: 36, worker: 35, dashboard: 33 } as const;
// Ingest keeps a bounded heap: RSS under load 130-136 MB instead of 215-223 MB, for ~20 % more
// CPU per webhook (docs/PERFORMANCE.md, "Ingest memory"). The same flags are in
// apps/ingest/package.json and docker/ (compose.yml, Dockerfile).
const NODE_FLAGS: Record<(typeof APPS)[number], string[]> = {
  ingest: ['--max-old-space-size=96', '--max-semi-space-size=8'],
  worker: [],
  dashboard: [],
};

type Format = (line: string) => string;

/** JSON lines as they are, or pretty (one line each) in a terminal unless LOG_FORMAT=json;
 * NODE_ENV=production stays JSON. Without pino-pretty (a production install) JSON it is. */
function lineFormat(): Format {
  const format =
    process.env.LOG_FORMAT ??
    (process.stdout.isTTY && process.env.NODE_ENV !== 'production' ? 'pretty' : 'json');
  if (format !== 'pretty') return (line) => line;
  try {
    const { prettyFactory } = require('pino-pretty') as typeof import('pino-pretty');
    const pretty = prettyFactory({
      colorize: Boolean(process.stdout.isTTY),
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,name',
    });
    return (line) => (line.startsWith('{') ? pretty(line).trimEnd() : line);
  } catch {
    return (line) => line;
  }
}
const formatLine = lineFormat();

function prefixLines(name: (typeof APPS)[number], stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) {
  let buffered = '';
  const tag = process.stdout.isTTY
    ? `\x1b[${COLORS[name]}m${name.padEnd(9)}\x1b[0m| `
    : `${name.padEnd(9)}| `;
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) out.write(`${tag}${formatLine(line)}\n`);
  });
}

async function main(): Promise<void> {
  const missing = await preflight(process.env);
  if (missing.length > 0) {
    for (const m of missing) console.error(describeMissing(m));
    process.exit(1);
  }
  const migrate = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'packages/db/src/cli/migrate.ts'), 'deploy'],
    {
      stdio: 'inherit',
      cwd: ROOT,
    },
  );
  if (migrate.status !== 0) {
    console.error('migration failed (see above); DATABASE_URL is used as it is');
    process.exit(1);
  }

  const children = new Map<string, ChildProcess>();
  let stopping = false;

  function stopAll(code: number) {
    if (stopping) return;
    stopping = true;
    for (const child of children.values()) child.kill('SIGTERM');
    const force = setTimeout(() => {
      for (const child of children.values()) child.kill('SIGKILL');
    }, 30_000);
    force.unref();
    const wait = [...children.values()].map(
      (c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('exit', r))),
    );
    void Promise.all(wait).then(() => process.exit(code));
  }

  for (const name of APPS) {
    const child = spawn(
      process.execPath,
      [...NODE_FLAGS[name], '--import', 'tsx', join(ROOT, 'apps', name, 'src', 'main.ts')],
      {
        cwd: ROOT,
        env: process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.set(name, child);
    if (child.stdout) prefixLines(name, child.stdout, process.stdout);
    if (child.stderr) prefixLines(name, child.stderr, process.stderr);
    child.on('exit', (code, signal) => {
      if (!stopping) {
        console.error(`${name} exited (${signal ?? code}); stopping the others`);
        stopAll(1);
      }
    });
  }

  const ingestPort = process.env.INGEST_PORT ?? '3000';
  const dashboardPort = process.env.DASHBOARD_PORT ?? '3001';
  console.log(
    [
      '',
      'plexhook is starting:',
      `  webhook endpoint  http://localhost:${ingestPort}/api/plex/webhook?secret=...  (npm run cli -- user:create --name you)`,
      `  dashboard         http://localhost:${dashboardPort}/  (Bull Board at /admin/queues)`,
      `  worker metrics    http://localhost:${process.env.WORKER_METRICS_PORT ?? '3002'}/metrics`,
      '',
      'next, in another terminal:',
      '  npm run cli -- demo:seed              try it: demo catalogue and a "demo" user with its webhook URL',
      '  npm run cli -- user:create --name you your own user; paste its URL into Plex → Settings → Webhooks',
      '',
    ].join('\n'),
  );

  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));
}

void main();
