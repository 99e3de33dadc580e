// Hostile and malformed input at the HTTP edge and through the worker: no 500, no crash, and
// every webhook answered 200 ends as a log row. Ingest and the worker run as their own
// processes, restarted when they exit (as compose's restart policy would), so a crash is
// counted, not hidden: process exits, connections reset or refused, and 5xx answers.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUserWithSecret } from '@plexhook/db';
import { createTestDb, type TestDb } from '../test/helpers/db';
import { buildPlexPayload } from '../test/helpers/plex-payload';
import { type AppProcess, spawnApp } from '../test/helpers/processes';
import { createTestQueue, TEST_REDIS_URL, type TestQueue } from '../test/helpers/redis';
import { waitFor } from '../test/helpers/wait';
import { freePort, recordResult } from './harness';
import { SCALE } from './seed';

// Deterministic: a failure names its seed and input number, and reruns the same inputs.
const SEED = Number(process.env.FUZZ_SEED ?? 20261127);
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const int = (n: number) => Math.floor(rand() * n);

const STRINGS = [
  '',
  ' ',
  'null',
  '0',
  '-1',
  'NaN',
  '1e309',
  '💥🎬',
  'Pokémon',
  'ア',
  '\u0000',
  '\ud800',
  '<script>alert(1)</script>',
  "'; DROP TABLE users; --",
  '../../etc/passwd',
  '%00',
  'a'.repeat(5000),
];
function randomValue(depth = 0): unknown {
  switch (int(depth > 3 ? 5 : 8)) {
    case 0:
      return pick(STRINGS);
    case 1:
      return rand() * 1e6 - 5e5;
    case 2:
      return pick([true, false, null, 0, -0, 1e308, Number.MAX_SAFE_INTEGER + 2]);
    case 3:
      return String.fromCodePoint(...Array.from({ length: int(30) }, () => int(0x10ffff) & ~0x800));
    case 4:
      return int(100000);
    case 5:
      return Array.from({ length: int(5) }, () => randomValue(depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: int(6) }, () => [
          pick(['event', 'Metadata', 'type', 'index', 'ratingKey', 'Guid', 'x', '__proto__', 'constructor']),
          randomValue(depth + 1),
        ]),
      );
  }
}
function nested(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}
const METADATA_KEYS = [
  'type',
  'ratingKey',
  'grandparentRatingKey',
  'grandparentTitle',
  'index',
  'parentIndex',
  'year',
  'guid',
  'Guid',
  'originallyAvailableAt',
  'lastViewedAt',
  'librarySectionType',
];

type Input = { kind: string; body: NonNullable<RequestInit['body']>; headers?: Record<string, string> };
function multipart(payload: string, extra?: (f: FormData) => void): FormData {
  const f = new FormData();
  f.set('payload', payload);
  extra?.(f);
  return f;
}
function generate(): Input {
  const valid = buildPlexPayload({
    Metadata: { ratingKey: String(int(1e6)), grandparentRatingKey: String(int(1e6)) },
  });
  switch (int(10)) {
    case 0:
      return { kind: 'random JSON', body: multipart(JSON.stringify(randomValue())) };
    case 1: {
      const m = { ...(valid.Metadata as Record<string, unknown>) };
      for (let i = 0; i < 1 + int(3); i++) m[pick(METADATA_KEYS)] = randomValue(2);
      return { kind: 'wrong types', body: multipart(JSON.stringify({ ...valid, Metadata: m })) };
    }
    case 2: {
      const m = { ...(valid.Metadata as Record<string, unknown>) };
      for (let i = 0; i < 1 + int(4); i++) delete m[pick(METADATA_KEYS)];
      return {
        kind: 'missing fields',
        body: multipart(JSON.stringify({ ...valid, Metadata: int(4) ? m : undefined })),
      };
    }
    case 3:
      return {
        kind: 'huge string',
        body: multipart(
          JSON.stringify({ ...valid, huge: 'x'.repeat(pick([1000, 100_000, 250_000, 300_000])) }),
        ),
      };
    case 4:
      return {
        kind: 'deep nesting',
        body: multipart(`{"event":"media.scrobble","deep":${nested(pick([100, 1000, 5000, 50_000]))}}`),
      };
    case 5:
      return {
        kind: 'unicode',
        body: multipart(
          JSON.stringify({ ...valid, Metadata: { ...valid.Metadata, grandparentTitle: randomValue(5) } }),
        ),
      };
    case 6:
      return { kind: 'broken JSON', body: multipart(JSON.stringify(valid).slice(0, int(200))) };
    case 7: {
      const type = pick([
        'text/plain',
        'application/xml',
        'application/x-www-form-urlencoded',
        'application/octet-stream',
        'application/json; charset=latin1',
        'multipart/form-data',
      ]);
      return { kind: 'wrong content type', body: JSON.stringify(valid), headers: { 'content-type': type } };
    }
    case 8:
      return {
        kind: 'JSON body',
        body: JSON.stringify(int(2) ? randomValue() : { ...valid, event: randomValue() }),
        headers: { 'content-type': 'application/json' },
      };
    default:
      return {
        kind: 'extra parts',
        body: multipart(JSON.stringify(valid), (f) => {
          for (let i = 0; i < int(8); i++)
            f.append(pick(['payload', 'thumb', 'x', 'y']), new Blob([new Uint8Array(int(2000))]));
        }),
      };
  }
}

