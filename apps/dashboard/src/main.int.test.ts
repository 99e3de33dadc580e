import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createTestDb, type TestDb } from '../../../test/helpers/db';
import { spawnApp } from '../../../test/helpers/processes';
import { TEST_REDIS_URL } from '../../../test/helpers/redis';
import { waitFor } from '../../../test/helpers/wait';

let t: TestDb;
const prefix = `test-dashmain-${randomBytes(4).toString('hex')}`;
beforeAll(async () => {
  t = await createTestDb('dashmain');
});
afterAll(async () => {
  await t.drop();
  // BullMQ writes the queue's meta key when the app connects.
  const redis = new Redis(TEST_REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const env = () => ({
  DATABASE_URL: t.url,
  REDIS_URL: TEST_REDIS_URL,
  QUEUE_PREFIX: prefix,
  DASHBOARD_PORT: '0',
});

test('development: prints a generated admin token once, serves, and stops on SIGTERM', async () => {
  const app = spawnApp('dashboard', { ...env(), NODE_ENV: 'development', ADMIN_TOKEN: '' });
  try {
    // The log line and the printed token are separate writes: wait for both, in any order.
    const out = await waitFor(async () => {
      const text = app.output();
      return /dashboard listening/.test(text) && /Use "Authorization: Bearer/.test(text) ? text : null;
    }, 30_000);
    expect(out.match(/No ADMIN_TOKEN set: generated one/g)).toHaveLength(1);
    const token = /generated one[^\n]*\n\s+(\S+)/.exec(out)?.[1];
    expect(token?.length).toBeGreaterThanOrEqual(32);
  } finally {
    expect(await app.stop('SIGTERM')).toBe(0);
  }
});

test('production without ADMIN_TOKEN refuses to start', async () => {
  const app = spawnApp('dashboard', { ...env(), NODE_ENV: 'production', ADMIN_TOKEN: '' });
  try {
    await waitFor(async () => app.child.exitCode !== null, 30_000);
    expect(app.child.exitCode).not.toBe(0);
    expect(app.output()).toMatch(/ADMIN_TOKEN is required/);
  } finally {
    await app.stop();
  }
});
