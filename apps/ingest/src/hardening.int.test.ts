// Issue 14 items on ingest's own edge, in process against the real PostgreSQL and Redis:
// lockout only for unknown secrets (7), bodies refused at the limit instead of read to the end
// (12), no secret from a mistyped path in any log line (13), and the secret cache served stale
// while the database is away (2; reliability/postgres-stopped.int.test.ts stops a real server).
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { createUserWithSecret, rotateSecret } from '@plexhook/db';
import { Client } from 'pg';
import pino from 'pino';
import { ADMIN_URL, createTestDb, type TestDb } from '../../../test/helpers/db';
import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { createTestQueue, type TestQueue } from '../../../test/helpers/redis';
import { createIngestApp } from './app';
import { IngestConfigSchema } from './config';
import { createIngestMetrics } from './metrics';
import { createSecretLookup } from './secret-cache';

const PAYLOAD_MAX = 65_536;
const THUMB_MAX = 200_000;

let t: TestDb;
let q: TestQueue;
let server: Server;
let base: string;
let port: number;
let secret: string;
const logLines: string[] = [];
/** Every server-side socket, to read how many bytes the server took in. */
const sockets: Socket[] = [];

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('harden'), createTestQueue('harden')]);
  secret = (await createUserWithSecret(t.db, 'alice')).secret;
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  const app = createIngestApp({
    // The default lockout: 30 failures per minute.
    config: IngestConfigSchema.parse({
      PAYLOAD_MAX_BYTES: String(PAYLOAD_MAX),
      THUMB_MAX_BYTES: String(THUMB_MAX),
    }),
    pool: t.pool,
    redis: q.redis,
    queue: q.queue,
    logger: pino({ level: 'debug', redact: ['req.query.secret', 'secret'] }, sink),
    metrics: createIngestMetrics(),
    lookupSecret: createSecretLookup(t.pool, 30_000),
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  server.on('connection', (s) => sockets.push(s));
  port = (server.address() as { port: number }).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await Promise.all([t.drop(), q.cleanup()]);
});

