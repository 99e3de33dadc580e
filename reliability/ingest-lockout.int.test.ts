// One stale webhook URL behind a shared address must not lock everyone else behind it out
// (issue 14 item 7: after 30 wrong secrets from one address, the right secret from it got 429
// for a minute). The real ingest process with its default limit (30 failures a minute per
// address): wrong secrets are throttled, a known secret from the same address is answered 200
// and queued, every time.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUserWithSecret } from '@plexhook/db';
import { createTestDb, type TestDb } from '../test/helpers/db';
import { type AppProcess, spawnApp } from '../test/helpers/processes';
import { createTestQueue, type TestQueue } from '../test/helpers/redis';
import { waitFor } from '../test/helpers/wait';
import { postWebhook, recordResult } from './harness';
import { SCALE, scrobble } from './seed';

let t: TestDb | undefined;
let q: TestQueue | undefined;
let ingest: AppProcess | undefined;
let spoolDir: string | undefined;

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('lockout'), createTestQueue('lockout')]);
  spoolDir = await mkdtemp(join(tmpdir(), 'plexhook-spool-'));
});
afterAll(async () => {
  await ingest?.stop();
  if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  await q?.cleanup();
  await t?.drop();
});

test('31+ wrong secrets from one address, then the right one from the same address: 200 and queued', async () => {
  const queue = q as TestQueue;
  const user = await createUserWithSecret((t as TestDb).db, 'lockout');
  const env: Record<string, string> = {
    DATABASE_URL: (t as TestDb).url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: queue.prefix,
    INGEST_PORT: '0',
    SPOOL_DIR: spoolDir as string,
    // The default (apps/ingest/src/config.ts), whatever the environment running the tests says.
    AUTH_FAILURES_PER_MINUTE: '30',
  };
  const proc = spawnApp('ingest', env);
  ingest = proc;
  const port = await waitFor(
    async () => /ingest listening on http:\/\/localhost:(\d+)/.exec(proc.output())?.[1],
    30_000,
  );
  const url = `http://127.0.0.1:${port}`;

  const WRONG = 31 + 10 * SCALE;
  const wrong: number[] = [];
  for (let i = 0; i < WRONG; i++)
    wrong.push((await postWebhook(url, `stale-url-${i}`, scrobble(i, 10))).status);
  // Known secret, same address, interleaved with further wrong ones: always accepted.
  const right: { status: number; id?: string }[] = [];
  const wrongAfter: number[] = [];
  for (let i = 0; i < 5 * SCALE; i++) {
    right.push(await postWebhook(url, user.secret, scrobble(i, 10)));
    wrongAfter.push((await postWebhook(url, `stale-url-again-${i}`, scrobble(i, 10))).status);
  }
  let queued = 0;
  for (const r of right) if (r.id && (await queue.queue.getJob(r.id))) queued++;
  const count = (xs: number[]) => {
    const o: Record<number, number> = {};
    for (const s of xs) o[s] = (o[s] ?? 0) + 1;
    return Object.entries(o)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
  };
  const ok = right.filter((r) => r.status === 200 && r.id).length;
  await recordResult('ingest-lockout', {
    kind: 'ingest',
    fault: `${WRONG} wrong secrets from one address, then the right secret from the same address (default limit 30/min)`,
    sent: right.length,
    accepted: ok,
    logRows: queued,
    watches: 0,
    duplicates: 0,
    lost: ok - queued,
    doubleMarked: 0,
    notes: `wrong secrets ${count(wrong)}; right secret afterwards ${count(right.map((r) => r.status))}, ${queued} in the queue; wrong secrets in between ${count(wrongAfter)}`,
  });
  expect(wrong.slice(0, 30)).toEqual(Array(30).fill(401));
  expect(wrong.slice(30)).toEqual(Array(WRONG - 30).fill(429));
  expect(right.map((r) => r.status)).toEqual(Array(right.length).fill(200));
  expect(queued).toBe(right.length);
  expect(wrongAfter).toEqual(Array(wrongAfter.length).fill(429));
}, 120_000);
