// Renders docs/RELIABILITY.md from the rows the reliability suites wrote to reliability/results/.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Row = {
  /** Absent: a fault through ingest and workers (log rows); `ingest`: ingest alone (the queue);
   * `check`: a start-up behaviour, as a list of outcomes. */
  kind?: 'ingest' | 'check';
  fault: string;
  sent: number;
  accepted: number;
  logRows: number;
  watches: number;
  duplicates: number;
  lost: number;
  doubleMarked: number;
  notes?: string;
  checks?: string[];
  command?: string;
  scale?: number;
  at: string;
};

const dir = join(__dirname, 'results');
const ORDER = [
  'worker-crash',
  'worker-stalls',
  'redis-outage',
  'postgres-outage',
  'postgres-stopped',
  'dead-letter',
  'redis-oom',
  'duplicates',
  'fuzz',
  'ingest-sigterm',
  'ingest-lockout',
  'redis-persistence',
  'redis-sentinel',
  'redis-cluster',
  'many-nodes',
  'redis-tls',
];
const read = (d: string, keep: (file: string) => boolean = () => true) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.json') && keep(f))
    .sort((a, b) => ORDER.indexOf(a.replace('.json', '')) - ORDER.indexOf(b.replace('.json', '')))
    .map((f) => JSON.parse(readFileSync(join(d, f), 'utf8')) as Row);
// `*-long` results are runs by hand; the ones kept are committed in reliability/manual/.
const rows = read(dir, (f) => !f.includes('-long'));
const faults = rows.filter((r) => r.kind === undefined);
const ingestRows = rows.filter((r) => r.kind === 'ingest');
const checks = rows.filter((r) => r.kind === 'check');
const manual = read(join(__dirname, 'manual'));

const faultTable = (rs: Row[]) =>
  [
    '| fault | sent | answered 200 | log rows | watches | duplicates | lost | double-marked |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rs.map(
      (r) =>
        `| ${r.fault} | ${r.sent} | ${r.accepted} | ${r.logRows} | ${r.watches} | ${r.duplicates} | **${r.lost}** | **${r.doubleMarked}** |`,
    ),
  ].join('\n');
const table = faultTable(faults);
const ingestTable = [
  '| run | sent | answered 200 | in the queue or spool | lost |',
  '|---|---:|---:|---:|---:|',
  ...ingestRows.map((r) => `| ${r.fault} | ${r.sent} | ${r.accepted} | ${r.logRows} | **${r.lost}** |`),
].join('\n');
const notes = [...faults, ...ingestRows]
  .map((r) => `- ${r.fault}: ${r.notes ?? ''} (run ${r.at})`)
  .join('\n');
const checkList = checks
  .map((r) => `- ${r.fault} (run ${r.at}):\n${(r.checks ?? []).map((c) => `  - ${c}`).join('\n')}`)
  .join('\n');
