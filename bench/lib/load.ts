// Load generation with autocannon's programmatic API, from pre-built bodies: each request takes
// the next body (and the webhook URL of the user that scrobble belongs to).
import http from 'node:http';
import autocannon from 'autocannon';
import { type BenchContext, webhookPath } from './context';
import { BOUNDARY, MULTIPART_HEADERS, multipartBody, realisticPayload, scrobbleRef } from './payload';

export type Bodies = { bodies: Buffer[]; paths: string[]; thumb?: Buffer };

/** `count` distinct scrobble bodies (3 KB of JSON each), numbered from `offset`. */
export function buildBodies(ctx: BenchContext, count: number, offset: number, thumb?: Buffer): Bodies {
  const bodies: Buffer[] = new Array(count);
  const paths: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const ref = scrobbleRef(i);
    bodies[i] = multipartBody(realisticPayload(i, ctx.seeded.showTitles[ref.show]!, offset));
    paths[i] = webhookPath(ctx, ref.user);
  }
  return thumb ? { bodies, paths, thumb: thumbTail(thumb) } : { bodies, paths };
}

// A body with a thumb is the payload body with its closing boundary replaced by the file part.
function thumbTail(thumb: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="thumb"; filename="thumb.jpg"\r\n` +
        'Content-Type: image/jpeg\r\n\r\n',
    ),
    thumb,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}
const CLOSING = Buffer.byteLength(`--${BOUNDARY}--\r\n`);

export type LoadOptions = {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  overallRate?: number;
};

export async function runLoad(opts: LoadOptions, b: Bodies): Promise<autocannon.Result> {
  let next = 0;
  const n = b.bodies.length;
  return autocannon({
    url: opts.url,
    connections: opts.connections,
    ...(opts.duration !== undefined ? { duration: opts.duration } : {}),
    ...(opts.amount !== undefined ? { amount: opts.amount } : {}),
    ...(opts.overallRate !== undefined ? { overallRate: opts.overallRate } : {}),
    timeout: 10,
    method: 'POST',
    headers: MULTIPART_HEADERS,
    requests: [
      {
        method: 'POST',
        setupRequest(req) {
          const k = next++ % n;
          const body = b.thumb
            ? Buffer.concat([b.bodies[k]!.subarray(0, b.bodies[k]!.length - CLOSING), b.thumb])
            : b.bodies[k]!;
          return { ...req, path: b.paths[k]!, body, headers: MULTIPART_HEADERS };
        },
      },
    ],
  });
}

export function summarize(r: autocannon.Result) {
  return {
    requests: r.requests.total,
    seconds: r.duration,
    reqPerSec: r.requests.total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    ok2xx: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])),
  };
}
export type LoadSummary = ReturnType<typeof summarize>;

/**
 * A steady stream: request i leaves at start + i / rate seconds, whatever the answers do (an
 * open-loop load, as Plex servers send). autocannon's `overallRate` sends each second's quota
 * at the start of that second instead, in bursts, which measures queueing behind the burst.
 */
export async function runPaced(
  opts: { url: string; rate: number; seconds: number },
  b: Bodies,
): Promise<LoadSummary> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const total = Math.round(opts.rate * opts.seconds);
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  const send = (k: number) =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const body = b.bodies[k % b.bodies.length]!;
      const req = http.request(
        `${opts.url}${b.paths[k % b.paths.length]}`,
        {
          method: 'POST',
          agent,
          headers: { ...MULTIPART_HEADERS, 'content-length': body.length },
          timeout: 10_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - started);
            statusCodes[res.statusCode ?? 0] = (statusCodes[res.statusCode ?? 0] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(send(i));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((x, y) => x - y);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  const ok2xx = Object.entries(statusCodes).reduce((a, [k, v]) => (k.startsWith('2') ? a + v : a), 0);
  return {
    requests: total,
    seconds,
    reqPerSec: total / seconds,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    maxMs: latencies.at(-1) ?? 0,
    ok2xx,
    non2xx: latencies.length - ok2xx,
    errors,
    timeouts: 0,
    statusCodes,
  };
}
