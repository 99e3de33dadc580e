// Start-up against a Redis without persistence (issue 14 item 6: such a Redis silently lost
// 1,515 of 6,250 queued webhooks on a restart). The real ingest and worker processes against a
// private redis-server started with `--appendonly no --save ""`: with NODE_ENV=production both
// refuse to start (non-zero exit, the persistence message); with REDIS_ALLOW_NO_PERSISTENCE=true
// they start; outside production they start and log the loud line. Against `--appendonly yes`
// no such line at all.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDb, type TestDb } from '../test/helpers/db';
import { type AppProcess, spawnApp } from '../test/helpers/processes';
import { waitFor } from '../test/helpers/wait';
import { recordResult } from './harness';
import { RedisServer } from './private-servers';

let t: TestDb | undefined;
let none: RedisServer | undefined;
let aof: RedisServer | undefined;
const procs: AppProcess[] = [];
let spoolBase: string | undefined;

beforeAll(async () => {
  spoolBase = await mkdtemp(join(tmpdir(), 'plexhook-persist-'));
  [t, none, aof] = await Promise.all([
    createTestDb('persist'),
    RedisServer.start(['--appendonly', 'no', '--save', '']),
    RedisServer.start(['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '']),
  ]);
});
afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  await Promise.all([none?.stop(), aof?.stop()]);
  await t?.drop();
  if (spoolBase) await rm(spoolBase, { recursive: true, force: true });
});

const OFF = 'REDIS PERSISTENCE OFF';
const REFUSED = /Refusing to start in production/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type App = 'ingest' | 'worker';
type Run = { app: App; exitCode: number | null; output: string };

/** Starts the app and waits until it has decided: exited, or still running after its check. */
async function run(app: App, redisUrl: string, env: Record<string, string>): Promise<Run> {
  const p = spawnApp(app, {
    DATABASE_URL: (t as TestDb).url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `persist-${app}`,
    INGEST_PORT: '0',
    WORKER_METRICS_PORT: '0',
    SPOOL_DIR: join(spoolBase as string, `spool-${procs.length}`),
    NODE_ENV: 'development',
    REDIS_ALLOW_NO_PERSISTENCE: 'false',
    ...env,
  });
  procs.push(p);
  const exited = new Promise<number | null>((r) => p.child.once('exit', (code) => r(code)));
  // The check's outcome is logged (AOF on / OFF) or the process exits.
  const decided = await Promise.race([
    exited.then(() => 'exited' as const),
    waitFor(async () => /redis persistence: AOF on|REDIS PERSISTENCE/.test(p.output()), 60_000).then(
      () => 'logged' as const,
    ),
  ]);
  if (decided === 'logged') {
    // Still running some time after the check (and, for ingest, listening)?
    if (app === 'ingest')
      await waitFor(async () => /ingest listening/.test(p.output()) || p.child.exitCode !== null, 30_000);
    await Promise.race([exited, sleep(2_000)]);
  } else {
    await exited;
  }
  const exitCode = p.child.exitCode;
  const output = p.output();
  if (exitCode === null) await p.stop();
  return { app, exitCode, output };
}

const errorLines = (out: string) =>
  out
    .split('\n')
    .filter(
      (l) => l.includes(OFF) && (l.includes('"level":50') || l.includes('"level":60') || REFUSED.test(l)),
    );

test('Redis without persistence: refused in production, allowed when told, loud elsewhere; silent with AOF', async () => {
  const noneUrl = (none as RedisServer).url;
  const aofUrl = (aof as RedisServer).url;
  const cases: { name: string; url: string; env: Record<string, string> }[] = [
    { name: 'no persistence, NODE_ENV=production', url: noneUrl, env: { NODE_ENV: 'production' } },
    {
      name: 'no persistence, production, REDIS_ALLOW_NO_PERSISTENCE=true',
      url: noneUrl,
      env: { NODE_ENV: 'production', REDIS_ALLOW_NO_PERSISTENCE: 'true' },
    },
    { name: 'no persistence, NODE_ENV=development', url: noneUrl, env: {} },
    { name: 'appendonly yes, NODE_ENV=production', url: aofUrl, env: { NODE_ENV: 'production' } },
  ];
  const results: { name: string; runs: Run[] }[] = [];
  // One case at a time (two processes each): the machine is shared.
  for (const c of cases) {
    results.push({
      name: c.name,
      runs: await Promise.all((['ingest', 'worker'] as const).map((a) => run(a, c.url, c.env))),
    });
  }
  const describe = (r: Run) =>
    `${r.app} ${r.exitCode === null ? 'started' : `exited ${r.exitCode}`}${errorLines(r.output).length ? ', persistence error line' : ''}${REFUSED.test(r.output) ? ' (refused)' : ''}`;
  await recordResult('redis-persistence', {
    kind: 'check',
    fault: 'start-up against a private redis-server without persistence (appendonly no, save "")',
    checks: results.map((r) => `${r.name}: ${r.runs.map(describe).join('; ')}`),
  });

  const [prod, allowed, dev, withAof] = results.map((r) => r.runs);
  for (const r of prod ?? []) {
    expect({ app: r.app, exitCode: r.exitCode }).toEqual({ app: r.app, exitCode: 1 });
    expect(r.output).toContain(OFF);
    expect(r.output).toMatch(REFUSED);
  }
  for (const r of [...(allowed ?? []), ...(dev ?? [])]) {
    expect({ app: r.app, exitCode: r.exitCode }).toEqual({ app: r.app, exitCode: null });
    expect(errorLines(r.output)).toHaveLength(1);
    expect(r.output).not.toMatch(REFUSED);
  }
  for (const r of withAof ?? []) {
    expect({ app: r.app, exitCode: r.exitCode }).toEqual({ app: r.app, exitCode: null });
    expect(r.output).not.toContain('REDIS PERSISTENCE');
    expect(r.output).toContain('redis persistence: AOF on');
  }
}, 300_000);