const manualNotes = manual
  .map((r) => `- ${r.fault}: ${r.notes ?? ''} (run ${r.at}${r.command ? `, \`${r.command}\`` : ''})`)
  .join('\n');

/** What the runs by hand show and what they do not; kept with the numbers it talks about. */
const LIMITS = `What was measured and what was not (issue 14 asks for 0 lost for every outage up to 30
minutes, and honest numbers past that):
- Measured: PostgreSQL stopped for 15 s × scale on every suite run (past the CI budget of
  5.1 s), and by hand for 360 s and for 1,800 s (past the production budget of 255 s, which the
  issue's 4-minute loss came from): 0 lost, 0 failed, 0 attempts spent, every known-secret
  webhook answered 200 (17,960 of 17,960 in the 30-minute run), every unknown secret 503.
- Not measured: outages past 30 minutes, higher webhook rates than 10 a second over a long
  outage, and more than one ingest or worker process. Nothing in the path counts time while
  the database is away (known secrets are served from the cache for as long as the outage
  lasts; the paused worker puts a job that hit the outage back with \`moveToDelayed\`, which
  spends no attempt; the rest wait in Redis), so past 30 minutes it is the limits below that
  end the run, not a clock; that is reasoning, not a measurement.
- Redis memory: every webhook of the outage waits in Redis: about 0.8 kB a job with these test
  payloads (measured in the 30-minute run), a few kB with Plex's real 3-4 kB payloads, so at
  10 a second a 30-minute outage is some 18,000 jobs, 14 MB here and tens of MB in
  production. At \`maxmemory\` ingest spools to disk (\`SPOOL_MAX_BYTES\`, 256 MB) and answers
  503 once that is full; the worker backs off (the maxmemory run above).
- Known gaps, by design and not measured here: an ingest process started during the outage has
  an empty cache and answers 503 to every webhook until the database is back; so does a
  secret first used during the outage; a secret revoked less than one TTL (30 s) before the
  outage keeps working until the database is back.`;

const doc = `# Reliability report

Produced by the \`reliability/\` suites (\`npm run test:chaos\` writes this file; \`npm test\` runs
the same suites at scale 1 without rewriting it). Every fault runs against real processes:
ingest and workers as separate OS processes, the real PostgreSQL, and Redis (a private
redis-server when the test kills it). "lost" is webhooks answered 200 without a log row;
"double-marked" is episodes with more than one watch from the run. Both must be 0.

Scale of the runs (1 = what \`npm test\` runs): ${[...new Set(rows.map((r) => r.scale ?? 1))].join(', ')}.

${table}

Ingest alone (no worker runs; "in the queue or spool" counts the 200s whose job is in Redis,
or whose line is in the spool, which drains at the next start):

${ingestTable}

Start-up checks:
${checkList}

Notes per fault:
${notes}

## Outages longer than a CI run, by hand

The suite's PostgreSQL stop lasts 15 s × scale, past a retry budget shortened for CI
(\`JOB_BACKOFF_DELAY_MS\` 20 ms: 9 attempts in 5.1 s). These runs use the production budget
(1 s first delay: 255 s) and the same test (\`reliability/postgres-stopped.int.test.ts\`), with
webhooks arriving at 10 a second all along and the production secret cache TTL (30 s);
the numbers are committed in \`reliability/manual/\`.

${faultTable(manual)}

${manualNotes}

${LIMITS}

How each fault is injected:
- **kill -9 of a worker**: a worker process (concurrency 16) is killed with SIGKILL after a
  quarter of the batch is logged; a second worker takes over the stalled jobs once their
  2 s locks expire. Jobs committed but not acknowledged are recognised by their unique
  \`job_id\` and not processed twice.
- **Redis outage**: a private redis-server (AOF, fsync always) is killed with SIGKILL while
  webhooks keep arriving; ingest answers 200 from its fsync'ed local spool, and the drainer
  moves the spool into the queue once Redis is back. Job ids travel with spooled entries, so
  a drain repeated after a crash cannot create a second job.
- **PostgreSQL outage**: the test database refuses connections
  (\`ALTER DATABASE ... ALLOW_CONNECTIONS false\` + terminating its sessions) for 3 s while a
  worker processes; the worker recognises the unreachable database, pauses, puts the jobs it
  held back in the delayed set without spending an attempt, and resumes when its probe is
  answered. The count of jobs put back comes from the worker's own metric.
- **Worker killed repeatedly**: \`LOCK TABLE plex_webhook_logs IN ACCESS EXCLUSIVE MODE\` from
  another connection holds 16 jobs mid-read; the worker holding them is killed with SIGKILL four
  times, each time after the next one has taken all 16 over; then the lock is released. Every
  job was stalled 4 times (BullMQ's old \`maxStalledCount\` of 2 failed a job unseen at its 3rd).
- **Redis at maxmemory**: a private redis-server (2 MB, \`noeviction\`, no persistence) is
  filled with ballast under a queue of 200 jobs, then the real worker starts against it; the
  error lines in 15 s are counted, \`/readyz\` must answer 503 and \`plexhook_worker_redis_oom\`
  be 1; then maxmemory is raised and every job must be processed. Before this change the issue
  measured 226,590 error lines in 40 s at 75 % CPU and 0 jobs processed.
- **PostgreSQL server stopped**: a private PostgreSQL cluster (\`initdb\` into a temp dir, its own
  port) is stopped with \`pg_ctl stop -m immediate\` (every backend gone, the port refuses
  connections) while ingest and a worker run against it and webhooks arrive at 20 a second;
  the outage outlasts a job's whole retry budget (\`JOB_BACKOFF_DELAY_MS\` shortened to 20 ms in
  CI, so 9 attempts take 5.1 s; the runs by hand above use the production 255 s). Known secrets
  must get 200 from expired cache entries (TTL 2 s), unknown ones 503; the worker must report
  the database down (\`/readyz\` 503), put back the jobs that hit the outage without spending
  an attempt (\`plexhook_worker_jobs_deferred_total\` > 0, \`plexhook_worker_job_failures_total\`
  0, no completed job with a second attempt, none failed), and every accepted webhook must end
  as one log row once the server is back.
- **Dead-letter**: jobs fail in BullMQ the ordinary way (a BullMQ worker whose processor
  throws until the jobs' attempts are exhausted) while the private PostgreSQL server is
  stopped, so no failed row can be written; the real worker then starts against the stopped
  server. Once it is back every job must have exactly one \`failed\` row with its reason; more
  sweeps on the timer, and a freshly started worker sweeping from the stored cursor, must
  write nothing.
- **SIGTERM under keep-alive load**: 32 keep-alive connections post webhooks to the real
  ingest process back to back; SIGTERM; the process must exit 0 within
  \`INGEST_SHUTDOWN_TIMEOUT_MS\` (4 s here) plus 4 s, each connection may get at most one more
  answer (with \`Connection: close\`), no request written to an open connection may be cut
  (before the fix in \`graceful-close.ts\`, http's \`server.close()\` closed idle keep-alive
  connections at once and 8-19 of 32 requests in transit were cut), and every 200 must be in
  the queue.
- **Redis without persistence**: the real ingest and worker against a private redis-server
  with \`--appendonly no --save ""\`, and against one with \`--appendonly yes\`.
- **Lockout**: the real ingest with its default limit (30 failed authentications a minute per
  address): wrong secrets from 127.0.0.1 until 429, then the right secret from the same
  address, interleaved with more wrong ones.
- **Two workers racing on duplicates**: the same scrobble five times on two worker
  processes (\`apps/worker/src/dedupe.int.test.ts\`): one watch, four \`duplicate\` rows.
- **Redis Sentinel failover** (\`reliability/redis-sentinel\`): a master, a replica and three
  sentinels as private processes (down-after 1 s); the real ingest and two workers connect
  through the sentinels (\`REDIS_SENTINELS\`, \`REDIS_WAIT_REPLICAS=1\`) while webhooks arrive
  10 at a time. The master is killed with SIGKILL mid-phase; the sentinels promote the replica;
  the old master is started again from its AOF and becomes the new master's replica; then
  \`SENTINEL FAILOVER\` moves the master back mid-phase. Ingest spools what it cannot queue or
  get a replica to confirm (\`WAIT\`); the spool drains to the new master. Until the demoted
  master has resynced as a replica, nothing can be confirmed and ingest answers from the spool
  (the per-phase counts in the notes). The same run with \`REDIS_WAIT_REPLICAS=0\` (by hand,
  scale 1) lost 2 of 500 accepted webhooks: writes the master acknowledged and its replica did
  not have yet died with it (ARCHITECTURE.md, "Redis topologies"). ioredis's
  \`failoverDetector\` is off: with it, 4 of 11 runs ended ingest's and the workers' Redis
  clients for good (4 of 4 passed without it).
- **Redis Cluster** (\`reliability/redis-cluster\`): three masters made one cluster with
  \`redis-cli --cluster create\`; ingest and two workers with \`REDIS_CLUSTER_NODES\` only. The
  queue prefix is hash-tagged by the apps, so every queue key is under \`{prefix}\` on one
  master and no script fails with CROSSSLOT; the persistence check asks every node, and one
  node without persistence decides it.
- **Many nodes** (\`reliability/many-nodes\`): two ingest processes behind a round-robin proxy
  (\`reliability/round-robin-proxy.ts\`: a refused connection takes a backend out of the
  rotation for 2 s and the request goes to the next; a request cut in flight gets 502) and
  three workers, 16 requests in flight. One ingest is SIGKILLed after a third of the webhooks,
  one worker after half; the ingest is started again on its spool directory afterwards, as a
  StatefulSet pod returns with its volume. "answered 200" counts what the clients were told;
  requests cut by the kill are not accepted, and those that were queued anyway are logged once
  too (counted in the notes).
- **Redis over TLS** (\`reliability/redis-tls\`): a self-signed certificate from openssl, servers
  with no plain-text port, the apps trusting it through \`NODE_EXTRA_CA_CERTS\`: one server,
  Sentinel (TLS to the sentinels and for replication) and Cluster (TLS cluster bus). This
  redis-server (Debian's 7.0) is built with TLS; the suite fails, rather than skips, on one that
  is not.
- **Fuzz**: seeded random inputs (random JSON, wrong types, missing fields, huge strings,
  deep nesting, unicode including NUL and lone surrogates, broken JSON, wrong content types,
  extra multipart parts) through ingest and a worker as processes, each restarted if it exits.
  "crashes" counts what the suite saw, not a constant: process exits of ingest or the worker,
  requests that got no HTTP answer (connection reset or refused) and 5xx answers.
`;
writeFileSync(join(__dirname, '..', 'docs', 'RELIABILITY.md'), doc);
console.log(table);
