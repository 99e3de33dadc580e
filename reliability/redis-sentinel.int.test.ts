// Redis behind Sentinel (a master, a replica, three sentinels, all private processes) while
// webhooks keep arriving through the real ingest and worker processes: the master is killed
// with SIGKILL (the sentinels promote the replica; the old master comes back as its replica),
// then a `SENTINEL FAILOVER` moves the master back. Ingest waits for a replica's WAIT before it
// answers 200 (REDIS_WAIT_REPLICAS=1) and spools what it cannot queue or replicate: every
// accepted webhook ends as exactly one log row.
import { createUserWithSecret } from '@plexhook/db';
import { createTestDb, type TestDb } from '../test/helpers/db';
import { waitFor } from '../test/helpers/wait';
import { postWebhook, recordResult, type Stack, startStack } from './harness';
import { SentinelSet } from './redis-topologies';
import { SCALE, scrobble, seedMappedShows, tally } from './seed';

// The restarted master resyncs once a sentinel notices it and sends REPLICAOF: seconds on an
// idle machine, much longer on two cores running the whole suite.
const LINK_UP_MS = 90_000;
let t: TestDb;
let set: SentinelSet;
let stack: Stack;

beforeAll(async () => {
  [t, set] = await Promise.all([createTestDb('sentinel'), SentinelSet.start()]);
});
afterAll(async () => {
  await stack?.stop();
  await set?.destroy();
  await t?.drop();
});

test('Sentinel: master killed, then SENTINEL FAILOVER, while webhooks arrive: 0 lost, 0 doubled', async () => {
  const PHASE = 100 * SCALE;
  const SHOWS = 20;
  const PHASES = 6;
  const user = await createUserWithSecret(t.db, 'sentinel');
  await seedMappedShows(t.db, user.id, SHOWS, Math.ceil((PHASES * PHASE) / SHOWS));
  const env = {
    DATABASE_URL: t.url,
    // Only the scheme, user and password are read from REDIS_URL in Sentinel mode.
    REDIS_URL: 'redis://127.0.0.1',
    REDIS_SENTINELS: set.list,
    REDIS_SENTINEL_NAME: set.name,
    REDIS_WAIT_REPLICAS: '1',
    QUEUE_PREFIX: 'sentinel',
  };
  stack = await startStack(env, 2);

  const accepted: string[] = [];
  let spooled = 0;
  let sent = 0;
  // Steady arrivals (10 at a time), in the background while the faults happen.
  const send = async (n: number) => {
    for (let i = 0; i < n; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, () => postWebhook(stack.ingestUrl, user.secret, scrobble(sent++, SHOWS))),
      );
      for (const r of batch) {
        if (r.status === 200 && r.id) accepted.push(r.id);
        if (r.spooled) spooled++;
      }
    }
  };

  const perPhase: number[] = [];
  const phaseDone = () => perPhase.push(spooled - perPhase.reduce((a, b) => a + b, 0));
  await send(PHASE); // master up
  phaseDone();
  const first = await set.masterPort();
  // kill -9 of the master while a phase is being sent.
  const during = send(PHASE);
  await set.node(first).kill();
  const killedAt = Date.now();
  const second = await set.waitForNewMaster(first);
  const promotedMs = Date.now() - killedAt;
  await during;
  phaseDone();
  const spooledAfterKill = spooled;
  // The old master comes back (from its AOF) and is made a replica of the new one.
  await set.node(first).up();
  await waitFor(() => set.linkUp(), LINK_UP_MS);
  await send(PHASE);
  phaseDone();
  // A planned failover back, while a phase is being sent.
  const during2 = send(PHASE);
  await set.failover();
  const third = await set.waitForNewMaster(second);
  await during2;
  phaseDone();
  await send(PHASE);
  phaseDone();
  // Replication back (the demoted master resynced): steady state again.
  await waitFor(() => set.linkUp(), LINK_UP_MS);
  await send(PHASE);
  phaseDone();

  await waitFor(async () => (await t.db.plexWebhookLog.count()) >= accepted.length, 120_000).catch(
    async (err: Error) => {
      // Say where the missing ones are before failing: in Redis (which state), or nowhere.
      const logged = new Set(
        (await t.db.plexWebhookLog.findMany({ select: { jobId: true } })).map((l) => l.jobId),
      );
      const missing = accepted.filter((id) => !logged.has(id));
      const master = set.node(await set.masterPort()).client();
      const states = await Promise.all(
        missing.slice(0, 20).map(async (id) => {
          const h = await master.hgetall(`sentinel:plex-webhooks:${id}`);
          return `${id}: ${Object.keys(h).length ? `in Redis (attemptsMade ${h.atm ?? '?'}, finishedOn ${h.finishedOn ?? '-'}, failedReason ${h.failedReason ?? '-'})` : 'not in Redis'}`;
        }),
      );
      const counts = await Promise.all(
        ['wait', 'active', 'delayed', 'failed', 'completed', 'prioritized'].map(async (k) => {
          const key = `sentinel:plex-webhooks:${k}`;
          const type = await master.type(key);
          const n = type === 'list' ? await master.llen(key) : type === 'zset' ? await master.zcard(key) : 0;
          return `${k} ${n}`;
        }),
      );
      master.disconnect();
      if (process.env.SENTINEL_DEBUG_DIR) {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(`${process.env.SENTINEL_DEBUG_DIR}/ingest.log`, stack.ingest.output());
        for (const [i, w] of stack.workers.entries()) {
          writeFileSync(`${process.env.SENTINEL_DEBUG_DIR}/worker-${i}.log`, w.output());
        }
      }
      throw new Error(
        `${err.message}; ${missing.length} accepted webhooks without a row; queue: ${counts.join(', ')}; ${states.join('; ')}; ingest: ${stack.ingest.output().slice(-3000)}`,
      );
    },
  );
  await new Promise((r) => setTimeout(r, 1500)); // a double drain would add rows here
  const r = await tally(t.db, user.id, accepted);
  const extra = (await t.db.plexWebhookLog.count()) - r.logRows;

  await recordResult('redis-sentinel', {
    fault: 'Sentinel: master SIGKILLed (replica promoted), then SENTINEL FAILOVER back, under load',
    sent,
    accepted: accepted.length,
    ...r,
    notes: `master ${first} -> ${second} (promoted ${Math.round(promotedMs / 100) / 10} s after the kill) -> ${third}; ${spooled} answered from the spool (per phase of ${PHASE}: steady, master killed, old master back as replica, SENTINEL FAILOVER, right after it, once replication is back: ${perPhase.join(', ')}), REDIS_WAIT_REPLICAS=${env.REDIS_WAIT_REPLICAS}; ${extra} rows outside the accepted ids`,
  });
  expect(third).toBe(first);
  expect(accepted).toHaveLength(sent);
  expect(spooledAfterKill).toBeGreaterThan(0);
  expect(r.lost).toBe(0);
  expect(extra).toBe(0);
  expect(r.marked).toBe(sent);
  expect(r.watches).toBe(sent);
  expect(r.doubleMarked).toBe(0);
}, 300_000);
