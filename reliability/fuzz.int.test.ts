// Hostile and malformed input at the HTTP edge and through the worker: no 500, no crash, and
// every webhook answered 200 ends as a log row.
import { type Pipeline, startPipeline } from '../test/helpers/pipeline';
import { buildPlexPayload } from '../test/helpers/plex-payload';
import { waitFor } from '../test/helpers/wait';
import { recordResult } from './harness';
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

let p: Pipeline;
beforeAll(async () => {
  p = await startPipeline('fuzz', { WORKER_CONCURRENCY: '32' });
  p.startWorker();
});
afterAll(() => p.close());

test('fuzzing the webhook: no 500, no crash, every 200 logged', async () => {
  const N = 10_000 * SCALE;
  const { secret } = await p.createUser('fuzz');
  const statuses = new Map<number, number>();
  const byKind = new Map<string, number>();
  const accepted: string[] = [];
  const fivehundreds: string[] = [];
  let next = 0;
  const runOne = async () => {
    while (next < N) {
      const n = next++;
      const input = generate();
      byKind.set(input.kind, (byKind.get(input.kind) ?? 0) + 1);
      const res = await fetch(`${p.ingest.url}/api/plex/webhook?secret=${secret}`, {
        method: 'POST',
        body: input.body,
        headers: input.headers,
      });
      const body = (await res.json().catch(() => ({}))) as { id?: string };
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) fivehundreds.push(`#${n} ${input.kind}: ${res.status}`);
      if (res.status === 200 && body.id) accepted.push(body.id);
    }
  };
  await Promise.all(Array.from({ length: 16 }, runOne));
  await waitFor(async () => (await p.db.plexWebhookLog.count()) >= accepted.length, 120_000).catch(
    async (err) => {
      const logged = new Set(
        (await p.db.plexWebhookLog.findMany({ select: { jobId: true } })).map((l) => l.jobId),
      );
      const missing = accepted.filter((id) => !logged.has(id)).slice(0, 5);
      const jobs = await Promise.all(missing.map((id) => p.q.queue.getJob(id)));
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
  const logged = await p.db.plexWebhookLog.count({ where: { jobId: { in: accepted } } });
  const answered = [...statuses.entries()]
    .sort()
    .map(([s, c]) => `${s}: ${c}`)
    .join(', ');

  await recordResult('fuzz', {
    fault: `fuzz: ${N} malformed webhooks (seed ${SEED})`,
    sent: N,
    accepted: accepted.length,
    logRows: logged,
    watches: 0,
    duplicates: 0,
    lost: accepted.length - logged,
    doubleMarked: 0,
    notes: `answers ${answered}; crashes 0; inputs ${[...byKind.entries()].map(([k, c]) => `${k} ${c}`).join(', ')}`,
  });
  expect(fivehundreds).toEqual([]);
  expect([...statuses.keys()].every((s) => [200, 400, 401, 413, 415].includes(s))).toBe(true);
  expect(accepted.length).toBeGreaterThan(N / 4);
  expect(logged).toBe(accepted.length);
}, 300_000);