const json = (s: string, body: unknown = buildPlexPayload()) =>
  fetch(`${base}/api/plex/webhook?secret=${encodeURIComponent(s)}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

describe('lockout (7): only unknown secrets are throttled', () => {
  test('31 wrong secrets from one address, then the right one: 200 and queued', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await json(`wrong-${i}`)).status);
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(statuses[30]).toBe(429);
    const res = await json(secret);
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    expect(await q.queue.getJob(id)).toBeDefined();
    // Still locked out for unknown secrets.
    expect((await json('wrong-again')).status).toBe(429);
  });
});

/** Raw HTTP/1.1 over a socket: headers written, then whatever `body` sends. */
function rawRequest(
  head: string,
  body?: (socket: Socket) => void,
): Promise<{ response: string; ms: number; closed: boolean }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let response = '';
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ response, ms: performance.now() - started, closed });
    };
    const timer = setTimeout(() => finish(false), 10_000);
    socket.on('data', (d) => (response += d));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(head);
    body?.(socket);
  });
}

const head = (contentType: string, extra: string, s = secret) =>
  `POST /api/plex/webhook?secret=${s} HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\n${extra}\r\n`;

/** Bytes the server read on the sockets it accepted since `from`. */
const serverBytesRead = (from: number) => sockets.slice(from).reduce((n, s) => n + s.bytesRead, 0);

describe('size limits (12): refused without reading the body', () => {
  test.each([
    ['multipart', 'multipart/form-data; boundary=b'],
    ['JSON', 'application/json'],
  ])('%s declaring 100 MB: 413 at once, connection closed, no body sent', async (_name, type) => {
    for (const s of [secret, 'wrong-secret']) {
      const from = sockets.length;
      const res = await rawRequest(head(type, 'Content-Length: 100000000\r\n', s));
      expect(res.response).toMatch(/^HTTP\/1\.1 413 /);
      expect(res.response).toMatch(/\r\nConnection: close\r\n/i);
      // The server closed the connection by itself, well before the client's 10 s give-up.
      expect(res.closed).toBe(true);
      expect(res.ms).toBeLessThan(2_000);
      expect(serverBytesRead(from)).toBeLessThan(1_000);
    }
  });

  /** Streams chunks of `chunk` until the server closes (or 50 MB); returns what it saw. */
  async function chunkedUpload(type: string, first: string, chunk: Buffer) {
    const from = sockets.length;
    let sent = 0;
    const res = await rawRequest(head(type, 'Transfer-Encoding: chunked\r\n'), (socket) => {
      const frame = (b: Buffer) =>
        Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
      socket.write(frame(Buffer.from(first)));
      const pump = () => {
        while (!socket.destroyed && sent < 50_000_000) {
          sent += chunk.length;
          if (!socket.write(frame(chunk))) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
    // Let the server-side socket settle before reading its counter.
    await new Promise((r) => setTimeout(r, 100));
    return { ...res, sent, read: serverBytesRead(from) };
  }

  test('a chunked JSON body past the limit is cut off at the limit', async () => {
    const r = await chunkedUpload(
      'application/json',
      '{"event":"media.play","x":"',
      Buffer.alloc(16_384, 0x61),
    );
    expect(r.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.response).toMatch(/\r\nConnection: close\r\n/i);
    // The budget is 64 KiB; what the server read past it is what was in flight in one read.
    expect(r.read).toBeLessThan(PAYLOAD_MAX + 512 * 1024);
    expect(r.sent).toBeLessThan(50_000_000);
  });

  test('a chunked multipart thumb past the limit is cut off at the limit', async () => {
    const first =
      `--b\r\nContent-Disposition: form-data; name="payload"\r\n\r\n${JSON.stringify(buildPlexPayload())}\r\n` +
      '--b\r\nContent-Disposition: form-data; name="thumb"; filename="t.jpg"\r\nContent-Type: image/jpeg\r\n\r\n';
    const r = await chunkedUpload('multipart/form-data; boundary=b', first, Buffer.alloc(16_384, 0xff));
    expect(r.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.read).toBeLessThan(PAYLOAD_MAX + THUMB_MAX + 64 * 1024 + 512 * 1024);
    expect(r.sent).toBeLessThan(50_000_000);
  });

  test('a chunked multipart payload field past its limit is cut off within the multipart budget', async () => {
    const first = '--b\r\nContent-Disposition: form-data; name="payload"\r\n\r\n{"event":"media.play","x":"';
    const r = await chunkedUpload('multipart/form-data; boundary=b', first, Buffer.alloc(16_384, 0x61));
    expect(r.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.read).toBeLessThan(PAYLOAD_MAX + THUMB_MAX + 64 * 1024 + 512 * 1024);
  });

  test('bodies within the limits are still accepted, chunked or not', async () => {
    const body = JSON.stringify(buildPlexPayload({ Metadata: { summary: 'x'.repeat(60_000) } }));
    const res = await rawRequest(
      head('application/json', 'Transfer-Encoding: chunked\r\nConnection: close\r\n'),
      (socket) => {
        socket.write(`${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`);
      },
    );
    expect(res.response).toMatch(/^HTTP\/1\.1 200 /);
    const form = new FormData();
    form.set('payload', JSON.stringify(buildPlexPayload()));
    form.set('thumb', new Blob([new Uint8Array(THUMB_MAX - 10)], { type: 'image/jpeg' }), 't.jpg');
    const multipart = await fetch(`${base}/api/plex/webhook?secret=${secret}`, {
      method: 'POST',
      body: form,
    });
    expect(multipart.status).toBe(200);
  });
});

describe('no secret in logs (13)', () => {
  test('a secret in a mistyped path never reaches a log line', async () => {
    const enc = encodeURIComponent(secret);
    const paths = [
      `/api/plex/webhook%3Fsecret=${secret}`,
      `/api/plex/webhook%3fsecret%3d${enc}`,
      `/api/plex/webhook%253Fsecret%253D${enc}`,
      `/api/plex/webhook/${secret}`,
      `/api/plex/webhook/${enc}/`,
      `/api/plex/webhook&secret=${secret}`,
      `/api/plex/webhooks/${secret}`,
      `/api/plex/${secret}`,
      `/${secret}`,
      `/secret=${secret}`,
      `/a/b/c/d/${secret}`,
    ];
    const before = logLines.length;
    for (const p of paths) {
      for (const method of ['POST', 'GET']) {
        const res = await fetch(`${base}${p}`, { method });
        expect(res.status).toBe(404);
      }
    }
    const lines = logLines.slice(before);
    expect(lines.length).toBe(paths.length * 2);
    const forms = [secret, enc, secret.slice(0, 12), secret.slice(-12)];
    for (const line of lines) for (const f of forms) expect(line).not.toContain(f);
    // Still useful: which route was meant.
    expect(lines.join('')).toContain('/api/plex/webhook/[redacted]');
    expect(lines.join('')).toContain('/api/plex/[redacted]');
  });
});

describe('secret cache while the database is away (2)', () => {
  async function setOnline(online: boolean) {
    const c = new Client({ connectionString: ADMIN_URL });
    await c.connect();
    try {
      await c.query(`ALTER DATABASE "${t.name}" WITH ALLOW_CONNECTIONS ${online}`);
      if (!online) {
        await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [t.name]);
      }
    } finally {
      await c.end();
    }
  }

  test('known secrets served stale while it is away, unknown ones refused; rotation applies once it is back', async () => {
    const bob = await createUserWithSecret(t.db, 'bob');
    const carol = await createUserWithSecret(t.db, 'carol');
    let stale = 0;
    const lookup = createSecretLookup(t.pool, 50, { retryAfterErrorMs: 0, onStale: () => stale++ });
    expect(await lookup(bob.secret)).toBe(bob.id);
    expect(await lookup(carol.secret)).toBe(carol.id);
    // Rotated while the database answers: the old secret is refused after the TTL...
    const carolNew = (await rotateSecret(t.db, carol.id)) as string;
    await new Promise((r) => setTimeout(r, 80));
    expect(await lookup(carol.secret)).toBeNull();
    await t.db.$disconnect();
    await setOnline(false);
    try {
      await new Promise((r) => setTimeout(r, 80));
      // ...and not revived by an outage. Bob's expired entry is served; unknown secrets throw.
      expect(await lookup(bob.secret)).toBe(bob.id);
      expect(await lookup(bob.secret)).toBe(bob.id);
      expect(stale).toBe(2);
      await expect(lookup(carol.secret)).rejects.toThrow();
      await expect(lookup(carolNew)).rejects.toThrow();
      await expect(lookup('never-seen')).rejects.toThrow();
    } finally {
      await setOnline(true);
    }
    expect(await lookup(carolNew)).toBe(carol.id);
    expect(await lookup(carol.secret)).toBeNull();
    expect(await lookup(bob.secret)).toBe(bob.id);
    expect(stale).toBe(2);
  });
});
