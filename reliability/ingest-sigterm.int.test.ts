// SIGTERM to the real ingest process under keep-alive load (issue 14 item 5). Before the fix
// `server.close()` kept serving requests on open keep-alive connections for as long as clients
// kept sending (13,559 answered after SIGTERM, no exit after 10 s, 498 reset by the SIGKILL).
// Now: the process exits by itself within INGEST_SHUTDOWN_TIMEOUT_MS (plus a margin for the
// spool, Redis and pool to close), each connection gets at most the one answer it was waiting
// for, and every webhook answered 200 is in the queue (or, if it was spooled, in the spool).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUserWithSecret } from '@plexhook/db';
import { createTestDb, type TestDb } from '../test/helpers/db';
import { type AppProcess, spawnApp } from '../test/helpers/processes';
import { createTestQueue, type TestQueue } from '../test/helpers/redis';
import { waitFor } from '../test/helpers/wait';
import { recordResult } from './harness';
import { SCALE, scrobble } from './seed';

let t: TestDb | undefined;
let q: TestQueue | undefined;
let ingest: AppProcess | undefined;
let spoolDir: string | undefined;

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('sigterm'), createTestQueue('sigterm')]);
  spoolDir = await mkdtemp(join(tmpdir(), 'plexhook-spool-'));
});
afterAll(async () => {
  await ingest?.stop('SIGKILL');
  if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  await q?.cleanup();
  await t?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Outcome =
  | { kind: 'answer'; status: number; id?: string; spooled?: boolean; at: number; close: boolean }
  | { kind: 'error'; code: string; at: number; reused: boolean };

/** One POST on the keep-alive agent; `reused` says the request went out on an open connection. */
function post(agent: Agent, port: number, secret: string, body: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/api/plex/webhook?secret=${encodeURIComponent(secret)}`,
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let parsed: { id?: string; spooled?: boolean } = {};
          try {
            parsed = JSON.parse(text);
          } catch {}
          resolve({
            kind: 'answer',
            status: res.statusCode ?? 0,
            id: parsed.id,
            spooled: parsed.spooled,
            at: Date.now(),
            close: res.headers.connection === 'close',
          });
        });
        res.on('error', (err: NodeJS.ErrnoException) =>
          resolve({ kind: 'error', code: err.code ?? err.message, at: Date.now(), reused: true }),
        );
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ kind: 'error', code: err.code ?? err.message, at: Date.now(), reused: req.reusedSocket }),
    );
    req.end(body);
  });
}

test('SIGTERM under keep-alive load: exits within the bound, every 200 queued, at most one answer per connection after it', async () => {
  const db = (t as TestDb).db;
  const queue = q as TestQueue;
  const CONNECTIONS = 32;
  const TIMEOUT_MS = 4_000;
  const MARGIN_MS = 4_000;
  const LOAD_MS = 3_000 * SCALE;
  const user = await createUserWithSecret(db, 'sigterm');
  ingest = spawnApp('ingest', {
    DATABASE_URL: (t as TestDb).url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: queue.prefix,
    INGEST_PORT: '0',
    SPOOL_DIR: spoolDir as string,
    INGEST_SHUTDOWN_TIMEOUT_MS: String(TIMEOUT_MS),
  });
  const proc = ingest;
  const port = Number(
    await waitFor(
      async () => /ingest listening on http:\/\/localhost:(\d+)/.exec(proc.output())?.[1],
      30_000,
    ),
  );
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    proc.child.once('exit', (code) => resolve({ code, at: Date.now() })),
  );
  let gone = false;
  void exited.then(() => {
    gone = true;
  });

  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const outcomes: Outcome[] = [];
  let n = 0;
  const loops = Array.from({ length: CONNECTIONS }, async () => {
    // Each loop keeps one connection busy; after an error it would open a new one, which the
    // closed listener refuses: stop at the first refusal, or when the process is gone.
    while (!gone) {
      const o = await post(agent, port, user.secret, JSON.stringify(scrobble(n++, 50)));
      outcomes.push(o);
      if (o.kind === 'error' && o.code === 'ECONNREFUSED') break;
    }
  });
  await sleep(LOAD_MS);
  const sigtermAt = Date.now();
  const answeredBefore = outcomes.filter((o) => o.kind === 'answer').length;
  proc.child.kill('SIGTERM');
  let giveUp: NodeJS.Timeout | undefined;
  const exit = await Promise.race([
    exited,
    new Promise<null>((r) => {
      giveUp = setTimeout(() => r(null), TIMEOUT_MS + 20_000);
    }),
  ]);
  clearTimeout(giveUp);
  gone = true;
  await Promise.all(loops);
  agent.destroy();
  expect(exit).not.toBeNull();
  const exitMs = (exit?.at ?? Date.now()) - sigtermAt;

  const answers = outcomes.filter((o): o is Extract<Outcome, { kind: 'answer' }> => o.kind === 'answer');
  const errors = outcomes.filter((o): o is Extract<Outcome, { kind: 'error' }> => o.kind === 'error');
  const ok = answers.filter((a) => a.status === 200 && a.id);
  const afterSigterm = answers.filter((a) => a.at >= sigtermAt);
  const closing = answers.filter((a) => a.close).length;
  const errorsByCode: Record<string, number> = {};
  for (const e of errors) errorsByCode[e.code] = (errorsByCode[e.code] ?? 0) + 1;
  // A request written to an open connection and then cut: what a client would count as lost.
  const resets = errors.filter((e) => e.code !== 'ECONNREFUSED');

  // Every 200: a job in Redis, or a line in the spool (drained at the next start).
  const spoolText = (
    await Promise.all(
      (await readdir(spoolDir as string)).map((f) => readFile(join(spoolDir as string, f), 'utf8')),
    )
  ).join('');
  let inQueue = 0;
  let inSpool = 0;
  for (const a of ok) {
    if (await queue.queue.getJob(a.id as string)) inQueue++;
    else if (spoolText.includes(a.id as string)) inSpool++;
  }
  const lost = ok.length - inQueue - inSpool;
  const statuses: Record<number, number> = {};
  for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  const output = proc.output();

  await recordResult('ingest-sigterm', {
    kind: 'ingest',
    fault: `SIGTERM to ingest under keep-alive load (${CONNECTIONS} connections)`,
    // Requests written; a connection the closed listener refused carried none.
    sent: outcomes.length - (errorsByCode.ECONNREFUSED ?? 0),
    accepted: ok.length,
    logRows: inQueue + inSpool,
    watches: 0,
    duplicates: 0,
    lost,
    doubleMarked: 0,
    notes:
      `exit code ${exit?.code} ${(exitMs / 1000).toFixed(1)} s after SIGTERM (INGEST_SHUTDOWN_TIMEOUT_MS ${TIMEOUT_MS / 1000} s); ` +
      `${answeredBefore} answered before it, ${afterSigterm.length} after (${closing} with Connection: close, at most one per connection); ` +
      `answers ${Object.entries(statuses)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')}; ${inQueue} of the 200s in the queue, ${inSpool} in the spool; ` +
      `${resets.length} requests cut on an open connection (${resets.filter((e) => e.reused).length} on a reused one), ${errorsByCode.ECONNREFUSED ?? 0} new connections refused after the listener closed`,
  });

  expect(exit?.code).toBe(0);
  expect(exitMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
  expect(output).toMatch(/"forced":0[^\n]*http server closed/);
  expect(answeredBefore).toBeGreaterThan(CONNECTIONS);
  expect(ok.length).toBe(answers.length);
  expect(lost).toBe(0);
  // Once shutting down, each connection answers at most one more request (with Connection:
  // close), then closes. (Answers without it that arrive after the kill were given before
  // the process handled the signal.)
  expect(closing).toBeLessThanOrEqual(CONNECTIONS);
  expect(closing).toBeGreaterThan(0);
  expect(resets).toHaveLength(0);
}, 120_000);
