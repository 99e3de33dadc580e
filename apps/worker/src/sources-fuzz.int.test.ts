// Bad input never 500s and never crashes the worker, for the Jellyfin and Emby routes: mutated
// real payloads (fields dropped, retyped, nested, nulled, huge or odd values) through the real
// pipeline. Every answer is 200 or a 4xx with a reason, and every 200 ends in exactly one log row.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Pipeline, startPipeline } from '../../../test/helpers/pipeline';

jest.setTimeout(120_000);

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures');
const fixtures = (dir: string) =>
  readdirSync(join(FIXTURES, dir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(FIXTURES, dir, f), 'utf8')) as Record<string, unknown>);

let p: Pipeline;
beforeAll(async () => {
  p = await startPipeline('sourcesfuzz');
  p.startWorker();
});
afterAll(() => p?.close());

/** A small deterministic PRNG (mulberry32), so a failure reproduces. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD: unknown[] = [
  null,
  '',
  ' ',
  'True',
  'not a number',
  -1,
  0,
  2 ** 31,
  1e308,
  Number.MAX_SAFE_INTEGER,
  [],
  [1, 'a'],
  {},
  { nested: { deeper: [1] } },
  'x'.repeat(5000),
  '\u0000nul',
  '\ud800 lone surrogate',
  '2021-02-30',
  '9999-12-31T23:59:59.9999999Z',
  true,
  false,
];

function mutate(value: unknown, random: () => number, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return random() < 0.3 ? ODD[Math.floor(random() * ODD.length)] : value;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const r = random();
    if (r < 0.1) continue; // dropped
    out[k] = depth < 3 ? mutate(v, random, depth + 1) : v;
  }
  if (random() < 0.1) out.__proto__extra = { polluted: true };
  return out;
}

test.each([
  ['jellyfin', '/api/jellyfin/webhook', 1],
  ['emby', '/api/emby/webhook', 2],
] as const)(
  '%s: 150 mutated payloads, never a 500, every accepted one logged once',
  async (source, path, seed) => {
    const user = await p.createUser(`fuzz-${source}`);
    const bases = fixtures(source);
    const random = rng(seed);
    const accepted: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 150; i++) {
      const base = bases[i % bases.length]!;
      const body = mutate(base, random) as Record<string, unknown>;
      // Keep the event field most of the time, so the adapters and the worker get exercised.
      if (random() < 0.8) {
        if (source === 'jellyfin') body.NotificationType = base.NotificationType;
        else body.Event = base.Event;
      }
      const res = await fetch(`${p.ingest.url}${path}?secret=${user.secret}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': source === 'jellyfin' ? 'text/plain' : 'application/json' },
      });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const answer = (await res.json()) as { id?: string; error?: string };
      expect(res.status === 200 || (res.status >= 400 && res.status < 500)).toBe(true);
      if (res.status === 200) accepted.push(answer.id!);
      else expect(answer.error).toEqual(expect.any(String));
    }
    for (const jobId of accepted) await p.logOf(jobId);
    const rows = await p.db.plexWebhookLog.findMany({ where: { jobId: { in: accepted } } });
    expect(rows).toHaveLength(accepted.length);
    expect(rows.every((r) => r.source === source)).toBe(true);
    // Whatever went in, the worker decided something for each: no row is missing a status.
    expect(rows.every((r) => ['success', 'failed', 'ignored', 'duplicate'].includes(r.status))).toBe(true);
    expect(accepted.length).toBeGreaterThan(50);
    const byStatus: Record<string, number> = {};
    for (const r of rows)
      byStatus[`${r.status}/${r.actionTaken}`] = (byStatus[`${r.status}/${r.actionTaken}`] ?? 0) + 1;
    if (process.env.SHOW_FUZZ) console.log(source, Object.fromEntries(statuses), byStatus);
  },
);