/** An app process that is started again whenever it exits; every exit is recorded. */
type Supervised = { exits: string[]; current: () => AppProcess; stop(): Promise<void> };
function supervise(app: 'ingest' | 'worker', env: Record<string, string>): Supervised {
  const exits: string[] = [];
  let stopping = false;
  let current: AppProcess;
  const start = () => {
    const proc = spawnApp(app, env);
    current = proc;
    proc.child.on('exit', (code, signal) => {
      if (stopping) return;
      exits.push(`${app} exited (code ${code}, signal ${signal}): ${proc.output().slice(-800)}`);
      start();
    });
  };
  start();
  return {
    exits,
    current: () => current,
    async stop() {
      stopping = true;
      await current.stop();
    },
  };
}

/** Why a request got no HTTP answer: ECONNRESET, ECONNREFUSED, UND_ERR_SOCKET, … */
function connectionError(err: unknown): string {
  const e = err as { cause?: { code?: string; message?: string }; code?: string; message?: string };
  return e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? String(err);
}

let t: TestDb;
let q: TestQueue;
let spoolDir: string;
let ingest: Supervised;
let worker: Supervised;
let ingestUrl: string;
beforeAll(async () => {
  [t, q, spoolDir] = await Promise.all([
    createTestDb('fuzz'),
    createTestQueue('fuzz'),
    mkdtemp(join(tmpdir(), 'plexhook-fuzz-spool-')),
  ]);
  const env = { DATABASE_URL: t.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: q.prefix, LOG_LEVEL: 'warn' };
  // A fixed port, so a restarted ingest is found where the clients are sending.
  const port = await freePort();
  ingestUrl = `http://127.0.0.1:${port}`;
  ingest = supervise('ingest', { ...env, INGEST_PORT: String(port), SPOOL_DIR: spoolDir });
  worker = supervise('worker', { ...env, WORKER_METRICS_PORT: '0', WORKER_CONCURRENCY: '32' });
  await waitFor(async () => (await fetch(`${ingestUrl}/readyz`).catch(() => null))?.ok, 30_000);
});
afterAll(async () => {
  await Promise.all([ingest?.stop(), worker?.stop()]);
  await Promise.all([q?.cleanup(), t?.drop(), rm(spoolDir, { recursive: true, force: true })]);
});

test('fuzzing the webhook: no 500, no crash, every 200 logged', async () => {
  const N = 10_000 * SCALE;
  const { secret } = await createUserWithSecret(t.db, 'fuzz');
  const statuses = new Map<number, number>();
  const byKind = new Map<string, number>();
  const accepted: string[] = [];
  const fivehundreds: string[] = [];
  const unanswered: string[] = [];
  let next = 0;
  const runOne = async () => {
    while (next < N) {
      const n = next++;
      const input = generate();
      byKind.set(input.kind, (byKind.get(input.kind) ?? 0) + 1);
      let res: Response;
      try {
        res = await fetch(`${ingestUrl}/api/plex/webhook?secret=${secret}`, {
          method: 'POST',
          body: input.body,
          headers: input.headers,
        });
      } catch (err) {
        unanswered.push(`#${n} ${input.kind}: ${connectionError(err)}`);
        continue;
      }
      const body = (await res.json().catch(() => ({}))) as { id?: string };
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) fivehundreds.push(`#${n} ${input.kind}: ${res.status}`);
      if (res.status === 200 && body.id) accepted.push(body.id);
    }
  };
  await Promise.all(Array.from({ length: 16 }, runOne));
  await waitFor(async () => (await t.db.plexWebhookLog.count()) >= accepted.length, 120_000).catch(
    async (err) => {
      const logged = new Set(
        (await t.db.plexWebhookLog.findMany({ select: { jobId: true } })).map((l) => l.jobId),
      );
      const missing = accepted.filter((id) => !logged.has(id)).slice(0, 5);
      const jobs = await Promise.all(missing.map((id) => q.queue.getJob(id)));
      const states = await Promise.all(jobs.map((j) => j?.getState()));
      throw new Error(
        `${err}: ${accepted.length - logged.size} unlogged, e.g. ${jobs
          .map(
            (j, i) =>
              `${j?.id} ${states[i]} attempts=${j?.attemptsMade} reason=${j?.failedReason} data=${JSON.stringify(j?.data).slice(0, 300)}`,
          )
          .join(' | ')}`,
      );
    },
  );
  const logged = await t.db.plexWebhookLog.count({ where: { jobId: { in: accepted } } });
  const answered = [...statuses.entries()]
    .sort()
    .map(([s, c]) => `${s}: ${c}`)
    .join(', ');
  const crashes = {
    ingestExits: ingest.exits.length,
    workerExits: worker.exits.length,
    connectionErrors: unanswered.length,
    serverErrors: fivehundreds.length,
  };
  const crashCount = Object.values(crashes).reduce((a, b) => a + b, 0);

  await recordResult('fuzz', {
    fault: `fuzz: ${N} malformed webhooks (seed ${SEED})`,
    sent: N,
    accepted: accepted.length,
    logRows: logged,
    watches: 0,
    duplicates: 0,
    lost: accepted.length - logged,
    doubleMarked: 0,
    crashes,
    notes: `answers ${answered}; crashes ${crashCount} (ingest exits ${crashes.ingestExits}, worker exits ${crashes.workerExits}, connections reset or refused ${crashes.connectionErrors}, 5xx ${crashes.serverErrors}); inputs ${[...byKind.entries()].map(([k, c]) => `${k} ${c}`).join(', ')}`,
  });
  expect([...ingest.exits, ...worker.exits]).toEqual([]);
  expect(unanswered.slice(0, 20)).toEqual([]);
  expect(fivehundreds).toEqual([]);
  expect([...statuses.keys()].every((s) => [200, 400, 401, 413, 415].includes(s))).toBe(true);
  expect(accepted.length).toBeGreaterThan(N / 4);
  expect(logged).toBe(accepted.length);
}, 300_000);
