// Many nodes: two ingest processes behind a round-robin proxy and three worker processes, on the
// shared Redis and PostgreSQL (a queue prefix and database of the test's own). Mid-load one
// ingest and one worker are killed with SIGKILL; the killed ingest is started again on its own
// spool directory afterwards (as a StatefulSet pod comes back with its volume), so anything it
// spooled is drained. Every webhook answered 200 must end as exactly one log row and one watch.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUserWithSecret } from '@plexhook/db';
import { createTestDb, type TestDb } from '../test/helpers/db';
import type { AppProcess } from '../test/helpers/processes';
import { createTestQueue, TEST_REDIS_URL, type TestQueue } from '../test/helpers/redis';
import { waitFor } from '../test/helpers/wait';
import { postWebhook, recordResult, type Stack, spawnIngest, startStack } from './harness';
import { type RoundRobinProxy, startRoundRobinProxy } from './round-robin-proxy';
import { SCALE, scrobble, seedMappedShows, tally } from './seed';

let t: TestDb;
let q: TestQueue;
let stack: Stack;
let proxy: RoundRobinProxy;
let second: AppProcess | undefined;
let secondSpool: string;

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('manynodes'), createTestQueue('manynodes')]);
  secondSpool = await mkdtemp(join(tmpdir(), 'plexhook-spool-b-'));
});
afterAll(async () => {
  await proxy?.close();
  await second?.stop();
  await stack?.stop();
  await rm(secondSpool, { recursive: true, force: true });
  await Promise.all([q.cleanup(), t.drop()]);
});

test('2 ingest behind a proxy, 3 workers, one of each SIGKILLed mid-load: every 200 logged once', async () => {
  const N = 300 * SCALE;
  const SHOWS = 40;
  const IN_FLIGHT = 16;
  const user = await createUserWithSecret(t.db, 'many');
  await seedMappedShows(t.db, user.id, SHOWS, Math.ceil(N / SHOWS));
  const env = { DATABASE_URL: t.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: q.prefix };
  stack = await startStack(env, 3);
  const b = await spawnIngest(env, secondSpool);
  second = b.ingest;
  proxy = await startRoundRobinProxy([stack.ingestUrl, b.url]);

  const accepted: string[] = [];
  const statuses = new Map<number, number>();
  let spooled = 0;
  let sent = 0;
  let killedIngestAt = -1;
  let killedWorkerAt = -1;
  const sender = async () => {
    while (sent < N) {
      const n = sent++;
      if (n === Math.floor(N / 3)) {
        killedIngestAt = n;
        b.ingest.child.kill('SIGKILL');
      }
      if (n === Math.floor(N / 2)) {
        killedWorkerAt = n;
        stack.workers[0]?.child.kill('SIGKILL');
      }
      const r = await postWebhook(proxy.url, user.secret, scrobble(n, SHOWS));
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status === 200 && r.id) accepted.push(r.id);
      if (r.spooled) spooled++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
  const sentToB = proxy.counts.get(b.url) ?? 0;
  await second.stop();
  // The killed ingest comes back on its own spool directory: what it spooled is drained.
  const again = await spawnIngest(env, secondSpool);
  second = again.ingest;

  await waitFor(async () => (await t.db.plexWebhookLog.count()) >= accepted.length, 120_000);
  await new Promise((r) => setTimeout(r, 3_000)); // stalled jobs taken over; nothing more may land
  const r = await tally(t.db, user.id, accepted);
  const allRows = await t.db.plexWebhookLog.count();
  const extra = allRows - r.logRows;

  await recordResult('many-nodes', {
    fault: '2 ingest behind a round-robin proxy + 3 workers; one ingest and one worker SIGKILLed mid-load',
    sent: N,
    accepted: accepted.length,
    ...r,
    notes: `ingest B killed at webhook ${killedIngestAt} (${sentToB} answers from it before), worker 1 of 3 at ${killedWorkerAt}; answers ${[...statuses].map(([s, n]) => `${n}× ${s === 0 ? 'no answer' : s}`).join(', ')}; ${proxy.badGateway} cut in flight by the kill (502; upstream errors ${[...proxy.errors].map(([c, n]) => `${n}× ${c}`).join(', ')}), ${extra} of those queued anyway (logged once, not counted as accepted); ${spooled} spooled`,
  });
  expect(killedIngestAt).toBeGreaterThan(0);
  expect(killedWorkerAt).toBeGreaterThan(0);
  expect(sentToB).toBeGreaterThan(0);
  // Only requests in flight to the killed ingest may go unanswered; the rest are accepted.
  expect(accepted.length).toBeGreaterThanOrEqual(N - IN_FLIGHT);
  expect(r.lost).toBe(0);
  expect(r.logRows).toBe(accepted.length);
  expect(r.marked).toBe(accepted.length);
  // Every row, accepted or cut in flight, is one watch of its own episode.
  expect(r.watches).toBe(allRows);
  expect(r.doubleMarked).toBe(0);
  expect(extra).toBeLessThanOrEqual(proxy.badGateway);
}, 300_000);
