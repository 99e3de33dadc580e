// `npm start`: one machine, everything. Migrates the database (creating it if missing), then
// runs ingest, worker and dashboard as separate processes with prefixed output. Ctrl-C or
// SIGTERM stops all three gracefully; if one dies, the others are stopped too.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

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

function prefixLines(name: (typeof APPS)[number], stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) {
  let buffered = '';
  const tag = process.stdout.isTTY
    ? `\x1b[${COLORS[name]}m${name.padEnd(9)}\x1b[0m| `
    : `${name.padEnd(9)}| `;
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) out.write(`${tag}${line}\n`);
  });
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
  console.error('migration failed: is PostgreSQL running and DATABASE_URL right?');
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
  ].join('\n'),
);

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
