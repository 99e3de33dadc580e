// TLS to Redis (rediss://), for real when this redis-server was built with TLS (Debian's is):
// a self-signed certificate made with openssl in a temp dir, trusted by the apps through
// NODE_EXTRA_CA_CERTS, and servers that have no plain-text port at all. The real ingest and
// worker queue and process webhooks over TLS to one server, to a Sentinel set (TLS to the
// sentinels, the master and between them) and to a Cluster (TLS between the nodes too); without
// the CA the certificate is refused.
import { rm } from 'node:fs/promises';
import { createUserWithSecret } from '@plexhook/db';
import { Redis } from 'ioredis';
import { createTestDb, type TestDb } from '../test/helpers/db';
import { spawnApp } from '../test/helpers/processes';
import { waitFor } from '../test/helpers/wait';
import { freePort, postWebhook, recordResult, startStack } from './harness';
import {
  RedisClusterSet,
  RedisNode,
  redisHasTls,
  SentinelSet,
  selfSignedCert,
  type TlsFiles,
  tlsProbe,
  tlsServerArgs,
} from './redis-topologies';
import { scrobble, seedMappedShows, tally } from './seed';

let t: TestDb;
let tls: TlsFiles;
let hasTls = false;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  [t, tls, hasTls] = await Promise.all([createTestDb('redistls'), selfSignedCert(), redisHasTls()]);
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await rm(tls.dir, { recursive: true, force: true });
  await t?.drop();
});

const N = 60;
const SHOWS = 6;
const results: string[] = [];

/** N webhooks through ingest and a worker with `redisEnv`; every one must be logged once. */
async function flow(name: string, redisEnv: { REDIS_URL: string; [name: string]: string }) {
  const user = await createUserWithSecret(t.db, name);
  await seedMappedShows(t.db, user.id, SHOWS, N / SHOWS);
  const stack = await startStack(
    { DATABASE_URL: t.url, QUEUE_PREFIX: name, NODE_EXTRA_CA_CERTS: tls.cert, ...redisEnv },
    1,
  );
  cleanups.push(() => stack.stop());
  const accepted: string[] = [];
  let spooled = 0;
  for (let i = 0; i < N; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: 10 }, (_, k) => postWebhook(stack.ingestUrl, user.secret, scrobble(i + k, SHOWS))),
    );
    for (const r of batch) {
      if (r.status === 200 && r.id) accepted.push(r.id);
      if (r.spooled) spooled++;
    }
  }
  await waitFor(async () => (await t.db.plexWebhookLog.count({ where: { userId: user.id } })) >= N, 60_000);
  const r = await tally(t.db, user.id, accepted);
  results.push(`${name}: ${r.logRows}/${N} logged, ${spooled} spooled`);
  expect(accepted).toHaveLength(N);
  expect(r.lost).toBe(0);
  expect(r.logRows).toBe(N);
  expect(r.doubleMarked).toBe(0);
  expect(stack.ingest.output()).toMatch(/redis persistence: AOF on/);
  await stack.stop();
}

test('this redis-server speaks TLS (else the TLS flows below cannot run)', () => {
  // Debian's redis-server links libssl; a build without TLS refuses --tls-port and the flows
  // below would prove nothing: fail loudly instead of skipping quietly.
  expect(hasTls).toBe(true);
});

test('rediss:// to one server: queued and processed over TLS; no CA, no connection', async () => {
  const port = await freePort();
  const node = new RedisNode(port, tls.dir, tlsServerArgs(port, tls, tls.dir), tlsProbe(tls));
  await node.up();
  cleanups.push(() => node.kill());
  await flow('tlsone', { REDIS_URL: `rediss://127.0.0.1:${port}` });

  // Without the CA the self-signed certificate is refused: the connection really is verified.
  const lone = spawnApp('worker', {
    DATABASE_URL: t.url,
    REDIS_URL: `rediss://127.0.0.1:${port}`,
    QUEUE_PREFIX: 'tlsnoca',
    WORKER_METRICS_PORT: '0',
    NODE_EXTRA_CA_CERTS: '',
  });
  cleanups.push(async () => void (await lone.stop('SIGKILL')));
  await waitFor(
    async () => /self[- ]signed certificate|unable to verify|DEPTH_ZERO/i.test(lone.output()),
    20_000,
  );
  results.push('without the CA in NODE_EXTRA_CA_CERTS: the worker refuses the certificate (self-signed)');
  // And a plain-text client gets nothing: the port speaks TLS only.
  const plain = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2_000,
  });
  plain.on('error', () => undefined);
  const answer = await plain
    .connect()
    .then(() => plain.ping())
    .then(String, (err: Error) => `refused: ${err.message}`);
  plain.disconnect();
  expect(answer).not.toBe('PONG');
  results.push(`a plain-text client on the TLS port: ${answer.startsWith('refused') ? 'no answer' : answer}`);
}, 120_000);

test('Sentinel over TLS: sentinels, master and replication all on TLS', async () => {
  const set = await SentinelSet.start('tlsmaster', { tls });
  cleanups.push(() => set.destroy());
  await flow('tlssentinel', {
    REDIS_URL: 'rediss://127.0.0.1',
    REDIS_SENTINELS: set.list,
    REDIS_SENTINEL_NAME: set.name,
    REDIS_WAIT_REPLICAS: '1',
  });
}, 120_000);

test('Cluster over TLS: three masters, cluster bus on TLS', async () => {
  const cluster = await RedisClusterSet.start({ tls });
  cleanups.push(() => cluster.destroy());
  await flow('tlscluster', { REDIS_URL: 'rediss://127.0.0.1', REDIS_CLUSTER_NODES: cluster.list });
  await recordResult('redis-tls', {
    kind: 'check',
    fault: 'Redis over TLS (rediss://, self-signed CA in NODE_EXTRA_CA_CERTS, no plain-text port)',
    checks: results,
  });
}, 120_000);
